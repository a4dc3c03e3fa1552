import { bindSecrets, dispose, getSecret, invalidate, prefetch } from 'vaultly';
import { MockBackend } from 'vaultly/testing';

import type { BenchConfig } from '../BenchConfig.js';
import { sampleLoops, type LoopSamples } from '../harness/compareLoops.js';
import { makeLoop } from '../harness/makeLoop.js';
import { ratioAtMost, type Measure } from '../Measure.js';
import { APP_SECRETS, AppConfig } from '../models/AppConfig.js';
import { expectSum } from './expectSum.js';
import { loopMeasure } from './loopSpread.js';

const VS_MAP = ratioAtMost(0.5);
const VS_PLAIN = ratioAtMost(4);
const KEY = '/bench/app/apiKey';

/**
 * Warm synchronous read, `config.apiKey` after prefetch, against `Map.get` on a map of the same
 * ten entries and against a plain property read (an object literal with the same ten string
 * properties). Every loop adds the value's length to a sum, so all pay the same loop overhead.
 * It runs first, while this is the only model class the process has read; `warmReadManyClasses`
 * measures the same read once 21 classes have been.
 *
 * Three instances of the class are bound and measured: per-instance accessors once pushed every
 * instance after the first into V8's dictionary mode, and this keeps that from coming back (a
 * process with one config object gets the first figure, a multi-tenant one the second); the third
 * had one field invalidated and loaded again before the loops, so its own properties were taken
 * down and put back (what an expiry and its refresh do).
 */
export async function warmRead(bench: BenchConfig): Promise<Measure[]> {
  const backend = new MockBackend({ ...APP_SECRETS });
  const first = await bindSecrets(new AppConfig(), { backend });
  const second = await bindSecrets(new AppConfig(), { backend });
  const cycled = await bindSecrets(new AppConfig(), { backend });
  try {
    await prefetch(first);
    await prefetch(second);
    await prefetch(cycled);
    // A field in the middle: everything defined after it comes down and goes back up.
    invalidate(cycled, 'dbUser');
    await getSecret(cycled, 'dbUser');
    await Promise.resolve();
    const callsAfterPrefetch = backend.calls.length;
    const map = new Map(Object.entries(APP_SECRETS));
    const plain = Object.fromEntries(Object.keys(APP_SECRETS).map((path) => [path.slice('/bench/app/'.length), APP_SECRETS[path]]));
    const length = (map.get(KEY) as string).length;
    const [ours, later, afterInvalidate, mapSamples, plainSamples] = (await sampleLoops(
      [
        makeLoop({ config: first }, 'config.apiKey.length'),
        makeLoop({ config: second }, 'config.apiKey.length'),
        makeLoop({ config: cycled }, 'config.apiKey.length'),
        makeLoop({ map, key: KEY }, 'map.get(key).length'),
        makeLoop({ object: plain }, 'object.apiKey.length'),
      ],
      bench.loop,
      expectSum('warm read', length),
    )) as [LoopSamples, LoopSamples, LoopSamples, LoopSamples, LoopSamples];
    if (backend.calls.length !== callsAfterPrefetch) throw new Error('warm read: a warm read reached the backend');
    const detail = {
      method: 'hand loop (each sample runs the calibrated iteration count inside one compiled loop; loops sampled round-robin)',
      firstInstance: ours,
      laterInstance: later,
      afterInvalidate,
      map: mapSamples,
      plainProperty: plainSamples,
      backendCallsDuringLoops: backend.calls.length - callsAfterPrefetch,
    };
    const MAP_NAME = 'Map.get on a 10-entry Map<string, string>';
    const PLAIN_NAME = 'a plain property read (object literal with the same 10 string properties)';
    const row = (id: string, name: string, figure: LoopSamples, vsPlain: boolean, note: string): Measure => {
      const baseline = vsPlain ? plainSamples : mapSamples;
      const target = vsPlain ? VS_PLAIN : VS_MAP;
      return loopMeasure({ id, name, target, baselineName: vsPlain ? PLAIN_NAME : MAP_NAME, detail: { ...detail, note } }, figure, baseline);
    };
    return [
      row(
        'warm-read',
        'Warm synchronous property read (config.apiKey after prefetch, 10-field model)',
        ours,
        false,
        'the first instance of the model class in the process, the only class read so far',
      ),
      row(
        'warm-read-later-instance',
        'Warm synchronous property read on a second instance of the same model class',
        later,
        false,
        'every instance of a class takes the same steps when its fields are loaded, so a later instance reads as fast as the first',
      ),
      row(
        'warm-read-vs-plain',
        'Warm synchronous property read (config.apiKey, one class loaded) vs a plain property',
        ours,
        true,
        'a fresh value is also a read-only, non-enumerable own data property of the instance: the read is a property load',
      ),
      row(
        'warm-read-after-invalidate',
        'Warm synchronous property read after another field was invalidated and loaded again',
        afterInvalidate,
        true,
        'the own properties defined after the invalidated one were taken down newest first (V8 undoes the last property added ' +
          'without leaving fast mode) and put back: the instance keeps fast properties',
      ),
    ];
  } finally {
    dispose(first);
    dispose(second);
    dispose(cycled);
  }
}
