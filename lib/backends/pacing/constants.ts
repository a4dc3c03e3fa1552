/**
 * Defaults of {@link AdaptiveRateLimiter}, in one place. Rates are requests per second; the CUBIC
 * constants are those of the AWS SDK's adaptive retry mode (`DefaultRateLimiter` in
 * `@smithy/core/retry`).
 */

/** No client-side ceiling: the rate is limited only after the service throttles. */
export const DEFAULT_RATE_LIMIT = Number.POSITIVE_INFINITY;

/** The slowest the limiter ever goes after throttling, in requests per second. */
export const DEFAULT_PACING_MIN_RATE = 0.5;

/** The share of the measured rate kept after a throttle (CUBIC's multiplicative decrease). */
export const DEFAULT_PACING_BETA = 0.7;

/** How fast the rate grows back after a throttle (CUBIC's scaling constant C). */
export const DEFAULT_PACING_SCALE = 0.4;

/** The window over which the sending rate is measured, in milliseconds. */
export const PACING_RATE_WINDOW_MS = 1_000;

/** The longest `Retry-After` honoured, in seconds: a longer one is read as this (the deadline bounds the rest). */
export const MAX_RETRY_AFTER = 60;

/**
 * On the first throttle, the rate is cut from what the service granted over the last window (the
 * requests that succeeded) rather than from what was sent, but from no less than this share of
 * what was sent. Processes that boot together drain a shared bucket at once; what got through is
 * each one's share, so the fleet starts pacing near the quota instead of far above it.
 */
export const PACING_FIRST_CUT_SENT_SHARE = 0.5;

/**
 * Spacing between paced requests varies by up to this share either way (uniformly, same mean), so
 * processes that started together do not reach the service in lockstep.
 */
export const PACING_JITTER = 0.25;

/**
 * After the first cut, until a second throttle, the rate doubles at least this often (seconds).
 */
export const PACING_RAMP_SECONDS = 0.25;
