// Translates tests/unit/backends/test_retrying.py of the original Python vaultly
// (cop1cat/vaultly v1.0.0). The original injects `sleep`, `rng` and `monotonic`; ours takes
// `sleep(ms, signal)`, `random()` and `now()` (milliseconds). Delays are recorded in seconds.
import 'reflect-metadata';
import { AuthError, Backend, RetryingBackend, SecretNotFoundError, TransientError } from 'vaultly';
import { rejection } from '../helpers/outcomes.js';

type ErrorClass = new (message: string, options?: { path?: string }) => Error;

/** Rejects with a new `toRaise('boom')` for the first `failTimes` calls, then returns `final`. */
class FlakyBackend extends Backend {
  calls = 0;
  readonly errors: Error[] = [];

  constructor(
    readonly final = 'ok',
    readonly failTimes = 0,
    readonly toRaise: ErrorClass = TransientError,
  ) {
    super();
  }

  get(path: string): Promise<string> {
    this.calls++;
    if (this.calls <= this.failTimes) {
      const error = new this.toRaise('boom', { path });
      this.errors.push(error);
      return Promise.reject(error);
    }
    return Promise.resolve(this.final);
  }
}

/** Records each requested delay in seconds and resolves at once. */
function capturingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms: number) => {
      delays.push(ms / 1000);
      return Promise.resolve();
    },
  };
}

describe('RetryingBackend (test_retrying.py)', () => {
  it('returns at once when the first try succeeds', async () => {
    const inner = new FlakyBackend('v', 0);
    const { delays, sleep } = capturingSleep();
    const backend = new RetryingBackend(inner, { sleep, random: () => 1 });
    await expect(backend.get('/x')).resolves.toBe('v');
    expect(inner.calls).toBe(1);
    expect(delays).toEqual([]);
  });

  it('retries a TransientError and succeeds', async () => {
    const inner = new FlakyBackend('v', 2);
    const { delays, sleep } = capturingSleep();
    const backend = new RetryingBackend(inner, { maxAttempts: 3, sleep, random: () => 1 });
    await expect(backend.get('/x')).resolves.toBe('v');
    expect(inner.calls).toBe(3);
    // Two sleeps between three attempts.
    expect(delays).toHaveLength(2);
  });

  it('rejects with the last error after maxAttempts attempts', async () => {
    const inner = new FlakyBackend('ok', 10);
    const { delays, sleep } = capturingSleep();
    const backend = new RetryingBackend(inner, { maxAttempts: 3, sleep, random: () => 1 });
    const error = await rejection(backend.get('/x'));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('boom');
    expect(inner.calls).toBe(3);
    expect(error).toBe(inner.errors[inner.errors.length - 1]);
    expect(delays).toHaveLength(2);
  });

  it('does not retry a SecretNotFoundError', async () => {
    const inner = new FlakyBackend('ok', 10, SecretNotFoundError);
    const { delays, sleep } = capturingSleep();
    const backend = new RetryingBackend(inner, { maxAttempts: 5, sleep });
    const error = await rejection(backend.get('/x'));
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error).toBe(inner.errors[0]);
    expect(inner.calls).toBe(1);
    expect(delays).toEqual([]);
  });

  it('does not retry an AuthError', async () => {
    const inner = new FlakyBackend('ok', 10, AuthError);
    const { sleep } = capturingSleep();
    const backend = new RetryingBackend(inner, { maxAttempts: 5, sleep });
    const error = await rejection(backend.get('/x'));
    expect(error).toBeInstanceOf(AuthError);
    expect(inner.calls).toBe(1);
  });

  it('backs off exponentially and caps the delay at maxDelay', async () => {
    const inner = new FlakyBackend('ok', 10);
    const { delays, sleep } = capturingSleep();
    const backend = new RetryingBackend(inner, { maxAttempts: 5, baseDelay: 1, maxDelay: 3, jitter: false, sleep });
    await expect(backend.get('/x')).rejects.toBeInstanceOf(TransientError);
    // Attempts 1..4 each sleep; attempt 5 is the last, with no sleep after it.
    expect(delays).toEqual([1, 2, 3, 3]);
    expect(inner.calls).toBe(5);
  });

  it('scales each delay by the jitter random number', async () => {
    const inner = new FlakyBackend('ok', 10);
    const { delays, sleep } = capturingSleep();
    const backend = new RetryingBackend(inner, {
      maxAttempts: 3,
      baseDelay: 1,
      maxDelay: 4,
      jitter: true,
      sleep,
      random: () => 0.25,
    });
    await expect(backend.get('/x')).rejects.toBeInstanceOf(TransientError);
    // 1 * 2^0 * 0.25 and 1 * 2^1 * 0.25.
    expect(delays).toEqual([0.25, 0.5]);
  });

  it('retries getBatch too', async () => {
    class BatchFlaky extends Backend {
      getCalls = 0;
      batchCalls = 0;
      get(): Promise<string> {
        this.getCalls++;
        return Promise.resolve('v');
      }
      override getBatch(paths: readonly string[]): Promise<Record<string, string>> {
        this.batchCalls++;
        if (this.batchCalls < 2) return Promise.reject(new TransientError('batch boom'));
        return Promise.resolve(Object.fromEntries(paths.map((p) => [p, 'v'])));
      }
    }
    const inner = new BatchFlaky();
    const { sleep } = capturingSleep();
    const backend = new RetryingBackend(inner, { maxAttempts: 3, sleep, random: () => 0 });
    await expect(backend.getBatch(['/a', '/b'])).resolves.toEqual({ '/a': 'v', '/b': 'v' });
    expect(inner.batchCalls).toBe(2);
    expect(inner.getCalls).toBe(0);
  });

  it('rejects maxAttempts below 1 at construction, naming the option', () => {
    // Differs: the original raises ValueError naming max_attempts; ours a TypeError naming maxAttempts.
    expect(() => new RetryingBackend(new FlakyBackend(), { maxAttempts: 0 })).toThrow(TypeError);
    expect(() => new RetryingBackend(new FlakyBackend(), { maxAttempts: 0 })).toThrow(/maxAttempts/);
  });

  it('rejects a totalTimeout of 0 at construction, naming the option', () => {
    expect(() => new RetryingBackend(new FlakyBackend(), { totalTimeout: 0 })).toThrow(TypeError);
    expect(() => new RetryingBackend(new FlakyBackend(), { totalTimeout: 0 })).toThrow(/totalTimeout/);
  });

  it('gives up at once when the next sleep would cross totalTimeout', async () => {
    const inner = new FlakyBackend('ok', 10);
    const delays: number[] = [];
    let now = 0;
    const backend = new RetryingBackend(inner, {
      maxAttempts: 10,
      baseDelay: 1,
      maxDelay: 10,
      totalTimeout: 2.5,
      jitter: false,
      now: () => now,
      sleep: (ms) => {
        delays.push(ms / 1000);
        now += ms;
        return Promise.resolve();
      },
      random: () => 1,
    });
    const error = await rejection(backend.get('/x'));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('boom');
    // Sleeping 1 s puts us at t = 1; sleeping 2 s more would end at t = 3 > 2.5, so no second sleep.
    // (The original accepts [1, 2] or [1]; ours documents "no retry whose sleep would cross the deadline".)
    expect(delays).toEqual([1]);
    expect(inner.calls).toBe(2);
  });

  it('lets every attempt run when totalTimeout is generous', async () => {
    // Differs: the original disables the budget with total_timeout=None; ours requires a number > 0.
    const inner = new FlakyBackend('ok', 4);
    const { sleep } = capturingSleep();
    const backend = new RetryingBackend(inner, {
      maxAttempts: 5,
      baseDelay: 0.001,
      maxDelay: 0.001,
      totalTimeout: 3600,
      sleep,
      random: () => 1,
    });
    await expect(backend.get('/x')).resolves.toBe('ok');
    expect(inner.calls).toBe(5);
  });
});
