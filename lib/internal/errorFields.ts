/**
 * The name of an error, never its message: a foreign error's message may quote the value it
 * failed on, and a thrown non-Error could be anything.
 */
export function errorName(error: unknown): string {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : typeof error;
}

/** A backend's error code: an identifier, never free text that could quote a value. */
const CODE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Generic class names say nothing that `error` does not already. */
const GENERIC_NAMES: ReadonlySet<string> = new Set(['Error', 'TypeError', 'RangeError', 'AggregateError']);

/**
 * What a log record says about a failure: its name, plus the backend's code (`ThrottlingException`)
 * or HTTP status (`503`) when known. Read from `error.code`, else from the cause's name,
 * `$metadata.httpStatusCode` (AWS SDK) or `response.statusCode` (node-vault). Never a message.
 */
export function errorFields(error: unknown): { error: string; code?: string; status?: number } {
  const result: { error: string; code?: string; status?: number } = { error: errorName(error) };
  const own = error as { code?: unknown; cause?: unknown } | null | undefined;
  const cause = (typeof own === 'object' && own !== null ? own.cause : undefined) as
    | { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown }; response?: { statusCode?: unknown } }
    | null
    | undefined;
  const candidates = [own?.code, cause?.code, cause?.name];
  const code = candidates.find((c): c is string => typeof c === 'string' && CODE.test(c) && !GENERIC_NAMES.has(c));
  if (code !== undefined && code !== result.error) result.code = code;
  const statuses = [statusOf(own), statusOf(cause)];
  const status = statuses.find((s): s is number => s !== undefined);
  if (status !== undefined) result.status = status;
  return result;
}

function statusOf(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { $metadata?: { httpStatusCode?: unknown }; response?: { statusCode?: unknown } };
  const status = v.$metadata?.httpStatusCode ?? v.response?.statusCode;
  return typeof status === 'number' && Number.isInteger(status) ? status : undefined;
}

