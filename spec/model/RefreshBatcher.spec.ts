import 'reflect-metadata';
import {
  Backend,
  bindSecrets,
  dispose,
  getSecret,
  PartialBatchError,
  refresh,
  Secret,
  SecretModel,
  SecretNotFoundError,
  TransientError,
  type BackendGetOptions,
} from 'vaultly';
import { missingSecrets } from '../../lib/backends/Backend.js';
import { ManualClock } from 'vaultly/testing';
import { flush } from '../helpers/ControlledBackend.js';
import { thrown } from '../helpers/outcomes.js';

const FIELDS = 50;
const TTL = 5;

/** A backend that records its calls, answers batches itself, and fails or holds as told. */
class RecordingBackend extends Backend {
  readonly values = new Map<string, string>();
  readonly batches: string[][] = [];
  readonly gets: [string, number | string | undefined][] = [];
  /** Makes the next batches reject with this error. */
  failBatch: (() => unknown) | undefined;
  /** Holds batches until `releaseBatches()`. */
  hold = false;
  readonly #held: (() => void)[] = [];

  override async getBatch(paths: readonly string[]): Promise<Record<string, string>> {
    this.batches.push([...paths]);
    if (this.hold) await new Promise<void>((resolve) => this.#held.push(resolve));
    if (this.failBatch !== undefined) throw this.failBatch();
    const record = Object.create(null) as Record<string, string>;
    const missing: string[] = [];
    for (const path of paths) {
      const value = this.values.get(path);
      if (value === undefined) missing.push(path);
      else record[path] = value;
    }
    if (missing.length > 0) throw missingSecrets(missing);
    return record;
  }

  async get(path: string, options: BackendGetOptions = {}): Promise<string> {
    this.gets.push([path, options.version]);
    const key = options.version === undefined ? path : `${path}@${options.version}`;
    const value = this.values.get(key);
    if (value === undefined) throw missingSecrets([path]);
    return value;
  }

  releaseBatches(): void {
    for (const resolve of this.#held.splice(0)) resolve();
  }
}

const paths = Array.from({ length: FIELDS }, (_, i) => `/app/f${i}`);

/** A model of 50 string secrets `f0`..`f49` with a 5 s ttl (built in a loop, as 50 decorators would be). */
function fiftyFieldModel(staleOnError: boolean): new () => Record<string, string> {
  class Fifty {}
  for (let i = 0; i < FIELDS; i++) {
    Reflect.defineMetadata('design:type', String, Fifty.prototype, `f${i}`);
    Secret(`/app/f${i}`, TTL)(Fifty.prototype, `f${i}`);
  }
  SecretModel({ staleOnError })(Fifty);
  return Fifty as unknown as new () => Record<string, string>;
}

async function setup(staleOnError = false) {
  const backend = new RecordingBackend();
  paths.forEach((path, i) => backend.values.set(path, `v1-${i}`));
  const clock = new ManualClock(0);
  const warnings: [Record<string, unknown>, string][] = [];
  const logger = { warn: (fields: Record<string, unknown>, message: string) => void warnings.push([fields, message]) };
  const Model = fiftyFieldModel(staleOnError);
  const config = await bindSecrets(new Model(), { backend, clock, logger, refreshJitter: 0 });
  await Promise.all(paths.map((_, i) => getSecret(config, `f${i}`)));
  backend.batches.length = 0;
  backend.gets.length = 0;
  return { backend, clock, config, warnings };
}

function readAll(config: Record<string, string>): string[] {
  return Array.from({ length: FIELDS }, (_, i) => config[`f${i}`] as string);
}

describe('Class: RefreshBatcher (background refresh through a model)', () => {
  it('fetches 50 expired fields read in the same tick with one getBatch call', async () => {
    const { backend, clock, config } = await setup();
    paths.forEach((path, i) => backend.values.set(path, `v2-${i}`));
    clock.advance(TTL * 1000);
    expect(readAll(config)).toEqual(paths.map((_, i) => `v1-${i}`)); // stale while the refresh runs
    await flush();
    expect(backend.batches).toEqual([paths]);
    expect(backend.gets).toEqual([]);
    expect(readAll(config)).toEqual(paths.map((_, i) => `v2-${i}`));
    expect(backend.batches).toHaveLength(1); // fresh again: no further call
  });

  it('reads a lone expired secret with one get, as before', async () => {
    const { backend, clock, config } = await setup();
    clock.advance(TTL * 1000);
    expect(config['f7']).toBe('v1-7');
    await flush();
    expect(backend.batches).toEqual([]);
    expect(backend.gets).toEqual([['/app/f7', undefined]]);
  });

  it('holds single flight: a field read twice is fetched once, and getSecret joins the queued refresh', async () => {
    const { backend, clock, config } = await setup();
    backend.hold = true;
    clock.advance(TTL * 1000);
    readAll(config);
    readAll(config);
    const joined = getSecret(config, 'f3');
    await flush();
    expect(backend.batches).toEqual([paths]);
    backend.hold = false;
    backend.values.set('/app/f3', 'v2-3');
    // While the batch is in flight, reads start nothing new.
    readAll(config);
    await flush();
    expect(backend.batches).toHaveLength(1);
    backend.releaseBatches();
    await expect(joined).resolves.toBe('v2-3');
    expect(backend.batches).toHaveLength(1);
    expect(backend.gets).toEqual([]);
  });

  it('serves stale values when the batch fails, with staleOnError, and waits out the cool-down', async () => {
    const { backend, clock, config, warnings } = await setup(true);
    backend.failBatch = () => new TransientError('HTTP 503 reading a batch');
    clock.advance(TTL * 1000);
    readAll(config);
    await flush();
    expect(backend.batches).toHaveLength(1);
    // Failed: every read serves the stale value, and none starts a refresh within the cool-down.
    expect(readAll(config)).toEqual(paths.map((_, i) => `v1-${i}`));
    clock.advance(999);
    readAll(config);
    await flush();
    expect(backend.batches).toHaveLength(1);
    expect(warnings).toHaveLength(FIELDS);
    expect(warnings[0]).toEqual([{ path: '/app/f0', error: 'TransientError' }, 'vaultly: background refresh failed, serving the stale value']);
    // After the cool-down, one batch again; this one succeeds.
    backend.failBatch = undefined;
    paths.forEach((path, i) => backend.values.set(path, `v3-${i}`));
    clock.advance(1);
    readAll(config);
    await flush();
    expect(backend.batches).toHaveLength(2);
    expect(readAll(config)).toEqual(paths.map((_, i) => `v3-${i}`));
  });

  it('throws the refresh error on a sync read without staleOnError, and starts no second batch', async () => {
    const { backend, clock, config } = await setup(false);
    const failure = new TransientError('HTTP 503 reading a batch');
    backend.failBatch = () => failure;
    clock.advance(TTL * 1000);
    expect(config['f0']).toBe('v1-0'); // no failure yet: stale while the refresh runs
    readAll(config);
    await flush();
    expect(thrown(() => config['f1'])).toBe(failure);
    expect(backend.batches).toHaveLength(1);
  });

  it('stores what arrived when one secret of the batch is missing, and fails only that one', async () => {
    const { backend, clock, config } = await setup(true);
    backend.values.delete('/app/f9');
    paths.forEach((path, i) => i !== 9 && backend.values.set(path, `v2-${i}`));
    clock.advance(TTL * 1000);
    readAll(config);
    await flush();
    // The batch named the missing path and returned nothing else: the rest is asked for once more.
    expect(backend.batches).toEqual([paths, paths.filter((_, i) => i !== 9)]);
    const error = thrown<SecretNotFoundError>(() => config['f9']);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error.paths).toEqual(['/app/f9']);
    expect(config['f10']).toBe('v2-10');
    for (let i = 0; i < FIELDS; i++) if (i !== 9) expect(config[`f${i}`]).toBe(`v2-${i}`);
  });

  it('stores what a PartialBatchError fetched and fails only the paths it still owes', async () => {
    const { backend, clock, config } = await setup(false);
    const owedError = new TransientError('HTTP 503 reading a chunk');
    backend.failBatch = () =>
      new PartialBatchError('1 request of 2 failed', {
        fetched: Object.fromEntries(paths.slice(10).map((path, i) => [path, `v2-${i + 10}`])),
        owed: [{ paths: paths.slice(0, 10), error: owedError }],
      });
    clock.advance(TTL * 1000);
    readAll(config);
    await flush();
    expect(thrown(() => config['f0'])).toBe(owedError);
    for (let i = 10; i < FIELDS; i++) expect(config[`f${i}`]).toBe(`v2-${i}`);
  });

  it('fails alone a value that does not cast', async () => {
    @SecretModel()
    class Mixed {
      @Secret('/m/pool', TTL) pool!: number;
      @Secret('/m/name', TTL) name!: string;
    }
    const backend = new RecordingBackend();
    backend.values.set('/m/pool', '5').set('/m/name', 'a');
    const clock = new ManualClock(0);
    const config = await bindSecrets(new Mixed(), { backend, clock, refreshJitter: 0 });
    await Promise.all([getSecret(config, 'pool'), getSecret(config, 'name')]);
    backend.values.set('/m/pool', 'five').set('/m/name', 'b');
    clock.advance(TTL * 1000);
    void config.pool;
    void config.name;
    await flush();
    expect(backend.batches).toEqual([['/m/pool', '/m/name']]);
    expect(thrown<Error>(() => config.pool).message).toMatch(/Mixed\.pool/);
    expect(config.name).toBe('b');
  });

  it('fetches versioned fields with get beside the batch', async () => {
    @SecretModel()
    class Versioned {
      @Secret('/v/a', TTL) a!: string;
      @Secret('/v/b', TTL) b!: string;
      @Secret('/v/a', { ttl: TTL, version: 2 }) oldA!: string;
    }
    const backend = new RecordingBackend();
    backend.values.set('/v/a', 'a').set('/v/b', 'b').set('/v/a@2', 'a2');
    const clock = new ManualClock(0);
    const config = await bindSecrets(new Versioned(), { backend, clock, refreshJitter: 0 });
    await Promise.all([getSecret(config, 'a'), getSecret(config, 'b'), getSecret(config, 'oldA')]);
    backend.batches.length = 0;
    backend.gets.length = 0;
    clock.advance(TTL * 1000);
    void [config.a, config.b, config.oldA];
    await flush();
    expect(backend.batches).toEqual([['/v/a', '/v/b']]);
    expect(backend.gets).toEqual([['/v/a', 2]]);
  });

  it('never lets an older background answer overwrite a newer refresh', async () => {
    const { backend, clock, config } = await setup();
    backend.hold = true;
    clock.advance(TTL * 1000);
    readAll(config);
    await flush();
    backend.values.set('/app/f0', 'newest');
    await expect(refresh(config, 'f0')).resolves.toBe('newest');
    expect(config['f0']).toBe('newest');
    backend.values.set('/app/f0', 'older-answer-arriving-late');
    backend.hold = false;
    backend.releaseBatches();
    await flush();
    expect(config['f0']).toBe('newest');
  });

  it('stores nothing and logs nothing when the model is disposed while a batch is in flight', async () => {
    const { backend, clock, config, warnings } = await setup(true);
    backend.hold = true;
    clock.advance(TTL * 1000);
    readAll(config);
    await flush();
    dispose(config);
    backend.releaseBatches();
    await flush();
    expect(warnings).toEqual([]);
    await expect(getSecret(config, 'f0')).rejects.toThrow(/disposed/);
  });
});

describe('Class: RefreshBatcher, with a random source that throws', () => {
  it('fails the queued refreshes instead of crashing the process', async () => {
    @SecretModel()
    class One {
      @Secret('/one/a', TTL) a!: string;
      @Secret('/one/b', TTL) b!: string;
    }
    const backend = new RecordingBackend();
    backend.values.set('/one/a', 'a').set('/one/b', 'b');
    const clock = new ManualClock(0);
    let broken = false;
    const failure = new Error('random source failed');
    const random = (): number => {
      if (broken) throw failure;
      return 0.5;
    };
    const config = await bindSecrets(new One(), { backend, clock, random });
    await Promise.all([getSecret(config, 'a'), getSecret(config, 'b')]);
    broken = true;
    clock.advance(TTL * 1000);
    void [config.a, config.b];
    await flush();
    expect(thrown(() => config.a)).toBe(failure);
    expect(backend.batches).toEqual([]);
  });
});
