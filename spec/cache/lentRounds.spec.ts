import 'reflect-metadata';
import { Container } from 'inversify';
import { getSecret, prefetch, refresh, refreshAll, Secret, SecretModel, vaultlyModule } from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { ControlledBackend, flush } from '../helpers/ControlledBackend.js';

// Values taken from another root while a prefetch fetches the rest: what arrives is stored when
// it arrives, and a taken value is never older than the taker's ttl. (Found by a hostile review
// of a version that held a prefetch's values until all had arrived.)

const PASSWORD = '/prod/db/password';
const SLOW = '/slow';

@SecretModel()
class Pair {
  @Secret(PASSWORD, 10) password!: string;
  @Secret(SLOW, 10) slow!: string;
}

@SecretModel()
class Hourly {
  @Secret(PASSWORD, { ttl: 3600, transform: (raw: string) => raw.trim() }) password!: string;
}

@SecretModel()
class TenSeconds {
  @Secret(PASSWORD, 10) password!: string;
}

function setUp(...models: (new () => object)[]) {
  const clock = new ManualClock(0);
  const backend = new ControlledBackend({ [PASSWORD]: 'old', [SLOW]: 's1' });
  const container = new Container();
  container.load(vaultlyModule({ backend, clock, refreshJitter: 0 }));
  for (const model of models) container.bind(model).toSelf();
  return { clock, backend, container };
}

/**
 * Starts `prefetch(root)` when `root`'s password can be taken from the class peer with 0.1 s
 * left (the peer read it at t=0, ttl 10 s): /slow is fetched in round 1 and answered at
 * t = 10.1 s, after the lender's password expired, so the password is fetched in round 2, which
 * is left held (pending) for the test. Returns the prefetch's promise (wrapped).
 */
async function prefetchWithHeldRound2(clock: ManualClock, backend: ControlledBackend, peer: { password: string }, root: object): Promise<{ boot: Promise<void> }> {
  await getSecret(peer, 'password'); // the class peer: fresh until t=10 s
  clock.advance(9_900);
  backend.hold = true;
  const boot = prefetch(root);
  boot.catch(() => undefined);
  await flush();
  expect(backend.pending.map(({ path }) => path)).toEqual([SLOW]);
  clock.advance(200); // the lender's password expires while /slow is fetched
  backend.release(); // /slow arrives (t = 10.1 s): in hand, not stored yet
  await flush();
  expect(backend.pending.map(({ path }) => path)).toEqual([PASSWORD]); // round 2, held
  // Wrapped: an async function returning the promise itself would wait for it.
  return { boot };
}

describe('a prefetch that takes values from another root', () => {
  // A fetched value is fresh for its ttl counted from when it arrived: /slow (ttl 10 s) arrives
  // at t = 10.1 s while the late fetch of the password takes 60 s; at t = 75 s it is 65 s old.
  it('stores what arrived when it arrived: a slow late fetch does not keep it fresh past its ttl', async () => {
    const { clock, backend, container } = setUp(Pair);
    const peer = container.get(Pair);
    const root = container.get(Pair);
    const { boot } = await prefetchWithHeldRound2(clock, backend, peer, root);
    clock.advance(20_000); // t = 30.1 s
    backend.values.set(SLOW, 's2'); // rotation
    clock.advance(40_000); // t = 70.1 s: round 2 answers
    backend.release();
    await boot;
    clock.advance(5_000); // t = 75.1 s: the stored /slow arrived 65 s ago; its ttl is 10 s
    backend.hold = false;
    expect(await getSecret(root, 'slow')).toBe('s2');
  });

  // `refreshAll` resolves with values fetched after it was called; a prefetch still running never
  // stores an older one over them.
  it('is not undone by a refreshAll that ran while the late fetch was pending', async () => {
    const { clock, backend, container } = setUp(Pair);
    const peer = container.get(Pair);
    const root = container.get(Pair);
    const { boot } = await prefetchWithHeldRound2(clock, backend, peer, root);
    backend.values.set(SLOW, 's2'); // rotation, then an explicit refresh of everything
    const refreshing = refreshAll(root);
    await flush();
    backend.release(); // answers whatever refreshAll asked, and round 2
    await refreshing;
    await boot;
    backend.hold = false;
    expect(root.slow).toBe('s2');
  });

  // A taker's ttl bounds the age of what it holds fresh: a refreshed key is taken across classes,
  // but not by a ttl-10-s class from a ttl-1-hour root, whose value may be 50 minutes old.
  it("a value taken across classes is never older than the taker's ttl", async () => {
    const { clock, backend, container } = setUp(Hourly, TenSeconds);
    const hourly = container.get(Hourly);
    expect(await refresh(hourly, 'password')).toBe('old'); // t=0: hourly holds the newest refresh
    clock.advance(60_000);
    backend.values.set(PASSWORD, 'new'); // rotation at t = 60 s
    clock.advance(2_940_000); // t = 3000 s
    const short = container.get(TenSeconds);
    expect(await getSecret(short, 'password')).toBe('new');
  });
});
