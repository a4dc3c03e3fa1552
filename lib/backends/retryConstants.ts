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

/**
 * How many times one read (or one owed request of a batch) may be re-queued behind its backend's
 * pacer after a throttle without spending an attempt; past that, throttles count as attempts.
 */
export const MAX_PACED_RETRIES = 50;

/**
 * How many owed requests of one batch `RetryingBackend` retries at once (each still on its own
 * backoff); the rest wait for a slot. A backend's pacer may space them further.
 */
export const RETRY_BATCH_CONCURRENCY = 8;

/**
 * A call's paced requests aim to be sent within this share of its `totalTimeout` (see
 * `BackendGetOptions.timeLeft`): a process whose learned share of a throttling service's quota
 * would leave its requests queued past the deadline goes faster near it, rather than failing with
 * quota to spare (measured: bench fleet-boot). The rest of the deadline is left for the answers.
 */
export const PACED_DEADLINE_SHARE = 0.9;
