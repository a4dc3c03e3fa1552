import 'reflect-metadata';
import { Container } from 'inversify';
import { prefetch, Secret, SecretModel, vaultlyModule } from 'vaultly';
import { MockBackend } from 'vaultly/testing';

import type { BenchConfig } from '../BenchConfig.js';
import { gcFunction, settledHeap } from '../harness/collectGarbage.js';
import { measure, ratioAtMost, type Measure } from '../Measure.js';
import { makeValue } from '../models/generateModel.js';

const TARGET = ratioAtMost(2);
const FIELDS = 10;
const WINDOWS = 3;
/** Models measured: the 10,000, fewer in `--quick`. */
const MODELS = { full: 10_000, quick: 1_000 } as const;

let nextTenant = 0;

/** A realistic small model: ten secrets under a per-tenant prefix, so every instance has keys of its own. */
@SecretModel()
class TenantSecrets {
  tenant = `t${nextTenant++}`;
  @Secret('/bench/models/{tenant}/p0') k0!: string;
  @Secret('/bench/models/{tenant}/p1') k1!: string;
  @Secret('/bench/models/{tenant}/p2') k2!: string;
  @Secret('/bench/models/{tenant}/p3') k3!: string;
  @Secret('/bench/models/{tenant}/p4') k4!: string;
  @Secret('/bench/models/{tenant}/p5') k5!: string;
  @Secret('/bench/models/{tenant}/p6') k6!: string;
  @Secret('/bench/models/{tenant}/p7') k7!: string;
  @Secret('/bench/models/{tenant}/p8') k8!: string;
  @Secret('/bench/models/{tenant}/p9') k9!: string;
}

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function pathOf(tenant: string, j: number): string {
  return `/bench/models/${tenant}/p${j}`;
}

/**
 * Live heap per secret of many small bound models (the fixed cost of each bound model shows
 * here, where one large model spreads it thin), against a `Map<string, string>` per model with
 * the same keys and values. Keys and values are built inside the window on both sides: a bound
 * model's keys are its rendered paths, made when it is bound; the map's are made as it is filled.
 * The models are transient resolutions from one container (one cache), every field loaded by
 * `prefetch`; the model instances themselves (their `tenant` property) count on our side.
 */
export async function heapManyModels(bench: BenchConfig): Promise<Measure> {
  const gc = gcFunction();
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  const models = bench.quick ? MODELS.quick : MODELS.full;
  const secrets = models * FIELDS;

  const mapRun = async (): Promise<number> => {
    const before = await settledHeap(gc);
    const maps: Map<string, string>[] = [];
    for (let i = 0; i < models; i++) {
      const map = new Map<string, string>();
      for (let j = 0; j < FIELDS; j++) map.set(pathOf(`t${i}`, j), makeValue(i * FIELDS + j, bench.valueLength));
      maps.push(map);
    }
    const after = await settledHeap(gc);
    if (maps.length !== models || maps[models - 1]?.size !== FIELDS) throw new Error('heap: the maps lost entries');
    return after - before;
  };

  const modelRun = async (): Promise<number> => {
    const backend = new MockBackend();
    const container = new Container();
    container.load(vaultlyModule({ backend }));
    container.bind(TenantSecrets).toSelf();
    // One model resolved and loaded before the window: class metadata, JIT code and the
    // container's lazily built parts are not counted.
    const warmUp = container.get(TenantSecrets);
    for (let j = 0; j < FIELDS; j++) backend.set(pathOf(warmUp.tenant, j), makeValue(j, bench.valueLength));
    await prefetch(warmUp);
    const first = nextTenant;

    const before = await settledHeap(gc);
    for (let i = 0; i < models; i++) {
      for (let j = 0; j < FIELDS; j++) backend.set(pathOf(`t${first + i}`, j), makeValue(i * FIELDS + j, bench.valueLength));
    }
    const instances: TenantSecrets[] = [];
    for (let i = 0; i < models; i++) instances.push(container.get(TenantSecrets));
    for (const instance of instances) await prefetch(instance);
    for (let i = 0; i < models; i++) for (let j = 0; j < FIELDS; j++) backend.delete(pathOf(`t${first + i}`, j));
    backend.resetCalls();
    const after = await settledHeap(gc);
    const last = instances[models - 1];
    const ok = instances.length === models && typeof last?.k9 === 'string' && last.tenant === `t${first + models - 1}`;
    await container.unbindAll();
    if (!ok) throw new Error('heap: the models lost entries');
    return after - before;
  };

  await mapRun();
  const mapSamples: number[] = [];
  const modelSamples: number[] = [];
  // Interleaved, so that a busy moment on the machine does not fall on one side only.
  for (let i = 0; i < WINDOWS; i++) {
    mapSamples.push(await mapRun());
    modelSamples.push(await modelRun());
  }
  const mapBytes = median(mapSamples);
  const modelBytes = median(modelSamples);
  const perSecret = (bytes: number): number => Math.round((bytes / secrets) * 10) / 10;
  return measure({
    id: 'heap-10k-models',
    name: `Heap per secret: ${models.toLocaleString('en-US')} bound ten-field models, keys counted`,
    unit: 'bytes/secret',
    ours: perSecret(modelBytes),
    baseline: perSecret(mapBytes),
    target: TARGET.target,
    met: TARGET.met(modelBytes, mapBytes),
    baselineName: `a Map<string, string> per model, ${models.toLocaleString('en-US')} maps of the same ten keys and ${bench.valueLength}-character values`,
    detail: {
      method: 'heapUsed after gc() x2 and finalizers, before and after, median of 3 interleaved windows; keys and values counted on both sides',
      models,
      fieldsPerModel: FIELDS,
      oursBytesPerModel: Math.round(modelBytes / models),
      baselineBytesPerModel: Math.round(mapBytes / models),
      oursSamples: modelSamples,
      baselineSamples: mapSamples,
    },
  });
}
