import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { jest } from '@jest/globals';
import {
  bindSecrets,
  ConfigError,
  dispose,
  getSecret,
  invalidate,
  MockBackend,
  Nested,
  onChange,
  prefetch,
  refresh,
  refreshAll,
  Secret,
  SecretModel,
  SecretNotLoadedError,
  withSecret,
  type ChangeEvent,
} from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { canary, canaryLogger, expectNoCanary } from '../helpers/canary.js';
import { ControlledBackend, flush } from '../helpers/ControlledBackend.js';
import { rejection, thrown } from '../helpers/outcomes.js';

@SecretModel()
class PoolConfig {
  @Secret('/db/pool') size!: number;
}

@SecretModel()
class NamedConfig {
  @Secret('/db/name', { transform: (raw) => raw.toUpperCase() }) name!: string;
}

@SecretModel()
class DbConfig {
  @Secret('/db/password', 300) password!: string;
  @Secret('/db/password') samePassword!: string;
  @Secret('/db/user') user!: string;
  @Secret('/db/otp', 0) otp!: string;
  @Nested() pool!: PoolConfig;
}

const first = canary('rotation-pw1');
const second = canary('rotation-pw2');

async function setup(values: Record<string, string> = { '/db/password': first, '/db/user': 'app', '/db/otp': '1', '/db/pool': '5' }) {
  const backend = new MockBackend(values);
  const clock = new ManualClock();
  const { logger, records } = canaryLogger();
  const config = await bindSecrets(new DbConfig(), { backend, clock, logger });
  return { backend, clock, config, records };
}

describe('Function: refresh', () => {
  it('resolves to the new cast value', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    backend.set('/db/password', second);
    backend.set('/db/pool', '9');
    await expect(refresh(config, 'password')).resolves.toBe(second);
    await expect(refresh(config.pool, 'size')).resolves.toBe(9);
    expect(config.password).toBe(second);
  });

  it('resolves to the fetched value of a ttl-0 field', async () => {
    const { backend, config } = await setup();
    backend.set('/db/otp', '2');
    await expect(refresh(config, 'otp')).resolves.toBe('2');
  });
});

describe('Function: invalidate', () => {
  it('drops the answer of a fetch that started before it: the dropped value never comes back as fresh', async () => {
    const backend = new ControlledBackend({ '/db/password': first, '/db/user': 'app', '/db/otp': '1', '/db/pool': '5' });
    const clock = new ManualClock();
    const config = await bindSecrets(new DbConfig(), { backend, clock, refreshJitter: 0 });
    await prefetch(config);
    clock.advance(300_001);
    backend.hold = true;
    expect(config.password).toBe(first); // stale: starts a background refresh
    await flush();
    expect(backend.pending.map((p) => p.path)).toContain('/db/password');
    invalidate(config, 'password');
    backend.values.set('/db/password', second);
    // The refresh answers with the value from before the rotation.
    for (const pending of backend.pending.splice(0)) pending.resolve(pending.path === '/db/password' ? first : (backend.values.get(pending.path) as string));
    await flush();
    expect(Object.getOwnPropertyDescriptor(config, 'password')).toBeUndefined();
    expect(() => config.password).toThrow(SecretNotLoadedError);
    backend.hold = false;
    await expect(getSecret(config, 'password')).resolves.toBe(second);
    dispose(config);
  });

  it('makes a getSecret waiting on an older fetch load again, and resolve to the new value', async () => {
    const backend = new ControlledBackend({ '/db/password': first, '/db/user': 'app', '/db/otp': '1', '/db/pool': '5' });
    const config = await bindSecrets(new DbConfig(), { backend, clock: new ManualClock() });
    backend.hold = true;
    const read = getSecret(config, 'password');
    await flush();
    invalidate(config, 'password');
    backend.values.set('/db/password', second);
    backend.hold = false;
    for (const pending of backend.pending.splice(0)) pending.resolve(first);
    await expect(read).resolves.toBe(second);
    expect(config.password).toBe(second);
    dispose(config);
  });

  it('drops one secret without fetching; a sync read throws SecretNotLoadedError until the next getSecret', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    backend.resetCalls();
    invalidate(config, 'user');
    expect(backend.calls).toEqual([]);
    expect(() => config.user).toThrow(SecretNotLoadedError);
    expect(config.password).toBe(first);
    await expect(getSecret(config, 'user')).resolves.toBe('app');
    expect(backend.calls).toEqual([['/db/user', undefined]]);
    expect(config.user).toBe('app');
  });

  it('drops every field bound to the same path', async () => {
    const { config } = await setup();
    await prefetch(config);
    invalidate(config, 'password');
    expect(() => config.password).toThrow(SecretNotLoadedError);
    expect(() => config.samePassword).toThrow(SecretNotLoadedError);
  });

  it('without a name drops every secret of the tree, ttl-less ones too; prefetch loads them again', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    invalidate(config);
    expect(() => config.password).toThrow(SecretNotLoadedError);
    expect(() => config.user).toThrow(SecretNotLoadedError);
    expect(() => config.pool.size).toThrow(SecretNotLoadedError);
    backend.resetCalls();
    await prefetch(config);
    expect(config.pool.size).toBe(5);
    expect(backend.calls.length).toBeGreaterThan(0);
  });

  it('makes the next getSecret start a fetch of its own instead of joining one that began before', async () => {
    const backend = new ControlledBackend({ '/db/password': first, '/db/user': 'app', '/db/otp': '1', '/db/pool': '5' });
    const config = await bindSecrets(new DbConfig(), { backend, clock: new ManualClock() });
    backend.hold = true;
    const before = getSecret(config, 'password');
    await flush();
    invalidate(config, 'password');
    backend.values.set('/db/password', second);
    const after = getSecret(config, 'password');
    await flush();
    expect(backend.gets.filter(([path]) => path === '/db/password')).toHaveLength(2);
    backend.hold = false;
    backend.release();
    await expect(after).resolves.toBe(second);
    await before;
  });

  it("rethrows the callback's own error when the model is disposed while the callback runs", async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    backend.resetCalls();
    const failure = new WrongPassword('nope');
    const error = await rejection(
      withSecret(config, 'password', async () => {
        await dispose(config);
        throw failure;
      }),
    );
    expect(error).toBe(failure);
    expect(backend.calls).toEqual([]);
  });

  it("rethrows the callback's own error when the model is disposed while its refresh runs", async () => {
    const backend = new ControlledBackend({ '/db/password': first, '/db/user': 'app', '/db/otp': '1', '/db/pool': '5' });
    const config = await bindSecrets(new DbConfig(), { backend, clock: new ManualClock() });
    await prefetch(config);
    backend.hold = true;
    const failure = new WrongPassword('nope');
    const pending = rejection(withSecret(config, 'password', () => Promise.reject(failure)));
    await flush();
    await dispose(config);
    backend.hold = false;
    backend.release();
    expect(await pending).toBe(failure);
  });

  it('throws ConfigError for a name that is not a secret field', async () => {
    const { config } = await setup();
    const error = thrown<ConfigError>(() => invalidate(config, 'pool' as 'user'));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('DbConfig.pool is not a secret field');
  });

  it('does nothing on a disposed model', async () => {
    const { config } = await setup();
    dispose(config);
    expect(() => invalidate(config)).not.toThrow();
  });
});

describe('Function: onChange', () => {
  it('fires once per field after refresh stores a different value, with no value in the event', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    const events: ChangeEvent[] = [];
    const seen: string[] = [];
    onChange(config, (event) => {
      events.push(event);
      seen.push(config.password);
    });
    backend.set('/db/password', second);
    await refresh(config, 'password');
    expect(events).toEqual([
      { model: 'DbConfig', field: 'password', path: '/db/password', version: undefined },
      { model: 'DbConfig', field: 'samePassword', path: '/db/password', version: undefined },
    ]);
    // The listener reads the new value.
    expect(seen).toEqual([second, second]);
    expectNoCanary(events, 'onChange event');
  });

  it('does not fire on the first load, nor when a refresh stores the same value', async () => {
    const { config } = await setup();
    const listener = jest.fn();
    onChange(config, listener);
    await prefetch(config);
    await refresh(config, 'password');
    await refreshAll(config);
    expect(listener).not.toHaveBeenCalled();
  });

  it('compares the strings of a cast field, not fingerprints: two values whose 30-bit digests collide are a change', async () => {
    // Two strings whose digests collide (a birthday search over a few ten thousand candidates).
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const candidate = `pool-${i}`;
      const digest = createHash('sha256').update(candidate, 'utf8').digest().readUInt32BE(0) >>> 2;
      const earlier = seen.get(digest);
      if (earlier === undefined) seen.set(digest, candidate);
      else pair = [earlier, candidate];
    }
    const backend = new MockBackend({ '/db/name': pair[0] });
    const config = await bindSecrets(new NamedConfig(), { backend });
    expect(await getSecret(config, 'name')).toBe(pair[0].toUpperCase());
    const listener = jest.fn();
    onChange(config, listener);
    backend.set('/db/name', pair[1]);
    await refresh(config, 'name');
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('fires after refreshAll, a background refresh and a getSecret of an expired entry', async () => {
    const { backend, clock, config } = await setup();
    await prefetch(config);
    const fields: string[] = [];
    onChange(config, ({ field }) => void fields.push(field), { fields: ['password', 'user'] });
    backend.set('/db/user', 'app2');
    await refreshAll(config);
    expect(fields).toEqual(['user']);
    backend.set('/db/password', second);
    clock.advance(301_000);
    expect(config.password).toBe(first); // stale read starts the background refresh
    await flush();
    expect(fields).toEqual(['user', 'password']);
    backend.set('/db/password', first);
    clock.advance(301_000);
    await getSecret(config, 'password');
    expect(fields).toEqual(['user', 'password', 'password']);
  });

  it('treats a value loaded after invalidate that differs from the dropped one as a change', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    const listener = jest.fn();
    onChange(config, listener, { fields: ['user'] });
    invalidate(config, 'user');
    await getSecret(config, 'user');
    expect(listener).not.toHaveBeenCalled();
    invalidate(config, 'user');
    backend.set('/db/user', 'app2');
    await getSecret(config, 'user');
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('hears nested fields on the root, and only its own fields on a nested model', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    const onRoot = jest.fn();
    const onPool = jest.fn();
    onChange(config, onRoot);
    onChange(config.pool, onPool);
    backend.set('/db/pool', '7');
    backend.set('/db/user', 'app2');
    await refreshAll(config);
    expect(onRoot.mock.calls.map(([event]) => (event as ChangeEvent).field).sort()).toEqual(['size', 'user']);
    expect(onPool.mock.calls).toEqual([[{ model: 'PoolConfig', field: 'size', path: '/db/pool', version: undefined }]]);
  });

  it('logs and ignores a listener that throws or rejects, and still calls the others', async () => {
    const { backend, config, records } = await setup();
    await prefetch(config);
    const after = jest.fn();
    onChange(config, () => {
      throw new Error(`boom ${second}`);
    });
    onChange(config, () => Promise.reject(new TypeError('rejected')));
    onChange(config, after, { fields: ['user'] });
    backend.set('/db/user', 'app2');
    await refresh(config, 'user');
    await flush();
    expect(after).toHaveBeenCalledTimes(1);
    expect(records.map((r) => [r.level, r.message, r.fields['field'], r.fields['error']])).toEqual([
      ['error', 'vaultly: an onChange listener failed; ignored', 'user', 'Error'],
      ['error', 'vaultly: an onChange listener failed; ignored', 'user', 'TypeError'],
    ]);
  });

  it('stops calling a listener once unsubscribed', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    const listener = jest.fn();
    const stop = onChange(config, listener);
    stop();
    stop();
    backend.set('/db/user', 'app2');
    await refresh(config, 'user');
    expect(listener).not.toHaveBeenCalled();
  });

  it('lets a listener unsubscribe itself while others still run', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    const other = jest.fn();
    const stop: () => void = onChange(config, () => stop(), { fields: ['user'] });
    onChange(config, other, { fields: ['user'] });
    backend.set('/db/user', 'app2');
    await refresh(config, 'user');
    expect(other).toHaveBeenCalledTimes(1);
  });

  it('throws ConfigError for an unknown field name, TypeError for a bad listener', async () => {
    const { config } = await setup();
    const error = thrown<ConfigError>(() => onChange(config, () => undefined, { fields: ['nope' as 'user'] }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/onChange: DbConfig\.nope is not a secret field; secret fields: password, samePassword, user, otp/);
    expect(() => onChange(config, () => undefined, { fields: [] })).toThrow(ConfigError);
    expect(() => onChange(config, 'x' as never)).toThrow(/listener must be a function/);
  });

  it('never fires for a ttl-0 field, which stores nothing', async () => {
    const { backend, config } = await setup();
    const listener = jest.fn();
    onChange(config, listener, { fields: ['otp'] });
    await getSecret(config, 'otp');
    backend.set('/db/otp', '2');
    await getSecret(config, 'otp');
    expect(listener).not.toHaveBeenCalled();
  });
});

class WrongPassword extends Error {
  override name = 'WrongPassword';
}

/** A database that accepts only `current.password`. */
function database(current: { password: string }) {
  const attempts: string[] = [];
  return {
    attempts,
    async query(password: string): Promise<string> {
      attempts.push(password);
      await Promise.resolve();
      if (password !== current.password) throw new WrongPassword('password authentication failed');
      return 'rows';
    },
  };
}

describe('Function: withSecret', () => {
  it('resolves to what the callback resolves to, without a refresh when it succeeds', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    backend.resetCalls();
    await expect(withSecret(config, 'password', (password) => password.length)).resolves.toBe(first.length);
    expect(backend.calls).toEqual([]);
  });

  it('loads the secret first when it is not loaded', async () => {
    const { config } = await setup();
    await expect(withSecret(config, 'user', (user) => `${user}!`)).resolves.toBe('app!');
  });

  it('refreshes after a failure and retries once with the rotated value', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    const current = { password: second };
    const db = database(current);
    const changes = jest.fn();
    onChange(config, changes, { fields: ['password'] });
    backend.set('/db/password', second);
    await expect(withSecret(config, 'password', (password) => db.query(password))).resolves.toBe('rows');
    expect(db.attempts).toEqual([first, second]);
    expect(changes).toHaveBeenCalledTimes(1);
  });

  it('rethrows the callback error itself when the refreshed value did not change', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    const failure = new WrongPassword('nope');
    backend.resetCalls();
    const error = await rejection(withSecret(config, 'password', () => Promise.reject(failure)));
    expect(error).toBe(failure);
    expect(backend.calls).toEqual([['/db/password', undefined]]);
  });

  it('rethrows at once, with no refresh, an error refreshOn does not accept', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    backend.resetCalls();
    backend.set('/db/password', second);
    const failure = new TypeError('not an auth error');
    const fn = jest.fn(() => Promise.reject(failure));
    const error = await rejection(withSecret(config, 'password', fn, { refreshOn: (e) => e instanceof WrongPassword }));
    expect(error).toBe(failure);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(backend.calls).toEqual([]);
    const throwing = await rejection(
      withSecret(config, 'password', fn, {
        refreshOn: () => {
          throw new Error('broken predicate');
        },
      }),
    );
    expect(throwing).toBe(failure);
  });

  it('counts a failed refresh as no change: the callback error is rethrown and a warning names the path, not the value', async () => {
    const { backend, config, records } = await setup();
    await prefetch(config);
    backend.delete('/db/password');
    const failure = new WrongPassword(`rejected`);
    const error = await rejection(withSecret(config, 'password', () => Promise.reject(failure)));
    expect(error).toBe(failure);
    expect(records.map((r) => [r.level, r.message, r.fields['path'], r.fields['error']])).toEqual([
      ['warn', 'vaultly: withSecret refresh failed', '/db/password', 'SecretNotFoundError'],
    ]);
    expect(config.password).toBe(first);
  });

  it('shares one refresh among callers failing together', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    const db = database({ password: second });
    backend.set('/db/password', second);
    backend.resetCalls();
    const results = await Promise.all(Array.from({ length: 50 }, () => withSecret(config, 'password', (password) => db.query(password))));
    expect(results).toEqual(Array(50).fill('rows'));
    expect(backend.calls).toEqual([['/db/password', undefined]]);
  });

  it('refreshes a secret at most once a second, whatever the failures', async () => {
    const { backend, clock, config } = await setup();
    await prefetch(config);
    backend.resetCalls();
    const down = () => Promise.reject(new Error('database down'));
    for (let i = 0; i < 5; i++) await rejection(withSecret(config, 'password', down));
    expect(backend.calls).toHaveLength(1);
    clock.advance(1_000);
    await rejection(withSecret(config, 'password', down));
    expect(backend.calls).toHaveLength(2);
  });

  it('retries with the new value when another caller already refreshed within the second', async () => {
    const { backend, config } = await setup();
    await prefetch(config);
    const current = { password: first };
    const db = database(current);
    // A caller that took the old value before the rotation...
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = withSecret(config, 'password', async (password) => {
      await gate;
      return db.query(password);
    });
    await flush();
    // ...the rotation, seen by a second caller, which refreshes...
    current.password = second;
    backend.set('/db/password', second);
    await expect(withSecret(config, 'password', (password) => db.query(password))).resolves.toBe('rows');
    // ...then the first fails: no second refresh within the second, but the value did change.
    backend.resetCalls();
    release();
    await expect(slow).resolves.toBe('rows');
    expect(backend.calls).toEqual([]);
  });

  it('throws ConfigError for a name that is not a secret field', async () => {
    const { config } = await setup();
    await expect(withSecret(config, 'pool' as 'user', () => 1)).rejects.toThrow(ConfigError);
  });

  it('stops waiting when its signal aborts', async () => {
    const backend = new ControlledBackend({ '/db/password': first, '/db/user': 'app', '/db/otp': '1', '/db/pool': '5' });
    const config = await bindSecrets(new DbConfig(), { backend, clock: new ManualClock() });
    backend.hold = true;
    const controller = new AbortController();
    const pending = withSecret(config, 'password', () => 1, { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
    backend.hold = false;
    backend.release();
  });
});
