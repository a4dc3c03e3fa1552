/**
 * Defaults of {@link AdaptiveRateLimiter}, in one place. Rates are requests per second; the CUBIC
 * constants are those of the AWS SDK's adaptive retry mode (`DefaultRateLimiter` in
 * `@smithy/core/retry`).
 */

/** No client-side ceiling: the rate is limited only after the service throttles. */
export const DEFAULT_RATE_LIMIT = Number.POSITIVE_INFINITY;

/** The slowest the limiter ever goes after throttling, in requests per second. */
export const DEFAULT_PACING_MIN_RATE = 0.5;

/**
 * The share of the measured rate kept after a throttle (CUBIC's multiplicative decrease). Deeper
 * than the SDK's 0.7: in a fleet sharing one quota, a deep cut frees the bucket for the processes
 * that are behind, and fewer cuts mean fewer throttled requests (measured: bench fleet-boot).
 */
export const DEFAULT_PACING_BETA = 0.5;

/**
 * How fast the rate grows back after a throttle (CUBIC's scaling constant C). Twice the SDK's 0.4,
 * so that a process the cut left far below its share (or alone on the quota as others finish)
 * climbs back in a second or two rather than many.
 */
export const DEFAULT_PACING_SCALE = 0.8;

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
 * Slow start: before the first throttle, a fresh limiter lets this many requests be in flight and
 * more with each success (PACING_SLOW_START_GROWTH), instead of sending everything at once: twenty processes booting together send twenty requests, not eighty,
 * into a bucket of forty.
 */
export const PACING_INITIAL_WINDOW = 1;

/**
 * Slow start: how much the window grows with each success (1 doubles it every round trip, as
 * TCP's does). Half that grows it by half every round trip: processes booting together have
 * fewer requests in flight when the shared bucket runs dry, and so fewer throttled (measured:
 * bench fleet-boot), while a lone process still reaches its concurrency within a few round trips.
 */
export const PACING_SLOW_START_GROWTH = 0.5;

/**
 * No hurrying for a caller's deadline within this long (ms) of the last throttle: a process the
 * service is throttling keeps to its learned pace (hurrying would only add throttled requests);
 * one that went this long without, while others sharing the quota finish, sends what it holds in
 * time. Half a second rather than one: at a slow learned pace (a request every second or two) a
 * full second cost some fleet boots their deadline (measured: bench fleet-boot, and a simulation).
 */
export const PACING_URGENT_QUIET_MS = 500;

/**
 * Hurrying for a deadline keeps at most this many requests in flight: a burst into a service
 * that turns out to be throttling after all is this many requests, not the whole queue.
 */
export const PACING_URGENT_WINDOW = 4;

/**
 * How many callers in line the pacer looks at for their deadlines each time the head reckons its
 * slot: a long line (thousands of queued reads) then costs no more per request. Callers further
 * back are counted when they get this close to the head.
 */
export const PACING_URGENT_SCAN = 64;

/**
 * The longest a request waits in slow start for an earlier one to be reported (ms): a caller that
 * never reports its ticket slows the start down, never stalls it.
 */
export const PACING_SLOW_START_WAIT_MS = 1_000;


/**
 * After this long with nothing in flight and nothing sent (ms; or two gaps at a slower rate), the
 * pace starts over from what was learned: the rate after the last cut, or a slow-start window of
 * one. Processes idle between refreshes do not come back all at once at rates they never tried.
 */
export const PACING_IDLE_RESTART_MS = 1_000;
