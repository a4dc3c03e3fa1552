// Translates tests/unit/test_model_stale_on_error.py of the original Python vaultly
// (cop1cat/vaultly v1.0.0; tests/test_stale_on_error.py is an earlier copy of the same file).
// The original's blocking attribute read is `await getSecret(...)` here; its sleep past the ttl is
// `clock.advance(ms)` on a ManualClock. The synchronous read, which never fetches, is tested too.
import 'reflect-metadata';
import {
  Backend,
  bindSecrets,
  getSecret,
  Secret,
  SecretModel,
  SecretNotLoadedError,
  TransientError,
  type LogFields,
  type Logger,
} from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { canary } from '../helpers/canary.js';
import { rejection, thrown } from '../helpers/outcomes.js';

/** Succeeds until `fail` is set; then rejects with a new TransientError per read. */
class FlipBackend extends Backend {
  fail = false;
  calls = 0;
  readonly errors: TransientError[] = [];

  constructor(readonly data: Record<string, string>) {
    super();
  }

  get(path: string): Promise<string> {
    this.calls++;
    if (this.fail) {
      const error = new TransientError('outage', { path });
      this.errors.push(error);
      return Promise.reject(error);
    }
    const value = this.data[path];
    return value === undefined ? Promise.reject(new Error(`no ${path}`)) : Promise.resolve(value);
  }
}

class CapturingLogger implements Logger {
  readonly records: { level: string; fields: LogFields; message: string }[] = [];
  warn(fields: LogFields, message: string): void {
    this.records.push({ level: 'warn', fields, message });
  }
  debug(fields: LogFields, message: string): void {
    this.records.push({ level: 'debug', fields, message });
  }
  error(fields: LogFields, message: string): void {
    this.records.push({ level: 'error', fields, message });
  }
}

@SecretModel({ staleOnError: true })
class StaleApp {
  @Secret('/db/password', 0.01) dbPassword!: string;
}

@SecretModel()
class StrictApp {
  @Secret('/db/password', 0.01) dbPassword!: string;
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('staleOnError (test_model_stale_on_error.py)', () => {
  it('returns the expired cached value when the backend fails transiently', async () => {
    const backend = new FlipBackend({ '/db/password': 's3cr3t' });
    const clock = new ManualClock();
    const config = await bindSecrets(new StaleApp(), { backend, clock });

    await expect(getSecret(config, 'dbPassword')).resolves.toBe('s3cr3t');
    clock.advance(20);
    backend.fail = true;

    await expect(getSecret(config, 'dbPassword')).resolves.toBe('s3cr3t');
    // The expired entry was really fetched again, and that fetch failed.
    expect(backend.calls).toBe(2);
    expect(backend.errors).toHaveLength(1);
    // Synchronous reads keep serving the stale value too.
    expect(config.dbPassword).toBe('s3cr3t');
  });

  it('logs a warning naming the path, and never the value, when it serves a stale value', async () => {
    const secret = canary();
    const backend = new FlipBackend({ '/db/password': secret });
    const clock = new ManualClock();
    const logger = new CapturingLogger();
    const config = await bindSecrets(new StaleApp(), { backend, clock, logger });
    await expect(getSecret(config, 'dbPassword')).resolves.toBe(secret);
    expect(logger.records).toEqual([]);
    clock.advance(20);
    backend.fail = true;

    await expect(getSecret(config, 'dbPassword')).resolves.toBe(secret);
    const warnings = logger.records.filter((r) => r.level === 'warn');
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.some((r) => r.message.includes('stale'))).toBe(true);
    expect(JSON.stringify(warnings)).toContain('/db/password');
    expect(JSON.stringify(logger.records)).not.toContain(secret);
  });

  it('rejects with the TransientError when staleOnError is off', async () => {
    const backend = new FlipBackend({ '/db/password': 's3cr3t' });
    const clock = new ManualClock();
    const config = await bindSecrets(new StrictApp(), { backend, clock });
    await expect(getSecret(config, 'dbPassword')).resolves.toBe('s3cr3t');
    clock.advance(20);
    backend.fail = true;

    const error = await rejection(getSecret(config, 'dbPassword'));
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toBe(backend.errors[0]);
    expect(backend.calls).toBe(2);
  });

  it('serves the last value synchronously once, then throws the failed refresh error, when staleOnError is off', async () => {
    // Our addition for the sync read: an expired read returns the last value and starts one
    // background refresh; once that refresh has failed, the sync read throws its error.
    const backend = new FlipBackend({ '/db/password': 's3cr3t' });
    const clock = new ManualClock();
    const config = await bindSecrets(new StrictApp(), { backend, clock });
    await getSecret(config, 'dbPassword');
    clock.advance(20);
    backend.fail = true;

    expect(config.dbPassword).toBe('s3cr3t');
    expect(config.dbPassword).toBe('s3cr3t');
    await flush();
    expect(backend.calls).toBe(2); // one background refresh for both reads
    const error = thrown(() => config.dbPassword);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toBe(backend.errors[0]);
  });

  it('keeps serving the stale value synchronously after a failed background refresh when staleOnError is on', async () => {
    const backend = new FlipBackend({ '/db/password': 's3cr3t' });
    const clock = new ManualClock();
    const config = await bindSecrets(new StaleApp(), { backend, clock });
    await getSecret(config, 'dbPassword');
    clock.advance(20);
    backend.fail = true;

    expect(config.dbPassword).toBe('s3cr3t');
    await flush();
    expect(backend.calls).toBe(2);
    expect(backend.errors).toHaveLength(1);
    expect(config.dbPassword).toBe('s3cr3t');
  });

  it('rejects with the TransientError even with staleOnError when nothing was ever cached', async () => {
    const backend = new FlipBackend({ '/db/password': 's3cr3t' });
    backend.fail = true;
    const config = await bindSecrets(new StaleApp(), { backend, clock: new ManualClock() });

    const error = await rejection(getSecret(config, 'dbPassword'));
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toBe(backend.errors[0]);
    // A sync read of a never-loaded secret says how to load it.
    const notLoaded = thrown(() => config.dbPassword);
    expect(notLoaded).toBeInstanceOf(SecretNotLoadedError);
    expect((notLoaded as Error).message).toContain('StaleApp.dbPassword');
    expect((notLoaded as Error).message).toContain('/db/password');
    expect((notLoaded as Error).message).toMatch(/prefetch|getSecret/);
  });
});
