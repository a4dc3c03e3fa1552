import 'reflect-metadata';
import {
  bindSecrets,
  ConfigError,
  dispose,
  getSecret,
  MissingContextVariableError,
  MockBackend,
  Nested,
  prefetch,
  refresh,
  refreshAll,
  Secret,
  SecretModel,
  SecretNotFoundError,
  SecretNotLoadedError,
  TransientError,
} from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { ControlledBackend, flush } from '../helpers/ControlledBackend.js';

@SecretModel()
class DbConfig {
  @Secret('/{stage}/db/password', 300) password!: string;
  @Secret('/{stage}/db/pool') pool!: number;
}

@SecretModel()
class AppConfig {
  constructor(readonly stage = 'prod') {}
  @Secret('/services/openai/key', { ttl: 900 }) apiKey!: string;
  @Secret('/{stage}/db/password') samePassword!: string; // same key as db.password
  @Secret('/{stage}/db/password', { version: 2 }) oldPassword!: string;
  @Secret('/{stage}/flags') flags!: { beta: boolean };
  @Nested() db!: DbConfig;
}

const VALUES = {
  '/services/openai/key': 'sk-live',
  '/prod/db/password': 'pw-3',
  '/prod/db/pool': '10',
  '/prod/flags': '{"beta":true}',
  '/prod/db/password@2': 'pw-2',
};

const setup = async (values: Record<string, string> = VALUES, stage = 'prod') => {
  const backend = new ControlledBackend(values);
  const clock = new ManualClock();
  const config = await bindSecrets(new AppConfig(stage), { backend, clock });
  return { backend, clock, config };
};

describe('Function: prefetch', () => {
  it('loads unversioned unique paths in one batch and versioned ones by get', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    expect(backend.batches).toHaveLength(1);
    expect([...(backend.batches[0] ?? [])].sort()).toEqual(['/prod/db/password', '/prod/db/pool', '/prod/flags', '/services/openai/key']);
    expect(backend.gets.filter(([, v]) => v !== undefined)).toEqual([['/prod/db/password', 2]]);
    expect(config.apiKey).toBe('sk-live');
    expect(config.samePassword).toBe('pw-3');
    expect(config.db.password).toBe('pw-3');
    expect(config.oldPassword).toBe('pw-2');
    expect(config.db.pool).toBe(10);
    expect(config.flags).toEqual({ beta: true });
  });

  it('names every missing path, versioned ones included, in one SecretNotFoundError', async () => {
    const { '/prod/db/pool': _pool, '/prod/db/password@2': _old, ...rest } = VALUES;
    const { config } = await setup(rest);
    const error = await prefetch(config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as SecretNotFoundError).paths).toEqual(expect.arrayContaining(['/prod/db/pool', '/prod/db/password@2']));
    expect((error as Error).message).toContain('/prod/db/pool');
    expect((error as Error).message).toContain('/prod/db/password@2');
    expect(() => config.apiKey).toThrow(SecretNotLoadedError); // nothing half-applied
  });

  it('stores nothing when one value fails to cast', async () => {
    const { config } = await setup({ ...VALUES, '/prod/db/pool': 'ten' });
    await expect(prefetch(config)).rejects.toThrow(/DbConfig\.pool: the value of secret '\/prod\/db\/pool' is not a decimal number/);
    expect(() => config.apiKey).toThrow(SecretNotLoadedError);
  });

  it('shares fetches already in flight instead of fetching again', async () => {
    const { backend, config } = await setup();
    backend.hold = true;
    const single = getSecret(config, 'apiKey');
    await flush();
    const all = prefetch(config);
    await flush();
    backend.release();
    await Promise.all([single, all]);
    expect(backend.gets.filter(([p]) => p === '/services/openai/key')).toHaveLength(1);
  });

  it('surfaces a transient failure of the batch', async () => {
    const { backend, config } = await setup();
    backend.failWith = (path) => new TransientError('down', { path });
    await expect(prefetch(config)).rejects.toBeInstanceOf(TransientError);
  });
});

describe('Function: refresh', () => {
  it('fetches one secret again; readers keep the old value until the new one is stored', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    backend.values.set('/services/openai/key', 'sk-rotated');
    backend.hold = true;
    const done = refresh(config, 'apiKey');
    await flush();
    expect(config.apiKey).toBe('sk-live');
    backend.release();
    await done;
    expect(config.apiKey).toBe('sk-rotated');
  });

  it('keeps the old value readable when the refresh fails', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    backend.failWith = (path) => new TransientError('down', { path });
    await expect(refresh(config, 'apiKey')).rejects.toBeInstanceOf(TransientError);
    expect(config.apiKey).toBe('sk-live');
  });

  it('throws ConfigError for a name that is not a secret field', async () => {
    const { config } = await setup();
    await expect(refresh(config, 'stage' as never)).rejects.toBeInstanceOf(ConfigError);
    await expect(refresh(config, 'db' as never)).rejects.toThrow(/AppConfig\.db is not a secret field/);
  });
});

describe('Function: refreshAll', () => {
  it('expires the whole partition and re-fetches what was loaded in one batch', async () => {
    const { backend, config } = await setup();
    await getSecret(config, 'apiKey');
    await getSecret(config.db, 'password');
    backend.values.set('/services/openai/key', 'sk-2');
    backend.batches.length = 0;
    backend.gets.length = 0;
    await refreshAll(config);
    expect(backend.batches).toEqual([['/services/openai/key', '/prod/db/password']]);
    expect(config.apiKey).toBe('sk-2');
    expect(() => config.db.pool).toThrow(SecretNotLoadedError); // never loaded, not fetched
  });

  it('leaves another root model untouched', async () => {
    const backend = new MockBackend({ ...VALUES, '/dev/db/password': 'dev-pw', '/dev/db/pool': '1', '/dev/flags': '{}' }, {
      versions: { '/prod/db/password': { 2: 'pw-2' }, '/dev/db/password': { 2: 'dev-2' } },
    });
    const prod = await bindSecrets(new AppConfig('prod'), { backend });
    const dev = await bindSecrets(new AppConfig('dev'), { backend });
    await prefetch(prod);
    await prefetch(dev);
    backend.resetCalls();
    await refreshAll(prod);
    expect(backend.calls.every(([p]) => !p.startsWith('/dev'))).toBe(true);
    expect(dev.db.password).toBe('dev-pw');
  });

  it('re-fetches ttl-less entries too', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    backend.values.set('/prod/db/pool', '20');
    await refreshAll(config);
    expect(config.db.pool).toBe(20);
  });
});

describe('Function: dispose', () => {
  it('clears the cache and aborts fetches in flight', async () => {
    const { backend, config, clock } = await setup();
    await prefetch(config);
    expect(clock.pending).toBe(1);
    backend.hold = true;
    const pending = refresh(config, 'apiKey');
    dispose(config);
    expect(clock.pending).toBe(0);
    expect(() => config.apiKey).toThrow(/disposed/);
    await expect(getSecret(config, 'apiKey')).rejects.toThrow(/disposed/);
    backend.release();
    await pending.catch(() => undefined);
  });
});

describe('Function: bindSecrets', () => {
  it('resolves to the same instance', async () => {
    const instance = new AppConfig();
    await expect(bindSecrets(instance, { backend: new MockBackend(VALUES) })).resolves.toBe(instance);
  });

  it('refuses to bind an instance twice', async () => {
    const instance = await bindSecrets(new AppConfig(), { backend: new MockBackend(VALUES) });
    await expect(bindSecrets(instance, { backend: new MockBackend(VALUES) })).rejects.toThrow(/already bound/);
  });

  it('refuses a missing backend, naming the option', async () => {
    await expect(bindSecrets(new AppConfig(), {} as never)).rejects.toThrow(/options\.backend/);
  });

  it("validate 'paths' rejects a bad template at bind time and changes nothing", async () => {
    @SecretModel()
    class Bad {
      stage = 'prod';
      @Secret('/{stage}/a') a!: string;
      @Secret('/{region}/b') b!: string;
    }
    const instance = new Bad();
    await expect(bindSecrets(instance, { backend: new MockBackend({}) })).rejects.toBeInstanceOf(MissingContextVariableError);
    expect(Object.getOwnPropertyDescriptor(instance, 'a')).toBeUndefined();
  });

  it("validate 'none' defers a bad template to the first read", async () => {
    @SecretModel({ validate: 'none' })
    class Lazy {
      stage = 'prod';
      @Secret('/{stage}/a') a!: string;
      @Secret('/{region}/b') b!: string;
    }
    const config = await bindSecrets(new Lazy(), { backend: new MockBackend({ '/prod/a': 'A' }) });
    await expect(getSecret(config, 'a')).resolves.toBe('A');
    expect(() => config.b).toThrow(MissingContextVariableError);
    await expect(prefetch(config)).rejects.toBeInstanceOf(MissingContextVariableError);
  });

  it("validate 'fetch' prefetches, and rejects naming every missing secret", async () => {
    @SecretModel({ validate: 'fetch' })
    class Eager {
      @Secret('/a') a!: string;
      @Secret('/b') b!: string;
      @Secret('/c') c!: string;
    }
    const backend = new MockBackend({ '/a': 'A' });
    const error = await bindSecrets(new Eager(), { backend }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as SecretNotFoundError).paths).toEqual(['/b', '/c']);
    const config = await bindSecrets(new Eager(), { backend: new MockBackend({ '/a': 'A', '/b': 'B', '/c': 'C' }) });
    expect([config.a, config.b, config.c]).toEqual(['A', 'B', 'C']);
  });

  it('refuses a filled-in context value that would point at another secret', async () => {
    const error = await bindSecrets(new AppConfig('prod/../admin'), { backend: new MockBackend({}) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('{stage}');
  });
});
