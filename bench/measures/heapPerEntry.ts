import { bindSecrets, dispose, prefetch } from 'vaultly';
import { MockBackend } from 'vaultly/testing';

import type { BenchConfig } from '../BenchConfig.js';
import { gcFunction, liveHeap, settledHeap } from '../harness/collectGarbage.js';
import { measure, ratioAtMost, type Measure } from '../Measure.js';
import { generateModel, makePaths, makeValue } from '../models/generateModel.js';

const TARGET = ratioAtMost(2);

/**
 * Windows measured per path; the median counts. Memory that something else in the process
 * releases inside one window (a closing socket, a finalizer) can take it below zero on a busy
 * machine; it does not move the median of three.
 */
const WINDOWS = 3;

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function medianOf(count: number, run: () => number): number {
  return median(Array.from({ length: count }, run));
}

/**
 * Live heap per cached entry, after full collections, against a `Map<string, string>` of the same
 * data. What is counted, on both sides alike: the value strings (built fresh inside the window by
 * the same function, as values parsed from responses would be) and every structure that holds
 * them. What is not: the key strings, which exist before the window on both sides (they are the
 * model's paths, defined with its class, and the map reuses them).
 *
 * Measured: a bound model with one field per entry, prefetched from a MockBackend (the class is
 * defined and one instance bound and disposed before the window, so that class metadata, JIT code
 * and flattened path strings are not counted; the backend's own copies are deleted before the
 * window closes).
 */
export async function heapPerEntry(bench: BenchConfig): Promise<Measure[]> {
  const gc = gcFunction();
  // Let the measures before this one finish closing (sockets, timers): memory they release
  // inside a window would count against it, even below zero on a busy machine.
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  const n = bench.heapEntries;
  const paths = makePaths('/bench/heap', n);
  const makeValues = (): string[] => paths.map((_, i) => makeValue(i, bench.valueLength));

  // Each of the simpler paths runs twice and the second run counts, so that code compiled on the
  // first run (JIT code lives in the heap too) is not counted.
  const mapRun = (): number => {
    const before = liveHeap(gc);
    let values: string[] | undefined = makeValues();
    const map = new Map<string, string>();
    for (let i = 0; i < n; i++) map.set(paths[i] as string, values[i] as string);
    values = undefined;
    const after = liveHeap(gc);
    if (map.size !== n) throw new Error('heap: the map lost entries');
    return after - before;
  };
  mapRun();
  const mapBytes = medianOf(WINDOWS, mapRun);

  const Model = generateModel(`Heap${n}Config`, paths);
  const modelRun = async (): Promise<number> => {
    const backend = new MockBackend();
    const fill = (values: readonly string[]): void => paths.forEach((path, i) => backend.set(path, values[i] as string));
    const empty = (): void => {
      for (const path of paths) backend.delete(path);
      backend.resetCalls();
    };
    fill(makeValues());
    const warmUp = await bindSecrets(new Model(), { backend });
    await prefetch(warmUp);
    dispose(warmUp);
    empty();

    const before = await settledHeap(gc);
    let values: string[] | undefined = makeValues();
    fill(values);
    values = undefined;
    const config = (await bindSecrets(new Model(), { backend })) as Record<string, unknown>;
    await prefetch(config);
    empty();
    const after = await settledHeap(gc);
    const ok = typeof config[`k${n - 1}`] === 'string';
    dispose(config);
    if (!ok) throw new Error('heap: the model lost entries');
    return after - before;
  };
  const modelSamples: number[] = [];
  for (let i = 0; i < WINDOWS; i++) modelSamples.push(await modelRun());
  const modelBytes = median(modelSamples);

  const perEntry = (bytes: number): number => Math.round((bytes / n) * 10) / 10;
  const map = perEntry(mapBytes);
  const common = {
    unit: 'bytes/entry',
    baseline: map,
    target: TARGET.target,
    baselineName: `Map<string, string> of the same ${n.toLocaleString('en-US')} keys and ${bench.valueLength}-character values`,
  };
  const valueBytes = `each ${bench.valueLength}-character value string is counted on both sides; key strings on neither`;
  return [
    measure({
      ...common,
      id: 'heap-model',
      name: `Heap per cached entry: bound model, ${n.toLocaleString('en-US')} fields prefetched from a MockBackend`,
      ours: perEntry(modelBytes),
      met: TARGET.met(modelBytes, mapBytes),
      detail: { method: 'heapUsed after gc() x2, before and after, median of 3 windows; ' + valueBytes, entries: n, oursBytes: modelBytes, baselineBytes: mapBytes },
    }),
  ];
}
