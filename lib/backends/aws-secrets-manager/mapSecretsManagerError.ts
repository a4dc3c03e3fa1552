import { awsErrorKind, awsErrorTable, mapAwsError } from '../aws/mapAwsError.js';
import type { AwsErrorContext, AwsErrorKind } from '../aws/mapAwsError.js';

/** What a failed Secrets Manager call was about, for the error's message and `path`. */
export type SecretsManagerErrorContext = AwsErrorContext;

/** What an error code means to vaultly, for both whole-call errors and `BatchGetSecretValue`'s per-id `ErrorCode`. */
export type SecretsManagerErrorKind = AwsErrorKind;

/**
 * Secrets Manager's codes beside the ones every AWS service shares (see `AWS_AUTH_CODES`).
 *
 * `InvalidRequestException` is what a read of a secret scheduled for deletion gets ("marked for
 * deletion"): until someone restores it, the secret cannot be read however often we retry, so it
 * counts as not found, like a deleted one. Secrets Manager sends it for no other read failure.
 * `DecryptionFailure` is KMS refusing the key (usually a missing `kms:Decrypt` grant). A malformed
 * secret id or version is invalid: retrying cannot help.
 */
const SECRETS_MANAGER_ERRORS = awsErrorTable({
  service: 'Secrets Manager',
  notFound: ['ResourceNotFoundException', 'InvalidRequestException'],
  auth: ['DecryptionFailure'],
  invalid: ['InvalidParameterException', 'ValidationException'],
  invalidHint: 'the secret id and version',
});

/** What an error code (or `BatchGetSecretValue` per-id `ErrorCode`) means to vaultly. */
export function secretsManagerErrorKind(code: string, status?: number): SecretsManagerErrorKind {
  return awsErrorKind(SECRETS_MANAGER_ERRORS, code, status);
}

/**
 * Maps a failure of `@aws-sdk/client-secrets-manager` onto vaultly's errors:
 * `ResourceNotFoundException`, and `InvalidRequestException` (a secret scheduled for deletion) →
 * `SecretNotFoundError`; denied access, `DecryptionFailure`, rejected credentials and any
 * 401/403 → `AuthError`; `InvalidParameterException`/`ValidationException` (a malformed
 * secret id), no region or no loadable credentials (`Region is missing`,
 * `CredentialsProviderError`) → `ConfigError`; everything else (throttling, 5xx, timeouts,
 * dropped connections, unparseable responses, unknown codes) → `TransientError`. When
 * `context.signal` has aborted, the result is the signal's reason instead. vaultly's own errors
 * pass through unchanged.
 *
 * The error's `code` is the Secrets Manager error name (`'ThrottlingException'`), or a socket code
 * or the HTTP status when there is no name. The original error becomes the `cause`. The message
 * names the path(s) and the error name, never the SDK's message; a deserialization error's own
 * message and stack are redacted in place, because they can quote the response body, which holds
 * secret values.
 *
 * @param error - what `client.send` rejected with
 * @param context - the operation, paths, version and signal of the call
 * @example
 * ```ts
 * try { await client.send(command); } catch (e) { throw mapSecretsManagerError(e, { operation: 'GetSecretValue', paths: [path] }); }
 * ```
 */
export function mapSecretsManagerError(error: unknown, context: SecretsManagerErrorContext): Error {
  return mapAwsError(error, context, SECRETS_MANAGER_ERRORS);
}
