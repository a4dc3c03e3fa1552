import { bindSecrets, dispose, getSecret, prefetch } from 'vaultly';
import { MockBackend } from 'vaultly/testing';

import type { BenchConfig } from '../BenchConfig.js';
import { compareLoops } from '../harness/compareLoops.js';
import { makeLoop } from '../harness/makeLoop.js';
import { measure, ratioAtMost, type Measure } from '../Measure.js';
import { APP_SECRETS, AppConfig } from '../models/AppConfig.js';
import { expectSum } from './expectSum.js';

const TARGET = ratioAtMost(1.5);
const KEY = '/bench/app/apiKey';

/** Warm `await getSecret(config, 'apiKey')` against `await map.get(key)`, in async loops. */
export async function warmGetSecret(bench: BenchConfig): Promise<Measure> {
  const backend = new MockBackend({ ...APP_SECRETS });
  const config = await bindSecrets(new AppConfig(), { backend });
  try {
    await prefetch(config);
    const callsAfterPrefetch = backend.calls.length;
    const map = new Map(Object.entries(APP_SECRETS));
    const length = (map.get(KEY) as string).length;
    const result = await compareLoops(
      makeLoop({ config, getSecret }, "(await getSecret(config, 'apiKey')).length", { async: true }),
      makeLoop({ map, key: KEY }, '(await map.get(key)).length', { async: true }),
      bench.loop,
      expectSum('warm getSecret', length),
    );
    if (backend.calls.length !== callsAfterPrefetch) throw new Error('warm getSecret: a warm read reached the backend');
    return measure({
      id: 'warm-get-secret',
      name: "Warm await getSecret(config, 'apiKey')",
      unit: 'ns/op',
      ours: result.ours.median,
      baseline: result.baseline.median,
      target: TARGET.target,
      met: TARGET.met(result.ours.median, result.baseline.median),
      baselineName: 'await of Map.get on a 10-entry Map<string, string>',
      detail: {
        method: 'hand loop in an async function (one await per iteration on both sides; sides alternate)',
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
