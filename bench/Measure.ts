import type { Summary } from './harness/summarize.js';

/** One row of results.json: our figure, the baseline's from the same run, and the target. */
export interface Measure {
  /** Stable identifier, the same in quick and full runs. */
  readonly id: string;
  /** What was measured, with the sizes of this run. */
  readonly name: string;
  /** Unit of `ours` and `baseline`. */
  readonly unit: string;
  readonly ours: number;
  readonly baseline: number;
  /** `ours / baseline` (-1 when the baseline is 0, which only a broken run produces). */
  readonly ratio: number;
  /** The target, as an expression over `ratio` or `ours` (`'ratio <= 2'`, `'ours == 1'`). */
  readonly target: string;
  readonly met: boolean;
  /** What the baseline is. */
  readonly baselineName: string;
  /** How it was measured, spreads, counts and anything else worth reading. */
  readonly detail: Readonly<Record<string, unknown>>;
  /** For rows judged on a median of samples: the spread of each side's samples (the table shows it). */
  readonly spread?: { readonly ours: Summary; readonly baseline?: Summary };
}

/** The whole of results.json. */
export interface BenchResults {
  readonly quick: boolean;
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  /** `os.loadavg()` when the run started and ended: other work on the machine skews timings. */
  readonly loadAverage: { readonly before: readonly number[]; readonly after: readonly number[] };
  readonly date: string;
  readonly measures: readonly Measure[];
}

/** A target on the ratio: met when `ratio <= bound`. */
export function ratioAtMost(bound: number): { target: string; met: (ours: number, baseline: number) => boolean } {
  return { target: `ratio <= ${bound.toFixed(1)}`, met: (ours, baseline) => ours / baseline <= bound };
}

/** A target on our figure: met when `ours === expected`. */
export function oursEquals(expected: number): { target: string; met: (ours: number) => boolean } {
  return { target: `ours == ${expected}`, met: (ours) => ours === expected };
}

/** A target on our figure: met when `ours <= bound` (a bound the baseline does not set, e.g. a quota's floor). */
export function oursAtMost(bound: number): { target: string; met: (ours: number) => boolean } {
  const shown = Number.isInteger(bound) ? String(bound) : bound.toFixed(1);
  return { target: `ours <= ${shown}`, met: (ours) => ours <= bound };
}

/** Builds a {@link Measure}, computing the ratio. */
export function measure(fields: Omit<Measure, 'ratio'>): Measure {
  const { id, name, unit, ours, baseline, target, met, baselineName, detail, spread } = fields;
  // A zero baseline only happens when something broke; JSON has no Infinity, so say so with null-free -1.
  const ratio = baseline === 0 ? -1 : ours / baseline;
  return { id, name, unit, ours, baseline, ratio, target, met, baselineName, detail, ...(spread === undefined ? {} : { spread }) };
}
