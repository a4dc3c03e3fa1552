import { Container } from 'inversify';
import { bindSecrets, dispose, prefetch, SecretCache, VAULTLY, vaultlyModule } from 'vaultly';
import { MockBackend } from 'vaultly/testing';

import type { BenchConfig } from '../BenchConfig.js';
import { sampleLoops, type LoopBody, type LoopSamples } from '../harness/compareLoops.js';
import { makeLoop } from '../harness/makeLoop.js';
import { measure, ratioAtMost, type Measure } from '../Measure.js';
import { generateModel, makePaths, makeValue } from '../models/generateModel.js';
import { TENANT, TENANT_FIELDS, TenantConfig } from '../models/TenantConfig.js';
import { expectSum } from './expectSum.js';

const TARGET = ratioAtMost(1.3);
const VALUE_LENGTH = 32;
const IDS = ['mid', 'max'];
const NOTES = {
  wideModel:
    'V8 keeps an object with more than 1,020 properties in dictionary mode, whatever they are (plainObject shows the same step); ' +
    'an instance holds no property per secret field, but its class prototype holds one accessor per field, so the prototype of a ' +
    '100,000-field class is such an object: the accessor is found by a hash lookup and called rather than inlined',
  manyModels:
    'the cache size does not enter the read: each model reads its own bindings through accessors shared by its class, and every ' +
    'instance of a class has the same hidden class',
};

/**
 * Warm read of one field at 10, 1,000 and 100,000 cached keys, two ways:
 * - one model with that many fields (generated at run time, bound with `bindSecrets`,
 *   prefetched from a MockBackend), reading its field `k0`;
 * - that many keys in one container's cache, as ten-field models (one per tenant) resolved from
 *   one container, reading `k0` of the last one.
 * Every model and size reads through a loop compiled for it alone; all loops, with `Map.get` loops
 * on maps of the same sizes (what a hash lookup alone does) and reads of plain objects with as
 * many data properties (what V8 does with wide objects), are sampled round-robin.
 */
export async function warmReadScaling(bench: BenchConfig): Promise<Measure[]> {
  const sizes = bench.scaleSizes;
  const disposers: (() => void)[] = [];
  try {
    const wide: LoopBody[] = [];
    const many: LoopBody[] = [];
    const maps: LoopBody[] = [];
    const plain: LoopBody[] = [];
    for (const size of sizes) {
      const paths = makePaths(`/bench/scale${size}`, size);
      const values = Object.fromEntries(paths.map((path, i) => [path, makeValue(i, VALUE_LENGTH)]));
      const Model = generateModel(`Wide${size}Config`, paths);
      const config = await bindSecrets(new Model(), { backend: new MockBackend(values) });
      disposers.push(() => dispose(config));
      await prefetch(config);
      wide.push(makeLoop({ config }, 'config.k0.length'));
      maps.push(makeLoop({ map: new Map(Object.entries(values)), key: paths[0] }, 'map.get(key).length'));
      const object = Object.fromEntries(paths.map((path, i) => [`k${i}`, values[path]]));
      plain.push(makeLoop({ object }, 'object.k0.length'));
      const { last, cache, dispose: disposeAll } = await manyModels(size / TENANT_FIELDS.length);
      disposers.push(disposeAll);
      if (cache.size !== size) throw new Error(`warm read at scale: the container cache holds ${cache.size} keys, not ${size}`);
      many.push(makeLoop({ config: last }, 'config.k0.length'));
    }
    const results = await sampleLoops([...wide, ...many, ...maps, ...plain], bench.loop, expectSum('warm read at scale', VALUE_LENGTH));
    const n = sizes.length;
    const byKind = {
      wideModel: results.slice(0, n),
      manyModels: results.slice(n, 2 * n),
      map: results.slice(2 * n, 3 * n),
      plainObject: results.slice(3 * n),
    };
    const bySize = Object.fromEntries(
      sizes.map((size, i) => [
        String(size),
        { wideModel: byKind.wideModel[i], manyModels: byKind.manyModels[i], map: byKind.map[i], plainObject: byKind.plainObject[i] },
      ]),
    );
    const method =
      'hand loop per model and size (separately compiled loops), sampled round-robin together with Map.get loops on maps, ' +
      'and property reads on plain objects with as many data properties, of the same sizes';
    const rows = (kind: 'wideModel' | 'manyModels', label: (size: number) => string, baselineName: string): Measure[] => {
      const figures = byKind[kind];
      const reference = figures[0] as LoopSamples;
      return sizes.slice(1).map((size, i) => {
        const at = figures[i + 1] as LoopSamples;
        return measure({
          id: `warm-read-${kind === 'wideModel' ? 'wide-model' : 'many-models'}-${IDS[i] ?? String(i)}`,
          name: label(size),
          unit: 'ns/op',
          ours: at.median,
          baseline: reference.median,
          target: TARGET.target,
          met: TARGET.met(at.median, reference.median),
          baselineName,
          detail: { method, keys: size, referenceKeys: sizes[0], note: NOTES[kind], bySize },
        });
      });
    };
    const fmt = (size: number): string => size.toLocaleString('en-US');
    return [
      ...rows(
        'wideModel',
        (size) => `Warm read of one field of a ${fmt(size)}-field model vs a ${fmt(sizes[0])}-field one`,
        `the same read on a ${fmt(sizes[0])}-field model`,
      ),
      ...rows(
        'manyModels',
        (size) => `Warm read of one field with ${fmt(size)} keys in one container cache (${fmt(size / 10)} ten-field models) vs ${fmt(sizes[0])}`,
        `the same read with ${fmt(sizes[0])} keys in the cache (one ten-field model)`,
      ),
    ];
  } finally {
    for (const disposeOne of disposers) disposeOne();
  }
}

/** `count` ten-field tenant models resolved from one container, all in its one cache. */
async function manyModels(count: number): Promise<{ last: TenantConfig; cache: SecretCache; dispose: () => void }> {
  const values: Record<string, string> = {};
  for (let t = 0; t < count; t++) {
    TENANT_FIELDS.forEach((field, i) => {
      values[`/bench/t${t}/${field}`] = makeValue(t * 10 + i, VALUE_LENGTH);
    });
  }
  const container = new Container();
  container.load(vaultlyModule({ backend: new MockBackend(values) }));
  let next = 0;
  container.bind(TENANT).toDynamicValue(() => `t${next++}`);
  container.bind(TenantConfig).toSelf();
  const configs: TenantConfig[] = [];
  for (let t = 0; t < count; t++) configs.push(await container.getAsync(TenantConfig));
  const cache = container.get<SecretCache>(VAULTLY.Cache);
  return {
    last: configs[configs.length - 1] as TenantConfig,
    cache,
    dispose: () => {
      for (const config of configs) dispose(config);
      container.unbindAll();
    },
  };
}
