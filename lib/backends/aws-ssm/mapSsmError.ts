import { awsErrorTable, mapAwsError } from '../aws/mapAwsError.js';
import type { AwsErrorContext } from '../aws/mapAwsError.js';

/** What a failed SSM call was about, for the error's message and `path`. */
export type SsmErrorContext = AwsErrorContext;

/** SSM's codes beside the ones every AWS service shares (see `AWS_AUTH_CODES`). */
const SSM_ERRORS = awsErrorTable({
  service: 'SSM',
  notFound: ['ParameterNotFound', 'ParameterVersionNotFound'],
  auth: ['InvalidKeyId', 'KMSAccessDeniedException', 'UnauthorizedAccessException', 'UnauthorizedOperation'],
});

/**
 * Maps a failure of `@aws-sdk/client-ssm` onto vaultly's errors: not found →
 * `SecretNotFoundError`; rejected credentials or denied access (and any 401/403) →
 * `AuthError`; no region or no loadable credentials (`Region is missing`,
 * `CredentialsProviderError`) → `ConfigError`; everything else (throttling, 5xx, timeouts,
 * dropped connections, unparseable responses, unknown codes) → `TransientError`. When
 * `context.signal` has aborted, the result is the signal's reason instead. vaultly's own errors
 * pass through unchanged.
 *
 * The error's `code` is the SSM error name (`'ThrottlingException'`), or a socket code or the HTTP
 * status when there is no name. The original error becomes the `cause`. The message names the
 * path(s) and the SSM error name, never the SDK's message; a deserialization error's own message
 * and stack are redacted in place, because they can quote the response body, which holds secret
 * values.
 *
 * @param error - what `client.send` rejected with
 * @param context - the operation, paths, version and signal of the call
 * @example
 * ```ts
 * try { await client.send(command); } catch (e) { throw mapSsmError(e, { operation: 'GetParameter', paths: [path] }); }
 * ```
 */
export function mapSsmError(error: unknown, context: SsmErrorContext): Error {
  return mapAwsError(error, context, SSM_ERRORS);
}
