import 'reflect-metadata';
import { Container } from 'inversify';
import {
  getSecret,
  MockBackend,
  refresh,
  Secret,
  SecretModel,
  TransientError,
  vaultlyModule,
  type BackendGetOptions,
  type RetryOptions,
} from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { flush } from '../helpers/ControlledBackend.js';

const CANARY = 'CANARY-stale-3c9e';

/** A MockBackend that can be taken down: every read then fails, or hangs, ignoring its signal. */
class OutageBackend extends MockBackend {
  mode: 'up' | 'failing' | 'hanging' = 'up';
  override get(path: string, options?: BackendGetOptions): Promise<string> {
    if (this.mode === 'failing') return Promise.reject(new TransientError(`503 for ${path}`, { path }));
    if (this.mode === 'hanging') return new Promise(() => undefined);
    return super.get(path, options);
  }
}

@SecretModel({ validate: 'fetch', staleOnError: true })
class Tolerant {
  @Secret('/db/password', 60) password!: string;
}

@SecretModel({ validate: 'fetch', staleOnError: false })
class Strict {
  @Secret('/db/password', 60) password!: string;
}

const RETRY: RetryOptions = { maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.02, totalTimeout: 0.3 };

async function boot<T extends object>(Model: new () => T) {
  const backend = new OutageBackend({ '/db/password': CANARY });
  const clock = new ManualClock();
  const records: [Record<string, unknown>, string][] = [];
  const logger = { warn: (fields: Record<string, unknown>, message: string) => void records.push([fields, message]) };
  const container = new Container();
  container.load(vaultlyModule({ backend, clock, logger, retry: RETRY }));
  container.bind(Model).toSelf().inSingletonScope();
  const config = await container.getAsync(Model);
  return { backend, clock, records, container, config };
}

const staleRecords = (records: [Record<string, unknown>, string][]) => records.filter(([, m]) => m.includes('stale'));

describe('staleOnError through model → RetryingBackend → backend', () => {
  it('a warm model whose entry expired during an outage serves the last value, with one stale warning', async () => {
    const { backend, clock, records, container, config } = await boot(Tolerant);
    backend.mode = 'failing';
    clock.advance(60_000);
    expect(config.password).toBe(CANARY); // starts the background refresh
    const started = Date.now();
    await expect(getSecret(config, 'password')).resolves.toBe(CANARY); // joins it, retries exhausted
    expect(Date.now() - started).toBeLessThan(300 + 100);
    await flush();
    expect(config.password).toBe(CANARY);
    expect(staleRecords(records)).toHaveLength(2); // one from the background refresh, one from getSecret
    expect(records.filter(([, m]) => m.includes('retrying')).length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(records)).not.toContain(CANARY);
    await container.unbindAllAsync();
  });

  it('the synchronous read alone logs one stale warning per failed refresh', async () => {
    const { backend, clock, records, container, config } = await boot(Tolerant);
    backend.mode = 'failing';
    clock.advance(60_000);
    for (let i = 0; i < 50; i++) expect(config.password).toBe(CANARY);
    await new Promise((r) => setTimeout(r, 150)); // retries (10–20 ms sleeps) run out
    for (let i = 0; i < 50; i++) expect(config.password).toBe(CANARY);
    expect(staleRecords(records)).toHaveLength(1);
    await container.unbindAllAsync();
  });

  it('with staleOnError off, the TransientError surfaces to getSecret and then to the sync read', async () => {
    const { backend, clock, container, config } = await boot(Strict);
    backend.mode = 'failing';
    clock.advance(60_000);
    await expect(getSecret(config, 'password')).rejects.toBeInstanceOf(TransientError);
    expect(() => config.password).toThrow(TransientError);
    backend.mode = 'up';
    clock.advance(1_000); // past the background-refresh cooldown
    await expect(getSecret(config, 'password')).resolves.toBe(CANARY);
    expect(config.password).toBe(CANARY);
    await container.unbindAllAsync();
  });

  it('a boot during an outage fails within totalTimeout, even when the backend hangs', async () => {
    const backend = new OutageBackend({ '/db/password': CANARY });
    backend.mode = 'hanging';
    const container = new Container();
    container.load(vaultlyModule({ backend, retry: RETRY }));
    container.bind(Tolerant).toSelf().inSingletonScope();
    const started = Date.now();
    const error = await container.getAsync(Tolerant).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(300 + 100);
    expect(error).toBeInstanceOf(TransientError); // the rejection is vaultly's error itself, not inversify's wrapper
    // The failed model disposed itself; inversify keeps the rejected singleton, so no unbind here.
  });

  it('refresh during an outage rejects and keeps the old value readable', async () => {
    const { backend, container, config } = await boot(Strict);
    backend.mode = 'failing';
    await expect(refresh(config, 'password')).rejects.toBeInstanceOf(TransientError);
    expect(config.password).toBe(CANARY); // still fresh: the failed refresh changed nothing
    await container.unbindAllAsync();
  });
});
