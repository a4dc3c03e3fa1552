import { AuthError, ConfigError, SecretNotFoundError, TransientError, VaultlyError } from '../../errors.js';
import { abortReason } from '../../internal/abort.js';
import { AWS_AUTH_CODES, awsErrorFields } from './awsErrorFields.js';
import { configProblem } from './configProblem.js';
import { isDeserializationError, redactBodyQuote } from './redactBodyQuote.js';

/** What a failed AWS call was about, for the error's message and `path`. */
export interface AwsErrorContext {
  /** The service operation, e.g. `'GetParameter'`. */
  operation: string;
  /** The vaultly paths the call asked for. */
  paths: readonly string[];
  /** The version or label asked for, if any. */
  version?: number | string;
  /** The caller's signal: once it has aborted, its reason wins over whatever the SDK threw. */
  signal?: AbortSignal | undefined;
}

/** What an error code means to vaultly. */
export type AwsErrorKind = 'notFound' | 'auth' | 'config' | 'transient';

/** How one AWS service's error codes map onto vaultly's errors. */
export interface AwsServiceErrors {
  /** The service's name in messages (`'SSM'`, `'Secrets Manager'`). */
  readonly service: string;
  /** Codes that mean the secret does not exist. */
  readonly notFound: readonly string[];
  /** Codes of this service that mean access was refused, beside {@link AWS_AUTH_CODES}. */
  readonly auth: readonly string[];
  /** Codes that mean the request itself is invalid, so retrying cannot help (default: none). */
  readonly invalid?: readonly string[];
  /** What to check when the request is invalid, for the message (`'the secret id and version'`). */
  readonly invalidHint?: string;
}

/** A service's error table with its code lists as sets, built once by {@link awsErrorTable}. */
export interface AwsErrorTable {
  readonly service: string;
  readonly invalidHint: string;
  readonly notFound: ReadonlySet<string>;
  readonly auth: ReadonlySet<string>;
  readonly invalid: ReadonlySet<string>;
}

/**
 * Builds the lookup table {@link mapAwsError} and {@link awsErrorKind} use, once per service.
 * @param errors - the service's codes
 */
export function awsErrorTable(errors: AwsServiceErrors): AwsErrorTable {
  return {
    service: errors.service,
    invalidHint: errors.invalidHint ?? 'the request',
    notFound: new Set(errors.notFound),
    auth: new Set([...AWS_AUTH_CODES, ...errors.auth]),
    invalid: new Set(errors.invalid ?? []),
  };
}

/**
 * What an error code (or a batch's per-id error code) means to vaultly: not found, refused access
 * (also any 401/403), an invalid request, or else transient.
 *
 * @param table - the service's table (see {@link awsErrorTable})
 * @param code - the SDK error name or per-id error code
 * @param status - the HTTP status, if any
 */
export function awsErrorKind(table: AwsErrorTable, code: string, status?: number): AwsErrorKind {
  if (table.notFound.has(code)) return 'notFound';
  if (table.auth.has(code) || status === 401 || status === 403) return 'auth';
  if (table.invalid.has(code)) return 'config';
  return 'transient';
}

/**
 * Maps a failure of an AWS SDK client onto vaultly's errors: by {@link awsErrorKind}, after a
 * missing region or unloadable credentials (→ `ConfigError`). When `context.signal` has aborted,
 * the result is the signal's reason; vaultly's own errors pass through unchanged.
 *
 * The error's `code` is the SDK error name, else a socket code, else the HTTP status; the original
 * error is the `cause`. The message names the path(s) and the error name, never the SDK's message;
 * a deserialization error's own message and stack are redacted in place, because they can quote
 * the response body, which holds secret values.
 *
 * @param error - what `client.send` rejected with
 * @param context - the operation, paths, version and signal of the call
 * @param table - the service's error table (see {@link awsErrorTable})
 * @example
 * ```ts
 * const SSM_ERRORS = awsErrorTable({ service: 'SSM', notFound: ['ParameterNotFound'], auth: [] });
 * try { await client.send(command); } catch (e) { throw mapAwsError(e, { operation: 'GetParameter', paths: [path] }, SSM_ERRORS); }
 * ```
 */
export function mapAwsError(error: unknown, context: AwsErrorContext, table: AwsErrorTable): Error {
  if (context.signal?.aborted === true) return abortReason(context.signal);
  if (VaultlyError.is(error)) return error;
  const { paths } = context;
  const { service } = table;
  const subject =
    (paths.length === 1 ? (paths[0] as string) : `${paths.length} paths (${paths.join(', ')})`) +
    (context.version === undefined ? '' : ` (version ${String(context.version)})`);
  const options = { cause: error, ...(paths.length === 1 ? { path: paths[0] as string } : {}) };
  const config = configProblem(error, service);
  if (config !== undefined) return new ConfigError(`Cannot read ${subject}: ${config.message}`, { ...options, code: config.code });

  const { name, status, code, errorCode } = awsErrorFields(error);
  if (isDeserializationError(error)) redactBodyQuote(error, service);
  const detail = `${service} ${context.operation}: ${name}${code === undefined ? '' : ` ${code}`}${status === undefined ? '' : `, HTTP ${status}`}`;
  const coded = { ...options, ...(errorCode === undefined ? {} : { code: errorCode }) };

  switch (awsErrorKind(table, name, status)) {
    case 'notFound':
      return new SecretNotFoundError(`Secret not found: ${subject} (${detail})`, { ...coded, paths });
    case 'auth':
      return new AuthError(`Access to ${subject} was refused (${detail})`, coded);
    case 'config':
      return new ConfigError(`${service} refused the request for ${subject} as invalid; check ${table.invalidHint} (${detail})`, coded);
    default:
      return new TransientError(`Reading ${subject} failed (${detail})`, coded);
  }
}
