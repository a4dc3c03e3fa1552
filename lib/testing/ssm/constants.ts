/** Defaults of the loopback SSM server, in one place. */

/** Region that ARNs in responses name when `startSsmServer` is given none. */
export const DEFAULT_SSM_REGION = 'us-east-1';

/** Account id that ARNs in responses name when `startSsmServer` is given none. */
export const DEFAULT_SSM_ACCOUNT_ID = '123456789012';

/** The `X-Amz-Target` prefix of every SSM operation. */
export const SSM_TARGET_PREFIX = 'AmazonSSM.';

/** Content type of SSM's JSON 1.1 protocol, for requests and responses alike. */
export const SSM_CONTENT_TYPE = 'application/x-amz-json-1.1';

/** `GetParameters` accepts at most this many names. */
export const SSM_GET_PARAMETERS_MAX_NAMES = 10;

/** `GetParametersByPath` pages hold at most this many parameters (also its default). */
export const SSM_BY_PATH_MAX_RESULTS = 10;

/** A parameter version holds at most this many labels. */
export const SSM_MAX_LABELS_PER_VERSION = 10;

/** The KMS key SSM encrypts a SecureString with when none is named; every loopback SecureString uses it. */
export const SSM_DEFAULT_KEY_ID = 'alias/aws/ssm';
