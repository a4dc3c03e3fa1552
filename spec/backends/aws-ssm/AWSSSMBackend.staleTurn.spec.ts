/**
 * Right before the wire, a request whose turn in the pacer no longer holds goes back for a new one
 * (`keepTurnFresh`, `AdaptiveRateLimiter.throttledSince`): only when a throttle paused or slowed the
 * pace after its turn, and only on its first attempt. Found by a hostile review of the first version.
 */
import { SSMClient } from '@aws-sdk/client-ssm';
import type { SSMClientConfig } from '@aws-sdk/client-ssm';

import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { grow, heldClockLimiter } from '../../helpers/heldClockLimiter.js';
import { inProcessSsmClient, throttled } from '../../helpers/inProcessSsmClient.js';
import type { SsmAnswer, SsmAsked } from '../../helpers/inProcessSsmClient.js';

/** SSM's answer to a `GetParameter` that found its name: the value is `v:<name>`. */
function found(asked: SsmAsked): SsmAnswer {
  const name = asked.input.Name ?? '';
  return { status: 200, body: { Parameter: { Name: name, Value: `v:${name}`, Type: 'String' } } };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A pacer that has begun pacing (a first throttle on ticket `x`), with ticket `y` still "in flight":
 * it was sent before that cut, so its throttle, when it comes, is already counted (no second cut).
 */
async function pacingWithOneOldRequestInFlight() {
  const clock = heldClockLimiter();
  await grow(clock.limiter, 2); // slow start's window: 2
  const x = await clock.limiter.acquire();
  const y = await clock.limiter.acquire();
  clock.limiter.onThrottle(x); // pacing begins; y was sent before this cut
  return { ...clock, y };
}

/**
 * A real SSMClient (answered in process) whose credentials refresh on every request (they expire
 * within the SDK's refresh window) and is held by the test: `arrive()` lets the pending one finish.
 */
function clientWithHeldCredentials(answer: (asked: SsmAsked, n: number) => SsmAnswer | Promise<SsmAnswer>, extra: Record<string, unknown> = {}) {
  const { client: inProcess, asked } = inProcessSsmClient(answer);
  const pending: (() => void)[] = [];
  const client = new SSMClient({
    region: 'us-east-1',
    maxAttempts: 1,
    requestHandler: inProcess.config.requestHandler,
    credentials: async () => {
      await new Promise<void>((resolve) => pending.push(resolve));
      return { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-real-secret', expiration: new Date(Date.now() + 60_000) };
    },
    ...extra,
  });
  return { client, asked, pending };
}

/**
 * A user's SSMClient with SDK retries on (maxAttempts 2): a throttled attempt is retried once,
 * at once (a zero-delay strategy keeps the test on the fake clock), over `inProcess`'s handler.
 */
function clientWithSdkRetries(inProcess: SSMClient): SSMClient {
  const token = (count: number) => ({ getRetryCount: () => count, getRetryDelay: () => 0, getRetryTokenCount: () => 0 });
  const retryStrategy = {
    mode: 'standard',
    acquireInitialRetryToken: () => Promise.resolve(token(0)),
    refreshRetryTokenForRetry: (previous: ReturnType<typeof token>, info: { errorType: string; error: unknown }) =>
      previous.getRetryCount() >= 1 || info.errorType !== 'THROTTLING' ? Promise.reject(info.error as Error) : Promise.resolve(token(1)),
    recordSuccess: () => undefined,
  };
  return new SSMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-real-secret' },
    maxAttempts: 2,
    retryStrategy: retryStrategy as unknown as NonNullable<SSMClientConfig['retryStrategy']>,
    requestHandler: inProcess.config.requestHandler,
  });
}

async function settle(promise: Promise<unknown>, advance: () => boolean): Promise<void> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 5000 && !settled; i++) {
    if (!advance()) await turn();
    await turn();
  }
  if (!settled) throw new Error('the call never settled');
}

async function until(condition: () => boolean, advance: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) {
    if (!advance()) await turn();
    await turn();
  }
  if (!condition()) throw new Error('condition never held ' + condition.toString());
}

describe(`${AWSSSMBackend.name}: stale pacer turns`, () => {
  // A throttle that brings neither a cut nor a pause (the answer to a request sent before the last
  // cut, without Retry-After) leaves a turn given since as good as it was: the request goes on it.
  it('a throttle already counted (sent before the last cut, no Retry-After) does not send a request being made ready back to the pacer', async () => {
    const { limiter, now, advance, y } = await pacingWithOneOldRequestInFlight();
    const sentAt: number[] = [];
    const { client, pending } = clientWithHeldCredentials((question) => {
      sentAt.push(now());
      return found(question);
    });
    const backend = new AWSSSMBackend({ client, rateLimiter: limiter });
    const rateBefore = limiter.rate;
    const get = backend.get('/a');
    await until(() => pending.length === 1, advance); // A has its paced turn; credentials refresh
    const turnAt = now();
    limiter.onThrottle(y); // y's answer: throttled, already counted
    expect(limiter.rate).toBe(rateBefore); // no cut (and no pause) came with it
    (pending.shift() as () => void)();
    // A second refresh means A went back to the pacer; let it through so the call ends.
    const release = setInterval(() => pending.shift()?.(), 1);
    try {
      await settle(get, advance);
    } finally {
      clearInterval(release);
    }
    await expect(get).resolves.toBeDefined();
    expect(sentAt).toEqual([turnAt]);
  });

  // With SDK retries on (a client of your own), only the first attempt is checked: a StaleTurn on
  // a retry would start the SDK's attempts over, once per throttle of a storm.
  it("with the user's SDK retries on, a throttle storm does not make one read send more requests than the SDK's maxAttempts", async () => {
    const { limiter, advance } = heldClockLimiter();
    await grow(limiter, 40); // slow start's window: 21
    const burst: number[] = [];
    for (let i = 0; i < 20; i++) burst.push(await limiter.acquire()); // a burst on the wire
    limiter.onThrottle(burst.shift() as number); // its first answer: throttled, pacing begins
    const { client: inProcess, asked } = inProcessSsmClient(() => {
      // Another answer of the burst comes back throttled at the same moment as this one.
      const other = burst.shift();
      if (other !== undefined) limiter.onThrottle(other, 0.001); // with a (short) Retry-After: it counts
      return throttled();
    });
    const client = clientWithSdkRetries(inProcess);
    const backend = new AWSSSMBackend({ client, rateLimiter: limiter });
    const get = backend.get('/a');
    await settle(get, advance);
    await expect(get).rejects.toThrow();
    expect(asked.length).toBeLessThanOrEqual(2);
  });
});
