import { AuthError, ConfigError, SecretNotFoundError, TransientError, VaultlyError } from '../../errors.js';
import { abortReason } from '../../internal/abort.js';

/** What a failed Secrets Manager call was about, for the error's message and `path`. */
export interface SecretsManagerErrorContext {
  /** The Secrets Manager operation, e.g. `'GetSecretValue'`. */
  operation: string;
  /** The vaultly paths the call asked for. */
  paths: readonly string[];
  /** The version id or staging label asked for, if any. */
  version?: number | string;
  /** The caller's signal: once it has aborted, its reason wins over whatever the SDK threw. */
  signal?: AbortSignal | undefined;
}

/** What an error code means to vaultly, for both whole-call errors and `BatchGetSecretValue`'s per-id `ErrorCode`. */
export type SecretsManagerErrorKind = 'notFound' | 'auth' | 'config' | 'transient';

/**
 * `InvalidRequestException` is what a read of a secret scheduled for deletion gets ("marked for
 * deletion"): until someone restores it, the secret cannot be read however often we retry, so it
 * counts as not found, like a deleted one. Secrets Manager sends it for no other read failure.
 */
const NOT_FOUND: ReadonlySet<string> = new Set(['ResourceNotFoundException', 'InvalidRequestException']);

/**
 * Codes that mean "these credentials or this principal will not do". `DecryptionFailure` is KMS
 * refusing the key (usually a missing `kms:Decrypt` grant). Clock-skew codes are deliberately
 * absent: the SDK corrects its clock from the failed response, so a retry can succeed.
 */
const AUTH: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'DecryptionFailure',
  'UnrecognizedClientException',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidSignatureException',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'InvalidClientTokenId',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'NotAuthorized',
  'OptInRequired',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
]);

/** The request itself is wrong (a malformed secret id or version): retrying cannot help. */
const CONFIG: ReadonlySet<string> = new Set(['InvalidParameterException', 'ValidationException']);

/** What an error code (or `BatchGetSecretValue` per-id `ErrorCode`) means to vaultly. */
export function secretsManagerErrorKind(code: string, status?: number): SecretsManagerErrorKind {
  if (NOT_FOUND.has(code)) return 'notFound';
  if (AUTH.has(code) || status === 401 || status === 403) return 'auth';
  if (CONFIG.has(code)) return 'config';
  return 'transient';
}

interface SdkErrorFields {
  name?: unknown;
  $fault?: unknown;
  $response?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * Maps a failure of `@aws-sdk/client-secrets-manager` onto vaultly's errors:
 * `ResourceNotFoundException`, and `InvalidRequestException` (a secret scheduled for deletion) →
 * {@link SecretNotFoundError}; denied access, `DecryptionFailure`, rejected credentials and any
 * 401/403 → {@link AuthError}; `InvalidParameterException`/`ValidationException` (a malformed
 * secret id) → {@link ConfigError}; everything else (throttling, 5xx, timeouts, dropped
 * connections, unparseable responses, unknown codes) → {@link TransientError}. When
 * `context.signal` has aborted, the result is the signal's reason instead. vaultly's own errors
 * pass through unchanged.
 *
 * The original error becomes the `cause`. The message names the path(s) and the error name, never
 * the SDK's message; a deserialization error's own message and stack are redacted in place,
 * because they can quote the response body, which holds secret values.
 *
 * @param error - what `client.send` rejected with
 * @param context - the operation, paths, version and signal of the call
 * @example
 * ```ts
 * try { await client.send(command); } catch (e) { throw mapSecretsManagerError(e, { operation: 'GetSecretValue', paths: [path] }); }
 * ```
 */
export function mapSecretsManagerError(error: unknown, context: SecretsManagerErrorContext): Error {
  if (context.signal?.aborted === true) return abortReason(context.signal);
  if (VaultlyError.is(error)) return error;
  const fields: SdkErrorFields = typeof error === 'object' && error !== null ? (error as SdkErrorFields) : {};
  const name = typeof fields.name === 'string' && fields.name.length > 0 ? fields.name : 'UnknownError';
  const status = typeof fields.$metadata?.httpStatusCode === 'number' ? fields.$metadata.httpStatusCode : undefined;
  if (error instanceof Error && fields.$response !== undefined && fields.$fault === undefined) redactBodyQuote(error);

  const { paths } = context;
  const subject =
    (paths.length === 1 ? (paths[0] as string) : `${paths.length} paths (${paths.join(', ')})`) +
    (context.version === undefined ? '' : ` (version ${String(context.version)})`);
  const detail = `Secrets Manager ${context.operation}: ${name}${status === undefined ? '' : `, HTTP ${status}`}`;
  const options = { cause: error, ...(paths.length === 1 ? { path: paths[0] as string } : {}) };

  switch (secretsManagerErrorKind(name, status)) {
    case 'notFound':
      return new SecretNotFoundError(`Secret not found: ${subject} (${detail})`, { ...options, paths });
    case 'auth':
      return new AuthError(`Access to ${subject} was refused (${detail})`, options);
    case 'config':
      return new ConfigError(`Secrets Manager refused the request for ${subject} as invalid; check the secret id and version (${detail})`, options);
    default:
      return new TransientError(`Reading ${subject} failed (${detail})`, options);
  }
}

/**
 * A JSON parse error's message can quote the body; keep the error, drop the quote. (The same
 * redaction as `mapSsmError`'s, kept here so that this entry point does not load the SSM one.)
 */
function redactBodyQuote(error: Error): void {
  const message = 'the Secrets Manager response could not be parsed (message withheld: it may quote the body)';
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
