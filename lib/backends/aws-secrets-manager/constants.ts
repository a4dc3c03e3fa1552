import {
  DEFAULT_AWS_BATCH_CONCURRENCY,
  DEFAULT_AWS_CONNECTION_TIMEOUT_MS,
  DEFAULT_AWS_MAX_ATTEMPTS,
  DEFAULT_AWS_REQUEST_TIMEOUT_MS,
} from '../aws/constants.js';

/**
 * Defaults of `AWSSecretsManagerBackend`, in one place. Durations here are milliseconds, as the
 * SDK takes them; the client defaults are the ones every AWS backend shares (`../aws/constants.ts`).
 */

/** How long a connection may take to open, when the backend builds its own client (2 s). */
export const DEFAULT_SECRETS_MANAGER_CONNECTION_TIMEOUT_MS = DEFAULT_AWS_CONNECTION_TIMEOUT_MS;

/** How long a request may wait for its response, when the backend builds its own client (5 s). */
export const DEFAULT_SECRETS_MANAGER_REQUEST_TIMEOUT_MS = DEFAULT_AWS_REQUEST_TIMEOUT_MS;

/**
 * SDK attempts per call when the backend builds its own client: one, because vaultly's
 * `RetryingBackend` owns retries and their deadline (retry in one layer, not both).
 */
export const DEFAULT_SECRETS_MANAGER_MAX_ATTEMPTS = DEFAULT_AWS_MAX_ATTEMPTS;

/** How many `BatchGetSecretValue` calls `getBatch` keeps in flight at once. */
export const DEFAULT_SECRETS_MANAGER_BATCH_CONCURRENCY = DEFAULT_AWS_BATCH_CONCURRENCY;

/** The most secret ids Secrets Manager's `BatchGetSecretValue` accepts in one `SecretIdList`. */
export const SECRETS_MANAGER_BATCH_CHUNK_SIZE = 20;

/** The staging label a read without a version gets: the secret's current value. */
export const SECRETS_MANAGER_CURRENT_STAGE = 'AWSCURRENT';

/** What separates a secret id from the JSON key to read (`prod/db#password`). Secret names cannot hold it. */
export const SECRETS_MANAGER_KEY_SEPARATOR = '#';
