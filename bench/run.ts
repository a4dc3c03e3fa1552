import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';

import { parseBenchArgs, type BenchConfig } from './BenchConfig.js';
import type { BenchResults, Measure } from './Measure.js';
import { boot } from './measures/boot.js';
import { coldConcurrency } from './measures/coldConcurrency.js';
import { fleetBoot } from './measures/fleetBoot.js';
import { fleetRefresh } from './measures/fleetRefresh.js';
import { heapManyModels } from './measures/heapManyModels.js';
import { heapPerEntry } from './measures/heapPerEntry.js';
import { importCost } from './measures/importCost.js';
import { importTime } from './measures/importTime.js';
import { throttledBoot } from './measures/throttledBoot.js';
import { transientCold } from './measures/transientCold.js';
import { warmGetSecret } from './measures/warmGetSecret.js';
import { warmRead } from './measures/warmRead.js';
import { warmReadManyClasses } from './measures/warmReadManyClasses.js';
import { warmReadScaling } from './measures/warmReadScaling.js';
import { formatTable } from './printTable.js';

/** The measures, in the order they run and are reported. */
const MEASURES: readonly [string, (bench: BenchConfig) => Promise<Measure | Measure[]>][] = [
  // First, while AppConfig is the only model class read in the process; then with 21.
  ['warm read', warmRead],
  // Before the many-classes row, as the warm read's one-class rows: after 21 classes were read
  // through getSecret's call sites too, a warm getSecret costs about 1.5x await Map.get, not 1.2x.
  ['warm getSecret', warmGetSecret],
  ['warm read many classes', warmReadManyClasses],
  ['warm read at scale', warmReadScaling],
  // Before anything opens a socket: memory the network measures release late (closing sockets,
  // dropped clients) would count against the heap measure's window, even below zero.
  // The many-models row first: run after the 100,000-field model of 'heap per entry' it read about
  // 20% higher than alone, run first it reads as alone (and 'heap per entry' is unchanged).
  ['heap 10k models', heapManyModels],
  ['heap per entry', heapPerEntry],
  ['cold concurrency', coldConcurrency],
  ['transient cold', transientCold],
  ['boot', boot],
  ['import time', importTime],
  ['import cost', importCost],
  // Last: their servers, request logs and worker processes would disturb the heap measure.
  ['throttled boot', throttledBoot],
  ['fleet boot', fleetBoot],
  ['fleet refresh', fleetRefresh],
];

/**
 * `npm run bench`: runs every measure, prints a table and writes the results as JSON.
 * `--quick` uses small sizes (seconds); `--out <file>` writes somewhere other than
 * bench/results.json; `--only fleet-boot` (repeatable) runs only the measures named.
 */
async function main(): Promise<void> {
  const bench = parseBenchArgs(process.argv.slice(2));
  const loadBefore = loadavg();
  const measures: Measure[] = [];
  const unknown = bench.only.filter((label) => !MEASURES.some(([name]) => name === label));
  if (unknown.length > 0) throw new TypeError(`--only: no measure named ${unknown.join(', ')}`);
  for (const [label, run] of MEASURES) {
    if (bench.only.length > 0 && !bench.only.includes(label)) continue;
    const start = performance.now();
    process.stderr.write(`bench: ${label}...`);
    const result = await run(bench);
    measures.push(...(Array.isArray(result) ? result : [result]));
    process.stderr.write(` ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  }
  const results: BenchResults = {
    quick: bench.quick,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    loadAverage: { before: loadBefore, after: loadavg() },
    date: new Date().toISOString(),
    measures,
  };
  const out = resolve(bench.out);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`${formatTable(measures)}\n\nresults written to ${out}\n`);
}

await main();
