/** Defaults of `RetryingBackend`. Durations are seconds. */

/** How many times a read is attempted in all, the first one included. */
export const DEFAULT_RETRY_MAX_ATTEMPTS = 3;

/** The delay before the first retry, before jitter. Doubles with each further retry. */
export const DEFAULT_RETRY_BASE_DELAY = 0.5;

/** The longest delay between two attempts, before jitter. */
export const DEFAULT_RETRY_MAX_DELAY = 4;

/** The hard bound on a whole call: every attempt and every sleep between them. */
export const DEFAULT_RETRY_TOTAL_TIMEOUT = 10;

/** Whether delays are multiplied by a uniform random number in [0, 1) ("full jitter"). */
export const DEFAULT_RETRY_JITTER = true;

/** The longest `totalTimeout` a Node timer can hold (2^31 - 1 ms); longer ones would fire at once. */
export const MAX_RETRY_TOTAL_TIMEOUT = 2_147_483.647;
