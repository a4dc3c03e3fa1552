import { bindSecrets, dispose, prefetch } from 'vaultly';
import { MockBackend } from 'vaultly/testing';

import type { BenchConfig } from '../BenchConfig.js';
import { sampleLoops, type LoopSamples } from '../harness/compareLoops.js';
import { makeLoop } from '../harness/makeLoop.js';
import { measure, ratioAtMost, type Measure } from '../Measure.js';
import { APP_SECRETS, AppConfig } from '../models/AppConfig.js';
import { expectSum } from './expectSum.js';

const TARGET = ratioAtMost(2);
const KEY = '/bench/app/apiKey';

/**
 * Warm synchronous read, `config.apiKey` after prefetch, against `Map.get` on a map of the same
 * ten entries. Both loops add the value's length to a sum, so both pay the same loop overhead.
 *
 * Two instances of the class are bound and both are measured: per-instance accessors once pushed
 * every instance after the first into V8's dictionary mode, and this keeps that from coming back
 * (a process with one config object gets the first figure, a multi-tenant one the second).
 */
export async function warmRead(bench: BenchConfig): Promise<Measure[]> {
  const backend = new MockBackend({ ...APP_SECRETS });
  const first = await bindSecrets(new AppConfig(), { backend });
  const second = await bindSecrets(new AppConfig(), { backend });
  try {
    await prefetch(first);
    await prefetch(second);
    const callsAfterPrefetch = backend.calls.length;
    const map = new Map(Object.entries(APP_SECRETS));
    const length = (map.get(KEY) as string).length;
    const [ours, later, baseline] = (await sampleLoops(
      [
        makeLoop({ config: first }, 'config.apiKey.length'),
        makeLoop({ config: second }, 'config.apiKey.length'),
        makeLoop({ map, key: KEY }, 'map.get(key).length'),
      ],
      bench.loop,
      expectSum('warm read', length),
    )) as [LoopSamples, LoopSamples, LoopSamples];
    if (backend.calls.length !== callsAfterPrefetch) throw new Error('warm read: a warm read reached the backend');
    const detail = {
      method: 'hand loop (each sample runs the calibrated iteration count inside one compiled loop; loops sampled round-robin)',
      firstInstance: ours,
      laterInstance: later,
      baseline,
      backendCallsDuringLoops: backend.calls.length - callsAfterPrefetch,
    };
    const row = (id: string, name: string, figure: LoopSamples, note: string): Measure =>
      measure({
        id,
        name,
        unit: 'ns/op',
        ours: figure.median,
        baseline: baseline.median,
        target: TARGET.target,
        met: TARGET.met(figure.median, baseline.median),
        baselineName: 'Map.get on a 10-entry Map<string, string>',
        detail: { ...detail, note },
      });
    return [
      row(
        'warm-read',
        'Warm synchronous property read (config.apiKey after prefetch, 10-field model)',
        ours,
        'the first instance of the model class in the process: fast properties, the prototype accessor is inlined',
      ),
      row(
        'warm-read-later-instance',
        'Warm synchronous property read on a second instance of the same model class',
        later,
        'the accessors are shared by the class (on its prototype) and every instance has the same hidden class, so a later instance reads as fast as the first',
      ),
    ];
  } finally {
    dispose(first);
    dispose(second);
  }
}
