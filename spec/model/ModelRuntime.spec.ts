import 'reflect-metadata';
import { Container } from 'inversify';
import {
  Backend,
  bindSecrets,
  ConfigError,
  dispose,
  getSecret,
  MockBackend,
  prefetch,
  refresh,
  refreshAll,
  Secret,
  SecretModel,
  SecretNotFoundError,
  TransientError,
  VAULTLY,
  vaultlyModule,
  type BackendGetOptions,
} from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { ControlledBackend, flush } from '../helpers/ControlledBackend.js';

/** Collects unhandled rejections while `run` goes on, and a tick after. */
async function unhandledDuring(run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on('unhandledRejection', listener);
  try {
    await run();
    await flush();
    await flush();
  } finally {
    process.off('unhandledRejection', listener);
  }
  return seen;
}

/** Collects process warnings emitted while `run` goes on. */
async function warningsDuring(run: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (warning: Error): void => {
    seen.push(warning.name);
  };
  process.on('warning', listener);
  try {
    await run();
    await flush();
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

/**
 * A backend whose `get` throws instead of returning a rejected promise. Its (default, async)
 * `getBatch` calls `get` and so rejects: a runtime that called `get` for a versioned field
 * right after starting the batch, unguarded, would leave that rejection unhandled.
 */
class ThrowingBackend extends Backend {
  readonly failure = new TransientError('boom');
  get(): Promise<string> {
    throw this.failure;
  }
}

@SecretModel()
class Mixed {
  @Secret('/a') a!: string;
  @Secret('/b', { version: 2 }) b!: string;
}

@SecretModel({ validate: 'fetch' })
class Booted {
  @Secret('/a') a!: string;
  @Secret('/b', { version: 2 }) b!: string;
}

@SecretModel()
class One {
  @Secret('/a', 60) a!: string;
}

@SecretModel()
class Typed {
  @Secret('/s') s!: string;
  @Secret('/n') n!: number;
  @Secret('/v', { version: 3 }) v!: string;
}

describe('Class: ModelRuntime', () => {
  describe('a backend that throws synchronously', () => {
    it('prefetch rejects with its error and leaves no rejection unhandled', async () => {
      const backend = new ThrowingBackend();
      const config = await bindSecrets(new Mixed(), { backend });
      const unhandled = await unhandledDuring(async () => {
        await expect(prefetch(config)).rejects.toThrow(TransientError);
      });
      expect(unhandled).toEqual([]);
      dispose(config);
    });

    it("a validate: 'fetch' boot rejects with its error and leaves no rejection unhandled", async () => {
      const backend = new ThrowingBackend();
      const unhandled = await unhandledDuring(async () => {
        await expect(bindSecrets(new Booted(), { backend })).rejects.toThrow(TransientError);
        const container = new Container();
        container.load(vaultlyModule({ backend }));
        container.bind(Booted).toSelf();
        await expect(container.getAsync(Booted)).rejects.toThrow();
      });
      expect(unhandled).toEqual([]);
    });

    it('getSecret and refresh reject with its error', async () => {
      const backend = new ThrowingBackend();
      const config = await bindSecrets(new Mixed(), { backend });
      const unhandled = await unhandledDuring(async () => {
        await expect(getSecret(config, 'b')).rejects.toBe(backend.failure);
        await expect(refresh(config, 'a')).rejects.toBe(backend.failure);
      });
      expect(unhandled).toEqual([]);
      dispose(config);
    });
  });

  describe('Method: refreshAll', () => {
    it('fetches anew instead of joining a fetch in flight that predates a rotation', async () => {
      const backend = new ControlledBackend({ '/a': 'v1' });
      const config = await bindSecrets(new One(), { backend, clock: new ManualClock() });
      await getSecret(config, 'a');
      backend.hold = true;
      const early = refresh(config, 'a'); // in flight before the rotation
      await flush();
      backend.values.set('/a', 'v2');
      const all = refreshAll(config);
      await flush();
      backend.release(); // the early fetch answers v1 late... in the same release, the new one v2
      await Promise.all([early, all]);
      expect(config.a).toBe('v2');
      expect(backend.gets.length + backend.batches.length).toBeGreaterThanOrEqual(3);
      dispose(config);
    });
  });

  describe('a backend result that is not a string', () => {
    it.each([
      ['undefined', undefined],
      ['null', null],
      ['a number', 42],
      ['an object', { value: 'x' }],
    ])('%s is a ConfigError naming the path, and nothing is cached', async (kind, raw) => {
      const backend = new ControlledBackend();
      backend.get = (): Promise<string> => Promise.resolve(raw as unknown as string);
      const config = await bindSecrets(new Typed(), { backend });
      for (const name of ['s', 'n', 'v'] as const) {
        const error = await getSecret(config, name).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).message).toContain(kind);
        expect((error as ConfigError).path).toBe(name === 'v' ? '/v' : `/${name}`);
        expect(() => config[name]).toThrow(/not loaded/);
      }
      backend.getBatch = (paths): Promise<Record<string, string>> =>
        Promise.resolve(Object.fromEntries(paths.map((p) => [p, raw])) as unknown as Record<string, string>);
      const error = await prefetch(config).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(SecretNotFoundError.is(error)).toBe(false);
      expect((error as Error).message).toMatch(/not a string, for secret '\/(s|n|v@3)'/);
      expect(() => config.s).toThrow(/not loaded/);
      dispose(config);
    });
  });

  describe('sequence numbers guard errors as they guard values', () => {
    it('an older failed fetch does not override a newer success', async () => {
      const clock = new ManualClock();
      const backend = new ControlledBackend({ '/a': 'v1' });
      const config = await bindSecrets(new One(), { backend, clock });
      backend.hold = true;
      const boot = prefetch(config); // fetch 1, held
      await flush();
      const [first] = backend.pending.splice(0);
      backend.values.set('/a', 'v2');
      const refreshing = refresh(config, 'a'); // fetch 2
      await flush();
      backend.release();
      await refreshing;
      expect(config.a).toBe('v2');
      first?.reject(new TransientError('late boot failure'));
      await expect(boot).rejects.toBeInstanceOf(TransientError); // the batch's failure (it owes /a)
      backend.hold = false;
      clock.advance(61_000);
      expect(config.a).toBe('v2'); // expired: the stored value, and a background refresh
      await flush();
      expect(config.a).toBe('v2');
      dispose(config);
    });
  });

  describe('a disposed model', () => {
    it('prefetch rejects with a ConfigError when the model is disposed while it runs', async () => {
      const backend = new ControlledBackend({ '/a': 'v1' });
      const config = await bindSecrets(new One(), { backend });
      backend.hold = true;
      const loading = prefetch(config);
      await flush();
      dispose(config);
      backend.release(); // a backend that ignores the abort and answers anyway
      await expect(loading).rejects.toThrow(ConfigError);
      await expect(loading).rejects.toThrow(/disposed/);
      await expect(prefetch(config)).rejects.toThrow(/disposed/);
    });

    it("container.getAsync of a 'fetch' model rejects when the container is unbound during boot", async () => {
      const backend = new ControlledBackend({ '/a': 'v1', '/b@2': 'v2' });
      backend.hold = true;
      const container = new Container();
      container.load(vaultlyModule({ backend }));
      container.bind(Booted).toSelf().inSingletonScope();
      const resolving = container.getAsync(Booted);
      resolving.catch(() => undefined);
      await flush();
      await container.unbind(VAULTLY.Cache);
      backend.release();
      const error = await resolving.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      const messages = `${(error as Error).message} ${String((error as Error).cause)}`;
      expect(messages).toMatch(/disposed/);
    });
  });

  describe('cache keys', () => {
    it("a literal '@' in a path and a requested version are different keys", async () => {
      @SecretModel()
      class At {
        @Secret('/x@2') literal!: string;
        @Secret('/x', { version: 2 }) versioned!: string;
      }
      const backend = new MockBackend({ '/x@2': 'literal value' }, { versions: { '/x': { 2: 'versioned value' } } });
      const config = await bindSecrets(new At(), { backend });
      await prefetch(config);
      expect([config.literal, config.versioned]).toEqual(['literal value', 'versioned value']);
      expect(backend.calls).toEqual(expect.arrayContaining([['/x@2', undefined], ['/x', 2]]));
      dispose(config);
    });

    it("a missing versioned secret is named 'path@version'", async () => {
      const backend = new MockBackend({ '/a': 'a' });
      const config = await bindSecrets(new Mixed(), { backend });
      await expect(prefetch(config)).rejects.toThrow("Secret not found: /b@2");
      dispose(config);
    });
  });

  describe('abort listeners', () => {
    it('10,000 concurrent reads add no listener to a long-lived signal (no MaxListenersExceededWarning)', async () => {
      const seenSignals = new Set<AbortSignal>();
      class ListeningBackend extends Backend {
        async get(path: string, options: BackendGetOptions = {}): Promise<string> {
          const signal = options.signal;
          const onAbort = (): void => undefined;
          signal?.addEventListener('abort', onAbort);
          if (signal !== undefined) seenSignals.add(signal);
          await new Promise((resolve) => setImmediate(resolve));
          signal?.removeEventListener('abort', onAbort);
          return `value of ${path}`;
        }
      }
      class Wide {
        [name: string]: unknown;
      }
      const names = Array.from({ length: 20 }, (_, i) => `f${i}`);
      for (const name of names) {
        Reflect.defineMetadata('design:type', String, Wide.prototype, name); // what emitDecoratorMetadata records
        Secret(`/w/${name}`)(Wide.prototype, name);
      }
      SecretModel()(Wide);
      const config = await bindSecrets(new Wide(), { backend: new ListeningBackend() });
      const warnings = await warningsDuring(async () => {
        // 20 keys read at once (one fetch each), then 10,000 refreshes (never coalesced)
        await Promise.all(names.map((name) => getSecret(config, name)));
        await Promise.all(Array.from({ length: 10_000 }, () => refresh(config, 'f0')));
      });
      expect(warnings).toEqual([]);
      expect(seenSignals.size).toBe(10_020);
      dispose(config);
    });

    it('dispose aborts every backend call in flight', async () => {
      const signals: AbortSignal[] = [];
      class HangingBackend extends Backend {
        get(_path: string, options: BackendGetOptions = {}): Promise<string> {
          if (options.signal !== undefined) signals.push(options.signal);
          return new Promise(() => undefined);
        }
      }
      const config = await bindSecrets(new Mixed(), { backend: new HangingBackend() });
      const reads = [getSecret(config, 'a'), getSecret(config, 'b')];
      await flush();
      expect(signals.map((s) => s.aborted)).toEqual([false, false]);
      dispose(config);
      expect(signals.map((s) => s.aborted)).toEqual([true, true]);
      await Promise.all(reads.map((read) => expect(read).rejects.toThrow(/disposed/)));
    });
  });
});
