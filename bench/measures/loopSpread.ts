import type { LoopSamples } from '../harness/compareLoops.js';
import type { Summary } from '../harness/summarize.js';
import type { Measure } from '../Measure.js';

/** A row's spread from two loops' samples: their summaries, without the iteration counts. */
export function loopSpread(ours: LoopSamples, baseline: LoopSamples): NonNullable<Measure['spread']> {
  return { ours: summaryOf(ours), baseline: summaryOf(baseline) };
}

function summaryOf(samples: LoopSamples): Summary {
  const { median, p25, p75, min, max, samples: count } = samples;
  return { median, p25, p75, min, max, samples: count };
}
