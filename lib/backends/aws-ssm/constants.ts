import {
  DEFAULT_AWS_BATCH_CONCURRENCY,
  DEFAULT_AWS_CONNECTION_TIMEOUT_MS,
  DEFAULT_AWS_MAX_ATTEMPTS,
  DEFAULT_AWS_REQUEST_TIMEOUT_MS,
} from '../aws/constants.js';

/**
 * Defaults of `AWSSSMBackend`, in one place. Durations here are milliseconds, as the SDK takes
 * them; the client defaults are the ones every AWS backend shares (`../aws/constants.ts`).
 */

/** How long a connection may take to open, when the backend builds its own client (2 s). */
export const DEFAULT_SSM_CONNECTION_TIMEOUT_MS = DEFAULT_AWS_CONNECTION_TIMEOUT_MS;

/** How long a request may wait for its response, when the backend builds its own client (5 s). */
export const DEFAULT_SSM_REQUEST_TIMEOUT_MS = DEFAULT_AWS_REQUEST_TIMEOUT_MS;

/**
 * SDK attempts per call when the backend builds its own client: one, because vaultly's
 * `RetryingBackend` owns retries and their deadline (retry in one layer, not both).
 */
export const DEFAULT_SSM_MAX_ATTEMPTS = DEFAULT_AWS_MAX_ATTEMPTS;

/** Whether SecureString values are decrypted. */
export const DEFAULT_SSM_WITH_DECRYPTION = true;

/** How many `GetParameters` chunks `getBatch` keeps in flight at once. */
export const DEFAULT_SSM_BATCH_CONCURRENCY = DEFAULT_AWS_BATCH_CONCURRENCY;

/** The most names SSM's `GetParameters` accepts in one call. */
export const SSM_GET_PARAMETERS_CHUNK_SIZE = 10;
