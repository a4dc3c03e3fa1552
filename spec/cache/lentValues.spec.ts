import 'reflect-metadata';
import { Container } from 'inversify';
import { getSecret, invalidate, MockBackend, onChange, prefetch, refresh, refreshAll, Secret, SecretModel, vaultlyModule, withSecret } from 'vaultly';
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

describe('a value of a cast field taken from another root', () => {
  const POOL = '/db/pool';
  const TLS = '/db/tls';
  const URL_PATH = '/db/url';
  const OPTIONS = '/db/options';

  @SecretModel()
  class Pool {
    @Secret(POOL) pool!: number;
    @Secret(TLS) tls!: boolean;
    @Secret(URL_PATH, { transform: (raw) => raw.toUpperCase() }) url!: string;
  }

  @SecretModel({ validate: 'fetch' })
  class BootedPool {
    @Secret(POOL) pool!: number;
    @Secret(TLS) tls!: boolean;
    @Secret(URL_PATH, { transform: (raw) => raw.toUpperCase() }) url!: string;
  }

  @SecretModel()
  class Options {
    @Secret(OPTIONS) options!: { host: string };
  }

  @SecretModel()
  class Rotating {
    @Secret(POOL, 10) pool!: number;
  }

  @SecretModel()
  class TwoFields {
    @Secret(POOL) count!: number;
    @Secret(POOL, { transform: (raw) => Number(raw) * 2 }) doubled!: number;
  }

  @SecretModel()
  class NumberAndObject {
    @Secret(POOL) count!: number;
    @Secret(POOL, { transform: (raw) => ({ size: Number(raw) }) }) wrapped!: { size: number };
  }

  @SecretModel()
  class WithUncached {
    @Secret(POOL) count!: number;
    @Secret(POOL, 0) live!: number;
  }

  @SecretModel()
  class LiveUrl {
    @Secret(URL_PATH) url!: string;
    @Secret(URL_PATH, 0) live!: string;
  }

  @SecretModel()
  class OtherPool {
    @Secret(POOL) pool!: number;
  }

  @SecretModel()
  class DoubledPool {
    @Secret(POOL, { transform: (raw) => Number(raw) * 2 }) doubled!: number;
  }

  @SecretModel({ validate: 'fetch' })
  class BootedOptions {
    @Secret(OPTIONS) options!: { host: string };
  }

  function setUpCast() {
    const clock = new ManualClock(0);
    const backend = new MockBackend({ [POOL]: '10', [TLS]: 'yes', [URL_PATH]: 'pg://db', [OPTIONS]: '{"host":"h"}' });
    const container = new Container();
    container.load(vaultlyModule({ backend, clock, refreshJitter: 0 }));
    const models: (new () => object)[] = [Pool, BootedPool, Options, BootedOptions, Rotating, TwoFields, NumberAndObject, WithUncached, LiveUrl, OtherPool, DoubledPool];
    for (const model of models) container.bind(model).toSelf().inTransientScope();
    const callsTo = (path: string): number => backend.calls.filter(([called]) => called === path).length;
    return { backend, clock, container, callsTo };
  }

  it('of a number, a boolean and a transformed field: 100 transient roots read one after another make 1 call per key', async () => {
    const { container, callsTo } = setUpCast();
    for (let i = 0; i < 100; i++) {
      const root = container.get(Pool);
      expect(await getSecret(root, 'pool')).toBe(10);
      expect(await getSecret(root, 'tls')).toBe(true);
      expect(await getSecret(root, 'url')).toBe('PG://DB');
    }
    expect([callsTo(POOL), callsTo(TLS), callsTo(URL_PATH)]).toEqual([1, 1, 1]);
  });

  it('through a prefetch (getAsync of a validate: fetch model) too', async () => {
    const { container, callsTo } = setUpCast();
    for (let i = 0; i < 100; i++) {
      const root = await container.getAsync(BootedPool);
      expect([root.pool, root.tls, root.url]).toEqual([10, true, 'PG://DB']);
    }
    expect([callsTo(POOL), callsTo(TLS), callsTo(URL_PATH)]).toEqual([1, 1, 1]);
  });

  it('is taken for a key bound by several fields when the lender binds each of them', async () => {
    const { container, callsTo } = setUpCast();
    for (let i = 0; i < 3; i++) {
      const root = container.get(TwoFields);
      expect(await getSecret(root, 'count')).toBe(10);
      expect(await getSecret(root, 'doubled')).toBe(20);
    }
    expect(callsTo(POOL)).toBe(1);
  });

  it('of a JSON field is taken as the backend string: each root parses and owns its object, so a mutation stays in its root', async () => {
    const { container, callsTo } = setUpCast();
    const first = container.get(Options);
    const firstOptions = await getSecret(first, 'options');
    firstOptions.host = 'changed by first';
    const second = container.get(Options);
    const secondOptions = await getSecret(second, 'options');
    expect(secondOptions).toEqual({ host: 'h' });
    expect(secondOptions).not.toBe(firstOptions);
    secondOptions.host = 'changed by second';
    expect(first.options.host).toBe('changed by first');
    const booted = await Promise.all([container.getAsync(BootedOptions), container.getAsync(BootedOptions)]);
    const third = await container.getAsync(BootedOptions);
    expect(third.options).toEqual({ host: 'h' });
    expect(new Set([...booted, third].map((root) => root.options)).size).toBe(3);
    expect(callsTo(OPTIONS)).toBe(2); // once for Options, once for BootedOptions (a class of its own)
  });

  it('is taken when a field of the key holds an object (each root casts its own), never when one has ttl 0', async () => {
    const { container, callsTo } = setUpCast();
    const first = container.get(NumberAndObject);
    const second = container.get(NumberAndObject);
    expect(await getSecret(first, 'count')).toBe(10);
    expect(await getSecret(second, 'count')).toBe(10);
    expect(second.wrapped).toEqual({ size: 10 });
    expect(second.wrapped).not.toBe(first.wrapped);
    expect(callsTo(POOL)).toBe(1);
    await getSecret(container.get(WithUncached), 'count');
    await getSecret(container.get(WithUncached), 'count');
    expect(callsTo(POOL)).toBe(3);
  });

  it('is never taken by a ttl-0 field, which reads the backend each time, even beside a string field', async () => {
    const { backend, container, callsTo } = setUpCast();
    await getSecret(container.get(LiveUrl), 'url');
    backend.set(URL_PATH, 'pg://rotated');
    expect(await getSecret(container.get(LiveUrl), 'live')).toBe('pg://rotated');
    expect(callsTo(URL_PATH)).toBe(2);
  });

  it("is taken from a root of another class once that root refreshed the key, and cast by the taker's own field", async () => {
    const { backend, container, callsTo } = setUpCast();
    const refreshing = container.get(Pool);
    await refresh(refreshing, 'pool'); // its root becomes the key's lender for every class
    backend.set(POOL, '11'); // the lender's value never expires: it is what the cache holds
    expect(await getSecret(container.get(OtherPool), 'pool')).toBe(10);
    expect(await getSecret(container.get(DoubledPool), 'doubled')).toBe(20);
    expect(callsTo(POOL)).toBe(1);
  });

  it("onChange fires on a taker when its next refresh stores a different value, not the same one", async () => {
    const { backend, clock, container, callsTo } = setUpCast();
    await getSecret(container.get(Rotating), 'pool'); // the lender: fresh until t=10 s
    clock.advance(5_000);
    const taker = container.get(Rotating);
    const sameValue = container.get(Rotating);
    expect([await getSecret(taker, 'pool'), await getSecret(sameValue, 'pool')]).toEqual([10, 10]);
    expect(callsTo(POOL)).toBe(1); // taken, not fetched
    const events: unknown[] = [];
    onChange(taker, (event) => events.push(['taker', event.field, taker.pool]));
    onChange(sameValue, (event) => events.push(['sameValue', event.field, sameValue.pool]));

    expect(await refresh(sameValue, 'pool')).toBe(10); // the same value again: no change
    expect(events).toEqual([]);
    backend.set(POOL, '20'); // rotation
    clock.advance(5_001); // the taker's value expired with the lender's: a read refreshes it in the background
    expect(taker.pool).toBe(10);
    await flush();
    expect(taker.pool).toBe(20);
    expect(events).toEqual([['taker', 'pool', 20]]);
  });
});
