import type { LoopSamples } from '../harness/compareLoops.js';
import type { Summary } from '../harness/summarize.js';
import { measure, type Measure } from '../Measure.js';

/** A row's spread from two loops' samples: their summaries, without the iteration counts. */
export function loopSpread(ours: LoopSamples, baseline: LoopSamples): NonNullable<Measure['spread']> {
  return { ours: summaryOf(ours), baseline: summaryOf(baseline) };
}

function summaryOf(samples: LoopSamples): Summary {
  const { median, p25, p75, min, max, samples: count } = samples;
  return { median, p25, p75, min, max, samples: count };
}

/** What a row of two compared loops needs beside their samples. */
export interface LoopRow {
  readonly id: string;
  readonly name: string;
  readonly target: { readonly target: string; readonly met: (ours: number, baseline: number) => boolean };
  readonly baselineName: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** A ns/op row judged on the medians of two loops' samples, with their spread. */
export function loopMeasure(row: LoopRow, ours: LoopSamples, baseline: LoopSamples): Measure {
  return measure({
    id: row.id,
    name: row.name,
    unit: 'ns/op',
    ours: ours.median,
    baseline: baseline.median,
    target: row.target.target,
    met: row.target.met(ours.median, baseline.median),
    baselineName: row.baselineName,
    detail: row.detail,
    spread: loopSpread(ours, baseline),
  });
}
