import { bindSecrets, dispose, prefetch } from 'vaultly';
import { MockBackend } from 'vaultly/testing';

import type { BenchConfig } from '../BenchConfig.js';
import { sampleLoops, type LoopBody } from '../harness/compareLoops.js';
import { makeLoop } from '../harness/makeLoop.js';
import { measure, ratioAtMost, type Measure } from '../Measure.js';
import { generateModel, makePaths, makeValue } from '../models/generateModel.js';
import { expectSum } from './expectSum.js';

const TARGET = ratioAtMost(1.3);
const VALUE_LENGTH = 32;

/**
 * Warm read of one field (`k0`) of models with 10, 1,000 and 100,000 secret fields, each model
 * generated at run time and prefetched from a MockBackend. Each size reads through a loop
 * compiled for it alone. `Map.get` of one key of maps of the same sizes runs alongside, to show
 * what a hash lookup alone does as the size grows.
 */
export async function warmReadScaling(bench: BenchConfig): Promise<Measure[]> {
  const sizes = bench.scaleSizes;
  const configs: object[] = [];
  try {
    const models: LoopBody[] = [];
    const maps: LoopBody[] = [];
    for (const size of sizes) {
      const paths = makePaths(`/bench/scale${size}`, size);
      const values = Object.fromEntries(paths.map((path, i) => [path, makeValue(i, VALUE_LENGTH)]));
      const Model = generateModel(`Scale${size}Config`, paths);
      const config = await bindSecrets(new Model(), { backend: new MockBackend(values) });
      configs.push(config);
      await prefetch(config);
      models.push(makeLoop({ config }, 'config.k0.length'));
      maps.push(makeLoop({ map: new Map(Object.entries(values)), key: paths[0] }, 'map.get(key).length'));
    }
    const results = await sampleLoops([...models, ...maps], bench.loop, expectSum('warm read at scale', VALUE_LENGTH));
    const ours = results.slice(0, sizes.length);
    const mapResults = results.slice(sizes.length);
    const reference = ours[0];
    if (reference === undefined) throw new Error('warm read at scale: no sizes');
    const figures = Object.fromEntries(
      sizes.map((size, i) => [String(size), { model: ours[i], map: mapResults[i] }]),
    );
    return sizes.slice(1).map((size, i) => {
      const at = ours[i + 1] as (typeof ours)[number];
      return measure({
        id: `warm-read-scale-${i + 1}`,
        name: `Warm read of one field at ${size.toLocaleString('en-US')} cached keys vs ${sizes[0].toLocaleString('en-US')}`,
        unit: 'ns/op',
        ours: at.median,
        baseline: reference.median,
        target: TARGET.target,
        met: TARGET.met(at.median, reference.median),
        baselineName: `the same read on a ${sizes[0]}-field model`,
        detail: {
          method: 'hand loop per model size (separately compiled loops), sampled round-robin with Map.get loops of the same sizes',
          keys: size,
          referenceKeys: sizes[0],
          bySize: figures,
        },
      });
    });
  } finally {
    for (const config of configs) dispose(config);
  }
}
