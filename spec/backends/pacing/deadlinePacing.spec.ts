/**
 * Deadline-aware pacing under attack (from a hostile review of its first version): no throttle
 * storm, the rateLimit ceiling on every gap, the tightest deadline in line, and a caller's
 * deadline through nested retry layers.
 */
import { AdaptiveRateLimiter, Backend, RetryingBackend, type AdaptiveRateLimiterOptions, type BackendGetOptions } from 'vaultly';

/** Throttles `limiter` down to 1 request a second at t = 0 (2 got through before the cut). */
async function throttleToOnePerSecond(limiter: AdaptiveRateLimiter): Promise<void> {
  limiter.onSuccess(await limiter.acquire());
  limiter.onThrottle(await limiter.acquire()); // 0.5 * (1 + 1) = 1 req/s, next slot at 1 000 ms
  expect(limiter.rate).toBeCloseTo(1, 6);
}

function acquireBy(limiter: AdaptiveRateLimiter, timeLeft: () => number, signal?: AbortSignal): Promise<number> {
  return limiter.acquire(signal, timeLeft);
}

/** A limiter on a clock that moves only when the limiter sleeps or the test says so. */
function limiterOn(options: AdaptiveRateLimiterOptions = {}): { limiter: AdaptiveRateLimiter; clock: { t: number } } {
  const clock = { t: 0 };
  const limiter = new AdaptiveRateLimiter({
    now: () => clock.t,
    // The clock moves after pending microtasks ran: a caller that just got its ticket reads the
    // time it got it, not the time the next caller sleeps to.
    sleep: (ms) =>
      new Promise<void>((resolve) =>
        setImmediate(() => {
          clock.t += ms;
          resolve();
        }),
      ),
    random: () => 0.5,
    ...options,
  });
  return { limiter, clock };
}

/** A limiter throttled down to 1 request a second (2 got through before the cut), `after` ms later (default: past the cut's pause and the quiet second). */
async function throttledToOnePerSecond(
  options: AdaptiveRateLimiterOptions = {},
  after = 1_000,
): Promise<{ limiter: AdaptiveRateLimiter; clock: { t: number }; throttledAt: number }> {
  const setup = limiterOn(options);
  setup.limiter.onSuccess(await setup.limiter.acquire());
  setup.limiter.onThrottle(await setup.limiter.acquire()); // 0.5 * (1 + 1) = 1 req/s
  expect(setup.limiter.rate).toBeCloseTo(1, 6);
  const throttledAt = setup.clock.t;
  setup.clock.t += after;
  return { ...setup, throttledAt };
}

/** Starts `n` acquires at once (none reported: in flight, as requests awaiting their answer are); resolves to their send times. */
async function sendTimes(n: number, acquire: () => Promise<number>, clock: { t: number }): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(Array.from({ length: n }, () => acquire().then(() => times.push(clock.t))));
  return times;
}

/** The most requests sent within any one second. */
function busiestSecond(times: readonly number[]): number {
  return Math.max(0, ...times.map((from) => times.filter((t) => t >= from && t < from + 1_000).length));
}

/** Records the `timeLeft` each read is given, in ms (undefined when none). */
class RecordingBackend extends Backend {
  readonly seen: (number | undefined)[] = [];
  async get(_path: string, options: BackendGetOptions = {}): Promise<string> {
    const timeLeft = (options as { timeLeft?: () => number }).timeLeft;
    this.seen.push(timeLeft?.());
    return 'value';
  }
}

describe('deadline-aware pacing', () => {
  describe('a throttled process near or past its deadline', () => {
    // Within half a second of a throttle a process keeps to its learned pace, however little time
    // is left: the service is throttling it. After that it hurries, but with at most 4 requests in
    // flight: here none is answered, so the rest go at the learned pace.
    it('does not hurry within half a second of a throttle, then keeps at most 4 in flight while it hurries', async () => {
      const { limiter, clock } = limiterOn({ minRate: 5 });
      limiter.onSuccess(await limiter.acquire());
      limiter.onThrottle(await limiter.acquire()); // cut to the 5 req/s floor: a 200 ms pause
      const throttledAt = clock.t;
      const times = await sendTimes(12, () => acquireBy(limiter, () => -1), clock);
      expect(times.filter((t) => t < throttledAt + 500)).toEqual([throttledAt + 200, throttledAt + 400]); // paced
      // At 500 ms it hurries: 2 more join the 2 in flight, then one every 200 ms again.
      expect(times.filter((t) => t === throttledAt + 500)).toHaveLength(2);
      expect(busiestSecond(times)).toBeLessThanOrEqual(4 + 5);
    });

    it('hurries for a deadline when requests are answered: 12 reads with 2 s left go in 2 s, not 12', async () => {
      const { limiter, clock } = await throttledToOnePerSecond();
      const start = clock.t;
      const pacedBy = start + 2_000;
      const times: number[] = [];
      await Promise.all(
        Array.from({ length: 12 }, () =>
          acquireBy(limiter, () => pacedBy - clock.t).then((ticket) => {
            times.push(clock.t);
            limiter.onSuccess(ticket);
          }),
        ),
      );
      expect(Math.max(...times) - start).toBeLessThanOrEqual(2_000);
    });

    // A process whose every request is throttled (a fleet that cannot meet its deadline) keeps to
    // its learned pace through the whole call: it never hurries within a second of a throttle.
    // 20 reads, each re-queued at once after a throttle, 50 ms round trips, one 10 s call.
    it('a process throttled on every request sends no more in the last second than it learned (<= 4)', async () => {
      const { limiter, clock } = await throttledToOnePerSecond();
      const start = clock.t;
      const pacedBy = start + 9_000;
      const end = start + 10_000;
      const sent: number[] = [];
      // Round trips on the virtual clock: answers land 50 ms after their request went.
      const answers: { at: number; ticket: number }[] = [];
      const settleDue = (): void => {
        answers.sort((a, b) => a.at - b.at);
        while (answers.length > 0 && (answers[0] as { at: number }).at <= clock.t) {
          limiter.onThrottle((answers.shift() as { ticket: number }).ticket);
        }
      };
      let live = 20;
      const reader = async (): Promise<void> => {
        while (clock.t < end) {
          settleDue();
          const ticket = await acquireBy(limiter, () => pacedBy - clock.t);
          sent.push(clock.t);
          answers.push({ at: clock.t + 50, ticket });
          // Wait for this request's answer: let the clock reach it (the limiter's sleeps move it too).
          while (answers.some((a) => a.ticket === ticket)) {
            await Promise.resolve();
            if (answers.every((a) => a.at > clock.t) && live === answers.length) clock.t = Math.min(...answers.map((a) => a.at));
            settleDue();
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
        live--;
      };
      await Promise.all(Array.from({ length: 20 }, () => reader()));
      const lastSecond = sent.filter((t) => t >= end - 1_000 && t < end).length;
      expect(lastSecond).toBeLessThanOrEqual(4);
    });

    // `rateLimit` bounds every gap, jitter included, when hurrying just below it...
    it('urgency just below rateLimit never spaces requests closer than 1000 / rateLimit', async () => {
      const { limiter, clock } = await throttledToOnePerSecond({ rateLimit: 2, random: () => 0 });
      const pacedBy = clock.t + 2_500; // 4 held with 2.5 s left: 1.6 req/s, below the ceiling
      const times = await sendTimes(4, () => acquireBy(limiter, () => pacedBy - clock.t), clock);
      const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(500 - 1e-6);
    });

    // ...and when the adapted rate itself is just below it.
    it('an adapted rate just below rateLimit never spaces requests closer than 1000 / rateLimit', async () => {
      const { limiter, clock } = await throttledToOnePerSecond({ rateLimit: 1.2, random: () => 0 });
      const times = await sendTimes(3, () => limiter.acquire(), clock);
      const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1000 / 1.2 - 1e-6);
    });
  });

  describe('one limiter, callers with different deadlines', () => {
    // The tightest deadline in line drives the queue ahead of it: a read with 3 s left behind 8
    // reads without a deadline is sent in time.
    it('a read with 3 s left behind 8 reads without a deadline is sent within its 3 s', async () => {
      const { limiter, clock } = await throttledToOnePerSecond();
      // Answered at once, as a quick service would.
      const ahead = Array.from({ length: 8 }, () => limiter.acquire().then((ticket) => limiter.onSuccess(ticket)));
      const pacedBy = clock.t + 3_000;
      const start = clock.t;
      let sentAt = Number.NaN;
      const urgent = acquireBy(limiter, () => pacedBy - clock.t).then(() => (sentAt = clock.t));
      await Promise.all([...ahead, urgent]);
      expect(sentAt - start).toBeLessThanOrEqual(3_000);
    });
  });

  describe('a long line', () => {
    // Each caller's timeLeft is read once, as it joins: a long line costs no more per request.
    it('2 000 queued acquires with deadlines read each timeLeft once', async () => {
      const clock = { t: 0 };
      const limiter = new AdaptiveRateLimiter({ now: () => clock.t, sleep: async (ms) => void (clock.t += ms), random: () => 0.5 });
      await throttleToOnePerSecond(limiter);
      clock.t = 1_000;
      const n = 2_000;
      let calls = 0;
      const timeLeft = (): number => {
        calls++;
        return 1e12 - clock.t; // plenty of time: no hurrying, the plain paced path
      };
      await Promise.all(Array.from({ length: n }, () => limiter.acquire(undefined, timeLeft).then((ticket) => limiter.onSuccess(ticket))));
      expect(calls).toBe(n); // each caller's timeLeft is read once, as it joins
    });
  });

  describe('RetryingBackend inside RetryingBackend', () => {
    // A caller's shorter deadline (an outer retry layer) reaches the pacer...
    it("passes the outer call's shorter deadline through to the inner backend", async () => {
      const recording = new RecordingBackend();
      const outer = new RetryingBackend(new RetryingBackend(recording, { totalTimeout: 60 }), { totalTimeout: 2 });
      await expect(outer.get('/x')).resolves.toBe('value');
      expect(recording.seen).toHaveLength(1);
      expect(typeof recording.seen[0]).toBe('number');
      expect(recording.seen[0]).toBeLessThanOrEqual(1_800);
    });

    // ...also through an inner layer with no deadline of its own.
    it("an inner RetryingBackend with totalTimeout Infinity passes on the outer call's deadline", async () => {
      const recording = new RecordingBackend();
      const outer = new RetryingBackend(new RetryingBackend(recording, { totalTimeout: Number.POSITIVE_INFINITY }), { totalTimeout: 2 });
      await expect(outer.getBatch(['/a', '/b'])).resolves.toEqual({ '/a': 'value', '/b': 'value' });
      expect(recording.seen).toHaveLength(2);
      for (const seen of recording.seen) {
        expect(typeof seen).toBe('number');
        expect(seen).toBeLessThanOrEqual(1_800);
      }
    });
  });
});
