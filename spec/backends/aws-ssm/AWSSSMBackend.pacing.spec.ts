import type { SSMClient } from '@aws-sdk/client-ssm';

import { AdaptiveRateLimiter, PartialBatchError, RetryingBackend, TransientError } from 'vaultly';
import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { throttleInfo } from '../../../lib/backends/pacing/throttleInfo.js';
import { foundAll, inProcessSsmClient, spyReady, throttled } from '../../helpers/inProcessSsmClient.js';
import { rejection } from '../../helpers/outcomes.js';
import { ssmThrottlingError } from '../../helpers/ssmThrottlingError.js';
import { waitFor } from '../../testing/ssm/ssmTestClient.js';

/** A stub `SSMClient` whose `send` answers from `answer(names, nth request)`. */
function stubClient(answer: (names: string[], n: number) => 'ok' | Error): { client: SSMClient; requests: string[][] } {
  const requests: string[][] = [];
  const client = {
    send: (command: { input: { Names?: string[]; Name?: string } }) => {
      const names = command.input.Names ?? [command.input.Name as string];
      requests.push(names);
      const result = answer(names, requests.length);
      if (result instanceof Error) return Promise.reject(result);
      return Promise.resolve(
        command.input.Names === undefined
          ? { Parameter: { Name: names[0], Value: `v:${String(names[0])}` } }
          : { Parameters: names.map((name) => ({ Name: name, Value: `v:${name}` })), InvalidParameters: [] },
      );
    },
  } as unknown as SSMClient;
  return { client, requests };
}

/** A limiter on a clock that moves only when it sleeps. */
function fakeLimiter(options: { rateLimit?: number } = {}): { limiter: AdaptiveRateLimiter; sleeps: number[] } {
  let t = 0;
  const sleeps: number[] = [];
  const limiter = new AdaptiveRateLimiter({
    ...options,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
  });
  return { limiter, sleeps };
}

const PATHS = Array.from({ length: 30 }, (_, i) => `/p/${String(i).padStart(2, '0')}`);

/** A pacer that records the `timeLeft` each request was acquired with. */
class TimeLeftSpy extends AdaptiveRateLimiter {
  readonly seen: unknown[] = [];
  override acquire(signal?: AbortSignal, timeLeft?: () => number): Promise<number> {
    this.seen.push(timeLeft);
    return super.acquire(signal, timeLeft);
  }
}

describe(AWSSSMBackend.name, () => {
  describe('pacing', () => {
    it('has a pacer of its own by default, and none with rateLimiter: false', () => {
      const { client } = stubClient(() => 'ok');
      expect(new AWSSSMBackend({ client }).rateLimiter).toBeInstanceOf(AdaptiveRateLimiter);
      expect(new AWSSSMBackend({ client, rateLimit: 12 }).rateLimiter?.rateLimit).toBe(12);
      expect(new AWSSSMBackend({ client, rateLimiter: false }).rateLimiter).toBeUndefined();
    });

    it.each([
      [{ rateLimit: 0 }, 'options.rateLimit'],
      [{ rateLimit: '5' as unknown as number }, 'options.rateLimit'],
      [{ rateLimiter: {} as AdaptiveRateLimiter }, 'options.rateLimiter'],
      [{ rateLimit: 5, rateLimiter: new AdaptiveRateLimiter() }, 'options.rateLimit'],
    ])('rejects bad pacing options with a TypeError naming them (%o)', (options, name) => {
      const { client } = stubClient(() => 'ok');
      expect(() => new AWSSSMBackend({ client, ...options })).toThrow(TypeError);
      expect(() => new AWSSSMBackend({ client, ...options })).toThrow(name);
    });

    it('sends every request, get and getBatch chunks alike, behind the rateLimit ceiling', async () => {
      const { client, requests } = stubClient(() => 'ok');
      const { limiter, sleeps } = fakeLimiter({ rateLimit: 10 });
      const backend = new AWSSSMBackend({ client, rateLimiter: limiter, concurrency: 1 });
      await backend.getBatch(PATHS);
      await backend.get('/single');
      expect(requests).toHaveLength(4);
      expect(sleeps).toEqual([100, 100, 100]);
    });

    it("hands the caller's timeLeft to its pacer, for get and for every chunk of getBatch", async () => {
      const limiter = new TimeLeftSpy();
      const backend = new AWSSSMBackend({ client: stubClient(() => 'ok').client, rateLimiter: limiter });
      const timeLeft = (): number => 1_234;
      await backend.get('/a', { timeLeft });
      await backend.getBatch(Array.from({ length: 25 }, (_, i) => `/p${i}`), { timeLeft });
      await backend.get('/b');
      expect(limiter.seen).toEqual([timeLeft, timeLeft, timeLeft, timeLeft, undefined]);
    });

    it('shares one pacer between backends given the same limiter', async () => {
      const { limiter, sleeps } = fakeLimiter({ rateLimit: 4 });
      const one = new AWSSSMBackend({ client: stubClient(() => 'ok').client, rateLimiter: limiter });
      const two = new AWSSSMBackend({ client: stubClient(() => 'ok').client, rateLimiter: limiter });
      await Promise.all([one.get('/a'), two.get('/b'), one.get('/c')]);
      expect(sleeps).toEqual([250, 250]);
    });

    it('slows down after a throttle and marks the error as paced, with the Retry-After it carried', async () => {
      const { client } = inProcessSsmClient((asked, n) => (n === 2 ? throttled({ 'Retry-After': '2' }) : foundAll(asked)));
      const { limiter, sleeps } = fakeLimiter();
      const backend = new AWSSSMBackend({ client, rateLimiter: limiter, concurrency: 1 });
      const error = await rejection(backend.getBatch(PATHS));
      expect(error).toBeInstanceOf(PartialBatchError);
      const owed = (error as PartialBatchError).owed;
      expect(owed.map((o) => o.paths)).toEqual([PATHS.slice(10, 20)]);
      expect(throttleInfo(owed[0]?.error)).toEqual({ paced: true, retryAfter: 2 });
      expect(limiter.rate).toBeLessThan(Number.POSITIVE_INFINITY);
      expect(Math.max(...sleeps)).toBeGreaterThanOrEqual(2000); // the third chunk waited out the Retry-After
    });

    it('sends a chunk made ready before a throttle only after the pause that throttle asked for', async () => {
      let answerSecond = (): void => undefined;
      const secondHeld = new Promise<void>((resolve) => {
        answerSecond = resolve;
      });
      const { limiter, sleeps } = fakeLimiter();
      let sleptBeforeThird: number[] = [];
      const { client, asked } = inProcessSsmClient(async (question, n) => {
        if (n === 3) sleptBeforeThird = [...sleeps];
        if (n !== 2) return foundAll(question);
        await secondHeld;
        return throttled({ 'Retry-After': '2' });
      });
      const readied = spyReady(client);
      const batch = rejection(new AWSSSMBackend({ client, rateLimiter: limiter, concurrency: 1 }).getBatch(PATHS));
      // The third chunk is built and signed while the second is on the wire, and waits for its slot.
      await waitFor(() => asked.length === 2 && readied.includes('/p/20'));
      await new Promise((resolve) => setImmediate(resolve));
      const sleptBefore = sleeps.length;
      answerSecond();
      const error = await batch;
      expect((error as PartialBatchError).owedPaths).toEqual(PATHS.slice(10, 20));
      // It went back to the pacer (made ready again) and went on the wire once, after the pause.
      expect(asked.map((a) => a.input.Names?.[0])).toEqual(['/p/00', '/p/10', '/p/20']);
      expect(readied.filter((name) => name === '/p/20')).toHaveLength(2);
      expect(sleptBeforeThird.slice(sleptBefore).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2000);
    });

    it('marks a throttle unpaced (Retry-After kept) when pacing is off', async () => {
      const { client } = stubClient(() => ssmThrottlingError({ 'x-amz-retry-after': '1500' }));
      const error = await rejection(new AWSSSMBackend({ client, rateLimiter: false }).get('/a'));
      expect(error).toBeInstanceOf(TransientError);
      expect(throttleInfo(error)).toEqual({ paced: false, retryAfter: 1.5 });
    });

    it('with RetryingBackend, re-queues throttled chunks without re-requesting those that succeeded', async () => {
      const { client, requests } = stubClient((names, n) => (names[0] === '/p/10' && n < 6 ? ssmThrottlingError() : 'ok'));
      const { limiter } = fakeLimiter();
      const backend = new RetryingBackend(new AWSSSMBackend({ client, rateLimiter: limiter, concurrency: 1 }), { maxAttempts: 1 });
      const values = await backend.getBatch(PATHS);
      expect(Object.keys(values)).toEqual(PATHS);
      expect(requests.filter((names) => names[0] === '/p/00')).toHaveLength(1);
      expect(requests.filter((names) => names[0] === '/p/20')).toHaveLength(1);
      expect(requests.filter((names) => names[0] === '/p/10').length).toBeGreaterThan(1);
    });
  });
});
