/** Location and spread of a set of samples. */
export interface Summary {
  readonly median: number;
  /** First quartile. */
  readonly p25: number;
  /** Third quartile. */
  readonly p75: number;
  readonly min: number;
  readonly max: number;
  readonly samples: number;
}

/** Median, quartiles and range of `values` (linear interpolation between order statistics). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError('summarize: no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => {
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    const a = sorted[lo] as number;
    const b = sorted[hi] as number;
    return a + (b - a) * (pos - lo);
  };
  return {
    median: at(0.5),
    p25: at(0.25),
    p75: at(0.75),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    samples: sorted.length,
  };
}

/**
 * The `q` quantile of `values` (0 <= q <= 1), by the same interpolation as {@link summarize}:
 * with 20 samples, p99 lies between the two slowest.
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('quantile: no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = sorted[Math.floor(pos)] as number;
  const hi = sorted[Math.ceil(pos)] as number;
  return lo + (hi - lo) * (pos - Math.floor(pos));
}
