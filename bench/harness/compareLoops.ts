import { summarize, type Summary } from './summarize.js';

/**
 * A timed loop: runs its operation `n` times and returns something derived from every result
 * (a sum of lengths, say), so that the optimizer cannot drop the operation.
 */
export type LoopBody = (n: number) => number | Promise<number>;

/** How long and how often to sample. */
export interface LoopOptions {
  /** Timed samples per side. */
  samples: number;
  /** Target duration of one sample (ms); the iteration count is calibrated to it. */
  sampleMs: number;
  /** Untimed running before calibration, so that both sides are optimized (ms). */
  warmupMs: number;
}

/** Nanoseconds per operation of both sides of a comparison. */
export interface LoopComparison {
  readonly ours: Summary;
  readonly baseline: Summary;
  /** Iterations per sample of each side. */
  readonly iterations: { readonly ours: number; readonly baseline: number };
}

/**
 * Compares two loops by hand rather than with tinybench: a warm read costs a few nanoseconds,
 * while a harness that calls a function and takes two timestamps per operation costs tens. Each
 * sample runs millions of iterations inside the loop body, whose result goes to a sink; the two
 * sides alternate (ABBA) so that drift (frequency scaling, GC, a noisy neighbour) hits both.
 *
 * @param ours - the operation under test, looped
 * @param baseline - the reference operation, looped the same way
 * @param check - called with each loop's result and iteration count; throws when the loop did
 *   not really read what it should have (say, a sum of lengths that does not add up)
 */
export async function compareLoops(
  ours: LoopBody,
  baseline: LoopBody,
  options: LoopOptions,
  check: (result: number, n: number) => void,
): Promise<LoopComparison> {
  const [a, b] = (await sampleLoops([ours, baseline], options, check)) as [LoopSamples, LoopSamples];
  return { ours: a, baseline: b, iterations: { ours: a.iterations, baseline: b.iterations } };
}

/** Nanoseconds per operation of one loop, and the iterations each sample ran. */
export type LoopSamples = Summary & { readonly iterations: number };

/**
 * Samples several loops round-robin, each round starting one loop later than the last, so that
 * drift is spread over all of them. Every loop is warmed up and calibrated first.
 */
export async function sampleLoops(
  bodies: readonly LoopBody[],
  options: LoopOptions,
  check: (result: number, n: number) => void,
): Promise<LoopSamples[]> {
  for (const body of bodies) await runFor(body, options.warmupMs, check);
  const counts: number[] = [];
  for (const body of bodies) counts.push(await calibrate(body, options.sampleMs, check));
  const samples: number[][] = bodies.map(() => []);
  for (let round = 0; round < options.samples; round++) {
    for (let j = 0; j < bodies.length; j++) {
      const k = (round + j) % bodies.length;
      (samples[k] as number[]).push(await timePerOp(bodies[k] as LoopBody, counts[k] as number, check));
    }
  }
  return samples.map((values, k) => ({ ...summarize(values), iterations: counts[k] as number }));
}

async function timePerOp(body: LoopBody, n: number, check: (result: number, n: number) => void): Promise<number> {
  const start = process.hrtime.bigint();
  const result = await body(n);
  const elapsed = process.hrtime.bigint() - start;
  check(result, n);
  return Number(elapsed) / n;
}

async function runFor(body: LoopBody, ms: number, check: (result: number, n: number) => void): Promise<void> {
  const end = performance.now() + ms;
  let n = 1_000;
  while (performance.now() < end) {
    check(await body(n), n);
    n = Math.min(n * 2, 1_000_000);
  }
}

/** The iteration count whose loop takes about `ms` milliseconds. */
async function calibrate(body: LoopBody, ms: number, check: (result: number, n: number) => void): Promise<number> {
  let n = 1_000;
  for (;;) {
    const start = performance.now();
    check(await body(n), n);
    const took = performance.now() - start;
    if (took >= ms / 4 || n >= 1e9) return Math.max(1, Math.round((n * ms) / Math.max(took, 1e-3)));
    n *= 4;
  }
}
