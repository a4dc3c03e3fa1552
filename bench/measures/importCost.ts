import type { BenchConfig } from '../BenchConfig.js';
import { timeImports } from '../harness/timeImports.js';
import { summarize } from '../harness/summarize.js';
import { measure, ratioAtMost, type Measure } from '../Measure.js';

const TARGET = ratioAtMost(1);

/** What an inversify application has loaded before it adds a secrets library: vaultly's peers. */
const PEERS = ['reflect-metadata', 'inversify'];
const OURS = ['vaultly', 'vaultly/aws-ssm'];
const POWERTOOLS = ['@aws-lambda-powertools/parameters/ssm'];

/**
 * What reading SSM parameters adds to an application's start: `vaultly` + `vaultly/aws-ssm`
 * against Powertools' SSM entry, each timed in fresh `node` processes (interleaved), once on top of
 * an application that already loaded inversify and reflect-metadata (vaultly's peers, which an
 * inversify application has either way: the row's figure), and once in a bare process (in the
 * detail: there inversify's own import is part of vaultly's cost).
 */
export async function importCost(bench: BenchConfig): Promise<Measure> {
  const ours: number[] = [];
  const powertools: number[] = [];
  const oursBare: number[] = [];
  const powertoolsBare: number[] = [];
  for (let i = 0; i < bench.importSamples; i++) {
    const runs: [number[], string[], string[]][] = [
      [ours, PEERS, OURS],
      [powertools, PEERS, POWERTOOLS],
      [oursBare, [], OURS],
      [powertoolsBare, [], POWERTOOLS],
    ];
    // Alternate the order, so that neither side always runs on a warmer file cache.
    if (i % 2 === 1) runs.reverse();
    for (const [samples, before, timed] of runs) samples.push(await timeImports(before, timed));
  }
  const oursSummary = summarize(ours);
  const powertoolsSummary = summarize(powertools);
  return measure({
    id: 'import-cost',
    name: "Import cost of 'vaultly' + 'vaultly/aws-ssm' in an inversify application, vs Powertools' SSM entry",
    unit: 'ms',
    ours: oursSummary.median,
    baseline: powertoolsSummary.median,
    ...TARGET,
    met: TARGET.met(oursSummary.median, powertoolsSummary.median),
    baselineName: "import of '@aws-lambda-powertools/parameters/ssm' at the same point",
    detail: {
      method:
        'fresh node process per sample, performance.now() around the awaited imports inside the child, sides interleaved; inversify and reflect-metadata imported (untimed) first',
      bare: {
        note: 'the same imports in a bare process: vaultly then also pays for inversify',
        ours: summarize(oursBare),
        powertools: summarize(powertoolsBare),
      },
    },
    spread: { ours: oursSummary, baseline: powertoolsSummary },
  });
}
