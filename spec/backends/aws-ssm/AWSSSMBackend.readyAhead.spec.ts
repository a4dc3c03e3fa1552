/**
 * Batches that make the next call ready ahead, against a mocked `send` (whose middleware never
 * runs) and across the moment pacing begins. Found by a hostile review of the first version.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';

import { AdaptiveRateLimiter, PartialBatchError } from 'vaultly';
import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { PACING_SLOW_START_WAIT_MS } from '../../../lib/backends/pacing/constants.js';
import { foundAll, inProcessSsmClient, throttled } from '../../helpers/inProcessSsmClient.js';
import { rejection } from '../../helpers/outcomes.js';
import { ssmThrottlingError } from '../../helpers/ssmThrottlingError.js';

const PATHS = Array.from({ length: 30 }, (_, i) => `/p/${String(i).padStart(2, '0')}`);

/**
 * A stub `SSMClient` whose `send` is mocked (as aws-sdk-client-mock or a hand-written fake does):
 * the command's own middleware never runs. Records how many sends were open at once.
 */
function stubClient(answer: (names: string[], n: number) => 'ok' | Error, delay: () => Promise<void> = () => Promise.resolve()) {
  const requests: string[][] = [];
  const stats = { open: 0, maxOpen: 0 };
  const client = {
    send: async (command: { input: { Names?: string[] } }) => {
      const names = command.input.Names ?? [];
      requests.push(names);
      const result = answer(names, requests.length);
      stats.open++;
      stats.maxOpen = Math.max(stats.maxOpen, stats.open);
      try {
        await delay();
      } finally {
        stats.open--;
      }
      if (result instanceof Error) throw result;
      return { Parameters: names.map((name) => ({ Name: name, Value: `v:${name}` })), InvalidParameters: [] };
    },
  } as unknown as SSMClient;
  return { client, requests, stats };
}

/**
 * A limiter on a clock that moves only when it sleeps (no jitter). Slow start's wait for a report
 * (PACING_SLOW_START_WAIT_MS) never ends on its own here, as in real time, where the answer comes
 * well within it; on a clock that jumps, it would always end first.
 */
function fakeLimiter(): { limiter: AdaptiveRateLimiter; sleeps: number[]; now: () => number } {
  let t = 0;
  const sleeps: number[] = [];
  const limiter = new AdaptiveRateLimiter({
    now: () => t,
    random: () => 0.5,
    sleep: (ms, signal) => {
      if (ms === PACING_SLOW_START_WAIT_MS) {
        return new Promise<void>((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
      }
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
  });
  return { limiter, sleeps, now: () => t };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe(`${AWSSSMBackend.name}: calls made ready ahead`, () => {
  // With a mocked send the wire-slot middleware never runs: no call may start ahead (it would take
  // its pacer turn before the throttle and go out past the Retry-After).
  it('with a mocked send, a chunk after a throttle still waits out its Retry-After (concurrency 1)', async () => {
    const { limiter, sleeps } = fakeLimiter();
    let sleepsBeforeThird: number[] | undefined;
    const { client } = stubClient((_names, n) => {
      if (n === 3) sleepsBeforeThird = [...sleeps];
      return n === 2 ? ssmThrottlingError({ 'Retry-After': '2' }) : 'ok';
    }, turn);
    const backend = new AWSSSMBackend({ client, rateLimiter: limiter, concurrency: 1 });
    const error = await rejection<PartialBatchError>(backend.getBatch(PATHS));
    expect(error).toBeInstanceOf(PartialBatchError);
    expect(sleepsBeforeThird).toBeDefined();
    expect(Math.max(0, ...(sleepsBeforeThird ?? []))).toBeGreaterThanOrEqual(2000);
  });

  // `concurrency` bounds the sends open at once whatever the client.
  it('with a mocked send, concurrency 1 never has two sends open at once', async () => {
    const { client, stats, requests } = stubClient(() => 'ok', async () => {
      for (let i = 0; i < 5; i++) await turn();
    });
    const backend = new AWSSSMBackend({ client, rateLimiter: false, concurrency: 1 });
    const values = await backend.getBatch(PATHS);
    expect(Object.keys(values)).toHaveLength(30);
    expect(requests).toHaveLength(3);
    expect(stats.maxOpen).toBe(1);
  });

  // A call whose turn in the pacer came after the throttle was paced already: it goes out with
  // that turn, one interval after the throttle, not back for a second one.
  it('a chunk whose pacer turn came after the throttle is not sent back for a second turn', async () => {
    const { limiter, sleeps, now } = fakeLimiter();
    const sentAt: number[] = [];
    const { client, asked } = inProcessSsmClient((question, n) => {
      sentAt.push(now());
      return n === 1 ? throttled() : foundAll(question);
    });
    const error = await rejection<PartialBatchError>(new AWSSSMBackend({ client, rateLimiter: limiter, concurrency: 1 }).getBatch(PATHS.slice(0, 20)));
    expect(error.owedPaths).toEqual(PATHS.slice(0, 10));
    expect(asked).toHaveLength(2);
    expect(sleeps).toHaveLength(1); // one paced interval between the throttle and the next request
    expect(sentAt[1]).toBe(sleeps[0]);
  });
});
