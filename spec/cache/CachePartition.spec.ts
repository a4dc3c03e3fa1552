import { CacheEntry, EntryState } from '../../lib/cache/CacheEntry.js';
import { SecretCache, systemClock, type Clock } from 'vaultly';
import { CachePartition, MAX_TIMER_DELAY_MS } from '../../lib/cache/CachePartition.js';
import { ManualClock } from 'vaultly/testing';
import { forceGc } from '../helpers/forceGc.js';
import { entryIn } from '../helpers/keyedEntries.js';

describe('Class: CachePartition', () => {
  const setup = () => {
    const clock = new ManualClock(1_000);
    const cache = new SecretCache({ clock, refreshJitter: 0 });
    return { clock, cache, partition: cache.partition() };
  };

  it('stores fresh values and expires them when their ttl passes', () => {
    const { clock, partition } = setup();
    const entry = entryIn(partition, '/a');
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
    const forever = entryIn(partition, '/forever');
    partition.store(forever, 'f', undefined);
    const entries = [5, 1, 3, 2, 4].map((ttl) => {
      const e = entryIn(partition, `/t${ttl}`);
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
    const entry = entryIn(partition, '/a');
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
    const a = entryIn(partition, '/a');
    const b = entryIn(partition, '/b');
    partition.store(a, 'a', undefined);
    partition.store(b, 'b', 60);
    partition.expireAll();
    expect([a.state, b.state]).toEqual([EntryState.Expired, EntryState.Expired]);
    expect(clock.pending).toBe(0);
  });

  it('partitions are independent', () => {
    const { cache, partition } = setup();
    const other = cache.partition();
    partition.store(entryIn(partition, '/a'), 'prod', undefined);
    other.store(entryIn(other, '/a'), 'dev', undefined);
    partition.expireAll();
    expect(entryIn(other, '/a')?.state).toBe(EntryState.Fresh);
    expect(entryIn(other, '/a')?.value).toBe('dev');
  });

  it('dispose clears entries, stops the timer and releases the partition', () => {
    const { clock, cache, partition } = setup();
    partition.store(entryIn(partition, '/a'), 'v', 5);
    expect(cache.partitions).toBe(1);
    partition.dispose();
    expect(partition.size).toBe(0);
    expect(clock.pending).toBe(0);
    expect(cache.partitions).toBe(0);
    const entry = entryIn(partition, '/b');
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
    const told: unknown[] = [];
    partition.store(adopted[0] as CacheEntry<unknown>, 'again', undefined);
    partition.listener = { leftFresh: (entry) => told.push(entry === adopted[0] ? 'left fresh' : entry), partitionDisposed: () => told.push('disposed') };
    partition.dispose();
    // The fresh entry is reported as it is reset, the expired one is not; then the dispose.
    expect(told).toEqual(['left fresh', 'disposed']);
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
      partition.store(entryIn(partition, key), 'v', ttl);
      expected.set(key, clock.now() + ttl * 1000);
      clock.advance(Math.floor(random() * 500));
      for (const [k, at] of expected) {
        const state = entryIn(partition, k)?.state;
        expect(state).toBe(clock.now() >= at ? EntryState.Expired : EntryState.Fresh);
      }
    }
  });

  it('uses unref\'d timers on the system clock', () => {
    const handle = systemClock.setTimeout(() => undefined, 60_000) as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    systemClock.clearTimeout(handle);
  });

  describe('a ttl longer than a Node timer can wait', () => {
    const DAY = 86_400_000;

    it('arms at the longest delay and re-arms until the entry is due', () => {
      const clock = new ManualClock(0);
      const delays: number[] = [];
      const recording: Clock = {
        now: () => clock.now(),
        setTimeout: (callback, ms) => {
          delays.push(ms);
          return clock.setTimeout(callback, ms);
        },
        clearTimeout: (handle) => clock.clearTimeout(handle),
      };
      const partition = new CachePartition(recording);
      const entry = entryIn(partition, '/long');
      partition.store(entry, 'v', (60 * DAY) / 1000);
      clock.advance(59 * DAY);
      expect(entry.state).toBe(EntryState.Fresh);
      clock.advance(DAY);
      expect(entry.state).toBe(EntryState.Expired);
      expect(delays.length).toBeGreaterThan(2);
      expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
      expect(clock.pending).toBe(0);
    });

    it('prints no TimeoutOverflowWarning on the system clock', async () => {
      const warnings: string[] = [];
      const listener = (warning: Error): void => {
        warnings.push(warning.name);
      };
      process.on('warning', listener);
      const partition = new SecretCache().partition();
      try {
        partition.store(entryIn(partition, '/long'), 'v', (365 * DAY) / 1000);
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(warnings).toEqual([]);
        expect(partition.isFresh(entryIn(partition, '/long'))).toBe(true);
      } finally {
        partition.dispose();
        process.off('warning', listener);
      }
    });
  });

  describe('memory', () => {
    it('an armed timer does not keep a dropped partition alive, and is cleared when it is collected', async () => {
      const clock = new ManualClock(0);
      const cache = new SecretCache({ clock, refreshJitter: 0 });
      const collected: string[] = [];
      const registry = new FinalizationRegistry<string>((label) => collected.push(label));
      (() => {
        for (let i = 0; i < 50; i++) {
          const partition = cache.partition();
          partition.store(entryIn(partition, '/a'), `value ${i}`, 300);
          registry.register(partition, `partition ${i}`);
        }
      })();
      expect(cache.partitions).toBe(50);
      expect(clock.pending).toBe(50);
      await forceGc(() => collected.length === 50 && cache.partitions === 0 && clock.pending === 0);
      expect(collected).toHaveLength(50);
      expect(cache.partitions).toBe(0);
      expect(clock.pending).toBe(0);
    });
  });
});
