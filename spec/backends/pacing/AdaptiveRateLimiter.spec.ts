import { AdaptiveRateLimiter, type AdaptiveRateLimiterOptions } from 'vaultly';

/** A limiter on a clock that moves only when the limiter sleeps or the test says so. */
function limiterOn(options: AdaptiveRateLimiterOptions = {}): {
  limiter: AdaptiveRateLimiter;
  clock: { t: number };
  sleeps: number[];
} {
  const clock = { t: 0 };
  const sleeps: number[] = [];
  const limiter = new AdaptiveRateLimiter({
    now: () => clock.t,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.t += ms;
    },
    ...options,
  });
  return { limiter, clock, sleeps };
}

/** Sends `n` requests one after another, each answered at once; returns their send times. */
async function sendSequentially(
  limiter: AdaptiveRateLimiter,
  clock: { t: number },
  n: number,
  answer: (i: number) => 'ok' | 'throttle' = () => 'ok',
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const ticket = await limiter.acquire();
    times.push(clock.t);
    if (answer(i) === 'ok') limiter.onSuccess(ticket);
    else limiter.onThrottle(ticket);
  }
  return times;
}

/**
 * Acquires `n` tickets at the same moment, as `n` requests sent at once would be: each is freed
 * for the slow-start window (`onFailure`) so that the next goes too, and reported later by the test.
 */
async function acquireAtOnce(limiter: AdaptiveRateLimiter, n: number): Promise<number[]> {
  const tickets: number[] = [];
  for (let i = 0; i < n; i++) {
    const ticket = await limiter.acquire();
    limiter.onFailure(ticket);
    tickets.push(ticket);
  }
  return tickets;
}

describe(AdaptiveRateLimiter.name, () => {
  describe('constructor', () => {
    it.each<[string, AdaptiveRateLimiterOptions]>([
      ['rateLimit', { rateLimit: 0 }],
      ['rateLimit', { rateLimit: -1 }],
      ['rateLimit', { rateLimit: Number.NaN }],
      ['rateLimit', { rateLimit: null as unknown as number }],
      ['minRate', { minRate: 0 }],
      ['minRate', { minRate: Number.POSITIVE_INFINITY }],
      ['beta', { beta: 1 }],
      ['beta', { beta: 0 }],
      ['scale', { scale: -0.4 }],
      ['now', { now: 1 as unknown as () => number }],
      ['sleep', { sleep: 'x' as unknown as () => Promise<void> }],
      ['random', { random: 0.5 as unknown as () => number }],
    ])('rejects a bad %s with a TypeError naming it (%o)', (name, options) => {
      expect(() => new AdaptiveRateLimiter(options)).toThrow(TypeError);
      expect(() => new AdaptiveRateLimiter(options)).toThrow(`options.${name}`);
    });
  });

  describe('acquire', () => {
    it('lets requests go at once, unpaced, until the service throttles', async () => {
      const { limiter, clock, sleeps } = limiterOn();
      await sendSequentially(limiter, clock, 100);
      expect(sleeps).toEqual([]);
      expect(limiter.rate).toBe(Number.POSITIVE_INFINITY);
    });

    it('respects a rateLimit ceiling: requests spaced 1/rateLimit apart, never a burst above it', async () => {
      const { limiter, clock } = limiterOn({ rateLimit: 20 });
      const times = await sendSequentially(limiter, clock, 41);
      expect(times[40]).toBeCloseTo(2000, 6);
      for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBeCloseTo(50, 6);
      expect(clock.t).toBeCloseTo(2000, 6);
      expect(limiter.rate).toBe(20);
    });

    it('queues concurrent callers one behind the other', async () => {
      const { limiter, clock, sleeps } = limiterOn({ rateLimit: 10 });
      await Promise.all(Array.from({ length: 5 }, async () => limiter.onSuccess(await limiter.acquire())));
      // Each reserves the slot after the last one's: 0, 0.1, 0.2, 0.3 and 0.4 s.
      expect(sleeps).toEqual([100, 100, 100, 100]);
      expect(clock.t).toBe(400);
    });

    it('rejects with the signal reason when aborted while waiting, and at once when already aborted', async () => {
      const limiter = new AdaptiveRateLimiter({ rateLimit: 0.001 });
      await limiter.acquire();
      const controller = new AbortController();
      const waiting = limiter.acquire(controller.signal);
      controller.abort(new Error('stop'));
      await expect(waiting).rejects.toThrow('stop');
      await expect(limiter.acquire(AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    });
  });

  describe('throttledSince', () => {
    it('says which tickets were issued before the last throttle that cut the rate or paused it', async () => {
      const { limiter } = limiterOn();
      const [a, b, c] = await acquireAtOnce(limiter, 3);
      expect(limiter.throttledSince(a as number)).toBe(false);
      limiter.onThrottle(b as number); // the first cut
      expect(limiter.throttledSince(a as number)).toBe(true);
      expect(limiter.throttledSince(b as number)).toBe(true);
      const d = await limiter.acquire();
      expect(limiter.throttledSince(d)).toBe(false);
      // A throttle of a ticket sent before the last cut, reported late, changes nothing...
      limiter.onThrottle(a as number);
      expect(limiter.throttledSince(d)).toBe(false);
      // ...unless it asks for a pause.
      limiter.onThrottle(c as number, 2);
      expect(limiter.throttledSince(d)).toBe(true);
      limiter.onSuccess(d);
    });
  });

  describe('slow start', () => {
    it('lets one request be in flight at first, and the window grow by half a request with each success', async () => {
      // A wait that lasts until it is cleared: only reports open the window here.
      const limiter = new AdaptiveRateLimiter({
        sleep: (_ms, signal) => new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error))),
      });
      const got: number[] = [];
      const take = (): void => void limiter.acquire().then((t) => got.push(t));
      const settle = (): Promise<unknown> => new Promise((resolve) => setImmediate(resolve));
      take();
      take();
      await settle();
      expect(got).toEqual([0]); // window 1: the second waits
      limiter.onSuccess(0); // window 1.5: two may be in flight
      take();
      take();
      await settle();
      expect(got).toEqual([0, 1, 2]);
      limiter.onSuccess(1); // window 2: one more beside ticket 2, not two (a doubling would let both go)
      take();
      await settle();
      expect(got).toEqual([0, 1, 2, 3]);
      limiter.onFailure(2);
      await settle();
      expect(got).toEqual([0, 1, 2, 3, 4]);
    });

    it('stops gating after the first throttle: the rate paces from then on', async () => {
      const { limiter } = limiterOn();
      limiter.onThrottle(await limiter.acquire());
      // No reports: each request still goes, one interval apart.
      const tickets = await Promise.all([limiter.acquire(), limiter.acquire()]);
      expect(tickets).toEqual([1, 2]);
    });

    it('goes anyway when no earlier request is reported within a second', async () => {
      const { limiter, clock, sleeps } = limiterOn();
      await limiter.acquire(); // never reported
      await limiter.acquire();
      expect(sleeps).toEqual([1000]);
      expect(clock.t).toBe(1000);
    });

    it('clears its wait when a report comes first, and rejects when aborted while waiting', async () => {
      const waits: AbortSignal[] = [];
      const limiter = new AdaptiveRateLimiter({
        sleep: (_ms, signal) =>
          new Promise<void>((_, reject) => {
            waits.push(signal as AbortSignal);
            signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
          }),
      });
      const first = await limiter.acquire();
      const second = limiter.acquire();
      await new Promise((resolve) => setImmediate(resolve));
      limiter.onSuccess(first);
      await second;
      expect(waits[0]?.aborted).toBe(true);
      const controller = new AbortController();
      const third = limiter.acquire(controller.signal); // window 2: goes
      await third;
      const fourth = limiter.acquire(controller.signal);
      await new Promise((resolve) => setImmediate(resolve));
      controller.abort(new Error('stop'));
      await expect(fourth).rejects.toThrow('stop');
    });
  });

  describe('timeLeft: a caller near its deadline', () => {
    /** A limiter throttled down to 1 request a second, with `held` more acquired and not yet reported. */
    async function throttledToOnePerSecond(options: AdaptiveRateLimiterOptions = {}) {
      const setup = limiterOn({ random: () => 0.5, ...options });
      const ticket = await setup.limiter.acquire();
      setup.limiter.onSuccess(ticket);
      setup.limiter.onThrottle(await setup.limiter.acquire()); // 0.5 * (1 + 1) = 1 req/s
      expect(setup.limiter.rate).toBeCloseTo(1, 6);
      return setup;
    }

    it('sends what it holds within the time left when the adapted rate would not', async () => {
      const { limiter, clock } = await throttledToOnePerSecond();
      clock.t += 1_000; // past the throttle's pause
      const deadline = clock.t + 2_000;
      const timeLeft = (): number => deadline - clock.t;
      // Four callers queue at once, none reported: 4 held with 2 s left is 2 req/s, not 1.
      const times: number[] = [];
      await Promise.all([0, 1, 2, 3].map(() => limiter.acquire(undefined, timeLeft).then(() => times.push(clock.t))));
      const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
      for (const gap of gaps) expect(gap).toBeLessThan(1000);
      expect((times.at(-1) as number) - (times[0] as number)).toBeLessThanOrEqual(2_000);
      // The same without a deadline: a second apart.
      const slow = await throttledToOnePerSecond();
      slow.clock.t += 1_000;
      const slowTimes: number[] = [];
      await Promise.all([0, 1, 2, 3].map(() => slow.limiter.acquire().then(() => slowTimes.push(slow.clock.t))));
      expect((slowTimes.at(-1) as number) - (slowTimes[0] as number)).toBeGreaterThanOrEqual(3 * 1000 * 0.75);
    });

    it('goes at once when the time is up, but never above rateLimit nor before a throttle pause ends', async () => {
      const capped = await throttledToOnePerSecond({ rateLimit: 2 });
      const before = capped.clock.t;
      await capped.limiter.acquire(undefined, () => 0);
      expect(capped.clock.t - before).toBeGreaterThanOrEqual(500); // the throttle's pause at the cut rate, capped by rateLimit's pace
      const t1 = capped.clock.t;
      await capped.limiter.acquire(undefined, () => -5);
      expect(capped.clock.t - t1).toBeCloseTo(500, 0); // 2 req/s, the ceiling
      const free = await throttledToOnePerSecond();
      free.clock.t += 1_000;
      free.limiter.onSuccess(await free.limiter.acquire());
      const t2 = free.clock.t;
      await free.limiter.acquire(undefined, () => 0);
      expect(free.clock.t).toBe(t2); // due now: no wait at all
    });

    it('changes nothing before the first throttle, and ignores a timeLeft that throws or is not a number', async () => {
      const { limiter, sleeps } = limiterOn();
      limiter.onSuccess(await limiter.acquire(undefined, () => 10));
      expect(sleeps).toEqual([]);
      const broken = await throttledToOnePerSecond();
      broken.clock.t += 1_000;
      broken.limiter.onSuccess(await broken.limiter.acquire());
      const t0 = broken.clock.t;
      await broken.limiter.acquire(undefined, () => {
        throw new Error('clock broke');
      });
      await broken.limiter.acquire(undefined, () => Number.NaN);
      // Paced as without a deadline: about a second apart (the rate climbs a little meanwhile).
      expect(broken.clock.t - t0).toBeGreaterThan(1_000);
    });
  });

  describe('restart after idle', () => {
    it('starts over from the rate after the last cut when nothing went for a second, then climbs the curve again', async () => {
      const { limiter, clock } = limiterOn({ random: () => 0.5 });
      const tickets = await acquireAtOnce(limiter, 10);
      limiter.onThrottle(tickets[0] as number); // 0.5 * 5 = 2.5 req/s, the old rate 5
      // Steadily at the pace for 10 s: the curve climbs well past the old rate.
      while (clock.t < 10_000) limiter.onSuccess(await limiter.acquire());
      const climbed = limiter.rate;
      expect(climbed).toBeGreaterThan(20);
      // Idle for 4 s (a refresh's ttl): the next request goes at once, the one after at 2.5 req/s.
      clock.t += 4_000;
      const back = clock.t;
      limiter.onSuccess(await limiter.acquire());
      expect(clock.t).toBe(back);
      expect(limiter.rate).toBeLessThan(climbed);
      const before = clock.t;
      await limiter.acquire();
      expect(clock.t - before).toBeGreaterThan(1000 / 5);
      expect(clock.t - before).toBeLessThanOrEqual(1000 / 2.5);
    });

    it('does not restart while a request is in flight or within a second of the last one', async () => {
      const { limiter, clock } = limiterOn({ random: () => 0.5 });
      const tickets = await acquireAtOnce(limiter, 10);
      limiter.onThrottle(tickets[0] as number);
      while (clock.t < 10_000) limiter.onSuccess(await limiter.acquire());
      const climbed = limiter.rate;
      // In flight (never reported) across a long wait: no restart.
      await limiter.acquire();
      clock.t += 4_000;
      limiter.onSuccess(await limiter.acquire());
      expect(limiter.rate).toBeGreaterThanOrEqual(climbed);
      // Within a second: no restart either.
      clock.t += 900;
      limiter.onSuccess(await limiter.acquire());
      expect(limiter.rate).toBeGreaterThanOrEqual(climbed);
    });

    it('before any throttle, restarts slow start from one request in flight', async () => {
      let pending: (() => void) | undefined;
      const clock = { t: 0 };
      const limiter = new AdaptiveRateLimiter({
        now: () => clock.t,
        // Waits until cleared (a report) or woken by the test.
        sleep: (_ms, signal) =>
          new Promise<void>((resolve, reject) => {
            pending = resolve;
            signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
          }),
      });
      for (let i = 0; i < 4; i++) limiter.onSuccess(await limiter.acquire()); // window 5
      const [a, b] = await Promise.all([limiter.acquire(), limiter.acquire()]); // two at once
      limiter.onSuccess(a as number);
      limiter.onSuccess(b as number);
      clock.t += 5_000;
      await limiter.acquire(); // in flight, never reported
      let second: number | undefined;
      void limiter.acquire().then((t) => (second = t));
      await new Promise((resolve) => setImmediate(resolve));
      expect(second).toBeUndefined();
      pending?.();
      await new Promise((resolve) => setImmediate(resolve));
      expect(second).toBe(7);
    });
  });

  describe('pacing', () => {
    it('on the first throttle, slows to beta times what got through over the last second', async () => {
      const { limiter, clock } = limiterOn();
      // 50 requests within the same second, then the 51st is throttled: 50 got through, and the 51st found the bucket empty.
      for (let i = 0; i < 50; i++) {
        const ticket = await limiter.acquire();
        clock.t += 10;
        limiter.onSuccess(ticket);
      }
      const ticket = await limiter.acquire();
      limiter.onThrottle(ticket);
      expect(limiter.rate).toBeCloseTo(0.5 * 51, 6);
    });

    it('on the first throttle, goes by what got through when others drained the bucket, but at least half of what it sent', async () => {
      // A fleet booting together: 10 sent at once, 7 got through (the rest of the bucket went elsewhere).
      const { limiter } = limiterOn();
      const tickets = await acquireAtOnce(limiter, 10);
      for (const ticket of tickets.slice(0, 7)) limiter.onSuccess(ticket);
      limiter.onThrottle(tickets[7] as number);
      expect(limiter.rate).toBeCloseTo(0.5 * (7 + 1), 6);
      // Nothing got through at all: half of what was sent.
      const { limiter: unlucky } = limiterOn();
      const mine = await acquireAtOnce(unlucky, 10);
      unlucky.onThrottle(mine[0] as number);
      expect(unlucky.rate).toBeCloseTo(0.5 * 5, 6);
      // A lone request throttled: as if it had got through, not half a request.
      const { limiter: lone } = limiterOn();
      lone.onThrottle(await lone.acquire());
      expect(lone.rate).toBeCloseTo(0.5, 6);
    });

    it('reacts once to the throttles of requests sent before its last cut', async () => {
      const { limiter } = limiterOn();
      const tickets = await acquireAtOnce(limiter, 40);
      for (const ticket of tickets.slice(0, 4)) limiter.onThrottle(ticket);
      // None got through: half of the 40 sent, times beta.
      expect(limiter.rate).toBeCloseTo(0.5 * 20, 6);
    });

    it('holds the rate after a cut and grows back slowly: no burst right after a throttle', async () => {
      const { limiter, clock } = limiterOn();
      const tickets = await acquireAtOnce(limiter, 10);
      limiter.onThrottle(tickets[0] as number); // 0.5 * 5 = 2.5 req/s, the old rate 5
      clock.t += 500;
      limiter.onSuccess(await limiter.acquire());
      // CUBIC's concave part: above the cut, below the old rate (no doubling ramp).
      expect(limiter.rate).toBeGreaterThan(2.5);
      expect(limiter.rate).toBeLessThan(5);
    });

    it('gives up more of the quota when throttled below the rate of its last cut (fast convergence)', async () => {
      const { limiter } = limiterOn();
      const tickets = await acquireAtOnce(limiter, 40);
      for (const ticket of tickets) limiter.onSuccess(ticket);
      limiter.onThrottle(tickets[39] as number); // first cut: 0.5 * 40 = 20, old rate 40
      limiter.onThrottle(await limiter.acquire()); // 20 < 40: aims at (1 + 0.5) / 2 * 20 = 15, cut to 7.5
      expect(limiter.rate).toBeCloseTo(7.5, 6);
    });

    it('recovers gradually along the CUBIC curve after a second cut: back to the old rate after its time window, then above', async () => {
      const { limiter, clock } = limiterOn();
      const tickets = await acquireAtOnce(limiter, 40);
      for (const ticket of tickets.slice(0, 40)) limiter.onSuccess(ticket);
      limiter.onThrottle(tickets[39] as number); // first cut: 0.5 * 40 = 20
      const second = await limiter.acquire();
      limiter.onThrottle(second); // second cut: old rate 0.75 * min(41 sent, 20) = 15, cut to 7.5
      const cut = limiter.rate;
      expect(cut).toBeCloseTo(7.5, 6);
      const from = clock.t;
      const window = Math.cbrt((15 * 0.5) / 0.8); // ~2.1 s
      const rates: number[] = [];
      // A steady stream at the limiter's pace (never idle), sampled as it passes each mark.
      for (const at of [0.5, 1.5, window, window + 2]) {
        while (clock.t < from + at * 1000) limiter.onSuccess(await limiter.acquire());
        rates.push(limiter.rate);
      }
      expect(rates[0]).toBeGreaterThan(cut);
      expect(rates[1]).toBeGreaterThan(rates[0] as number);
      expect(rates[1]).toBeLessThan(15);
      expect(rates[2]).toBeCloseTo(15, 0);
      expect(rates[3]).toBeGreaterThan(15);
    });

    it('paces a steady stream below a throttling service: the send rate drops after the throttles', async () => {
      const { limiter, clock } = limiterOn();
      // 41 requests at once; the "service" throttles the 41st and, before the rate is back, the 46th.
      const times = await sendSequentially(limiter, clock, 120, (i) => (i === 40 || i === 45 ? 'throttle' : 'ok'));
      expect(times[40]).toBe(0);
      const afterCut = times.slice(46);
      const spacing = ((afterCut.at(-1) as number) - (afterCut[0] as number)) / (afterCut.length - 1);
      expect(spacing).toBeGreaterThan(1000 / 41);
      expect(spacing).toBeLessThan(1000 / 5);
    });

    it('lets a caller queued at a slow rate go at the rate when its turn comes, not the one when it queued', async () => {
      const clock = { t: 0 };
      const sleeps: { ms: number; wake: () => void }[] = [];
      const limiter = new AdaptiveRateLimiter({
        now: () => clock.t,
        random: () => 0.5,
        sleep: (ms) => new Promise<void>((wake) => sleeps.push({ ms, wake })),
      });
      const a = await limiter.acquire();
      limiter.onSuccess(a);
      const b = await limiter.acquire();
      limiter.onThrottle(b); // 0.5 * (1 through + the throttled one) = 1 req/s: 1 s apart
      const first = limiter.acquire();
      const second = limiter.acquire();
      await new Promise((resolve) => setImmediate(resolve));
      expect(sleeps.map((s) => Math.round(s.ms))).toEqual([1000]);
      clock.t += (sleeps[0] as { ms: number }).ms;
      (sleeps[0] as { wake: () => void }).wake();
      limiter.onSuccess(await first); // CUBIC 1 s after the cut: back near the old rate, 2 req/s
      await new Promise((resolve) => setImmediate(resolve));
      // Reserved at the old rate it would wait 1000 ms more; at the rate now, about 500 ms.
      expect(sleeps[1]?.ms).toBeLessThan(600);
      clock.t += (sleeps[1] as { ms: number }).ms;
      (sleeps[1] as { wake: () => void }).wake();
      await second;
    });

    it('jitters the adapted spacing by up to 25% either way, never the rateLimit ceiling', async () => {
      for (const [random, factor] of [
        [0, 0.75],
        [0.5, 1],
        [0.999_999, 1.25],
      ] as const) {
        const { limiter, clock } = limiterOn({ random: () => random });
        const tickets = await acquireAtOnce(limiter, 20);
        limiter.onThrottle(tickets[0] as number); // 0.5 * 10 = 5 req/s
        const times: number[] = [];
        for (let i = 0; i < 4; i++) {
          await limiter.acquire(); // no answers: the rate stays put
          times.push(clock.t);
        }
        const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
        for (const gap of gaps) expect(gap).toBeCloseTo((1000 / 5) * factor, 2);
      }
      // Recovered up to a rateLimit of 5: exactly 200 ms apart.
      const { limiter, clock } = limiterOn({ rateLimit: 5, random: () => 0 });
      limiter.onThrottle(await limiter.acquire());
      // A steady stream at the limiter's pace climbs the curve up to the ceiling.
      while (limiter.rate < 5 && clock.t < 60_000) limiter.onSuccess(await limiter.acquire());
      expect(limiter.rate).toBe(5);
      const before = clock.t;
      await limiter.acquire();
      await limiter.acquire();
      expect(clock.t - before).toBeCloseTo(400, 6);
    });

    it('never goes above the rateLimit ceiling, even while recovering', async () => {
      const { limiter, clock } = limiterOn({ rateLimit: 5 });
      const ticket = await limiter.acquire();
      limiter.onThrottle(ticket);
      // Sending steadily for a minute: the curve would be far above 5 by now.
      while (clock.t < 60_000) {
        limiter.onSuccess(await limiter.acquire());
        expect(limiter.rate).toBeLessThanOrEqual(5);
      }
      expect(limiter.rate).toBe(5);
    });

    it('never drops below minRate', async () => {
      const { limiter, clock } = limiterOn({ minRate: 2 });
      clock.t = 10_000;
      limiter.onThrottle(clock.t);
      expect(limiter.rate).toBe(2);
    });

    it('honours Retry-After: every request waits until it has passed', async () => {
      const { limiter, clock, sleeps } = limiterOn();
      const ticket = await limiter.acquire();
      limiter.onThrottle(ticket, 1.5);
      await limiter.acquire();
      expect(sleeps[0]).toBeGreaterThanOrEqual(1500);
      expect(clock.t).toBeGreaterThanOrEqual(1500);
    });

    it('caps a Retry-After at a minute', async () => {
      const { limiter, clock } = limiterOn();
      limiter.onThrottle(-1, 3_600);
      await limiter.acquire();
      expect(clock.t).toBe(60_000);
    });
  });
});
