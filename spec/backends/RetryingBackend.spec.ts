import { randomUUID } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { inspect } from 'node:util';
import {
  AuthError,
  Backend,
  ConfigError,
  RetryingBackend,
  SecretNotFoundError,
  TransientError,
  type BackendBatchOptions,
  type BackendGetOptions,
  type LogFields,
  type Logger,
  type RetryOptions,
} from 'vaultly';
import { withTimerTracking } from '../helpers/timerTracking.js';
import { rejection } from '../helpers/outcomes.js';

/** What one scripted attempt does. */
type Step =
  | { value: string }
  | { error: unknown }
  /** Never settles and ignores its signal. */
  | { hang: true }
  /** Ignores its signal and rejects with `error` after `ms`, long after the caller gave up. */
  | { rejectLater: unknown; ms: number };

/** A fake backend that plays `steps` in order, one per `get` or `getBatch` call. */
class ScriptedBackend extends Backend {
  readonly calls: { path: string; version: number | string | undefined; signal: AbortSignal | undefined }[] = [];
  readonly batchCalls: { paths: readonly string[]; signal: AbortSignal | undefined }[] = [];
  /** Runs at the start of each call, for order and listener checks. */
  onCall: (() => void) | undefined;

  constructor(private readonly steps: Step[]) {
    super();
  }

  override get(path: string, options: BackendGetOptions = {}): Promise<string> {
    this.calls.push({ path, version: options.version, signal: options.signal });
    return this.#play();
  }

  override async getBatch(
    paths: readonly string[],
    options: BackendBatchOptions = {},
  ): Promise<Record<string, string>> {
    this.batchCalls.push({ paths, signal: options.signal });
    const value = await this.#play();
    return Object.fromEntries(paths.map((path) => [path, `${value}:${path}`]));
  }

  #play(): Promise<string> {
    this.onCall?.();
    const step = this.steps.shift();
    if (step === undefined) return Promise.reject(new Error('script exhausted'));
    if ('value' in step) return Promise.resolve(step.value);
    if ('error' in step) return Promise.reject(step.error);
    if ('hang' in step) return new Promise<string>(() => undefined);
    return new Promise<string>((_, reject) => setTimeout(() => reject(step.rejectLater), step.ms));
  }
}

const transient = (n = 1): TransientError => new TransientError(`throttled #${n}`, { path: '/app/key' });

/** A clock that only moves when the injected sleep "waits". */
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

interface LogRecord {
  level: 'warn' | 'debug' | 'error';
  fields: LogFields;
  message: string;
}

function recordingLogger(levels: readonly LogRecord['level'][] = ['warn', 'debug', 'error']): {
  logger: Logger;
  records: LogRecord[];
} {
  const records: LogRecord[] = [];
  const at = (level: LogRecord['level']) => (fields: LogFields, message: string) => {
    records.push({ level, fields, message });
  };
  const logger: Logger = { warn: at('warn') };
  if (levels.includes('debug')) logger.debug = at('debug');
  if (levels.includes('error')) logger.error = at('error');
  return { logger, records };
}


const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Fast, deterministic options; a test overrides what it is about. */
function fast(overrides: RetryOptions = {}): RetryOptions & { sleeps: number[] } {
  const time = fakeTime();
  return { jitter: false, now: time.now, sleep: time.sleep, sleeps: time.sleeps, ...overrides };
}

// Unhandled rejections: jest-circus fails the running test on one (it swaps in its own handlers
// on the real process), while a `process.on('unhandledRejection')` listener registered here would
// sit on jest's sandboxed copy of `process` and never fire. So the tests that abandon a late
// rejecting attempt stay alive until after it rejects, where jest would catch a leak.

describe(RetryingBackend.name, () => {
  describe('constructor', () => {
    const inner = new ScriptedBackend([]);

    it.each<[string, RetryOptions]>([
      ['maxAttempts', { maxAttempts: 0 }],
      ['maxAttempts', { maxAttempts: -1 }],
      ['maxAttempts', { maxAttempts: 1.5 }],
      ['maxAttempts', { maxAttempts: Number.NaN }],
      ['maxAttempts', { maxAttempts: '3' as unknown as number }],
      ['totalTimeout', { totalTimeout: 0 }],
      ['totalTimeout', { totalTimeout: -1 }],
      ['totalTimeout', { totalTimeout: Number.NaN }],
      ['totalTimeout', { totalTimeout: null as unknown as number }],
      ['totalTimeout', { totalTimeout: Number.NEGATIVE_INFINITY }],
      ['totalTimeout', { totalTimeout: 3_000_000 }],
      ['baseDelay', { baseDelay: -0.1 }],
      ['baseDelay', { baseDelay: Number.POSITIVE_INFINITY }],
      ['baseDelay', { baseDelay: Number.NaN }],
      ['maxDelay', { maxDelay: -1 }],
      ['maxDelay', { maxDelay: Number.POSITIVE_INFINITY }],
      ['jitter', { jitter: 'yes' as unknown as boolean }],
      ['isRetryable', { isRetryable: true as unknown as () => boolean }],
      ['backoff', { backoff: 1 as unknown as () => number }],
      ['onRetry', { onRetry: {} as unknown as () => void }],
      ['now', { now: 0 as unknown as () => number }],
      ['random', { random: 'r' as unknown as () => number }],
      ['sleep', { sleep: null as unknown as () => Promise<void> }],
      ['logger', { logger: {} as Logger }],
    ])('rejects a bad %s with a TypeError naming it (%o)', (name, options) => {
      expect(() => new RetryingBackend(inner, options)).toThrow(TypeError);
      expect(() => new RetryingBackend(inner, options)).toThrow(`options.${name}`);
    });

    it('rejects an inner that is not a backend', () => {
      expect(() => new RetryingBackend({} as Backend)).toThrow(TypeError);
      expect(() => new RetryingBackend(undefined as unknown as Backend)).toThrow(/inner/);
    });

    it('accepts the defaults, fractions and the smallest valid values', () => {
      expect(() => new RetryingBackend(inner)).not.toThrow();
      const smallest = { maxAttempts: 1, baseDelay: 0, maxDelay: 0, totalTimeout: 0.001 };
      expect(() => new RetryingBackend(inner, smallest)).not.toThrow();
      expect(new RetryingBackend(inner).inner).toBe(inner);
    });
  });

  describe('get', () => {
    it('returns the value and passes the path, the version and a signal on', async () => {
      const inner = new ScriptedBackend([{ value: 'v' }]);
      await expect(new RetryingBackend(inner, fast()).get('/app/key', { version: 2 })).resolves.toBe('v');
      expect(inner.calls).toHaveLength(1);
      expect(inner.calls[0]).toMatchObject({ path: '/app/key', version: 2 });
      expect(inner.calls[0]?.signal).toBeInstanceOf(AbortSignal);
    });

    it('retries a TransientError and returns the value of a later attempt', async () => {
      const inner = new ScriptedBackend([{ error: transient(1) }, { error: transient(2) }, { value: 'v' }]);
      const options = fast();
      await expect(new RetryingBackend(inner, options).get('/app/key')).resolves.toBe('v');
      expect(inner.calls).toHaveLength(3);
      expect(options.sleeps).toHaveLength(2);
    });

    it('retries a TransientError until maxAttempts, then rejects with the last one unchanged', async () => {
      const errors = [transient(1), transient(2), transient(3), transient(4)];
      const inner = new ScriptedBackend(errors.map((error) => ({ error })));
      const options = fast({ maxAttempts: 3 });
      const error = await rejection(new RetryingBackend(inner, options).get('/app/key'));
      expect(error).toBe(errors[2]);
      expect(inner.calls).toHaveLength(3);
      expect(options.sleeps).toHaveLength(2);
    });

    it('makes a single attempt when maxAttempts is 1', async () => {
      const inner = new ScriptedBackend([{ error: transient(1) }, { value: 'v' }]);
      const options = fast({ maxAttempts: 1 });
      await expect(new RetryingBackend(inner, options).get('/app/key')).rejects.toBeInstanceOf(TransientError);
      expect(inner.calls).toHaveLength(1);
      expect(options.sleeps).toHaveLength(0);
    });

    it.each([
      ['SecretNotFoundError', new SecretNotFoundError('Secret not found: /app/key', { path: '/app/key' })],
      ['AuthError', new AuthError('access denied', { path: '/app/key' })],
      ['ConfigError', new ConfigError('bad', { path: '/app/key' })],
      ['a foreign Error', new Error('socket hang up')],
    ])('rethrows %s unchanged, at once, without retrying or logging', async (_, thrown) => {
      const inner = new ScriptedBackend([{ error: thrown }, { value: 'v' }]);
      const { logger, records } = recordingLogger();
      const options = fast({ logger });
      const error = await rejection(new RetryingBackend(inner, options).get('/app/key'));
      expect(error).toBe(thrown);
      expect(inner.calls).toHaveLength(1);
      expect(options.sleeps).toHaveLength(0);
      expect(records).toHaveLength(0);
    });

    it('retries what a custom isRetryable accepts and wraps a foreign last error in a TransientError', async () => {
      const foreign = [new Error('ECONNRESET 1'), new Error('ECONNRESET 2')];
      const inner = new ScriptedBackend(foreign.map((error) => ({ error })));
      const seen: unknown[] = [];
      const isRetryable = (error: unknown): boolean => {
        seen.push(error);
        return error instanceof Error && error.message.startsWith('ECONNRESET');
      };
      const backend = new RetryingBackend(inner, fast({ maxAttempts: 2, isRetryable }));
      const error = await rejection(backend.get('/app/key'));
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).cause).toBe(foreign[1]);
      expect((error as TransientError).path).toBe('/app/key');
      expect((error as TransientError).message).toContain('/app/key');
      expect((error as TransientError).message).toContain('2 attempts');
      expect(seen).toEqual(foreign);
      expect(inner.calls).toHaveLength(2);
    });

    it('lets a custom isRetryable refuse a TransientError', async () => {
      const inner = new ScriptedBackend([{ error: transient() }, { value: 'v' }]);
      const error = await rejection(new RetryingBackend(inner, fast({ isRetryable: () => false })).get('/app/key'));
      expect(TransientError.is(error)).toBe(true);
      expect(inner.calls).toHaveLength(1);
    });

    it('treats an isRetryable that throws as "no", logs it and rethrows the original error', async () => {
      const first = transient();
      const inner = new ScriptedBackend([{ error: first }, { value: 'v' }]);
      const { logger, records } = recordingLogger();
      const isRetryable = (): boolean => {
        throw new RangeError('predicate bug');
      };
      const error = await rejection(new RetryingBackend(inner, fast({ isRetryable, logger })).get('/app/key'));
      expect(error).toBe(first);
      expect(inner.calls).toHaveLength(1);
      expect(records).toEqual([
        expect.objectContaining({
          level: 'error',
          fields: expect.objectContaining({ path: '/app/key', error: 'RangeError' }),
        }),
      ]);
      expect(records[0]?.message).toContain('isRetryable');
    });

    it('rejects with the caller abort reason at once, without calling the inner, when already aborted', async () => {
      const inner = new ScriptedBackend([{ value: 'v' }]);
      const reason = new Error('shutting down');
      const signal = AbortSignal.abort(reason);
      const error = await rejection(new RetryingBackend(inner, fast()).get('/app/key', { signal }));
      expect(error).toBe(reason);
      expect(inner.calls).toHaveLength(0);
    });
  });

  describe('delays', () => {
    it('follow min(baseDelay * 2 ** (attempt - 1), maxDelay) without jitter', async () => {
      const inner = new ScriptedBackend([1, 2, 3, 4, 5].map((n) => ({ error: transient(n) })));
      const delays: number[] = [];
      const options = fast({
        maxAttempts: 5,
        baseDelay: 0.1,
        maxDelay: 0.35,
        random: () => {
          throw new Error('random must not be called without jitter');
        },
        onRetry: (_, __, delay) => delays.push(delay),
      });
      await expect(new RetryingBackend(inner, options).get('/app/key')).rejects.toBeInstanceOf(TransientError);
      expect(delays).toEqual([0.1, 0.2, 0.35, 0.35]);
      expect(options.sleeps).toEqual([100, 200, 350, 350]);
    });

    it('are multiplied by random() with jitter (full jitter)', async () => {
      const inner = new ScriptedBackend([1, 2, 3, 4].map((n) => ({ error: transient(n) })));
      const draws = [0.5, 0.25, 0.9];
      const delays: number[] = [];
      const options = fast({
        maxAttempts: 4,
        baseDelay: 0.1,
        maxDelay: 10,
        jitter: true,
        random: () => draws.shift() ?? Number.NaN,
        onRetry: (_, __, delay) => delays.push(delay),
      });
      await expect(new RetryingBackend(inner, options).get('/app/key')).rejects.toBeInstanceOf(TransientError);
      expect(delays).toHaveLength(3);
      [0.05, 0.05, 0.36].forEach((expected, i) => expect(delays[i]).toBeCloseTo(expected, 10));
      expect(draws).toHaveLength(0);
    });

    it('cap at maxDelay before jitter', async () => {
      const inner = new ScriptedBackend([1, 2, 3].map((n) => ({ error: transient(n) })));
      const options = fast({ maxAttempts: 3, baseDelay: 1, maxDelay: 0.2, jitter: true, random: () => 0.5 });
      await expect(new RetryingBackend(inner, options).get('/app/key')).rejects.toBeInstanceOf(TransientError);
      expect(options.sleeps).toEqual([100, 100]);
    });

    it('default to 0.5 s doubling up to 4 s within a 10 s deadline', async () => {
      const inner = new ScriptedBackend([1, 2, 3, 4, 5, 6].map((n) => ({ error: transient(n) })));
      const options = fast({ maxAttempts: 6 });
      await expect(new RetryingBackend(inner, options).get('/app/key')).rejects.toBeInstanceOf(TransientError);
      // 0.5 + 1 + 2 + 4 = 7.5 s; a fifth sleep of 4 s would end at 11.5 s, past the 10 s deadline.
      expect(options.sleeps).toEqual([500, 1000, 2000, 4000]);
      expect(inner.calls).toHaveLength(5);
    });

    it('come from a custom backoff, which replaces the formula and jitter', async () => {
      const inner = new ScriptedBackend([1, 2, 3].map((n) => ({ error: transient(n) })));
      const attempts: number[] = [];
      let draws = 0;
      const options = fast({
        jitter: true,
        random: () => {
          draws++;
          return 0;
        },
        backoff: (attempt) => {
          attempts.push(attempt);
          return attempt * 0.01;
        },
      });
      await expect(new RetryingBackend(inner, options).get('/app/key')).rejects.toBeInstanceOf(TransientError);
      expect(attempts).toEqual([1, 2]);
      expect(options.sleeps).toEqual([10, 20]);
      expect(draws).toBe(0);
    });

    it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])(
      'reject with a ConfigError naming backoff when it returns %p',
      async (bad) => {
        const first = transient();
        const inner = new ScriptedBackend([{ error: first }, { value: 'v' }]);
        const error = await rejection(new RetryingBackend(inner, fast({ backoff: () => bad })).get('/app/key'));
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).message).toContain('options.backoff');
        expect((error as ConfigError).cause).toBe(first);
        expect((error as ConfigError).path).toBe('/app/key');
        expect(inner.calls).toHaveLength(1);
      },
    );

    it('reject with a ConfigError naming backoff when it throws', async () => {
      const bug = new Error('backoff bug');
      const inner = new ScriptedBackend([{ error: transient() }, { value: 'v' }]);
      const backoff = (): number => {
        throw bug;
      };
      const error = await rejection(new RetryingBackend(inner, fast({ backoff })).get('/app/key'));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain('options.backoff');
      expect((error as ConfigError).cause).toBe(bug);
    });

    it('never start a sleep that would cross the deadline: the last error rejects at once', async () => {
      const errors = [transient(1), transient(2), transient(3)];
      const inner = new ScriptedBackend([...errors.map((error) => ({ error })), { value: 'v' }]);
      const retried: number[] = [];
      const options = fast({ maxAttempts: 5, baseDelay: 0.4, totalTimeout: 1, onRetry: (n) => retried.push(n) });
      const error = await rejection(new RetryingBackend(inner, options).get('/app/key'));
      // After attempt 1 at t=0: sleep 0.4 s. After attempt 2 at t=0.4 s: 0.8 s more would end at 1.2 s.
      expect(error).toBe(errors[1]);
      expect(options.sleeps).toEqual([400]);
      expect(retried).toEqual([1]);
      expect(inner.calls).toHaveLength(2);
    });

    it('count the time attempts take against the deadline', async () => {
      let t = 0;
      const inner = new ScriptedBackend([1, 2, 3].map((n) => ({ error: transient(n) })));
      inner.onCall = () => {
        t += 600; // each attempt takes 0.6 s
      };
      const sleeps: number[] = [];
      const options: RetryOptions = {
        jitter: false,
        baseDelay: 0.1,
        totalTimeout: 1,
        now: () => t,
        sleep: async (ms) => {
          sleeps.push(ms);
          t += ms;
        },
      };
      await expect(new RetryingBackend(inner, options).get('/app/key')).rejects.toBeInstanceOf(TransientError);
      // Attempt 1 ends at 0.6 s, sleeps to 0.7 s; attempt 2 ends at 1.3 s: no room for another.
      expect(sleeps).toEqual([100]);
      expect(inner.calls).toHaveLength(2);
    });
  });

  describe('getBatch', () => {
    it('retries the whole batch through the inner getBatch', async () => {
      const inner = new ScriptedBackend([{ error: transient(1) }, { error: transient(2) }, { value: 'v' }]);
      const { logger, records } = recordingLogger();
      const paths = ['/a', '/b'];
      const result = await new RetryingBackend(inner, fast({ logger })).getBatch(paths);
      expect(result).toEqual({ '/a': 'v:/a', '/b': 'v:/b' });
      expect(inner.batchCalls.map((call) => call.paths)).toEqual([paths, paths, paths]);
      expect(inner.batchCalls.every((call) => call.signal instanceof AbortSignal)).toBe(true);
      expect(inner.calls).toHaveLength(0);
      expect(records.filter((r) => r.level === 'warn').map((r) => r.fields)).toEqual([
        expect.objectContaining({ paths, attempt: 1 }),
        expect.objectContaining({ paths, attempt: 2 }),
      ]);
    });

    it('rejects with the error as the inner gave it, when retries are exhausted', async () => {
      const last = new TransientError('5xx', { path: '/b' });
      const inner = new ScriptedBackend([{ error: transient() }, { error: last }]);
      const error = await rejection(new RetryingBackend(inner, fast({ maxAttempts: 2 })).getBatch(['/a', '/b']));
      expect(error).toBe(last);
      expect(inner.batchCalls).toHaveLength(2);
    });

    it('does not retry a SecretNotFoundError naming the missing paths', async () => {
      const missing = new SecretNotFoundError('2 secrets not found: /a, /b', { paths: ['/a', '/b'] });
      const inner = new ScriptedBackend([{ error: missing }, { value: 'v' }]);
      const error = await rejection(new RetryingBackend(inner, fast()).getBatch(['/a', '/b']));
      expect(error).toBe(missing);
      expect(inner.batchCalls).toHaveLength(1);
    });
  });

  describe('totalTimeout', () => {
    it("tells the inner backend's pacer the time left to a tenth before the deadline, on every attempt (none without a deadline)", async () => {
      const clock = { t: 1_000 };
      const seen: ((() => number) | undefined)[] = [];
      class Recording extends Backend {
        failures = new Set<string>();
        override get(path: string, options: BackendGetOptions = {}): Promise<string> {
          seen.push(options.timeLeft);
          if (this.failures.has(path)) return Promise.resolve(`v${path}`);
          this.failures.add(path);
          return Promise.reject(new TransientError('blip', { path }));
        }
      }
      const inner = new Recording();
      const backend = new RetryingBackend(inner, { totalTimeout: 10, backoff: () => 0, now: () => clock.t });
      await backend.get('/a');
      // Through the default getBatch too: its first pass and the retry of the path it owes.
      await backend.getBatch(['/b']);
      expect(seen).toHaveLength(4);
      for (const timeLeft of seen) expect(timeLeft?.()).toBe(9_000);
      clock.t += 4_000;
      expect(seen[0]?.()).toBe(5_000);
      seen.length = 0;
      inner.failures.clear();
      await new RetryingBackend(inner, { totalTimeout: Number.POSITIVE_INFINITY, backoff: () => 0 }).get('/c');
      expect(seen).toEqual([undefined, undefined]);
    });

    it('cuts off an attempt that never settles and ignores its signal, with a TransientError', async () => {
      const inner = new ScriptedBackend([{ hang: true }]);
      const started = performance.now();
      const error = await rejection(new RetryingBackend(inner, { totalTimeout: 0.1 }).get('/app/key'));
      const elapsed = performance.now() - started;
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).path).toBe('/app/key');
      expect((error as TransientError).message).toContain('/app/key');
      expect((error as TransientError).message).toContain('0.1s');
      expect((error as TransientError).cause).toMatchObject({ name: 'TimeoutError' });
      expect(elapsed).toBeLessThan(100 + 50);
      expect(inner.calls).toHaveLength(1);
      const signal = inner.calls[0]?.signal;
      expect(signal?.aborted).toBe(true);
      expect(signal?.reason).toBe((error as TransientError).cause);
    });

    it('gives the last error as the cause when an earlier attempt failed', async () => {
      const first = transient();
      const inner = new ScriptedBackend([{ error: first }, { hang: true }]);
      const backend = new RetryingBackend(inner, { totalTimeout: 0.05, backoff: () => 0 });
      const error = await rejection(backend.get('/app/key'));
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).cause).toBe(first);
      expect(inner.calls).toHaveLength(2);
      expect(inner.calls[0]?.signal?.aborted).toBe(true);
    });

    it('cuts off a getBatch that never settles, naming the paths', async () => {
      const inner = new ScriptedBackend([{ hang: true }]);
      const error = await rejection(new RetryingBackend(inner, { totalTimeout: 0.03 }).getBatch(['/a', '/b']));
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).message).toContain('/a, /b');
      expect((error as TransientError).path).toBeUndefined();
      expect(inner.batchCalls[0]?.signal?.aborted).toBe(true);
    });

    it('leaves the late rejection of an abandoned attempt handled', async () => {
      const inner = new ScriptedBackend([{ rejectLater: new Error('late'), ms: 40 }]);
      const backend = new RetryingBackend(inner, { totalTimeout: 0.02 });
      await expect(backend.get('/app/key')).rejects.toBeInstanceOf(TransientError);
      await wait(60); // jest-circus fails this test if the late rejection goes unhandled
    });

    it('cuts off a sleep that ignores its signal', async () => {
      const inner = new ScriptedBackend([{ error: transient() }, { value: 'v' }]);
      // now() says no time passes, so the retry is planned; the real deadline must still hold.
      const options: RetryOptions = {
        totalTimeout: 0.03,
        now: () => 0,
        backoff: () => 0.01,
        sleep: () => new Promise(() => undefined),
      };
      const error = await rejection(new RetryingBackend(inner, options).get('/app/key'));
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).message).toContain('Timed out');
      expect(inner.calls).toHaveLength(1);
    });

    it('accepts Infinity for no deadline: no deadline timer, and retries run to maxAttempts', async () => {
      const inner = new ScriptedBackend([{ error: transient(1) }, { error: transient(2) }, { value: 'v' }]);
      const backend = new RetryingBackend(inner, fast({ totalTimeout: Number.POSITIVE_INFINITY, backoff: () => 0 }));
      const { created } = await withTimerTracking(async () => {
        await expect(backend.get('/app/key')).resolves.toBe('v');
      });
      expect(created).toHaveLength(0);
      expect(inner.calls).toHaveLength(3);
    });

    it('logs giving up at the deadline at warn, with the delay it would have needed', async () => {
      const inner = new ScriptedBackend([{ error: transient() }]);
      const { logger, records } = recordingLogger();
      const backend = new RetryingBackend(inner, fast({ logger, totalTimeout: 1, backoff: () => 2 }));
      await expect(backend.get('/app/key')).rejects.toBeInstanceOf(TransientError);
      expect(records).toEqual([
        {
          level: 'warn',
          fields: { path: '/app/key', attempt: 1, delay: 2, error: 'TransientError' },
          message: expect.stringContaining('would cross totalTimeout') as string,
        },
      ]);
    });

    it('logs at warn when the deadline cuts an attempt off', async () => {
      const inner = new ScriptedBackend([{ hang: true }]);
      const { logger, records } = recordingLogger();
      await rejection(new RetryingBackend(inner, { totalTimeout: 0.01, logger }).get('/app/key'));
      expect(records).toEqual([
        { level: 'warn', fields: { path: '/app/key' }, message: expect.stringContaining('totalTimeout of 0.01s elapsed') as string },
      ]);
    });

    it('stops counting once the call settles', async () => {
      const inner = new ScriptedBackend([{ value: 'v' }]);
      await expect(new RetryingBackend(inner, { totalTimeout: 0.02 }).get('/app/key')).resolves.toBe('v');
      await wait(40);
      expect(inner.calls[0]?.signal?.aborted).toBe(false);
    });

    it('waits with real, abortable sleeps by default', async () => {
      const inner = new ScriptedBackend([{ error: transient() }, { value: 'v' }]);
      await expect(new RetryingBackend(inner, { baseDelay: 0.005, jitter: false }).get('/app/key')).resolves.toBe('v');
      expect(inner.calls).toHaveLength(2);
    });
  });

  describe('caller abort', () => {
    it('rejects promptly with the caller reason while an attempt is in flight, and does not retry', async () => {
      const inner = new ScriptedBackend([{ hang: true }, { value: 'v' }]);
      const controller = new AbortController();
      const reason = new Error('request cancelled');
      const pending = new RetryingBackend(inner, { totalTimeout: 30 }).get('/app/key', { signal: controller.signal });
      await wait(5);
      controller.abort(reason);
      const started = performance.now();
      const error = await rejection(pending);
      expect(error).toBe(reason);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(inner.calls).toHaveLength(1);
      expect(inner.calls[0]?.signal?.reason).toBe(reason);
    });

    it('interrupts the sleep between attempts', async () => {
      const inner = new ScriptedBackend([{ error: transient() }, { value: 'v' }]);
      const controller = new AbortController();
      const reason = new Error('request cancelled');
      const options: RetryOptions = {
        baseDelay: 5,
        jitter: false,
        totalTimeout: 30,
        onRetry: () => setTimeout(() => controller.abort(reason), 5),
      };
      const started = performance.now();
      const backend = new RetryingBackend(inner, options);
      const error = await rejection(backend.get('/app/key', { signal: controller.signal }));
      expect(error).toBe(reason);
      expect(performance.now() - started).toBeLessThan(1000); // the sleep was 5 s
      expect(inner.calls).toHaveLength(1);
    });

    it('wins over a retryable error the inner rejects with on abort', async () => {
      const controller = new AbortController();
      const reason = new Error('request cancelled');
      const inner = new ScriptedBackend([{ error: transient() }, { value: 'v' }]);
      inner.onCall = () => controller.abort(reason);
      const backend = new RetryingBackend(inner, fast());
      const error = await rejection(backend.get('/app/key', { signal: controller.signal }));
      expect(error).toBe(reason);
      expect(inner.calls).toHaveLength(1);
    });
  });

  describe('onRetry and logging', () => {
    it('calls onRetry with (attempt, error, delay) before each sleep, in order', async () => {
      const errors = [transient(1), transient(2)];
      const events: string[] = [];
      const args: unknown[][] = [];
      const inner = new ScriptedBackend([...errors.map((error) => ({ error })), { value: 'v' }]);
      inner.onCall = () => events.push(`call ${inner.calls.length}`);
      const options: RetryOptions = {
        jitter: false,
        baseDelay: 0.01,
        now: () => 0,
        sleep: async (ms) => {
          events.push(`sleep ${ms}`);
        },
        onRetry: (...a) => {
          args.push(a);
          events.push(`onRetry ${a[0]}`);
        },
      };
      await expect(new RetryingBackend(inner, options).get('/app/key')).resolves.toBe('v');
      expect(events).toEqual(['call 1', 'onRetry 1', 'sleep 10', 'call 2', 'onRetry 2', 'sleep 20', 'call 3']);
      expect(args).toEqual([
        [1, errors[0], 0.01],
        [2, errors[1], 0.02],
      ]);
    });

    it('logs and ignores an onRetry that throws', async () => {
      const inner = new ScriptedBackend([{ error: transient(1) }, { error: transient(2) }, { value: 'v' }]);
      const { logger, records } = recordingLogger();
      let calls = 0;
      const onRetry = (): void => {
        calls++;
        throw new SyntaxError('hook bug');
      };
      await expect(new RetryingBackend(inner, fast({ onRetry, logger })).get('/app/key')).resolves.toBe('v');
      expect(calls).toBe(2);
      expect(inner.calls).toHaveLength(3);
      const failures = records.filter((r) => r.level === 'error');
      expect(failures).toHaveLength(2);
      expect(failures[0]?.message).toContain('onRetry');
      expect(failures[0]?.fields).toMatchObject({ path: '/app/key', attempt: 1, error: 'SyntaxError' });
    });

    it('logs an onRetry failure at warn when the logger has no error method', async () => {
      const inner = new ScriptedBackend([{ error: transient() }, { value: 'v' }]);
      const { logger, records } = recordingLogger(['warn']);
      const onRetry = (): void => {
        throw new SyntaxError('hook bug');
      };
      await expect(new RetryingBackend(inner, fast({ onRetry, logger })).get('/app/key')).resolves.toBe('v');
      expect(records.map((r) => r.message).filter((m) => m.includes('onRetry'))).toHaveLength(1);
    });

    it('logs and ignores an async onRetry that rejects', async () => {
      const inner = new ScriptedBackend([{ error: transient() }, { value: 'v' }]);
      const { logger, records } = recordingLogger();
      const onRetry = async (): Promise<void> => {
        throw new SyntaxError('async hook bug');
      };
      await expect(new RetryingBackend(inner, fast({ onRetry, logger })).get('/app/key')).resolves.toBe('v');
      await wait(0);
      expect(records.filter((r) => r.level === 'error').map((r) => r.fields)).toEqual([
        expect.objectContaining({ error: 'SyntaxError' }),
      ]);
    });

    it('logs one warn record per retry naming the path, attempt, delay and error name', async () => {
      const inner = new ScriptedBackend([{ error: transient(1) }, { error: transient(2) }, { value: 'v' }]);
      const { logger, records } = recordingLogger();
      await new RetryingBackend(inner, fast({ logger, baseDelay: 0.25 })).get('/app/key', { version: 'prev' });
      const warns = records.filter((r) => r.level === 'warn');
      expect(warns.map((r) => r.fields)).toEqual([
        { path: '/app/key', version: 'prev', attempt: 1, delay: 0.25, error: 'TransientError' },
        { path: '/app/key', version: 'prev', attempt: 2, delay: 0.5, error: 'TransientError' },
      ]);
      expect(warns.every((r) => typeof r.message === 'string' && r.message.length > 0)).toBe(true);
    });

    it("names the backend's code or HTTP status in retry records, never a message", async () => {
      const sdkThrottle = Object.assign(new Error('Rate exceeded for CANARY-x'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      });
      const vault503 = Object.assign(new Error('Service Unavailable'), { response: { statusCode: 503 } });
      const coded = Object.assign(new TransientError('reset'), { code: 'ECONNRESET' });
      const inner = new ScriptedBackend([
        { error: new TransientError('throttled', { cause: sdkThrottle }) },
        { error: new TransientError('sealed', { cause: vault503 }) },
        { error: coded },
        { value: 'v' },
      ]);
      const { logger, records } = recordingLogger();
      await new RetryingBackend(inner, fast({ logger, maxAttempts: 4, backoff: () => 0.1 })).get('/app/key');
      expect(records.map((r) => r.fields)).toEqual([
        { path: '/app/key', attempt: 1, delay: 0.1, error: 'TransientError', code: 'ThrottlingException', status: 400 },
        { path: '/app/key', attempt: 2, delay: 0.1, error: 'TransientError', status: 503 },
        { path: '/app/key', attempt: 3, delay: 0.1, error: 'TransientError', code: 'ECONNRESET' },
      ]);
      expect(inspect(records)).not.toContain('Rate exceeded');
    });

    it('rounds delays to the millisecond in records and messages (issue #16)', async () => {
      const inner = new ScriptedBackend([{ error: transient() }, { value: 'v' }]);
      const { logger, records } = recordingLogger();
      const delays: number[] = [];
      const options = fast({ logger, jitter: true, random: () => 0.0015072137561417416, onRetry: (_n, _e, d) => delays.push(d) });
      await new RetryingBackend(inner, options).get('/app/key');
      expect(records[0]?.fields['delay']).toBe(0.001);
      expect(records[0]?.message).toBe('vaultly: read failed, retrying (attempt 1 of 3)');
      expect(records[0]?.message).not.toContain('0.00075');
      expect(delays).toEqual([0.0007536068780708708]);
    });

    it('never puts a secret value in a log record, an onRetry argument or an error message', async () => {
      const canary = `CANARY-${randomUUID()}`;
      const { logger, records } = recordingLogger();
      const hookArgs: unknown[] = [];
      const onRetry = (...args: unknown[]): void => {
        hookArgs.push(args);
      };
      const inner = new ScriptedBackend([{ error: transient(1) }, { error: transient(2) }, { value: canary }]);
      await expect(new RetryingBackend(inner, fast({ logger, onRetry })).get('/app/key')).resolves.toBe(canary);

      // A foreign error may quote the value it choked on; the wrapper must not repeat it.
      const leaky = new Error(`cannot parse ${canary}`);
      const inner2 = new ScriptedBackend([{ error: leaky }, { error: leaky }]);
      const wrapping = new RetryingBackend(inner2, fast({ logger, isRetryable: () => true, maxAttempts: 2 }));
      const error = await rejection(wrapping.get('/app/key'));
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).cause).toBe(leaky);

      const inner3 = new ScriptedBackend([{ error: leaky }, { hang: true }]);
      const timing = new RetryingBackend(inner3, {
        totalTimeout: 0.02,
        isRetryable: () => true,
        backoff: () => 0,
        logger,
      });
      const deadline = await rejection(timing.get('/app/key'));

      expect(records.length).toBeGreaterThanOrEqual(4);
      expect(inspect(records, { depth: null })).not.toContain(canary);
      expect(inspect(hookArgs, { depth: null })).not.toContain(canary);
      expect((error as Error).message).not.toContain(canary);
      expect((deadline as Error).message).not.toContain(canary);
    });
  });

  describe('hooks that throw synchronously', () => {
    const boom = (): never => {
      throw new Error('boom');
    };

    it.each<[string, RetryOptions]>([
      ['now', { now: boom }],
      ['random', { jitter: true, random: boom }],
      ['backoff', { backoff: boom }],
      ['sleep', { sleep: boom }],
    ])('rejects with a ConfigError naming options.%s, never crashing', async (name, options) => {
      const script = (): ScriptedBackend => new ScriptedBackend([{ error: transient() }, { value: 'v' }]);
      const calls = [
        () => new RetryingBackend(script(), options).get('/app/key'),
        () => new RetryingBackend(script(), options).getBatch(['/app/key']),
      ];
      for (const call of calls) {
        let promise: Promise<unknown> | undefined;
        expect(() => {
          promise = call();
        }).not.toThrow();
        const error = await rejection(promise as Promise<unknown>);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toContain(`options.${name}`);
      }
    });

    it('treats a throwing isRetryable as "no" and a throwing onRetry as ignored', async () => {
      const first = transient();
      const refusing = new RetryingBackend(new ScriptedBackend([{ error: first }]), fast({ isRetryable: boom }));
      await expect(refusing.get('/app/key')).rejects.toBe(first);
      const ignoring = new RetryingBackend(new ScriptedBackend([{ error: transient() }, { value: 'v' }]), fast({ onRetry: boom }));
      await expect(ignoring.get('/app/key')).resolves.toBe('v');
    });

    it('turns an inner get or getBatch that throws synchronously into an attempt that failed', async () => {
      class Throwing extends Backend {
        calls = 0;
        override get(): Promise<string> {
          this.calls++;
          if (this.calls === 1) throw transient();
          return Promise.resolve('v');
        }
        override getBatch(): Promise<Record<string, string>> {
          this.calls++;
          throw new AuthError('denied');
        }
      }
      const inner = new Throwing();
      const backend = new RetryingBackend(inner, fast());
      await expect(backend.get('/app/key')).resolves.toBe('v');
      await expect(backend.getBatch(['/a'])).rejects.toBeInstanceOf(AuthError);
      expect(inner.calls).toBe(3);
    });
  });

  describe('cleanup', () => {
    const scenarios: [string, (signal: AbortSignal, abort: (reason: Error) => void) => Promise<unknown>][] = [
      [
        'success',
        (signal) => {
          const inner = new ScriptedBackend([{ error: transient() }, { value: 'v' }]);
          return new RetryingBackend(inner, { baseDelay: 0.001 }).get('/k', { signal });
        },
      ],
      [
        'exhausted retries',
        (signal) => {
          const inner = new ScriptedBackend([{ error: transient() }, { error: transient() }]);
          return new RetryingBackend(inner, { baseDelay: 0.001, maxAttempts: 2 }).get('/k', { signal });
        },
      ],
      [
        'a non-retryable error',
        (signal) => {
          const inner = new ScriptedBackend([{ error: new AuthError('no') }]);
          return new RetryingBackend(inner).getBatch(['/k'], { signal });
        },
      ],
      [
        'the deadline',
        (signal) => {
          const inner = new ScriptedBackend([{ hang: true }]);
          return new RetryingBackend(inner, { totalTimeout: 0.01 }).get('/k', { signal });
        },
      ],
      [
        'a caller abort during a sleep',
        (signal, abort) => {
          const inner = new ScriptedBackend([{ error: transient() }]);
          const onRetry = (): void => queueMicrotask(() => abort(new Error('stop')));
          const backend = new RetryingBackend(inner, { baseDelay: 10, jitter: false, totalTimeout: 60, onRetry });
          return backend.get('/k', { signal });
        },
      ],
    ];

    it.each(scenarios)('leaves no timer running and no listener on the caller signal after %s', async (_, run) => {
      const controller = new AbortController();
      let listenersDuring = -1;
      const { created, live } = await withTimerTracking(async () => {
        const pending = run(controller.signal, (reason) => controller.abort(reason));
        listenersDuring = getEventListeners(controller.signal, 'abort').length;
        await pending.catch(() => undefined);
      });
      expect(listenersDuring).toBe(1);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      expect(created.length).toBeGreaterThan(0);
      expect(created[0]?.hasRef()).toBe(true); // the deadline keeps a pending read alive, and is cleared
      expect(live.size).toBe(0);
    });
  });
});
