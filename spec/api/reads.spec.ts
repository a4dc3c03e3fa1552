import 'reflect-metadata';
import {
  AuthError,
  ConfigError,
  getSecret,
  bindSecrets,
  Secret,
  SecretModel,
  SecretNotFoundError,
  SecretNotLoadedError,
  TransientError,
  prefetch,
  dispose,
} from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { ControlledBackend, flush } from '../helpers/ControlledBackend.js';

const CANARY = 'CANARY-reads-91d2';

@SecretModel()
class Config {
  stage = 'prod';
  @Secret('/{stage}/db/password', 300) password!: string;
  @Secret('/{stage}/db/pool') pool!: number;
  @Secret('/{stage}/otp', 0) otp!: string;
}

@SecretModel({ staleOnError: true })
class StaleConfig {
  stage = 'prod';
  @Secret('/{stage}/db/password', 300) password!: string;
}

const values = { '/prod/db/password': `${CANARY}-pw`, '/prod/db/pool': '5', '/prod/otp': '123456' };

function records() {
  const warn: [Record<string, unknown>, string][] = [];
  return { warn, logger: { warn: (fields: Record<string, unknown>, message: string) => void warn.push([fields, message]) } };
}

async function setup<T extends object>(Model: new () => T, backend = new ControlledBackend(values)) {
  const clock = new ManualClock();
  const log = records();
  const config = await bindSecrets(new Model(), { backend, clock, logger: log.logger, refreshJitter: 0 });
  return { config, backend, clock, log };
}

describe('Reading a secret property synchronously', () => {
  it('throws SecretNotLoadedError, saying how to load it, before any load', async () => {
    const { config, backend } = await setup(Config);
    expect(() => config.password).toThrow(SecretNotLoadedError);
    expect(() => config.password).toThrow(/Config\.password.*'\/prod\/db\/password'.*prefetch/);
    expect(backend.gets).toHaveLength(0);
  });

  it('returns the cached value without touching the backend', async () => {
    const { config, backend } = await setup(Config);
    await prefetch(config);
    const calls = backend.gets.length;
    expect(config.password).toBe(`${CANARY}-pw`);
    expect(config.pool).toBe(5);
    expect(config.pool).toBe(5);
    expect(backend.gets).toHaveLength(calls);
  });

  it('serves the last value once expired and starts exactly one background refresh', async () => {
    const { config, backend, clock } = await setup(Config);
    await prefetch(config);
    backend.values.set('/prod/db/password', 'rotated');
    backend.hold = true;
    clock.advance(300_000);
    expect(config.password).toBe(`${CANARY}-pw`);
    expect(config.password).toBe(`${CANARY}-pw`);
    await flush();
    expect(config.password).toBe(`${CANARY}-pw`);
    expect(backend.pending).toHaveLength(1);
    backend.release();
    await flush();
    expect(config.password).toBe('rotated');
  });

  it('throws the failed refresh error when staleOnError is off, and keeps trying', async () => {
    const { config, backend, clock, log } = await setup(Config);
    await prefetch(config);
    clock.advance(300_000);
    backend.failWith = (path) => new TransientError(`timeout reading ${path}`, { path });
    expect(config.password).toBe(`${CANARY}-pw`); // first stale read starts the refresh
    await flush();
    expect(() => config.password).toThrow(TransientError);
    expect(log.warn).toHaveLength(1);
    clock.advance(1_000); // past the refresh cooldown
    backend.failWith = undefined;
    expect(() => config.password).toThrow(TransientError); // starts another refresh
    await flush();
    expect(config.password).toBe(`${CANARY}-pw`);
  });

  it('serves the stale value when staleOnError is on, with one warn record per failed refresh', async () => {
    const { config, backend, clock, log } = await setup(StaleConfig);
    await prefetch(config);
    backend.gets.length = 0;
    clock.advance(300_000);
    backend.failWith = (path) => new TransientError(`503 reading ${path}`, { path });
    for (let i = 0; i < 5; i++) expect(config.password).toBe(`${CANARY}-pw`);
    await flush();
    for (let i = 0; i < 5; i++) expect(config.password).toBe(`${CANARY}-pw`);
    await flush();
    expect(backend.gets.filter(([p]) => p === '/prod/db/password')).toHaveLength(1);
    expect(log.warn).toHaveLength(1);
    expect(log.warn[0]?.[0]).toEqual({ path: '/prod/db/password', error: 'TransientError' });
    expect(JSON.stringify(log.warn)).not.toContain(CANARY);
  });

  it('does not serve stale values for non-transient failures even with staleOnError', async () => {
    const { config, backend, clock } = await setup(StaleConfig);
    await prefetch(config);
    clock.advance(300_000);
    backend.failWith = (path) => new AuthError(`denied ${path}`, { path });
    void config.password;
    await flush();
    expect(() => config.password).toThrow(AuthError);
  });

  it('refuses a ttl-0 secret, pointing at getSecret', async () => {
    const { config } = await setup(Config);
    await prefetch(config);
    expect(() => config.otp).toThrow(ConfigError);
    expect(() => config.otp).toThrow(/getSecret\(config, 'otp'\)/);
  });

  it('refuses assignment to a secret field', async () => {
    const { config } = await setup(Config);
    expect(() => {
      (config as { password: string }).password = 'x';
    }).toThrow(/read-only/);
  });

  it('reports a disposed model on read', async () => {
    const { config } = await setup(Config);
    await prefetch(config);
    dispose(config);
    expect(() => config.password).toThrow(/disposed/);
  });
});

describe('Function: getSecret', () => {
  it('resolves a fresh hit without a backend call', async () => {
    const { config, backend } = await setup(Config);
    await prefetch(config);
    const calls = backend.gets.length + backend.batches.length;
    await expect(getSecret(config, 'pool')).resolves.toBe(5);
    expect(backend.gets.length + backend.batches.length).toBe(calls);
  });

  it('fetches a miss once however many callers wait', async () => {
    const { config, backend } = await setup(Config);
    backend.hold = true;
    const reads = Array.from({ length: 100 }, () => getSecret(config, 'password'));
    await flush();
    expect(backend.pending).toHaveLength(1);
    backend.release();
    const results = await Promise.all(reads);
    expect(new Set(results)).toEqual(new Set([`${CANARY}-pw`]));
    expect(backend.gets).toEqual([['/prod/db/password', undefined]]);
    expect(config.password).toBe(`${CANARY}-pw`);
  });

  it('fetches an expired entry again', async () => {
    const { config, backend, clock } = await setup(Config);
    await getSecret(config, 'password');
    backend.values.set('/prod/db/password', 'rotated');
    clock.advance(299_999);
    await expect(getSecret(config, 'password')).resolves.toBe(`${CANARY}-pw`);
    clock.advance(1);
    await expect(getSecret(config, 'password')).resolves.toBe('rotated');
    expect(backend.gets).toHaveLength(2);
  });

  it('fetches a ttl-0 secret every time and never caches it', async () => {
    const { config, backend } = await setup(Config);
    await expect(getSecret(config, 'otp')).resolves.toBe('123456');
    backend.values.set('/prod/otp', '654321');
    await expect(getSecret(config, 'otp')).resolves.toBe('654321');
    expect(backend.gets.filter(([p]) => p === '/prod/otp')).toHaveLength(2);
  });

  it('returns the stale value on a TransientError when staleOnError is on, logging a warning', async () => {
    const { config, backend, clock, log } = await setup(StaleConfig);
    await getSecret(config, 'password');
    clock.advance(300_000);
    backend.failWith = (path) => new TransientError(`throttled ${path}`, { path });
    await expect(getSecret(config, 'password')).resolves.toBe(`${CANARY}-pw`);
    expect(log.warn).toHaveLength(1);
    expect(log.warn[0]?.[0]).toMatchObject({ path: '/prod/db/password' });
  });

  it('rejects on a TransientError when staleOnError is off; the sync read then throws it too', async () => {
    const { config, backend, clock } = await setup(Config);
    await getSecret(config, 'password');
    clock.advance(300_000);
    const failure = new TransientError('throttled', { path: '/prod/db/password' });
    backend.failWith = () => failure;
    await expect(getSecret(config, 'password')).rejects.toBe(failure);
    expect(() => config.password).toThrow(failure);
    backend.failWith = undefined;
    await expect(getSecret(config, 'password')).resolves.toBe(`${CANARY}-pw`);
    expect(config.password).toBe(`${CANARY}-pw`);
  });

  it('rejects when there is no stale value, even with staleOnError', async () => {
    const { config, backend } = await setup(StaleConfig);
    backend.failWith = (path) => new TransientError('down', { path });
    await expect(getSecret(config, 'password')).rejects.toBeInstanceOf(TransientError);
  });

  it('rejects with SecretNotFoundError for a missing secret', async () => {
    const { config } = await setup(Config, new ControlledBackend({}));
    await expect(getSecret(config, 'password')).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it('rejects with ConfigError for a name that is not a secret field', async () => {
    const { config } = await setup(Config);
    await expect(getSecret(config, 'stage' as never)).rejects.toThrow(/Config\.stage is not a secret field/);
  });

  it('rejects with ConfigError for an unbound model', async () => {
    await expect(getSecret(new Config(), 'password')).rejects.toThrow(/not a bound secret model/);
  });

  it('stops waiting when the caller aborts, leaving the shared fetch running', async () => {
    const { config, backend } = await setup(Config);
    backend.hold = true;
    const controller = new AbortController();
    const aborted = getSecret(config, 'password', { signal: controller.signal });
    const patient = getSecret(config, 'password');
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    backend.release();
    await expect(patient).resolves.toBe(`${CANARY}-pw`);
  });

  it('caches nothing when a cast fails, and names field and path', async () => {
    const { config } = await setup(Config, new ControlledBackend({ ...values, '/prod/db/pool': `${CANARY}px` }));
    const error = await getSecret(config, 'pool').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('Config.pool');
    expect((error as Error).message).toContain('/prod/db/pool');
    expect((error as Error).message).not.toContain(CANARY);
    expect(() => config.pool).toThrow(SecretNotLoadedError);
  });
});
