/** Defaults of the loopback Secrets Manager server, in one place. */

/** Region named in ARNs when none is given. */
export const DEFAULT_SECRETS_MANAGER_SERVER_REGION = 'us-east-1';

/** Account id named in ARNs when none is given. */
export const DEFAULT_SECRETS_MANAGER_SERVER_ACCOUNT_ID = '123456789012';

/** The `X-Amz-Target` prefix of every Secrets Manager operation (`secretsmanager.GetSecretValue`). */
export const SECRETS_MANAGER_TARGET_PREFIX = 'secretsmanager.';

/** Secrets Manager's content type (the awsJson1_1 protocol). */
export const SECRETS_MANAGER_CONTENT_TYPE = 'application/x-amz-json-1.1';

/** The most ids one `BatchGetSecretValue` `SecretIdList` may hold. */
export const SECRETS_MANAGER_MAX_BATCH_IDS = 20;

/** How many per-secret answers one `BatchGetSecretValue` page holds when nothing else is set. */
export const DEFAULT_SECRETS_MANAGER_BATCH_PAGE_SIZE = 20;

/** The staging labels Secrets Manager itself moves during a rotation. */
export const SECRETS_MANAGER_STAGES = Object.freeze({ current: 'AWSCURRENT', previous: 'AWSPREVIOUS', pending: 'AWSPENDING' } as const);
