import { AuthError, ConfigError, SecretNotFoundError, TransientError, VaultlyError } from '../../errors.js';
import { abortReason } from '../../internal/abort.js';

/** What a failed SSM call was about, for the error's message and `path`. */
export interface SsmErrorContext {
  /** The SSM operation, e.g. `'GetParameter'`. */
  operation: string;
  /** The vaultly paths the call asked for. */
  paths: readonly string[];
  /** The version or label asked for, if any. */
  version?: number | string;
  /** The caller's signal: once it has aborted, its reason wins over whatever the SDK threw. */
  signal?: AbortSignal | undefined;
}

const NOT_FOUND: ReadonlySet<string> = new Set(['ParameterNotFound', 'ParameterVersionNotFound']);

/**
 * Codes that mean "these credentials or this principal will not do". Clock-skew codes
 * (`RequestExpired`, `RequestTimeTooSkewed`, ...) are deliberately absent: the SDK corrects its
 * clock from the failed response, so a retry can succeed.
 */
const AUTH: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidKeyId',
  'InvalidSignatureException',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'InvalidClientTokenId',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'NotAuthorized',
  'OptInRequired',
  'SignatureDoesNotMatch',
  'KMSAccessDeniedException',
  'UnauthorizedAccessException',
  'UnauthorizedOperation',
]);

/**
 * The SDK's credential chain found nothing usable (`CredentialsProviderError: Could not load
 * credentials from any providers`, an expired SSO session, a broken profile): retrying the same
 * configuration cannot help, so these are `ConfigError`s.
 */
const CREDENTIALS_CONFIG: ReadonlySet<string> = new Set(['CredentialsProviderError', 'TokenProviderError', 'ProviderError']);

/**
 * The SDK throws a plain `Error` when no region is configured (`Region is missing`) or the region
 * cannot be a host name (`Region not accepted: ...`); its message is the only signal there is.
 * Should the SDK reword it, the error falls back to a `TransientError`, as before.
 */
const REGION_CONFIG = /^Region (?:is missing|not accepted)/;

interface SdkErrorFields {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $response?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * Maps a failure of `@aws-sdk/client-ssm` onto vaultly's errors: not found →
 * {@link SecretNotFoundError}; rejected credentials or denied access (and any 401/403) →
 * {@link AuthError}; no region or no loadable credentials (`Region is missing`,
 * `CredentialsProviderError`) → {@link ConfigError}; everything else (throttling, 5xx, timeouts,
 * dropped connections, unparseable responses, unknown codes) → {@link TransientError}. When `context.signal` has aborted, the result
 * is the signal's reason instead. vaultly's own errors pass through unchanged.
 *
 * The error's `code` is the SSM error name (`'ThrottlingException'`), or a socket code or the HTTP
 * status when there is no name. The original error becomes the `cause`. The message names the
 * path(s) and the SSM error name, never the SDK's message; a deserialization error's own message and stack are redacted in place,
 * because they can quote the response body, which holds secret values.
 *
 * @param error - what `client.send` rejected with
 * @param context - the operation, paths, version and signal of the call
 * @example
 * ```ts
 * try { await client.send(command); } catch (e) { throw mapSsmError(e, { operation: 'GetParameter', paths: [path] }); }
 * ```
 */
export function mapSsmError(error: unknown, context: SsmErrorContext): Error {
  if (context.signal?.aborted === true) return abortReason(context.signal);
  if (VaultlyError.is(error)) return error;
  const { paths } = context;
  const subject =
    (paths.length === 1 ? (paths[0] as string) : `${paths.length} paths (${paths.join(', ')})`) +
    (context.version === undefined ? '' : ` (version ${String(context.version)})`);
  const options = { cause: error, ...(paths.length === 1 ? { path: paths[0] as string } : {}) };
  const config = configProblem(error);
  if (config !== undefined) return new ConfigError(`Cannot read ${subject}: ${config.message}`, { ...options, code: config.code });

  const fields: SdkErrorFields = typeof error === 'object' && error !== null ? (error as SdkErrorFields) : {};
  const name = typeof fields.name === 'string' && fields.name.length > 0 ? fields.name : 'UnknownError';
  const status = typeof fields.$metadata?.httpStatusCode === 'number' ? fields.$metadata.httpStatusCode : undefined;
  const code = typeof fields.code === 'string' && fields.code !== name ? fields.code : undefined;
  if (error instanceof Error && fields.$response !== undefined && fields.$fault === undefined) redactBodyQuote(error);

  const detail = `SSM ${context.operation}: ${name}${code === undefined ? '' : ` ${code}`}${status === undefined ? '' : `, HTTP ${status}`}`;
  // Machine-readable for retry logs: the SDK error name, else a socket code, else the HTTP status.
  const errorCode = name !== 'UnknownError' && name !== 'Error' ? name : (code ?? (status === undefined ? undefined : String(status)));
  const coded = { ...options, ...(errorCode === undefined ? {} : { code: errorCode }) };

  if (NOT_FOUND.has(name)) return new SecretNotFoundError(`Secret not found: ${subject} (${detail})`, { ...coded, paths });
  if (AUTH.has(name) || status === 401 || status === 403) {
    return new AuthError(`Access to ${subject} was refused (${detail})`, coded);
  }
  return new TransientError(`Reading ${subject} failed (${detail})`, coded);
}

/** A missing region or credentials configuration, which no retry can fix; the SDK's message is not quoted. */
function configProblem(error: unknown): { message: string; code: string } | undefined {
  // Duck-typed: the SDK may build the error in another realm (jest's VM modules do).
  const { name, message } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown };
  if (typeof name !== 'string') return undefined;
  if (CREDENTIALS_CONFIG.has(name)) {
    return {
      code: name,
      message:
        `the AWS SDK could not load credentials for SSM (${name}): configure them (environment, ` +
        'shared config profile, instance or container role) or pass clientConfig.credentials',
    };
  }
  if (name === 'Error' && typeof message === 'string' && REGION_CONFIG.test(message)) {
    return {
      code: 'RegionConfigError',
      message: 'the AWS SDK has no valid region for SSM: pass options.region (or clientConfig.region) or set AWS_REGION',
    };
  }
  return undefined;
}

/** A JSON parse error's message can quote the body; keep the error, drop the quote. */
function redactBodyQuote(error: Error): void {
  const message = 'the SSM response could not be parsed (message withheld: it may quote the body)';
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  try {
    Object.defineProperty(error, 'message', { value: message, configurable: true, writable: true });
    Object.defineProperty(error, 'stack', {
      value: [`${error.name}: ${message}`, ...frames].join('\n'),
      configurable: true,
      writable: true,
    });
    if ('$responseBodyText' in error) Object.defineProperty(error, '$responseBodyText', { value: undefined });
  } catch {
    // A frozen error cannot be redacted; our own message never quotes it anyway.
  }
}
