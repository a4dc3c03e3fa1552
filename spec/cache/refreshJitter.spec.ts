import { EntryState } from '../../lib/cache/CacheEntry.js';
import { CachePartition } from '../../lib/cache/CachePartition.js';
import { SecretCache } from 'vaultly';
import { DEFAULT_REFRESH_JITTER } from '../../lib/constants.js';
import { ManualClock } from 'vaultly/testing';
import { thrown } from '../helpers/outcomes.js';
import { entryIn } from '../helpers/keyedEntries.js';

/** A small seeded PRNG (mulberry32): the same spread on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('refreshJitter', () => {
  describe('Class: SecretCache', () => {
    it('brings expiry forward by up to refreshJitter of the ttl, by default 0.2', () => {
      expect(DEFAULT_REFRESH_JITTER).toBe(0.2);
      const clock = new ManualClock(0);
      const draws = [0, 0.5, 0.999];
      const partition = new SecretCache({ clock, random: () => draws.shift() as number }).partition();
      expect(partition.refreshJitter).toBe(0.2);
      const entries = [0, 1, 2].map((i) => {
        const entry = entryIn(partition, `/k${i}`);
        partition.store(entry, 'v', 10);
        return entry;
      });
      expect(entries.map((e) => e.expiresAt)).toEqual([10_000, 9_000, 10_000 - 1_998]);
    });

    it('spreads the expiries of caches filled at the same moment (a fleet booted together)', () => {
      const clock = new ManualClock(0);
      const random = seeded(12);
      // 20 processes, each storing a 5 s secret at t = 0.
      const expiries = Array.from({ length: 20 }, () => {
        const partition = new SecretCache({ clock, random }).partition();
        const entry = entryIn(partition, '/db/password');
        partition.store(entry, 'v', 5);
        return entry.expiresAt;
      });
      for (const at of expiries) {
        expect(at).toBeGreaterThan(4_000);
        expect(at).toBeLessThanOrEqual(5_000);
      }
      expect(new Set(expiries).size).toBe(20);
      expect(Math.max(...expiries) - Math.min(...expiries)).toBeGreaterThan(600);
      // Spread over time: no 100 ms window holds more than a quarter of them.
      for (let t = 4_000; t < 5_000; t += 50) expect(expiries.filter((at) => at >= t && at < t + 100).length).toBeLessThanOrEqual(5);
    });

    it('expires exactly at the ttl with refreshJitter 0, and draws no random number', () => {
      const clock = new ManualClock(0);
      let draws = 0;
      const random = (): number => (draws++, 0.5);
      const partition = new SecretCache({ clock, random, refreshJitter: 0 }).partition();
      const entry = entryIn(partition, '/x');
      partition.store(entry, 'v', 5);
      clock.advance(4_999);
      expect(entry.state).toBe(EntryState.Fresh);
      clock.advance(1);
      expect(entry.state).toBe(EntryState.Expired);
      expect(draws).toBe(0);
    });

    it('lets a partition set its own refreshJitter', () => {
      const clock = new ManualClock(0);
      const cache = new SecretCache({ clock, random: () => 0.5 });
      const own = cache.partition({ refreshJitter: 0 });
      const entry = entryIn(own, '/x');
      own.store(entry, 'v', 10);
      expect(entry.expiresAt).toBe(10_000);
      const inherited = cache.partition({ refreshJitter: undefined });
      const other = entryIn(inherited, '/x');
      inherited.store(other, 'v', 10);
      expect(other.expiresAt).toBe(9_000);
    });

    it('expires entries stored with one draw together', () => {
      const clock = new ManualClock(0);
      const partition = new SecretCache({ clock, random: seeded(3) }).partition();
      const factor = partition.expiryFactor();
      const a = entryIn(partition, '/a');
      const b = entryIn(partition, '/b');
      partition.store(a, 'v', 5, factor);
      partition.store(b, 'v', 5, factor);
      expect(a.expiresAt).toBe(b.expiresAt);
      expect(a.expiresAt).toBeLessThan(5_000);
    });

    it('never lets a broken random source stretch a ttl', () => {
      for (const bad of [1, -0.5, Number.NaN, 7]) {
        const partition = new SecretCache({ clock: new ManualClock(0), random: () => bad }).partition();
        expect(partition.expiryFactor()).toBe(1);
      }
    });

    it('rejects a refreshJitter outside [0, 1) with a TypeError naming the option', () => {
      for (const bad of [1, -0.1, Number.NaN, Number.POSITIVE_INFINITY, '0.1']) {
        const error = thrown<TypeError>(() => new SecretCache({ refreshJitter: bad as number }));
        expect(error).toBeInstanceOf(TypeError);
        expect(error.message).toMatch(/^SecretCache: options\.refreshJitter must be a number from 0/);
      }
      const cache = new SecretCache();
      expect(() => cache.partition({ refreshJitter: 1.5 })).toThrow(/SecretCache\.partition: options\.refreshJitter/);
      expect(() => new SecretCache({ random: 0.5 as never })).toThrow(/options\.random must be a function/);
    });
  });

  describe('Class: CachePartition', () => {
    it('has no jitter unless given one', () => {
      const partition = new CachePartition(new ManualClock(0));
      expect(partition.refreshJitter).toBe(0);
      expect(partition.expiryFactor()).toBe(1);
    });
  });
});
