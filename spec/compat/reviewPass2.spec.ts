// Translates tests/regression/test_review_pass_2.py of the original Python vaultly
// (cop1cat/vaultly v1.0.0; tests/test_review_fixes.py is an earlier copy of the same file).
// #5 subclasses keep their casts, #3 refresh really calls the backend under concurrency,
// #6 prefetch de-duplicates versioned entries. The #7 `KeyedLocks` tests check a Python-internal
// lock table that has no equivalent here (single flight is a per-entry promise) and are skipped.
import 'reflect-metadata';
import { Backend, bindSecrets, getSecret, MockBackend, prefetch, refresh, Secret, SecretModel } from 'vaultly';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('subclassing keeps casts (test_review_pass_2.py #5)', () => {
  it('keeps the number cast of an inherited field', async () => {
    @SecretModel()
    class Base {
      @Secret('/n') n!: number;
    }
    class Child extends Base {}
    const config = await bindSecrets(new Child(), { backend: new MockBackend({ '/n': '42' }) });
    const value = await getSecret(config, 'n');
    expect(value).toBe(42);
    expect(typeof value).toBe('number');
  });

  it('keeps the object cast of an inherited field', async () => {
    @SecretModel()
    class Base {
      @Secret('/flags') flags!: Record<string, number>;
    }
    class Child extends Base {}
    const config = await bindSecrets(new Child(), { backend: new MockBackend({ '/flags': '{"a": 1}' }) });
    await expect(getSecret(config, 'flags')).resolves.toEqual({ a: 1 });
  });

  it('keeps the boolean cast of an inherited field', async () => {
    @SecretModel()
    class Base {
      @Secret('/debug') debug!: boolean;
    }
    class Child extends Base {}
    const config = await bindSecrets(new Child(), { backend: new MockBackend({ '/debug': 'true' }) });
    await expect(getSecret(config, 'debug')).resolves.toBe(true);
  });

  it('adds a subclass secret next to the inherited one', async () => {
    @SecretModel()
    class Base {
      @Secret('/x') x!: number;
    }
    @SecretModel()
    class Child extends Base {
      @Secret('/y') y!: number;
    }
    const backend = new MockBackend({ '/x': '1', '/y': '2.5' });
    const config = await bindSecrets(new Child(), { backend });
    await prefetch(config);
    expect(config.x).toBe(1);
    expect(config.y).toBe(2.5);
    expect(backend.calls.map(([path]) => path).sort()).toEqual(['/x', '/y']);
    // The base class is not changed by its subclass's field.
    const base = await bindSecrets(new Base(), { backend: new MockBackend({ '/x': '1' }) });
    await expect(prefetch(base)).resolves.toBeUndefined();
  });
});

/**
 * Answers '1', '2', '3', ... in call order: every read is unique. Each read settles on a later
 * macrotask, in the order the reads were made.
 */
class CountingBackend extends Backend {
  calls = 0;
  get(): Promise<string> {
    const n = ++this.calls;
    return new Promise((resolve) => setImmediate(() => resolve(String(n))));
  }
}

@SecretModel()
class App {
  @Secret('/t') token!: string;
}

describe('refresh under concurrency (test_review_pass_2.py #3)', () => {
  it('calls the backend for a refresh that races a reader, and readers keep the old value meanwhile', async () => {
    const backend = new CountingBackend();
    const config = await bindSecrets(new App(), { backend });
    await expect(getSecret(config, 'token')).resolves.toBe('1');
    expect(backend.calls).toBe(1);

    const refreshing = refresh(config, 'token');
    // A concurrent reader on the warm cache gets the old value and starts no fetch.
    expect(config.token).toBe('1');
    await expect(getSecret(config, 'token')).resolves.toBe('1');
    await refreshing;

    expect(backend.calls).toBe(2);
    expect(config.token).toBe('2');
  });

  it('does not let a refresh join a read fetch that started before it', async () => {
    // Our async form of the original's "a reader holding the cache-miss path must not let
    // refresh skip the backend call": the refresh must fetch after it was called.
    const backend = new CountingBackend();
    const config = await bindSecrets(new App(), { backend });
    const reading = getSecret(config, 'token');
    await Promise.resolve();
    await Promise.resolve();
    await refresh(config, 'token');
    await reading;

    expect(backend.calls).toBe(2);
    expect(config.token).toBe('2');
  });

  it('calls the backend once per refresh for concurrent refreshes', async () => {
    const backend = new CountingBackend();
    const config = await bindSecrets(new App(), { backend });
    await getSecret(config, 'token');
    backend.calls = 0;

    await Promise.all(Array.from({ length: 10 }, () => refresh(config, 'token')));
    await flush();

    // The original: "refresh is *not* coalesced" -- every refresh hits the backend.
    expect(backend.calls).toBe(10);
    expect(config.token).toBe('10');
  });
});

describe('prefetch de-duplicates versioned paths (test_review_pass_2.py #6)', () => {
  it('makes one backend call for two fields on the same path and version', async () => {
    @SecretModel()
    class M {
      @Secret('/x', { version: 1 }) a!: string;
      @Secret('/x', { version: 1 }) b!: string;
    }
    const backend = new MockBackend({}, { versions: { '/x': { 1: 'v' } } });
    const config = await bindSecrets(new M(), { backend });
    backend.resetCalls();
    await prefetch(config);
    expect(backend.calls).toEqual([['/x', 1]]);
    expect(config.a).toBe('v');
    expect(config.b).toBe('v');
  });
});
