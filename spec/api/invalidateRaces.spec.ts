import 'reflect-metadata';
import { Container } from 'inversify';
import { type Backend, getSecret, invalidate, MockBackend, prefetch, refresh, Secret, SecretModel, SecretNotLoadedError, vaultlyModule, withSecret } from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { ControlledBackend, flush } from '../helpers/ControlledBackend.js';

const PW = '/db/password';

@SecretModel()
class Db {
  @Secret(PW, 300) password!: string;
}

function boot<T extends object>(cls: new () => T, backend: Backend, clock = new ManualClock(0)) {
  const container = new Container();
  container.load(vaultlyModule({ backend, clock, refreshJitter: 0 }));
  container.bind(cls).toSelf().inTransientScope();
  return { container, clock };
}

// Reads, refreshes and prefetches that an invalidate overtakes: the answer of a fetch that began
// before it is dropped (it may carry the value just dropped), and whoever waited loads anew.
describe('invalidate while a read waits', () => {
  it('withSecret: an invalidate during its failure refresh still lets it retry with the new value', async () => {
    const backend = new ControlledBackend({ [PW]: 'old' });
    const { container } = boot(Db, backend);
    const config = container.get(Db);
    await getSecret(config, 'password');
    backend.values.set(PW, 'new'); // rotated
    backend.hold = true;
    const seen: string[] = [];
    const result = withSecret(config, 'password', (value) => {
      seen.push(value);
      if (value !== 'new') throw new Error('auth failed');
      return 'ok';
    });
    await flush(); // fn failed on 'old'; its refresh is in flight
    expect(backend.pending).toHaveLength(1);
    invalidate(config, 'password'); // e.g. another request saw the same auth failure
    backend.hold = false;
    backend.release();
    await expect(result).resolves.toBe('ok');
    expect(seen).toEqual(['old', 'new']);
  });

  it('prefetch: an invalidate while it is in flight still leaves every field loaded when it resolves', async () => {
    const backend = new ControlledBackend({ [PW]: 'old' });
    const { container } = boot(Db, backend);
    const config = container.get(Db);
    backend.hold = true;
    const p = prefetch(config);
    await flush();
    invalidate(config, 'password');
    backend.hold = false;
    backend.release();
    await p;
    expect(config.password).toBe('old');
  });

  it('getSecret: two invalidates while it waits load twice more, then resolve', async () => {
    const backend = new ControlledBackend({ [PW]: 'old' });
    const { container } = boot(Db, backend);
    const config = container.get(Db);
    backend.hold = true;
    const read = getSecret(config, 'password');
    await flush();
    invalidate(config, 'password');
    backend.release();
    await flush(); // first answer dropped, second load in flight
    expect(backend.pending).toHaveLength(1);
    invalidate(config, 'password');
    backend.hold = false;
    backend.release();
    await expect(read).resolves.toBe('old');
  });

  it('refresh: invalidate while refresh() is in flight', async () => {
    const backend = new ControlledBackend({ [PW]: 'old' });
    const { container } = boot(Db, backend);
    const config = container.get(Db);
    await getSecret(config, 'password');
    backend.values.set(PW, 'new');
    backend.hold = true;
    const r = refresh(config, 'password');
    await flush();
    invalidate(config, 'password');
    backend.hold = false;
    backend.release();
    await expect(r).resolves.toBe('new');
    expect(config.password).toBe('new');
  });

  it('two concurrent getSecret after an invalidate that came while they waited: one backend call, both resolve', async () => {
    const backend = new ControlledBackend({ [PW]: 'old' });
    const { container } = boot(Db, backend);
    const config = container.get(Db);
    backend.hold = true;
    const a = getSecret(config, 'password');
    const b = getSecret(config, 'password');
    await flush();
    invalidate(config, 'password');
    backend.values.set(PW, 'new');
    backend.release();
    await flush();
    backend.hold = false;
    backend.release();
    await expect(Promise.all([a, b])).resolves.toEqual(['new', 'new']);
    expect(backend.gets).toHaveLength(2);
  });
});

let tenantA = 't1';
let tenantB = 't1';

@SecretModel()
class Tenant {
  a = tenantA;
  b = tenantB;
  @Secret('/{a}/pool') pool!: number; // no ttl
  @Secret('/{b}/pool', { ttl: 10, transform: (raw) => Number(raw) * 2 }) doubled!: number;
}

describe('a value taken from another root', () => {
  it('is not taken by a slot that never expires from a lender whose copy does (it would outlive the lender)', async () => {
    const backend = new MockBackend({ '/t1/pool': '10', '/t2/pool': '1' });
    const { container, clock } = boot(Tenant, backend);
    tenantA = 't1'; tenantB = 't1';
    const lender = container.get(Tenant); // both fields on /t1/pool: slot ttl 10
    expect(await getSecret(lender, 'pool')).toBe(10);
    clock.advance(9_900);
    backend.set('/t1/pool', '11');
    tenantA = 't1'; tenantB = 't2';
    const taker = container.get(Tenant); // pool alone on /t1/pool: no ttl
    // Fetched, not taken: a lent 10 would have been kept for good, long after the lender's copy expired.
    expect(await getSecret(taker, 'pool')).toBe(11);
    tenantA = 't1'; tenantB = 't1';
  });
});

@SecretModel()
class Expiring2 {
  @Secret('/p', 10) password!: string;
  @Secret('/slow', 10) slow!: string;
}
