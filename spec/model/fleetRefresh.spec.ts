import 'reflect-metadata';
import { Backend, bindSecrets, prefetch, Secret, SecretModel, type BackendGetOptions } from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { flush } from '../helpers/ControlledBackend.js';

const PROCESSES = 20;
const FIELDS = 50;
const TTL = 5;
const RUN_MS = 20_000;
const STEP_MS = 100;

/** A backend shared by the whole fleet that counts calls per 100 ms window. */
class CountingBackend extends Backend {
  readonly batchesAt: number[] = [];
  gets = 0;
  constructor(readonly clock: ManualClock) {
    super();
  }
  override async getBatch(paths: readonly string[]): Promise<Record<string, string>> {
    this.batchesAt.push(this.clock.now());
    return Object.fromEntries(paths.map((path) => [path, 'v']));
  }
  async get(_path: string, _options?: BackendGetOptions): Promise<string> {
    this.gets++;
    return 'v';
  }
}

function fiftyFieldModel(): new () => Record<string, string> {
  class Service {}
  for (let i = 0; i < FIELDS; i++) {
    Reflect.defineMetadata('design:type', String, Service.prototype, `f${i}`);
    Secret(`/svc/f${i}`, TTL)(Service.prototype, `f${i}`);
  }
  SecretModel({ staleOnError: true })(Service);
  return Service as unknown as new () => Record<string, string>;
}

/** mulberry32: a seeded random source, one per process as each has its own Math.random. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Issue #12's fleet: 20 processes booted together, 50 secrets each with a 5 s ttl, every secret
 * read every 100 ms for 20 s. Returns the backend calls and the busiest 100 ms window.
 */
async function runFleet(refreshJitter: number): Promise<{ batches: number; gets: number; peak: number }> {
  const clock = new ManualClock(0);
  const backend = new CountingBackend(clock);
  const Model = fiftyFieldModel();
  const fleet = await Promise.all(
    Array.from({ length: PROCESSES }, (_, p) => bindSecrets(new Model(), { backend, clock, refreshJitter, random: seeded(p + 1) })),
  );
  await Promise.all(fleet.map((config) => prefetch(config)));
  backend.batchesAt.length = 0; // the boot is together by definition: count the refreshes
  for (let t = 0; t < RUN_MS; t += STEP_MS) {
    clock.advance(STEP_MS);
    for (const config of fleet) for (let i = 0; i < FIELDS; i++) void config[`f${i}`];
    await flush();
  }
  const perWindow = new Map<number, number>();
  for (const at of backend.batchesAt) perWindow.set(Math.floor(at / STEP_MS), (perWindow.get(Math.floor(at / STEP_MS)) ?? 0) + 1);
  return { batches: backend.batchesAt.length, gets: backend.gets, peak: Math.max(...perWindow.values()) };
}

describe('a fleet refreshing together (issue #12)', () => {
  it('refreshes each process in one batch per ttl, spread over time rather than all at once', async () => {
    const jittered = await runFleet(0.2);
    // About one batch per process per 4.5 s (a mean ttl of 0.9 * 5 s), and no per-secret gets:
    // one get per expired secret would be 20 * 50 * 4 = 4,000 calls.
    expect(jittered.gets).toBe(0);
    expect(jittered.batches).toBeGreaterThanOrEqual(PROCESSES * 4);
    expect(jittered.batches).toBeLessThanOrEqual(PROCESSES * 5);
    const exact = await runFleet(0);
    // Without jitter every process refreshes in the same 100 ms window, every round.
    expect(exact.peak).toBe(PROCESSES);
    expect(jittered.peak).toBeLessThanOrEqual(PROCESSES / 4);
  }, 30_000);
});
