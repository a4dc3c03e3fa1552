import { bindSecrets, dispose, prefetch } from 'vaultly';
import { MockBackend } from 'vaultly/testing';

import type { BenchConfig } from '../BenchConfig.js';
import { sampleLoops, type LoopSamples } from '../harness/compareLoops.js';
import { makeLoop } from '../harness/makeLoop.js';
import { ratioAtMost, type Measure } from '../Measure.js';
import { APP_SECRETS, AppConfig } from '../models/AppConfig.js';
import { generateModels } from '../models/generateModels.js';
import { expectSum } from './expectSum.js';
import { loopMeasure } from './loopSpread.js';

/** Model classes besides AppConfig: with it, 21 are loaded and read. */
const OTHER_CLASSES = 20;
const FIELDS = 10;
const VALUE_LENGTH = 32;
const KEY = '/bench/app/apiKey';
const PRE_READS = 50_000;
const VS_PLAIN = ratioAtMost(4);
const VS_MAP = ratioAtMost(0.5);
const MEGAMORPHIC = ratioAtMost(1);

/**
 * Warm reads once an application has many model classes, as most do:
 * - `config.apiKey` of an AppConfig, at a call site of its own, after 20 other generated model
 *   classes were bound, prefetched and read (each at its own site and at one shared site) before
 *   the measured loop was compiled; against a plain property read and against `Map.get`;
 * - one call site reading the same field name (`k0`) from instances of the 20 classes in turn (a
 *   health check, a config dump, a generic helper), against one site calling `get` on 20 maps in
 *   turn.
 * All loops are sampled round-robin.
 */
export async function warmReadManyClasses(bench: BenchConfig): Promise<Measure[]> {
  const { classes, values } = generateModels('Many', OTHER_CLASSES, FIELDS, VALUE_LENGTH);
  const backend = new MockBackend({ ...values, ...APP_SECRETS });
  const configs: object[] = [];
  try {
    for (const Model of classes) configs.push(await bindSecrets(new Model(), { backend }));
    const config = await bindSecrets(new AppConfig(), { backend });
    configs.push(config);
    for (const one of configs) await prefetch(one);
    const others = configs.slice(0, OTHER_CLASSES);
    const check = expectSum('warm read with many classes', VALUE_LENGTH);
    const megamorphic = makeLoop({ configs: others, count: OTHER_CLASSES }, 'configs[i % count].k0.length');
    // Every class read, at a site of its own and at the shared one, before the measured loops exist.
    for (const other of others) check(await makeLoop({ config: other }, 'config.k0.length')(PRE_READS), PRE_READS);
    check(await megamorphic(PRE_READS), PRE_READS);
    const callsBefore = backend.calls.length;
    const maps = others.map((_, c) => new Map([['/k0', values[`/bench/many${c}/p0`] as string]]));
    const map = new Map(Object.entries(APP_SECRETS));
    const plain = Object.fromEntries(Object.keys(APP_SECRETS).map((path) => [path.slice('/bench/app/'.length), APP_SECRETS[path]]));
    const [ours, plainSamples, mapSamples, site, mapSite] = (await sampleLoops(
      [
        makeLoop({ config }, 'config.apiKey.length'),
        makeLoop({ object: plain }, 'object.apiKey.length'),
        makeLoop({ map, key: KEY }, 'map.get(key).length'),
        megamorphic,
        makeLoop({ maps, count: OTHER_CLASSES, key: '/k0' }, 'maps[i % count].get(key).length'),
      ],
      bench.loop,
      check,
    )) as [LoopSamples, LoopSamples, LoopSamples, LoopSamples, LoopSamples];
    if (backend.calls.length !== callsBefore) throw new Error('warm read with many classes: a warm read reached the backend');
    const detail = {
      method:
        'hand loops sampled round-robin; the 20 other classes were read (50,000 reads each at a site of their own and at the shared ' +
        'site) before any measured loop was compiled',
      classesLoaded: configs.length,
      ours,
      plainProperty: plainSamples,
      map: mapSamples,
      megamorphicSite: site,
      megamorphicMaps: mapSite,
    };
    const row = (
      id: string,
      name: string,
      figure: LoopSamples,
      baseline: LoopSamples,
      target: ReturnType<typeof ratioAtMost>,
      baselineName: string,
    ): Measure => loopMeasure({ id, name, target, baselineName, detail }, figure, baseline);
    return [
      row(
        'warm-read-21-classes',
        'Warm synchronous property read (config.apiKey) with 21 model classes loaded and read',
        ours,
        plainSamples,
        VS_PLAIN,
        'a plain property read (object literal with the same 10 string properties)',
      ),
      row(
        'warm-read-21-classes-map',
        'Warm synchronous property read (config.apiKey) with 21 model classes loaded and read, vs Map.get',
        ours,
        mapSamples,
        VS_MAP,
        'Map.get on a 10-entry Map<string, string>',
      ),
      row(
        'warm-read-megamorphic',
        'Warm read at one call site over instances of 20 model classes (config.k0)',
        site,
        mapSite,
        MEGAMORPHIC,
        'one call site calling get on 20 one-entry maps in turn',
      ),
    ];
  } finally {
    for (const one of configs) dispose(one);
  }
}
