import 'reflect-metadata';
import diagnostics_channel from 'node:diagnostics_channel';
import { Container } from 'inversify';
import {
  Backend,
  dispose,
  getSecret,
  invalidate,
  MockBackend,
  refresh,
  Secret,
  SecretModel,
  SecretNotFoundError,
  VAULTLY,
  vaultlyModule,
  type BackendGetOptions,
} from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { DiagnosticsChannel, type FetchTraceContext } from '../../lib/diagnostics/DiagnosticsChannel.js';
import { flush } from '../helpers/ControlledBackend.js';
import { forceGc } from '../helpers/forceGc.js';

/** A backend whose reads wait until `release()`, recording each call and the signal it got. */
class HeldBackend extends Backend {
  readonly values = new Map<string, string>();
  readonly gets: { path: string; signal: AbortSignal | undefined }[] = [];
  readonly batches: (readonly string[])[] = [];
  readonly #pending: { path: string; resolve: (value: string) => void; reject: (error: unknown) => void }[] = [];

  constructor(values: Record<string, string>) {
    super();
    for (const [path, value] of Object.entries(values)) this.values.set(path, value);
  }

  override getBatch(paths: readonly string[], options?: { signal?: AbortSignal }): Promise<Record<string, string>> {
    this.batches.push([...paths]);
    return super.getBatch(paths, options);
  }

  get(path: string, options: BackendGetOptions = {}): Promise<string> {
    this.gets.push({ path, signal: options.signal });
    return new Promise((resolve, reject) => this.#pending.push({ path, resolve, reject }));
  }

  /** Answers every held read from `values`. */
  release(): void {
    for (const { path, resolve, reject } of this.#pending.splice(0)) {
      const value = this.values.get(path);
      if (value === undefined) reject(new SecretNotFoundError(`Secret not found: ${path}`, { path }));
      else resolve(value);
    }
  }
}

const KEY = '/services/key';

@SecretModel()
class ApiConfig {
  @Secret(KEY) apiKey!: string;
}

@SecretModel()
class OtherConfig {
  @Secret(KEY) key!: string;
}

@SecretModel({ validate: 'fetch' })
class PrefetchedConfig {
  @Secret(KEY) apiKey!: string;
}

function containerOn(backend: Backend, retry?: { maxAttempts: number }): Container {
  const container = new Container();
  container.load(vaultlyModule(retry === undefined ? { backend } : { backend, retry }));
  container.bind(ApiConfig).toSelf().inTransientScope();
  container.bind(OtherConfig).toSelf().inSingletonScope();
  container.bind(PrefetchedConfig).toSelf().inTransientScope();
  return container;
}

describe('the container cache shares fetches across root instances', () => {
  it('100 transient instances reading one cold secret at once make 1 backend call', async () => {
    const backend = new HeldBackend({ [KEY]: 'k' });
    const container = containerOn(backend);
    const roots = Array.from({ length: 100 }, () => container.get(ApiConfig));
    expect(new Set(roots).size).toBe(100);
    const reads = Promise.all(roots.map((root) => getSecret(root, 'apiKey')));
    await flush();
    backend.release();
    await expect(reads).resolves.toEqual(Array.from({ length: 100 }, () => 'k'));
    expect(backend.gets).toHaveLength(1);
    // Each root stored the value: sync reads work on every one.
    expect(roots.every((root) => root.apiKey === 'k')).toBe(true);
  });

  it('100 transient getAsync of a validate: fetch model make 1 backend call', async () => {
    const backend = new HeldBackend({ [KEY]: 'k' });
    const container = containerOn(backend);
    const resolving = Promise.all(Array.from({ length: 100 }, () => container.getAsync(PrefetchedConfig)));
    await flush();
    backend.release();
    const roots = await resolving;
    expect(roots.map((root) => root.apiKey)).toEqual(Array.from({ length: 100 }, () => 'k'));
    expect(backend.batches).toEqual([[KEY]]);
    expect(backend.gets).toHaveLength(1);
  });

  it('shares through the retry wrapper too: every root gets the same wrapped backend', async () => {
    const backend = new HeldBackend({ [KEY]: 'k' });
    const container = containerOn(backend, { maxAttempts: 2 });
    const reads = Promise.all(Array.from({ length: 10 }, () => getSecret(container.get(ApiConfig), 'apiKey')));
    await flush();
    backend.release();
    await reads;
    expect(backend.gets).toHaveLength(1);
  });

  it('two singleton roots of different classes reading one path make 1 backend call, and each casts for itself', async () => {
    const backend = new HeldBackend({ [KEY]: 'k' });
    const container = containerOn(backend);
    const api = container.get(ApiConfig);
    const other = container.get(OtherConfig);
    const reads = Promise.all([getSecret(api, 'apiKey'), getSecret(other, 'key')]);
    await flush();
    backend.release();
    await expect(reads).resolves.toEqual(['k', 'k']);
    expect(backend.gets).toHaveLength(1);
    expect(other.key).toBe('k');
  });

  it('publishes vaultly:fetch once for a call many roots share', async () => {
    const starts: FetchTraceContext[] = [];
    const channel = diagnostics_channel.tracingChannel<unknown, FetchTraceContext>(DiagnosticsChannel.Fetch);
    const none = (): void => undefined;
    const handlers = { start: (context: FetchTraceContext) => void starts.push({ ...context }), end: none, asyncStart: none, asyncEnd: none, error: none };
    channel.subscribe(handlers);
    try {
      const backend = new HeldBackend({ [KEY]: 'k' });
      const container = containerOn(backend);
      const reads = Promise.all(Array.from({ length: 5 }, () => getSecret(container.get(ApiConfig), 'apiKey')));
      await flush();
      backend.release();
      await reads;
      expect(starts).toHaveLength(1);
      expect(starts[0]).toMatchObject({ paths: [KEY], batch: false, model: 'ApiConfig' });
    } finally {
      channel.unsubscribe(handlers);
    }
  });

  it('a refresh on one root fetches anew instead of joining the call in flight', async () => {
    const backend = new HeldBackend({ [KEY]: 'old' });
    const container = containerOn(backend);
    const reader = container.get(ApiConfig);
    const refresher = container.get(OtherConfig);
    const read = getSecret(reader, 'apiKey');
    await flush();
    backend.values.set(KEY, 'new');
    const refreshed = refresh(refresher, 'key');
    await flush();
    expect(backend.gets).toHaveLength(2);
    backend.release();
    await expect(refreshed).resolves.toBe('new');
    await read;
  });

  it('after invalidate, a root starts a fetch of its own rather than joining one another root began before', async () => {
    const backend = new HeldBackend({ [KEY]: 'k' });
    const container = containerOn(backend);
    const first = container.get(OtherConfig);
    const second = container.get(ApiConfig);
    const warm = getSecret(second, 'apiKey');
    await flush();
    backend.release();
    await warm;
    const before = getSecret(first, 'key');
    await flush();
    invalidate(second, 'apiKey');
    const after = getSecret(second, 'apiKey');
    await flush();
    expect(backend.gets).toHaveLength(3);
    backend.release();
    await Promise.all([before, after]);
  });

  it('disposing one root fails its own read only: the other root still gets the shared fetch, whose signal stays live', async () => {
    const backend = new HeldBackend({ [KEY]: 'k' });
    const container = containerOn(backend);
    const gone = container.get(ApiConfig);
    const staying = container.get(ApiConfig);
    const goneRead = getSecret(gone, 'apiKey');
    const stayingRead = getSecret(staying, 'apiKey');
    await flush();
    dispose(gone);
    await expect(goneRead).rejects.toThrow(/disposed/);
    expect(backend.gets[0]?.signal?.aborted).toBe(false);
    backend.release();
    await expect(stayingRead).resolves.toBe('k');
    expect(backend.gets).toHaveLength(1);
  });

  it('a caller that aborts its own wait does not fail the others', async () => {
    const backend = new HeldBackend({ [KEY]: 'k' });
    const container = containerOn(backend);
    const impatient = new AbortController();
    const first = getSecret(container.get(ApiConfig), 'apiKey', { signal: impatient.signal });
    const second = getSecret(container.get(ApiConfig), 'apiKey');
    await flush();
    impatient.abort(new Error('gave up'));
    await expect(first).rejects.toThrow('gave up');
    backend.release();
    await expect(second).resolves.toBe('k');
  });

  it('aborts the backend call once every root waiting on it is disposed', async () => {
    const backend = new HeldBackend({ [KEY]: 'k' });
    const container = containerOn(backend);
    const roots = [container.get(ApiConfig), container.get(ApiConfig)];
    const reads = roots.map((root) => getSecret(root, 'apiKey').catch((error: unknown) => error));
    await flush();
    dispose(roots[0] as ApiConfig);
    expect(backend.gets[0]?.signal?.aborted).toBe(false);
    dispose(roots[1] as ApiConfig);
    expect(backend.gets[0]?.signal?.aborted).toBe(true);
    await Promise.all(reads);
  });

  it('background refreshes of two roots join one backend call', async () => {
    @SecretModel()
    class Expiring {
      @Secret(KEY, 10) apiKey!: string;
    }
    const backend = new HeldBackend({ [KEY]: 'old' });
    const clock = new ManualClock();
    const container = new Container();
    container.load(vaultlyModule({ backend, clock, refreshJitter: 0 }));
    container.bind(Expiring).toSelf();
    const roots = [container.get(Expiring), container.get(Expiring)];
    const loads = Promise.all(roots.map((root) => getSecret(root, 'apiKey')));
    await flush();
    backend.release();
    await loads;
    expect(backend.gets).toHaveLength(1);
    backend.values.set(KEY, 'new');
    clock.advance(10_001);
    // Expired: each sync read serves the old value and asks for a background refresh.
    expect(roots.map((root) => root.apiKey)).toEqual(['old', 'old']);
    await flush();
    expect(backend.gets).toHaveLength(2);
    backend.release();
    await flush();
    expect(roots.map((root) => root.apiKey)).toEqual(['new', 'new']);
  });

  it('keeps no root alive: transient roots that shared a fetch are collected, partitions and all', async () => {
    const backend = new HeldBackend({ [KEY]: 'k' });
    const container = containerOn(backend);
    const cache = container.get(VAULTLY.Cache);
    const collected: number[] = [];
    const registry = new FinalizationRegistry<number>((i) => collected.push(i));
    const count = 50;
    // In a function of its own: a suspended async frame could keep the last root in a register.
    const readAll = async (): Promise<void> => {
      const roots = Array.from({ length: count }, () => container.get(ApiConfig));
      roots.forEach((root, i) => registry.register(root, i));
      const reads = Promise.all(roots.map((root) => getSecret(root, 'apiKey')));
      await flush();
      backend.release();
      await reads;
    };
    await readAll();
    expect(backend.gets).toHaveLength(1);
    await forceGc(() => collected.length === count && cache.partitions === 0);
    expect(collected).toHaveLength(count);
    expect(cache.partitions).toBe(0);
    expect(cache.fetchesFor(backend).size).toBe(0);
  });
});

describe('a root takes a value another live root of its class holds fresh', () => {
  @SecretModel()
  class Expiring {
    @Secret(KEY, 10) apiKey!: string;
  }

  @SecretModel()
  class Counted {
    @Secret(KEY) count!: number;
  }

  function setUp(values: Record<string, string> = { [KEY]: 'k' }) {
    const backend = new MockBackend(values);
    const clock = new ManualClock();
    const container = new Container();
    container.load(vaultlyModule({ backend, clock, refreshJitter: 0 }));
    container.bind(Expiring).toSelf();
    container.bind(ApiConfig).toSelf();
    container.bind(PrefetchedConfig).toSelf();
    container.bind(Counted).toSelf();
    return { backend, clock, container };
  }

  it('transient roots resolved one after another make 1 backend call, through getSecret and through getAsync', async () => {
    const { backend, container } = setUp();
    for (let i = 0; i < 10; i++) expect(await getSecret(container.get(ApiConfig), 'apiKey')).toBe('k');
    expect(backend.calls).toHaveLength(1);
    backend.resetCalls();
    for (let i = 0; i < 10; i++) expect((await container.getAsync(PrefetchedConfig)).apiKey).toBe('k');
    expect(backend.calls).toHaveLength(1);
  });

  it('expires the taken value when the lender does, and refreshes it on its own', async () => {
    const { backend, clock, container } = setUp();
    const first = container.get(Expiring);
    await getSecret(first, 'apiKey');
    clock.advance(6_000);
    const second = container.get(Expiring);
    await getSecret(second, 'apiKey');
    expect(backend.calls).toHaveLength(1);
    clock.advance(4_001);
    backend.set(KEY, 'new');
    // Both expired together: each serves the old value and asks for a background refresh, which
    // one backend call answers.
    expect([first.apiKey, second.apiKey]).toEqual(['k', 'k']);
    await flush();
    expect(backend.calls).toHaveLength(2);
    expect([first.apiKey, second.apiKey]).toEqual(['new', 'new']);
  });

  it('never takes one for refresh or after invalidate, nor from a disposed or expired lender', async () => {
    const { backend, clock, container } = setUp();
    const lender = container.get(Expiring);
    await getSecret(lender, 'apiKey');
    const taker = container.get(Expiring);
    expect(await refresh(taker, 'apiKey')).toBe('k');
    expect(backend.calls).toHaveLength(2);
    invalidate(taker, 'apiKey');
    await getSecret(taker, 'apiKey');
    expect(backend.calls).toHaveLength(3);

    dispose(taker);
    dispose(lender);
    const afterDispose = container.get(Expiring);
    await getSecret(afterDispose, 'apiKey');
    expect(backend.calls).toHaveLength(4);

    clock.advance(10_001);
    await getSecret(container.get(Expiring), 'apiKey');
    expect(backend.calls).toHaveLength(5);
  });

  it('casts for itself from the backend string, and takes values from live roots of its own class', async () => {
    const { backend, container } = setUp({ [KEY]: '42' });
    expect(await getSecret(container.get(ApiConfig), 'apiKey')).toBe('42');
    expect(await getSecret(container.get(ApiConfig), 'apiKey')).toBe('42');
    expect(backend.calls).toHaveLength(1);
    // ApiConfig roots are not Counted's peers: the first Counted root fetches, the next takes its '42'.
    expect(await getSecret(container.get(Counted), 'count')).toBe(42);
    expect(await getSecret(container.get(Counted), 'count')).toBe(42);
    expect(backend.calls).toHaveLength(2);
  });

  it('keeps no lender alive: roots that lent and took values are collected', async () => {
    const { backend, container } = setUp();
    const cache = container.get(VAULTLY.Cache);
    const collected: number[] = [];
    const registry = new FinalizationRegistry<number>((i) => collected.push(i));
    const count = 30;
    const readAll = async (): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const root = container.get(ApiConfig);
        registry.register(root, i);
        await getSecret(root, 'apiKey');
      }
    };
    await readAll();
    expect(backend.calls).toHaveLength(1);
    await forceGc(() => collected.length === count && cache.partitions === 0);
    expect(collected).toHaveLength(count);
    expect(cache.partitions).toBe(0);
  });
});
