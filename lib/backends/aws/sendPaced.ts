import { raceAbort } from '../../internal/abort.js';
import type { AdaptiveRateLimiter } from '../pacing/AdaptiveRateLimiter.js';
import { isThrottlingError } from '../pacing/isThrottlingError.js';
import { retryAfterOf } from '../pacing/retryAfterOf.js';
import { markThrottled } from '../pacing/throttleInfo.js';

/**
 * Sends one request behind `limiter` (when there is one) and tells it how the request went: a
 * success grows the pace, a throttle slows it (honouring `Retry-After`). Failures go through
 * `map` (and free the request's slot in the pacer); a throttled one comes back marked, so `RetryingBackend` knows whether it was paced.
 * The signal wins the race against the request.
 *
 * @param limiter - the backend's pacer, or `undefined` for none
 * @param send - sends the request
 * @param signal - the caller's signal, if any
 * @param map - turns what `send` rejected with into vaultly's error
 * @param timeLeft - ms until the caller wants the request sent and answered (see `BackendGetOptions.timeLeft`)
 * @example
 * ```ts
 * const output = await sendPaced(this.#limiter, () => client.send(command, abortOption(signal)), signal, (e) => mapSsmError(e, context));
 * ```
 */
export async function sendPaced<O>(
  limiter: AdaptiveRateLimiter | undefined,
  send: () => Promise<O>,
  signal: AbortSignal | undefined,
  map: (error: unknown) => Error,
  timeLeft?: () => number,
): Promise<O> {
  const ticket = limiter === undefined ? 0 : await limiter.acquire(signal, timeLeft);
  try {
    const output = await raceAbort(send(), signal);
    limiter?.onSuccess(ticket);
    return output;
  } catch (error) {
    const mapped = map(error);
    if (!isThrottlingError(error) || signal?.aborted === true) {
      limiter?.onFailure(ticket);
      throw mapped;
    }
    const retryAfter = retryAfterOf(error);
    limiter?.onThrottle(ticket, retryAfter);
    throw markThrottled(mapped, { paced: limiter !== undefined, ...(retryAfter === undefined ? {} : { retryAfter }) });
  }
}
