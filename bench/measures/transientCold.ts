import 'reflect-metadata';
import { Container } from 'inversify';
import { bindSecrets, dispose, getSecret, Secret, SecretModel, vaultlyModule, type Backend } from 'vaultly';

import type { BenchConfig } from '../BenchConfig.js';
import { measure, oursEquals, type Measure } from '../Measure.js';
import { makeValue } from '../models/generateModel.js';
import { SlowMockBackend } from './SlowMockBackend.js';

const PATH = '/bench/transient/apiKey';
const INSTANCES = 100;
const TARGET = oursEquals(1);

@SecretModel()
class TransientConfig {
  @Secret(PATH) apiKey!: string;
}

@SecretModel({ validate: 'fetch' })
class TransientPrefetchedConfig {
  @Secret(PATH) apiKey!: string;
}

/**
 * 100 transient-scoped resolutions of one model from one container, each reading one cold secret
 * at once: the container's cache shares the fetch across root instances, so the backend sees one
 * read whatever the scope. The baseline is the behaviour before the cache shared fetches across
 * roots (single flight per root instance): measured here as the same 100 reads by 100 roots
 * each bound with a cache of its own (`bindSecrets`), which is what per-root single flight
 * amounts to. `getAsync` of a `validate: 'fetch'` model (prefetch through `getBatch`) is in the detail.
 */
export async function transientCold(bench: BenchConfig): Promise<Measure> {
  const value = makeValue(11, 32);

  const viaGetSecret = await countCalls(bench, value, async (backend) => {
    const container = containerFor(backend);
    container.bind(TransientConfig).toSelf().inTransientScope();
    const roots = Array.from({ length: INSTANCES }, () => container.get(TransientConfig));
    const results = await Promise.all(roots.map((root) => getSecret(root, 'apiKey')));
    await container.unbindAll();
    return results;
  });

  const viaGetAsync = await countCalls(bench, value, async (backend) => {
    const container = containerFor(backend);
    container.bind(TransientPrefetchedConfig).toSelf().inTransientScope();
    const roots = await Promise.all(Array.from({ length: INSTANCES }, () => container.getAsync(TransientPrefetchedConfig)));
    const results = roots.map((root) => root.apiKey);
    await container.unbindAll();
    return results;
  });

  const perRoot = await countCalls(bench, value, async (backend) => {
    const roots = await Promise.all(Array.from({ length: INSTANCES }, () => bindSecrets(new TransientConfig(), { backend })));
    const results = await Promise.all(roots.map((root) => getSecret(root, 'apiKey')));
    for (const root of roots) dispose(root);
    return results;
  });

  return measure({
    id: 'transient-cold',
    name: `${INSTANCES} transient instances, concurrent cold getSecret of one secret (MockBackend, ${bench.coldLatencyMs} ms latency)`,
    unit: 'backend calls',
    ours: viaGetSecret.calls,
    baseline: perRoot.calls,
    target: TARGET.target,
    met: TARGET.met(viaGetSecret.calls) && viaGetAsync.calls === 1,
    baselineName: `single flight per root instance (the behaviour before the shared fetch table): ${INSTANCES} roots each with a cache of its own`,
    detail: {
      instances: INSTANCES,
      getSecret: viaGetSecret,
      getAsyncPrefetch: viaGetAsync,
      baselinePerRoot: perRoot,
    },
  });
}

function containerFor(backend: Backend): Container {
  const container = new Container();
  container.load(vaultlyModule({ backend }));
  return container;
}

async function countCalls(bench: BenchConfig, value: string, run: (backend: Backend) => Promise<unknown[]>): Promise<{ calls: number; wallMs: number }> {
  const backend = new SlowMockBackend({ [PATH]: value }, bench.coldLatencyMs);
  const start = performance.now();
  const results = await run(backend);
  const wallMs = Math.round((performance.now() - start) * 10) / 10;
  if (results.length !== INSTANCES || results.some((result) => result !== value)) throw new Error('transient cold: a root read a wrong value');
  return { calls: backend.calls.length, wallMs };
}
