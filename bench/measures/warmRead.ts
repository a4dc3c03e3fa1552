import { bindSecrets, dispose, prefetch } from 'vaultly';
import { MockBackend } from 'vaultly/testing';

import type { BenchConfig } from '../BenchConfig.js';
import { compareLoops } from '../harness/compareLoops.js';
import { makeLoop } from '../harness/makeLoop.js';
import { measure, ratioAtMost, type Measure } from '../Measure.js';
import { APP_SECRETS, AppConfig } from '../models/AppConfig.js';
import { expectSum } from './expectSum.js';

const TARGET = ratioAtMost(2);
const KEY = '/bench/app/apiKey';

/**
 * Warm synchronous read, `config.apiKey` after prefetch, against `Map.get` on a map of the same
 * ten entries. Both loops add the value's length to a sum, so both pay the same loop overhead.
 */
export async function warmRead(bench: BenchConfig): Promise<Measure> {
  const backend = new MockBackend({ ...APP_SECRETS });
  const config = await bindSecrets(new AppConfig(), { backend });
  try {
    await prefetch(config);
    const callsAfterPrefetch = backend.calls.length;
    const map = new Map(Object.entries(APP_SECRETS));
    const length = (map.get(KEY) as string).length;
    const result = await compareLoops(
      makeLoop({ config }, 'config.apiKey.length'),
      makeLoop({ map, key: KEY }, 'map.get(key).length'),
      bench.loop,
      expectSum('warm read', length),
    );
    if (backend.calls.length !== callsAfterPrefetch) throw new Error('warm read: a warm read reached the backend');
    return measure({
      id: 'warm-read',
      name: 'Warm synchronous property read (config.apiKey after prefetch, 10-field model)',
      unit: 'ns/op',
      ours: result.ours.median,
      baseline: result.baseline.median,
      target: TARGET.target,
      met: TARGET.met(result.ours.median, result.baseline.median),
      baselineName: 'Map.get on a 10-entry Map<string, string>',
      detail: {
        method: 'hand loop (each sample runs the calibrated iteration count inside one compiled loop; sides alternate)',
        ours: result.ours,
        baseline: result.baseline,
        iterationsPerSample: result.iterations,
        backendCallsDuringLoop: backend.calls.length - callsAfterPrefetch,
      },
    });
  } finally {
    dispose(config);
  }
}
