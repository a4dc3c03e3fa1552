import { TokenBucket } from 'vaultly/testing';

describe(TokenBucket.name, () => {
  let now: number;
  const bucket = (rate: number, burst?: number): TokenBucket => new TokenBucket({ rate, ...(burst === undefined ? {} : { burst }), now: () => now });

  beforeEach(() => {
    now = 5_000;
  });

  describe('take', () => {
    it('grants burst requests at once, then refuses until the clock refills a token', () => {
      const b = bucket(4, 3);
      expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
      now += 249;
      expect(b.take()).toBe(false);
      now += 1;
      expect([b.take(), b.take()]).toEqual([true, false]);
    });

    it('never holds more than burst tokens, however long it idles', () => {
      const b = bucket(100, 2);
      now += 60_000;
      expect([b.take(), b.take(), b.take()]).toEqual([true, true, false]);
    });

    it('defaults burst to the rate', () => {
      const b = bucket(3);
      expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    });

    it('refills nothing when the clock goes backwards', () => {
      const b = bucket(1, 1);
      b.take();
      now -= 10_000;
      expect(b.take()).toBe(false);
      now += 1_000;
      expect(b.take()).toBe(true);
    });
  });

  describe('secondsUntilNext', () => {
    it('rounds up to whole seconds, at least 1', () => {
      const slow = bucket(0.25, 1);
      slow.take();
      expect(slow.secondsUntilNext()).toBe(4);
      const fast = bucket(10, 1);
      fast.take();
      expect(fast.secondsUntilNext()).toBe(1);
    });
  });

  describe('constructor', () => {
    it('rejects a bad rate, burst or clock with a TypeError naming it', () => {
      expect(() => new TokenBucket({ rate: -1 })).toThrow(/quota\.rate/);
      expect(() => new TokenBucket({ rate: Number.POSITIVE_INFINITY })).toThrow(/quota\.rate/);
      expect(() => new TokenBucket({ rate: 1, burst: 0 })).toThrow(/quota\.burst/);
      expect(() => new TokenBucket({ rate: 1, now: 5 as never })).toThrow(/quota\.now/);
      expect(() => new TokenBucket(undefined as never)).toThrow(/rate: 40, burst: 40/);
    });
  });
});
