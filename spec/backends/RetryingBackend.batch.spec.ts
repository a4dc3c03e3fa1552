import { inspect } from 'node:util';

import { jest } from '@jest/globals';

import {
  AuthError,
  Backend,
  PartialBatchError,
  RetryingBackend,
  SecretNotFoundError,
  TransientError,
  type BackendBatchOptions,
  type LogFields,
  type Logger,
  type OwedPaths,
  type RetryOptions,
} from 'vaultly';
import { markThrottled } from '../../lib/backends/pacing/throttleInfo.js';
import { settleBatch } from '../../lib/backends/settleBatch.js';
import { canary } from '../helpers/canary.js';
import { rejection } from '../helpers/outcomes.js';

/** What the fake service does with one chunk request. */
type Answer = 'ok' | 'throttle' | 'paced' | '5xx' | 'missing' | 'denied';

/**
 * A chunked backend like AWSSSMBackend: `getBatch` asks for chunks of `size` paths, and `plan`
 * decides each chunk request's fate from the chunk's first path and how often it was asked.
 */
class ChunkedBackend extends Backend {
  readonly requests: string[][] = [];
  readonly values: Record<string, string> = {};

  constructor(
    private readonly plan: (first: string, nth: number) => Answer,
    private readonly size = 2,
  ) {
    super();
  }

  override get(): Promise<string> {
    return Promise.reject(new Error('not used'));
  }

  override async getBatch(paths: readonly string[], _options: BackendBatchOptions = {}): Promise<Record<string, string>> {
    const values = Object.create(null) as Record<string, string>;
    const missing: string[] = [];
    const owed: OwedPaths[] = [];
    for (let i = 0; i < paths.length; i += this.size) {
      const chunk = paths.slice(i, i + this.size);
      this.requests.push(chunk);
      const nth = this.requests.filter((r) => r[0] === chunk[0]).length;
      const answer = this.plan(chunk[0] as string, nth);
      if (answer === 'denied') throw new AuthError('denied');
      if (answer === 'missing') missing.push(...chunk);
      else if (answer === 'ok') for (const path of chunk) values[path] = this.values[path] ?? `v:${path}`;
      else {
        const error = new TransientError(answer === '5xx' ? 'HTTP 500' : 'throttled', { cause: { name: answer === '5xx' ? 'InternalServerError' : 'ThrottlingException' } });
        owed.push({ paths: chunk, error: answer === 'paced' ? markThrottled(error, { paced: true }) : answer === 'throttle' ? markThrottled(error, { paced: false, retryAfter: 2 }) : error });
      }
    }
    return settleBatch(paths, values, missing, owed);
  }

  /** How many times a chunk starting at `first` was requested. */
  asked(first: string): number {
    return this.requests.filter((r) => r[0] === first).length;
  }
}

function fakeTime(): { now: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[] } {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

function fast(overrides: RetryOptions = {}): RetryOptions & { sleeps: number[] } {
  const time = fakeTime();
  return { jitter: false, now: time.now, sleep: time.sleep, sleeps: time.sleeps, ...overrides };
}

function recordingLogger(): { logger: Logger; records: { fields: LogFields; message: string }[] } {
  const records: { fields: LogFields; message: string }[] = [];
  return { logger: { warn: (fields, message) => records.push({ fields, message }) }, records };
}

const PATHS = ['/a', '/b', '/c', '/d', '/e', '/f'];

describe(RetryingBackend.name, () => {
  describe('getBatch that makes progress', () => {
    it('never re-requests a chunk that succeeded; only failed chunks are retried, and merged', async () => {
      const inner = new ChunkedBackend((first, nth) => (first === '/c' && nth < 3 ? '5xx' : 'ok'));
      const result = await new RetryingBackend(inner, fast()).getBatch(PATHS);
      expect({ ...result }).toEqual(Object.fromEntries(PATHS.map((p) => [p, `v:${p}`])));
      expect(Object.keys(result)).toEqual(PATHS);
      expect(inner.requests).toEqual([['/a', '/b'], ['/c', '/d'], ['/e', '/f'], ['/c', '/d'], ['/c', '/d']]);
    });

    it('retries each failed chunk on its own attempt count and backoff', async () => {
      // /a fails twice, /e once: with maxAttempts 3 both make it, each counting its own attempts.
      const inner = new ChunkedBackend((first, nth) => ((first === '/a' && nth <= 2) || (first === '/e' && nth <= 1) ? '5xx' : 'ok'));
      const onRetry = jest.fn();
      const options = fast({ maxAttempts: 3, baseDelay: 1, onRetry });
      await new RetryingBackend(inner, options).getBatch(PATHS);
      expect(inner.asked('/a')).toBe(3);
      expect(inner.asked('/c')).toBe(1);
      expect(inner.asked('/e')).toBe(2);
      expect(onRetry.mock.calls.map(([n, , delay]) => [n, delay])).toEqual([[1, 1], [1, 1], [2, 2]]);
    });

    it('gives up with the failed chunk’s own error when its attempts run out', async () => {
      const inner = new ChunkedBackend((first) => (first === '/c' ? '5xx' : 'ok'));
      const error = await rejection(new RetryingBackend(inner, fast({ maxAttempts: 2 })).getBatch(PATHS));
      expect(error).toBeInstanceOf(TransientError);
      expect(error).not.toBeInstanceOf(PartialBatchError);
      expect((error as Error).message).toBe('HTTP 500');
      expect(inner.asked('/c')).toBe(2);
      expect(inner.asked('/a')).toBe(1);
    });

    it('names every missing path together, those found while retrying included', async () => {
      const inner = new ChunkedBackend((first, nth) => {
        if (first === '/a') return 'missing';
        if (first === '/c') return nth === 1 ? '5xx' : 'missing';
        return 'ok';
      });
      const error = await rejection(new RetryingBackend(inner, fast()).getBatch(PATHS));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect([...(error as SecretNotFoundError).paths].sort()).toEqual(['/a', '/b', '/c', '/d']);
      expect(inner.asked('/e')).toBe(1);
    });

    it('stops the other chunks at once when one fails for good (not retryable)', async () => {
      const inner = new ChunkedBackend((first, nth) => (first === '/a' ? (nth === 1 ? '5xx' : 'denied') : first === '/c' ? '5xx' : 'ok'));
      const error = await rejection(new RetryingBackend(inner, fast({ maxAttempts: 5, baseDelay: 0 })).getBatch(PATHS));
      expect(error).toBeInstanceOf(AuthError);
      expect(inner.asked('/c')).toBeLessThan(5);
    });

    it("re-queues a throttle the backend's pacer slowed down for without spending an attempt", async () => {
      const inner = new ChunkedBackend((first, nth) => (first === '/c' && nth <= 6 ? 'paced' : 'ok'));
      const { logger, records } = recordingLogger();
      const options = fast({ maxAttempts: 2, logger });
      await expect(new RetryingBackend(inner, options).getBatch(PATHS)).resolves.toBeDefined();
      expect(inner.asked('/c')).toBe(7);
      expect(options.sleeps).toEqual([]); // the pacer waits, not the wrapper
      expect(records).toHaveLength(6);
      expect(records[0]?.fields).toMatchObject({ paths: ['/c', '/d'], attempt: 1, delay: 0, paced: true, error: 'TransientError', code: 'ThrottlingException' });
    });

    it('is still bounded by totalTimeout when the service keeps throttling', async () => {
      let t = 0;
      const inner = new ChunkedBackend((first) => (first === '/c' ? 'paced' : 'ok'));
      // Each paced request "takes" 100 ms on the injected clock, as the pacer's wait would.
      const original = inner.getBatch.bind(inner);
      inner.getBatch = async (paths, options) => {
        t += 100;
        return original(paths, options);
      };
      const backend = new RetryingBackend(inner, { now: () => t, totalTimeout: 0.35, maxAttempts: 2 });
      const error = await rejection(backend.getBatch(PATHS));
      // Once the clock has passed the deadline no re-queue starts: the throttle is the answer.
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toBe('throttled');
      expect(inner.asked('/c')).toBe(4);
    });

    it('honours a Retry-After the service sent on an unpaced throttle', async () => {
      const inner = new ChunkedBackend((first, nth) => (first === '/c' && nth === 1 ? 'throttle' : 'ok'));
      const options = fast({ baseDelay: 0.1 });
      await new RetryingBackend(inner, options).getBatch(PATHS);
      expect(options.sleeps).toEqual([2000]);
    });

    it('honours Retry-After read from a foreign cause (a 429 with the header)', async () => {
      const cause = Object.assign(new Error('Too Many Requests'), { response: { statusCode: 429, headers: { 'Retry-After': '3' } } });
      let calls = 0;
      class Flaky extends Backend {
        override get(): Promise<string> {
          calls++;
          return calls === 1 ? Promise.reject(new TransientError('throttled', { cause })) : Promise.resolve('v');
        }
      }
      const options = fast({ baseDelay: 0.1 });
      await expect(new RetryingBackend(new Flaky(), options).get('/k')).resolves.toBe('v');
      expect(options.sleeps).toEqual([3000]);
    });

    it('asks isRetryable about each owed request: one it refuses ends the call unretried', async () => {
      const inner = new ChunkedBackend((first) => (first === '/c' ? '5xx' : 'ok'));
      const isRetryable = (error: unknown): boolean => !(error instanceof TransientError && error.message === 'HTTP 500');
      const error = await rejection(new RetryingBackend(inner, fast({ isRetryable })).getBatch(PATHS));
      expect((error as Error).message).toBe('HTTP 500');
      expect(inner.asked('/c')).toBe(1);
    });

    it('retries at most 8 owed requests at once', async () => {
      const paths = Array.from({ length: 20 }, (_, i) => `/k${i}`);
      let inFlight = 0;
      let most = 0;
      let first = true;
      class Wide extends Backend {
        override get(): Promise<string> {
          return Promise.reject(new Error('not used'));
        }
        override async getBatch(asked: readonly string[]): Promise<Record<string, string>> {
          if (first) {
            first = false;
            const owed = asked.map((path) => ({ paths: [path], error: new TransientError('HTTP 500') }));
            return settleBatch(asked, Object.create(null) as Record<string, string>, [], owed);
          }
          inFlight++;
          most = Math.max(most, inFlight);
          await new Promise((resolve) => setImmediate(resolve));
          inFlight--;
          return Object.fromEntries(asked.map((path) => [path, `v:${path}`]));
        }
      }
      const result = await new RetryingBackend(new Wide(), fast({ baseDelay: 0 })).getBatch(paths);
      expect(Object.keys(result)).toEqual(paths);
      expect(most).toBe(8);
    });

    it('never prints the values a partial batch carried, in records, hook arguments or errors', async () => {
      const secret = canary('batch');
      const inner = new ChunkedBackend((first, nth) => (first === '/c' && nth <= 2 ? '5xx' : 'ok'));
      inner.values['/a'] = secret;
      const { logger, records } = recordingLogger();
      const hookArgs: unknown[] = [];
      const options = fast({ logger, onRetry: (...args) => hookArgs.push(args) });
      const result = await new RetryingBackend(inner, options).getBatch(PATHS);
      expect(result['/a']).toBe(secret);
      expect(hookArgs.length).toBeGreaterThan(0);
      const printed = inspect({ records, hookArgs }, { depth: Infinity, showHidden: true, getters: true });
      expect(printed).not.toContain(secret);
      expect(JSON.stringify({ records, hookArgs })).not.toContain(secret);
    });
  });
});
