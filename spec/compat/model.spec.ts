// Translates tests/test_model.py of the original Python vaultly (cop1cat/vaultly; its model unit
// tests). The original reads secrets as blocking attributes; ours fetch with `await getSecret`
// or `prefetch`, and the synchronous property read only serves what is loaded. Python's
// `AppConfig(stage=..., backend=...)` is `bindSecrets(new AppConfig(...), { backend })` here.
import 'reflect-metadata';
import { inspect } from 'node:util';
import { Container } from 'inversify';
import {
  Backend,
  bindSecrets,
  ConfigError,
  getSecret,
  MissingContextVariableError,
  MockBackend,
  Nested,
  prefetch,
  refresh,
  refreshAll,
  Secret,
  SecretModel,
  SecretNotLoadedError,
  type BindSecretsOptions,
} from 'vaultly';
import { canary } from '../helpers/canary.js';
import { rejection, thrown } from '../helpers/outcomes.js';

/** The error and its causes, outermost first. */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = error; e !== undefined && !chain.includes(e); e = e instanceof Error ? e.cause : undefined) chain.push(e);
  return chain;
}

@SecretModel()
class AppConfig {
  constructor(
    readonly stage = 'dev',
    readonly debug = false,
  ) {}
  @Secret('/db/{stage}/password', 60) dbPassword!: string;
  @Secret('/services/openai/key') apiKey!: string;
  @Secret('/db/{stage}/max_conns') maxConns!: number;
}

/** A MockBackend that also records each getBatch. */
class BatchRecordingBackend extends MockBackend {
  readonly batches: string[][] = [];
  override getBatch(paths: readonly string[], options?: { signal?: AbortSignal }): Promise<Record<string, string>> {
    this.batches.push([...paths]);
    return super.getBatch(paths, options);
  }
}

function backend(password = 's3cr3t'): BatchRecordingBackend {
  return new BatchRecordingBackend({
    '/db/prod/password': password,
    '/services/openai/key': 'sk-abc',
    '/db/prod/max_conns': '42',
  });
}

describe('basics (test_model.py)', () => {
  it('fetches lazily and returns the cast value', async () => {
    const b = backend();
    const config = await bindSecrets(new AppConfig('prod'), { backend: b });
    expect(b.calls).toEqual([]);
    await expect(getSecret(config, 'dbPassword')).resolves.toBe('s3cr3t');
    const maxConns = await getSecret(config, 'maxConns');
    expect(maxConns).toBe(42);
    expect(typeof maxConns).toBe('number');
    // Differs: a sync read never fetches, so before loading it throws instead of fetching.
    expect(thrown(() => config.apiKey)).toBeInstanceOf(SecretNotLoadedError);
  });

  it('serves repeated reads from the cache', async () => {
    const b = backend();
    const config = await bindSecrets(new AppConfig('prod'), { backend: b });
    await getSecret(config, 'dbPassword');
    await getSecret(config, 'dbPassword');
    expect(config.dbPassword).toBe('s3cr3t');
    expect(config.dbPassword).toBe('s3cr3t');
    expect(b.calls).toEqual([['/db/prod/password', undefined]]);
  });

  it('masks secrets in inspect, String and template literals, even once fetched', async () => {
    const secret = canary();
    const config = await bindSecrets(new AppConfig('prod'), { backend: backend(secret) });
    await getSecret(config, 'dbPassword');
    for (const text of [inspect(config), String(config), `${config}`, inspect(config, { depth: 10, showHidden: true })]) {
      expect(text).not.toContain(secret);
      expect(text).toContain('***');
    }
  });

  it('masks secrets in JSON output, keeping plain fields', async () => {
    // The original's model_dump(); ours is JSON.stringify through toJSON.
    const secret = canary();
    const config = await bindSecrets(new AppConfig('prod'), { backend: backend(secret) });
    await getSecret(config, 'dbPassword');
    const json = JSON.stringify(config);
    expect(json).not.toContain(secret);
    expect(JSON.parse(json)).toEqual({
      stage: 'prod',
      debug: false,
      dbPassword: '***',
      apiKey: '***',
      maxConns: '***',
    });
  });

  it('leaves regular fields working', async () => {
    const config = await bindSecrets(new AppConfig('prod', true), { backend: backend() });
    expect(config.stage).toBe('prod');
    expect(config.debug).toBe(true);
  });
});

describe('path validation (test_model.py)', () => {
  it('rejects a model whose path needs a missing variable at bind time', async () => {
    // Differs: the original defers a lone model's own bad path to the first fetch; our default
    // validate: 'paths' resolves every path when the model is bound.
    @SecretModel()
    class Broken {
      @Secret('/db/{stage}/password') dbPassword!: string;
    }
    const b = backend();
    const error = await rejection(bindSecrets(new Broken(), { backend: b }));
    expect(error).toBeInstanceOf(MissingContextVariableError);
    expect((error as MissingContextVariableError).variable).toBe('stage');
    expect((error as Error).message).toContain('{stage}');
    expect((error as Error).message).toContain('Broken.dbPassword');
    expect(b.calls).toEqual([]);
  });

  it('accepts paths with no variables', async () => {
    @SecretModel()
    class Simple {
      @Secret('/services/openai/key') apiKey!: string;
    }
    const config = await bindSecrets(new Simple(), { backend: backend() });
    await expect(getSecret(config, 'apiKey')).resolves.toBe('sk-abc');
  });

  it('skips the check with validate: none and fails on first read instead', async () => {
    @SecretModel({ validate: 'none' })
    class Broken {
      @Secret('/db/{stage}/password') dbPassword!: string;
    }
    const b = backend();
    const config = await bindSecrets(new Broken(), { backend: b });
    const syncError = thrown(() => config.dbPassword);
    expect(syncError).toBeInstanceOf(MissingContextVariableError);
    expect((syncError as Error).message).toContain('stage');
    const readError = await rejection(getSecret(config, 'dbPassword'));
    expect(readError).toBeInstanceOf(MissingContextVariableError);
    const prefetchError = await rejection(prefetch(config));
    expect(prefetchError).toBeInstanceOf(MissingContextVariableError);
    expect(b.calls).toEqual([]);
  });
});

describe('no backend (test_model.py)', () => {
  it('refuses to bind without a backend, naming the option', async () => {
    // Differs: the original accepts backend=None and fails on fetch; ours needs a backend to bind.
    const error = await rejection(bindSecrets(new AppConfig('prod'), {} as BindSecretsOptions));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain('backend');
  });

  it('rejects a read of an unbound model with a ConfigError saying how to bind it', async () => {
    const error = await rejection(getSecret(new AppConfig('prod'), 'dbPassword'));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('AppConfig');
    expect((error as Error).message).toContain('bindSecrets');
  });

  it('rejects a container resolution without vaultlyModule, naming the backend', async () => {
    @SecretModel()
    class Plain {
      @Secret('/services/openai/key') apiKey!: string;
    }
    const container = new Container();
    container.bind(Plain).toSelf();
    const error = await rejection(Promise.resolve().then(() => container.getAsync(Plain)));
    // inversify wraps an error thrown by a @postConstruct hook; ours is kept as its cause.
    const ours = causeChain(error).find((e) => e instanceof ConfigError);
    expect(ours).toBeInstanceOf(ConfigError);
    expect((ours as Error).message).toContain('vaultlyModule');
    expect((ours as Error).message).toContain('backend');
  });
});

describe('refresh (test_model.py)', () => {
  it('refetches on refresh, serving the cached value until then', async () => {
    const b = backend();
    const config = await bindSecrets(new AppConfig('prod'), { backend: b });
    await expect(getSecret(config, 'dbPassword')).resolves.toBe('s3cr3t');
    b.set('/db/prod/password', 'new-pw');
    expect(config.dbPassword).toBe('s3cr3t');
    await expect(getSecret(config, 'dbPassword')).resolves.toBe('s3cr3t');
    await refresh(config, 'dbPassword');
    expect(config.dbPassword).toBe('new-pw');
    expect(b.calls).toEqual([
      ['/db/prod/password', undefined],
      ['/db/prod/password', undefined],
    ]);
  });

  it('refetches everything that was loaded on refreshAll', async () => {
    // Differs: the original clears the cache and lets later reads refetch; ours refetches at once, in one batch.
    const b = backend();
    const config = await bindSecrets(new AppConfig('prod'), { backend: b });
    await getSecret(config, 'dbPassword');
    await getSecret(config, 'apiKey');
    b.resetCalls();
    await refreshAll(config);
    expect(b.calls.map(([p]) => p).sort()).toEqual(['/db/prod/password', '/services/openai/key']);
    expect(b.batches).toEqual([expect.arrayContaining(['/db/prod/password', '/services/openai/key'])]);
    expect(b.batches[0]).toHaveLength(2);
    b.resetCalls();
    expect(config.dbPassword).toBe('s3cr3t');
    expect(config.apiKey).toBe('sk-abc');
    expect(b.calls).toEqual([]);
  });

  it('rejects refresh of a field that is not a secret', async () => {
    // Differs: the original raises ValueError; ours a ConfigError with the same words.
    const config = await bindSecrets(new AppConfig('prod'), { backend: backend() });
    const error = await rejection(refresh(config, 'stage'));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('is not a secret field');
    expect((error as Error).message).toContain('AppConfig.stage');
  });
});

describe('prefetch and validate: fetch (test_model.py)', () => {
  it('populates the cache through one batch', async () => {
    const b = backend();
    const config = await bindSecrets(new AppConfig('prod'), { backend: b });
    b.resetCalls();
    await prefetch(config);
    expect(b.calls.map(([p, v]) => `${p}|${String(v)}`).sort()).toEqual([
      '/db/prod/max_conns|undefined',
      '/db/prod/password|undefined',
      '/services/openai/key|undefined',
    ]);
    expect(b.batches).toHaveLength(1);
    expect([...(b.batches[0] ?? [])].sort()).toEqual(['/db/prod/max_conns', '/db/prod/password', '/services/openai/key']);
    b.resetCalls();
    expect(config.dbPassword).toBe('s3cr3t');
    expect(config.apiKey).toBe('sk-abc');
    expect(config.maxConns).toBe(42);
    expect(b.calls).toEqual([]);
  });

  it('prefetches at bind time with validate: fetch', async () => {
    @SecretModel({ validate: 'fetch' })
    class Eager {
      constructor(readonly stage = 'dev') {}
      @Secret('/db/{stage}/password') dbPassword!: string;
    }
    const b = new MockBackend({ '/db/prod/password': 's3cr3t' });
    const config = await bindSecrets(new Eager('prod'), { backend: b });
    expect(b.calls).toEqual([['/db/prod/password', undefined]]);
    expect(config.dbPassword).toBe('s3cr3t');
    expect(b.calls).toEqual([['/db/prod/password', undefined]]);
  });
});

describe('nested models (test_model.py)', () => {
  @SecretModel()
  class DbConfig {
    @Secret('/db/{stage}/password') password!: string;
    @Secret('/db/{stage}/max_conns') maxConns!: number;
  }

  @SecretModel()
  class NestedApp {
    constructor(readonly stage: string) {}
    @Nested() db!: DbConfig;
    @Secret('/services/{stage}/key') apiKey!: string;
  }

  it("gives a nested model the root's backend and context", async () => {
    const b = new MockBackend({ '/db/prod/password': 's3cr3t', '/db/prod/max_conns': '42', '/services/prod/key': 'sk' });
    const config = await bindSecrets(new NestedApp('prod'), { backend: b });
    expect(config.db).toBeInstanceOf(DbConfig);
    await expect(getSecret(config, 'apiKey')).resolves.toBe('sk');
    await expect(getSecret(config.db, 'password')).resolves.toBe('s3cr3t');
    await expect(getSecret(config.db, 'maxConns')).resolves.toBe(42);
  });

  it("shares the root's cache", async () => {
    const b = new MockBackend({ '/db/prod/password': 'v', '/db/prod/max_conns': '1', '/services/prod/key': 'k' });
    const config = await bindSecrets(new NestedApp('prod'), { backend: b });
    await getSecret(config.db, 'password');
    await getSecret(config.db, 'password');
    expect(config.db.password).toBe('v');
    expect(b.calls).toEqual([['/db/prod/password', undefined]]);
    // Prefetching the root loads the nested fields too.
    b.resetCalls();
    await prefetch(config);
    expect(config.db.maxConns).toBe(1);
    expect(config.apiKey).toBe('k');
  });

  it('detects a missing context variable of a nested model at the root', async () => {
    @SecretModel()
    class BadNested {
      @Secret('/db/{stage}/password') password!: string;
    }
    @SecretModel()
    class BadRoot {
      @Nested() db!: BadNested;
    }
    const b = new MockBackend({});
    const error = await rejection(bindSecrets(new BadRoot(), { backend: b }));
    expect(error).toBeInstanceOf(MissingContextVariableError);
    expect((error as MissingContextVariableError).variable).toBe('stage');
    expect((error as Error).message).toContain('BadNested.password');
    expect(b.calls).toEqual([]);
  });

  it('fails a stand-alone model that needs context on its first read under validate: none', async () => {
    // Differs: the original defers by default; ours only with validate: 'none' (default 'paths' rejects at bind).
    @SecretModel({ validate: 'none' })
    class NeedsStage {
      @Secret('/db/{stage}/password') password!: string;
    }
    const config = await bindSecrets(new NeedsStage(), { backend: new MockBackend({}) });
    const error = await rejection(getSecret(config, 'password'));
    expect(error).toBeInstanceOf(MissingContextVariableError);
    expect((error as Error).message).toContain('stage');
  });

  it('uses a model that could be nested as a root of its own', async () => {
    @SecretModel()
    class Standalone {
      @Secret('/services/openai/key') apiKey!: string;
    }
    const b = new MockBackend({ '/services/openai/key': 'sk' });
    const config = await bindSecrets(new Standalone(), { backend: b });
    await expect(getSecret(config, 'apiKey')).resolves.toBe('sk');
  });

  it('is a Backend subclass that the test backend extends', () => {
    expect(backend()).toBeInstanceOf(Backend);
  });
});
