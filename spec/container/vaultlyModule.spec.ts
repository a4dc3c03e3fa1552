import 'reflect-metadata';
import { jest } from '@jest/globals';
import { Container, inject, injectable, postConstruct } from 'inversify';
import {
  EnvBackend,
  getSecret,
  MissingContextVariableError,
  MockBackend,
  Nested,
  Secret,
  SecretCache,
  SecretModel,
  SecretNotFoundError,
  SecretNotLoadedError,
  TransientError,
  VAULTLY,
  vaultlyModule,
  Backend,
} from 'vaultly';
import type { Wiring } from '../../lib/model/bindModel.js';
import { BOOT, WIRING } from '../../lib/model/modelTokens.js';
import { forceGc } from '../helpers/forceGc.js';

const STAGE = Symbol('stage');

@SecretModel()
class DbConfig {
  @Secret('/{stage}/db/password', 300) password!: string;
}

@SecretModel({ validate: 'fetch' })
class AppConfig {
  constructor(@inject(STAGE) readonly stage: string) {}
  @Secret('/services/key') apiKey!: string;
  @Nested() db!: DbConfig;
}

@SecretModel()
class LazyConfig {
  stage = 'prod';
  @Secret('/{stage}/db/password') password!: string;
}

const VALUES = { '/services/key': 'k', '/prod/db/password': 'pw' };

function containerWith(backend: Backend, extra: Parameters<typeof vaultlyModule>[0] extends infer O ? Partial<O> : never = {}) {
  const container = new Container();
  container.load(vaultlyModule({ backend, ...extra }));
  container.bind(STAGE).toConstantValue('prod');
  container.bind(AppConfig).toSelf().inSingletonScope();
  container.bind(LazyConfig).toSelf().inSingletonScope();
  return container;
}

describe('Function: vaultlyModule', () => {
  it('getAsync prefetches a fetch model in one batch', async () => {
    const backend = new MockBackend(VALUES);
    const config = await containerWith(backend).getAsync(AppConfig);
    expect(config.apiKey).toBe('k');
    expect(config.db.password).toBe('pw');
    expect(backend.calls).toHaveLength(2);
  });

  it('a plain bind(Model).toSelf() of a paths model resolves synchronously and loads on demand', async () => {
    const backend = new MockBackend(VALUES);
    const config = containerWith(backend).get(LazyConfig);
    expect(() => config.password).toThrow(SecretNotLoadedError);
    await expect(getSecret(config, 'password')).resolves.toBe('pw');
  });

  it('binds the backend, logger and one singleton cache per container', () => {
    const backend = new MockBackend(VALUES);
    const container = containerWith(backend);
    expect(container.get(VAULTLY.Backend)).toBe(backend);
    expect(container.get(VAULTLY.Cache)).toBeInstanceOf(SecretCache);
    expect(container.get(VAULTLY.Cache)).toBe(container.get(VAULTLY.Cache));
    expect(container.isBound(VAULTLY.RetryOptions)).toBe(false);
    expect(typeof container.get(VAULTLY.Logger).warn).toBe('function');
    const other = containerWith(backend);
    expect(other.get(VAULTLY.Cache)).not.toBe(container.get(VAULTLY.Cache));
  });

  it('models in one container share the cache, each in its own partition', async () => {
    const container = containerWith(new MockBackend(VALUES));
    await container.getAsync(AppConfig);
    container.get(LazyConfig);
    expect(container.get(VAULTLY.Cache).partitions).toBe(2);
  });

  it('rebind of VAULTLY.Backend before the first resolution swaps the backend', async () => {
    const container = containerWith(new EnvBackend({ env: {} }));
    const mock = new MockBackend({ '/services/key': 'mocked', '/prod/db/password': 'pw' });
    container.rebind(VAULTLY.Backend).toConstantValue(mock);
    const config = await container.getAsync(AppConfig);
    expect(config.apiKey).toBe('mocked');
  });

  it('a rebound backend is still wrapped by the retry option', async () => {
    let failures = 2;
    const flaky = new MockBackend(VALUES);
    const get = flaky.get.bind(flaky);
    flaky.get = (path, options) => (failures-- > 0 ? Promise.reject(new TransientError('blip', { path })) : get(path, options));
    const container = containerWith(new EnvBackend({ env: {} }), { retry: { maxAttempts: 3, baseDelay: 0, jitter: false } });
    container.rebind(VAULTLY.Backend).toConstantValue(flaky);
    const config = await container.getAsync(AppConfig);
    expect(config.apiKey).toBe('k');
    expect(failures).toBeLessThan(0); // both failures were absorbed by retries
  });

  it('rejects bad retry options when the module is built', () => {
    expect(() => vaultlyModule({ backend: new MockBackend({}), retry: { maxAttempts: 0 } })).toThrow(/maxAttempts/);
  });

  it('refuses a missing backend, naming the option', () => {
    expect(() => vaultlyModule({} as never)).toThrow(/options\.backend/);
  });

  it('snapshot and restore bring back the original backend', async () => {
    const original = new MockBackend({ '/services/key': 'original', '/prod/db/password': 'pw' });
    const container = containerWith(original);
    container.snapshot();
    container.rebind(VAULTLY.Backend).toConstantValue(new MockBackend({ '/services/key': 'test', '/prod/db/password': 'pw' }));
    expect((await container.getAsync(AppConfig)).apiKey).toBe('test');
    container.restore();
    expect((await container.getAsync(AppConfig)).apiKey).toBe('original');
  });

  it('getAsync rejects with the SecretNotFoundError itself, naming every missing secret', async () => {
    const error = await containerWith(new MockBackend({})).getAsync(AppConfig).catch((e: unknown) => e);
    // What a user sees first is vaultly's message, not inversify's "Unexpected error found when calling ...".
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(SecretNotFoundError.is(error)).toBe(true);
    expect((error as Error).message).toBe('2 secrets not found: /services/key, /prod/db/password');
    expect((error as SecretNotFoundError).paths).toEqual(['/services/key', '/prod/db/password']);
  });

  it('a service that injects a fetch model gets the same rejection from its own getAsync', async () => {
    @injectable()
    class Service {
      constructor(@inject(AppConfig) readonly config: AppConfig) {}
    }
    const container = containerWith(new MockBackend({ '/services/key': 'k' }));
    container.bind(Service).toSelf();
    const error = await container.getAsync(Service).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as SecretNotFoundError).paths).toEqual(['/prod/db/password']);
  });

  it('getAsync rejects with the ConfigError of a bad template itself', async () => {
    @SecretModel({ validate: 'fetch' })
    class Typo {
      stage = 'prod';
      @Secret('/{stge}/key') key!: string;
    }
    const container = containerWith(new MockBackend(VALUES));
    container.bind(Typo).toSelf();
    const error = await container.getAsync(Typo).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingContextVariableError);
    expect((error as Error).message).toMatch(/^Typo\.key: .*stge/);
  });

  it('a failed boot leaves nothing behind: the model is disposed and its partition dropped', async () => {
    const container = containerWith(new MockBackend({ '/services/key': 'k' }));
    await expect(container.getAsync(AppConfig)).rejects.toThrow(SecretNotFoundError);
    expect(container.get(VAULTLY.Cache).partitions).toBe(0);
  });

  it("a user's own @postConstruct of a fetch model runs once the model is prefetched", async () => {
    const seen: string[] = [];
    @SecretModel({ validate: 'fetch' })
    class WithHook {
      @Secret('/services/key') apiKey!: string;
      @postConstruct()
      ready(): void {
        seen.push(this.apiKey);
      }
    }
    const container = containerWith(new MockBackend(VALUES));
    container.bind(WithHook).toSelf();
    await container.getAsync(WithHook);
    expect(seen).toEqual(['k']);
  });

  it('a boot inversify awaits before the model has it still prefetches, through the @postConstruct hook', async () => {
    // As if inversify awaited an injected promise before assigning it: the boot never learns its model.
    const container = containerWith(new MockBackend(VALUES));
    container.rebind(BOOT).toResolvedValue((wiring: Wiring) => Promise.resolve(wiring) as never, [WIRING]);
    const config = await container.getAsync(AppConfig);
    expect(config.apiKey).toBe('k');
    const failing = containerWith(new MockBackend({}));
    failing.rebind(BOOT).toResolvedValue((wiring: Wiring) => Promise.resolve(wiring) as never, [WIRING]);
    const error = await failing.getAsync(AppConfig).catch((e: unknown) => e);
    // Then inversify wraps the hook's error; vaultly's is its cause, and the hook's name says so.
    expect((error as Error).message).toContain('see the cause');
    expect(SecretNotFoundError.is((error as Error).cause)).toBe(true);
  });

  it("gives every fetch model a boot of its own, even in a container whose default scope is 'Singleton'", async () => {
    @SecretModel({ validate: 'fetch' })
    class Other {
      @Secret('/services/other') key!: string;
    }
    const container = new Container({ defaultScope: 'Singleton' });
    container.load(vaultlyModule({ backend: new MockBackend(VALUES) }));
    container.bind(STAGE).toConstantValue('prod');
    container.bind(AppConfig).toSelf();
    container.bind(Other).toSelf();
    expect((await container.getAsync(AppConfig)).apiKey).toBe('k');
    // A shared boot would be started before either model had it, and errors would come wrapped.
    await expect(container.getAsync(Other)).rejects.toThrow(new SecretNotFoundError('Secret not found: /services/other'));
  });

  it('a sync get of a fetch model is refused by inversify, naming the class; getAsync then resolves it', async () => {
    const backend = new MockBackend(VALUES);
    const container = containerWith(backend);
    expect(() => container.get(AppConfig)).toThrow('Unexpected asynchronous service when resolving service "AppConfig"');
    // inversify runs the whole resolution before it refuses: the singleton's boot is cached and shared.
    const config = await container.getAsync(AppConfig);
    expect(config.apiKey).toBe('k');
    expect(await container.getAsync(AppConfig)).toBe(config);
    expect(backend.calls).toHaveLength(2);
  });

  it('sync get stays synchronous for none and paths models', () => {
    @SecretModel({ validate: 'none' })
    class Unchecked {
      @Secret('/services/key') apiKey!: string;
    }
    const container = containerWith(new MockBackend(VALUES));
    container.bind(Unchecked).toSelf();
    expect(container.get(Unchecked)).toBeInstanceOf(Unchecked);
    expect(container.get(LazyConfig)).toBeInstanceOf(LazyConfig);
  });

  it('unbinding a model disposes it', async () => {
    const container = containerWith(new MockBackend(VALUES));
    const config = await container.getAsync(AppConfig);
    const cache = container.get(VAULTLY.Cache);
    expect(cache.partitions).toBe(1);
    await container.unbindAsync(AppConfig);
    expect(cache.partitions).toBe(0);
    expect(() => config.apiKey).toThrow(/disposed/);
  });

  it('unbindAll disposes models and the cache', async () => {
    const container = containerWith(new MockBackend(VALUES));
    const config = await container.getAsync(AppConfig);
    const cache = container.get(VAULTLY.Cache);
    await container.unbindAllAsync();
    expect(cache.partitions).toBe(0);
    expect(() => config.apiKey).toThrow(SecretNotLoadedError);
  });

  it('disposing the cache disposes a transient model the container never deactivates', async () => {
    @SecretModel({ validate: 'fetch' })
    class Transient {
      @Secret('/k') key!: string;
      @Secret('/k') same!: string;
    }
    const container = new Container();
    container.load(vaultlyModule({ backend: new MockBackend({ '/k': 'CANARY-transient-7c2e' }) }));
    container.bind(Transient).toSelf();
    const config = await container.getAsync(Transient);
    await container.unbindAllAsync();
    for (const name of ['key', 'same'] as const) {
      await expect(getSecret(config, name)).rejects.toThrow(/Transient\.(key|same): the model was disposed/);
      expect(() => config[name]).toThrow(/not loaded: the model was disposed/);
    }
  });

  it('a model resolved from a container without the module says to load it', () => {
    const container = new Container();
    container.bind(LazyConfig).toSelf();
    expect(() => container.get(LazyConfig)).toThrow();
    try {
      container.get(LazyConfig);
    } catch (error) {
      const text = `${String(error)} ${String((error as Error).cause)}`;
      expect(text).toMatch(/vaultlyModule/);
    }
  });

  it('passes the logger to models and the retry wrapper', async () => {
    const warn = jest.fn();
    let failures = 1;
    const flaky = new MockBackend(VALUES);
    const get = flaky.get.bind(flaky);
    flaky.get = (path, options) => (failures-- > 0 ? Promise.reject(new TransientError('blip', { path })) : get(path, options));
    const container = containerWith(flaky, { retry: { maxAttempts: 2, baseDelay: 0, jitter: false }, logger: { warn } });
    await container.getAsync(AppConfig);
    expect(warn).toHaveBeenCalled();
    expect(container.get(VAULTLY.Logger).warn).toBe(warn);
  });
});

describe('transient-scoped models', () => {
  it('are collected with their cache partitions and secrets once dropped (memory stays flat)', async () => {
    @SecretModel()
    class Transient {
      @Secret('/services/key', 300) apiKey!: string;
    }
    const container = new Container();
    container.load(vaultlyModule({ backend: new MockBackend(VALUES) }));
    container.bind(Transient).toSelf(); // no inSingletonScope: inversify never deactivates these
    const cache = await container.getAsync(VAULTLY.Cache);
    const collected: number[] = [];
    const registry = new FinalizationRegistry<number>((i) => collected.push(i));
    const resolutions = 200;
    // In a function of its own: a suspended async frame could keep the last model in a register.
    const resolveAll = async (): Promise<void> => {
      for (let i = 0; i < resolutions; i++) {
        const config = await container.getAsync(Transient);
        expect(await getSecret(config, 'apiKey')).toBe('k');
        registry.register(config, i);
      }
    };
    await resolveAll();
    expect(cache.partitions).toBe(resolutions);
    await forceGc(() => collected.length === resolutions && cache.partitions === 0);
    expect(collected).toHaveLength(resolutions);
    expect(cache.partitions).toBe(0);
    expect(cache.size).toBe(0);
  });
});
