import 'reflect-metadata';
import { Container } from 'inversify';
import { getSecret, invalidate, MockBackend, prefetch, refresh, refreshAll, Secret, SecretModel, vaultlyModule, withSecret } from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { ControlledBackend, flush } from '../helpers/ControlledBackend.js';

const PASSWORD = '/prod/db/password';

@SecretModel()
class DbConfig {
  @Secret(PASSWORD) password!: string; // no ttl: each root keeps what it loaded, for good
}

@SecretModel()
class Expiring {
  @Secret(PASSWORD, 10) password!: string;
  @Secret('/slow', 10) slow!: string;
}

function setUp() {
  const backend = new MockBackend({ [PASSWORD]: 'old' });
  const container = new Container();
  container.load(vaultlyModule({ backend }));
  container.bind(DbConfig).toSelf(); // transient: one per request
  return { backend, container };
}

describe('a value taken from a peer root', () => {
  it("expires when the lender's does, even when the rest of the batch arrives later", async () => {
    const clock = new ManualClock(0);
    const backend = new ControlledBackend({ [PASSWORD]: 'old', '/slow': 's' });
    const container = new Container();
    container.load(vaultlyModule({ backend, clock, refreshJitter: 0 }));
    container.bind(Expiring).toSelf();

    const peer = container.get(Expiring);
    await getSecret(peer, 'password'); // read at t=0, fresh until t=10 s
    backend.values.set(PASSWORD, 'rotated');
    clock.advance(9_900); // the peer's 'old' has 0.1 s left

    backend.hold = true;
    const root = container.get(Expiring);
    const boot = prefetch(root); // takes the password from the peer, fetches /slow
    await flush();
    expect(backend.pending.map(({ path }) => path)).toEqual(['/slow']);
    clock.advance(5_000); // /slow takes 5 s: the lender's value expired meanwhile
    backend.release();
    await flush();
    // Not taken after all: fetched.
    expect(backend.pending.map(({ path }) => path)).toEqual([PASSWORD]);
    backend.release();
    await boot;
    expect(root.password).toBe('rotated');
  });

  it('is never older than what a refresh of the key by another root stored (refresh)', async () => {
    const { backend, container } = setUp();
    const longLived = container.get(DbConfig); // e.g. injected into a singleton service
    expect(await getSecret(longLived, 'password')).toBe('old');
    backend.set(PASSWORD, 'new'); // rotation
    const request1 = container.get(DbConfig);
    expect(await getSecret(request1, 'password')).toBe('old');
    expect(await refresh(request1, 'password')).toBe('new');
    const calls = backend.calls.length;

    expect(await getSecret(container.get(DbConfig), 'password')).toBe('new');
    expect(await getSecret(container.get(DbConfig), 'password')).toBe('new');
    // Taken from the root that refreshed: no call.
    expect(backend.calls).toHaveLength(calls);
  });

  it('is never older than what refreshAll, a withSecret refresh or a load after invalidate stored', async () => {
    const { backend, container } = setUp();
    const longLived = container.get(DbConfig);
    await getSecret(longLived, 'password');

    backend.set(PASSWORD, 'v2');
    const refreshing = container.get(DbConfig);
    expect(await getSecret(refreshing, 'password')).toBe('old');
    await refreshAll(refreshing);
    expect(await getSecret(container.get(DbConfig), 'password')).toBe('v2');

    backend.set(PASSWORD, 'v3');
    const failing = container.get(DbConfig);
    await expect(
      withSecret(failing, 'password', (value) => {
        if (value !== 'v3') throw new Error('auth failed');
        return value;
      }),
    ).resolves.toBe('v3');
    expect(await getSecret(container.get(DbConfig), 'password')).toBe('v3');

    backend.set(PASSWORD, 'v4');
    const invalidated = container.get(DbConfig);
    await getSecret(invalidated, 'password');
    invalidate(invalidated, 'password');
    expect(await getSecret(invalidated, 'password')).toBe('v4');
    expect(await getSecret(container.get(DbConfig), 'password')).toBe('v4');
    // The long-lived root keeps what it loaded: ttl-less values are not refreshed behind its back.
    expect(longLived.password).toBe('old');
  });

  it('comes from a root that holds it fresh: an idle peer whose values expired is replaced', async () => {
    const clock = new ManualClock(0);
    const backend = new MockBackend({ [PASSWORD]: 'p', '/slow': 's' });
    const container = new Container();
    container.load(vaultlyModule({ backend, clock, refreshJitter: 0 }));
    container.bind(Expiring).toSelf();
    await getSecret(container.get(Expiring), 'password'); // the class's first peer, then idle
    clock.advance(10_001);
    await getSecret(container.get(Expiring), 'password'); // fetched: the peer's value expired
    expect(backend.calls).toHaveLength(2);
    await getSecret(container.get(Expiring), 'password'); // taken from the root that fetched it
    expect(backend.calls).toHaveLength(2);
  });
});
