import { AdaptiveRateLimiter } from 'vaultly';

import { PACING_SLOW_START_WAIT_MS } from '../../lib/backends/pacing/constants.js';

/**
 * A limiter on a clock that moves only when the test lets a sleep end (`advance`): while the test
 * does not advance it, nothing paced can go, so a request that reaches the wire then went without a
 * paced turn. Slow start's wait for a report never ends on its own (as in real time, where the
 * answer comes well within it). No jitter.
 */
export function heldClockLimiter() {
  let t = 0;
  // Slow start's wait for a report happens only before the first throttle (no rateLimit here).
  const slowStartWait = (ms: number): boolean => ms === PACING_SLOW_START_WAIT_MS && !Number.isFinite(limiter.rate);
  const sleeping: { until: number; wake: () => void }[] = [];
  const limiter = new AdaptiveRateLimiter({
    now: () => t,
    random: () => 0.5,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        if (!slowStartWait(ms)) sleeping.push({ until: t + ms, wake: resolve });
      }),
  });
  /** Ends the earliest sleep, moving the clock to its end; false when none is pending. */
  const advance = (): boolean => {
    sleeping.sort((a, b) => a.until - b.until);
    const next = sleeping.shift();
    if (next === undefined) return false;
    t = Math.max(t, next.until);
    next.wake();
    return true;
  };
  return { limiter, now: () => t, advance };
}

/** Grows slow start's window to `1 + successes / 2` on the limiter's clock (no time passes). */
export async function grow(limiter: AdaptiveRateLimiter, successes: number): Promise<void> {
  for (let i = 0; i < successes; i++) limiter.onSuccess(await limiter.acquire());
}
