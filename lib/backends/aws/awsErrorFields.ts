/**
 * Codes that mean "these credentials or this principal will not do", on every AWS service. Each
 * backend adds its own (`DecryptionFailure`, `KMSAccessDeniedException`, ...). Clock-skew codes
 * (`RequestExpired`, `RequestTimeTooSkewed`, ...) are deliberately absent: the SDK corrects its
 * clock from the failed response, so a retry can succeed.
 */
export const AWS_AUTH_CODES: readonly string[] = [
  'AccessDeniedException',
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
];

/** What vaultly reads off an AWS SDK error, all of it safe to put in a message. */
export interface AwsErrorFields {
  /** The SDK error name (`'ThrottlingException'`), or `'UnknownError'` when there is none. */
  readonly name: string;
  /** The HTTP status of the answer, if there was one. */
  readonly status: number | undefined;
  /** A socket or SDK code (`'ECONNRESET'`) other than the name, if any. */
  readonly code: string | undefined;
  /** Machine-readable for retry logs: the SDK error name, else the socket code, else the HTTP status. */
  readonly errorCode: string | undefined;
}

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * Reads the name, HTTP status and socket code of an AWS SDK error (duck-typed: the SDK may build
 * it in another realm), and the `code` a vaultly error should carry.
 *
 * @param error - what `client.send` rejected with
 * @example
 * ```ts
 * const { name, status, errorCode } = awsErrorFields(error);
 * ```
 */
export function awsErrorFields(error: unknown): AwsErrorFields {
  const fields: SdkErrorShape = typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
  const name = typeof fields.name === 'string' && fields.name.length > 0 ? fields.name : 'UnknownError';
  const status = typeof fields.$metadata?.httpStatusCode === 'number' ? fields.$metadata.httpStatusCode : undefined;
  const code = typeof fields.code === 'string' && fields.code !== name ? fields.code : undefined;
  const errorCode = name !== 'UnknownError' && name !== 'Error' ? name : (code ?? (status === undefined ? undefined : String(status)));
  return { name, status, code, errorCode };
}
