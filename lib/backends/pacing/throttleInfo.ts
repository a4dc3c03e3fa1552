import { isThrottlingError } from './isThrottlingError.js';
import { retryAfterOf } from './retryAfterOf.js';

/** What a backend learnt from a throttling answer, for `RetryingBackend`. */
export interface ThrottleInfo {
  /**
   * Whether the backend's own rate limiter has already slowed down for it: the next attempt waits
   * its turn there, so a retry needs no backoff of its own and does not spend `maxAttempts`.
   */
  readonly paced: boolean;
  /** The seconds the service asked to wait (`Retry-After`), when it said. */
  readonly retryAfter?: number;
}

// Symbol.for: a second copy of vaultly in the process reads the same mark.
const THROTTLE: unique symbol = Symbol.for('vaultly.throttle') as never;

/**
 * Marks `error` (a vaultly error a backend is about to throw) as a throttling failure, out of
 * sight (a non-enumerable property). Returns `error`.
 */
export function markThrottled<E extends Error>(error: E, info: ThrottleInfo): E {
  try {
    Object.defineProperty(error, THROTTLE, { value: Object.freeze({ ...info }), configurable: true });
  } catch {
    // A frozen error stays unmarked: it is retried as any other TransientError.
  }
  return error;
}

/**
 * What is known about `error` as a throttling failure: the mark a backend set, else what its
 * `cause` says (a throttling name or status, a `Retry-After`), unpaced. `undefined` when it is no
 * throttling failure.
 */
export function throttleInfo(error: unknown): ThrottleInfo | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const mark = (error as { [THROTTLE]?: unknown })[THROTTLE];
  if (typeof mark === 'object' && mark !== null) return mark as ThrottleInfo;
  const cause = (error as { cause?: unknown }).cause;
  for (const candidate of [error, cause]) {
    const retryAfter = retryAfterOf(candidate);
    if (isThrottlingError(candidate) || retryAfter !== undefined) {
      return retryAfter === undefined ? { paced: false } : { paced: false, retryAfter };
    }
  }
  return undefined;
}
