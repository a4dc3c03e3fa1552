import { CacheEntry, EntryState } from '../../lib/cache/CacheEntry.js';
import { SecretCache } from '../../lib/cache/SecretCache.js';
import { systemClock } from '../../lib/cache/Clock.js';
import { ManualClock } from '../../lib/testing/ManualClock.js';

describe('Class: CachePartition', () => {
  const setup = () => {
    const clock = new ManualClock(1_000);
    const cache = new SecretCache({ clock });
    return { clock, cache, partition: cache.partition() };
  };

  it('stores fresh values and expires them when their ttl passes', () => {
    const { clock, partition } = setup();
    const entry = partition.entry('/a');
    partition.store(entry, 'v', 10);
    expect(entry.state).toBe(EntryState.Fresh);
    expect(partition.isFresh(entry)).toBe(true);
    clock.advance(9_999);
    expect(entry.state).toBe(EntryState.Fresh);
    clock.advance(1);
    expect(entry.state).toBe(EntryState.Expired);
    expect(entry.value).toBe('v');
    expect(partition.isFresh(entry)).toBe(false);
  });

  it('never expires an entry without ttl, and keeps one timer for many entries', () => {
    const { clock, partition } = setup();
    const forever = partition.entry('/forever');
    partition.store(forever, 'f', undefined);
    const entries = [5, 1, 3, 2, 4].map((ttl) => {
      const e = partition.entry(`/t${ttl}`);
      partition.store(e, String(ttl), ttl);
      return [ttl, e] as const;
    });
    expect(clock.pending).toBe(1);
    for (let second = 1; second <= 5; second++) {
      clock.advance(1_000);
      for (const [ttl, e] of entries) expect(e.state).toBe(ttl <= second ? EntryState.Expired : EntryState.Fresh);
    }
    expect(forever.state).toBe(EntryState.Fresh);
    expect(clock.pending).toBe(0);
  });

  it('reschedules an entry stored again before it expired', () => {
    const { clock, partition } = setup();
    const entry = partition.entry('/a');
    partition.store(entry, 'v1', 2);
    clock.advance(1_500);
    partition.store(entry, 'v2', 2);
    clock.advance(1_000);
    expect(entry.state).toBe(EntryState.Fresh);
    clock.advance(1_000);
    expect(entry.state).toBe(EntryState.Expired);
    expect(entry.value).toBe('v2');
  });

  it('expireAll expires ttl-less entries too and stops the timer', () => {
    const { clock, partition } = setup();
    const a = partition.entry('/a');
    const b = partition.entry('/b');
    partition.store(a, 'a', undefined);
    partition.store(b, 'b', 60);
    partition.expireAll();
    expect([a.state, b.state]).toEqual([EntryState.Expired, EntryState.Expired]);
    expect(clock.pending).toBe(0);
  });

  it('partitions are independent', () => {
    const { cache, partition } = setup();
    const other = cache.partition();
    partition.store(partition.entry('/a'), 'prod', undefined);
    other.store(other.entry('/a'), 'dev', undefined);
    partition.expireAll();
    expect(other.peek('/a')?.state).toBe(EntryState.Fresh);
    expect(other.peek('/a')?.value).toBe('dev');
  });

  it('dispose clears entries, stops the timer and releases the partition', () => {
    const { clock, cache, partition } = setup();
    partition.store(partition.entry('/a'), 'v', 5);
    expect(cache.partitions).toBe(1);
    partition.dispose();
    expect(partition.size).toBe(0);
    expect(clock.pending).toBe(0);
    expect(cache.partitions).toBe(0);
    const entry = partition.entry('/b');
    partition.store(entry, 'late', 5);
    expect(entry.state).toBe(EntryState.Empty);
  });

  it('covers adopted entries in size, expiry, expireAll and dispose, and tells its dispose listeners', () => {
    const { clock, cache, partition } = setup();
    const adopted = [new CacheEntry<unknown>(), new CacheEntry<unknown>()];
    partition.adopt(adopted);
    partition.store(adopted[0] as CacheEntry<unknown>, 1, 5);
    partition.store(adopted[1] as CacheEntry<unknown>, 2, undefined);
    expect(partition.size).toBe(2);
    expect(cache.size).toBe(2);
    clock.advance(5_000);
    expect(adopted.map((entry) => entry.state)).toEqual([EntryState.Expired, EntryState.Fresh]);
    partition.expireAll();
    expect(adopted[1]?.state).toBe(EntryState.Expired);
    const told: string[] = [];
    partition.whenDisposed(() => told.push('first'));
    partition.dispose();
    partition.whenDisposed(() => told.push('late'));
    expect(told).toEqual(['first', 'late']);
    expect(adopted.map((entry) => [entry.state, entry.value])).toEqual([
      [EntryState.Empty, undefined],
      [EntryState.Empty, undefined],
    ]);
    expect(partition.size).toBe(0);
  });

  it('keeps heap order under random stores and re-stores', () => {
    const { clock, partition } = setup();
    let seed = 42;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const expected = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const key = `/k${Math.floor(random() * 50)}`;
      const ttl = 1 + Math.floor(random() * 100);
      partition.store(partition.entry(key), 'v', ttl);
      expected.set(key, clock.now() + ttl * 1000);
      clock.advance(Math.floor(random() * 500));
      for (const [k, at] of expected) {
        const state = partition.peek(k)?.state;
        expect(state).toBe(clock.now() >= at ? EntryState.Expired : EntryState.Fresh);
      }
    }
  });

  it('uses unref\'d timers on the system clock', () => {
    const handle = systemClock.setTimeout(() => undefined, 60_000) as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    systemClock.clearTimeout(handle);
  });
});
