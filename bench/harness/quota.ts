/** A request-rate quota as the loopback servers enforce it: a token bucket. */
export interface Quota {
  /** Requests per second the bucket refills with. */
  readonly rate: number;
  /** Requests a full bucket lets through at once. */
  readonly burst: number;
}

/** The shortest a run can take, in seconds, however it paces: never below half a second. */
export const MIN_QUOTA_FLOOR_SECONDS = 0.5;

/**
 * The quota's floor for `requests` requests starting on a full bucket: the burst goes at once and
 * the rest at `rate`, so `(requests - burst) / rate` seconds, at least {@link MIN_QUOTA_FLOOR_SECONDS}.
 */
export function quotaFloorSeconds(requests: number, quota: Quota): number {
  return Math.max(MIN_QUOTA_FLOOR_SECONDS, (requests - quota.burst) / quota.rate);
}

/**
 * The most requests in any window of `windowMs` (sliding: each window starts at a request), so a
 * burst that straddles a second boundary is counted whole.
 * @param times - request arrival times in milliseconds, any order
 */
export function maxPerWindow(times: readonly number[], windowMs = 1_000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    while (end < sorted.length && (sorted[end] as number) < (sorted[start] as number) + windowMs) end++;
    max = Math.max(max, end - start);
  }
  return max;
}

/** Requests per fixed one-second window from `from` (ms), oldest first: the shape of the traffic. */
export function perSecond(times: readonly number[], from: number): number[] {
  const counts: number[] = [];
  for (const t of times) {
    const i = Math.floor((t - from) / 1_000);
    if (i < 0) continue;
    while (counts.length <= i) counts.push(0);
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}
