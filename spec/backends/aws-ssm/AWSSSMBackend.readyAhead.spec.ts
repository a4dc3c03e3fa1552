/**
 * Batches that make the next call ready ahead, against a mocked `send` (whose middleware never
 * runs), across the moment pacing begins, and the check right before the wire that a request's
 * turn in the pacer still holds. Each case was found by one of three hostile reviews.
 */
import { SSMClient } from '@aws-sdk/client-ssm';

import { AdaptiveRateLimiter, PartialBatchError } from 'vaultly';
import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { PACING_SLOW_START_WAIT_MS } from '../../../lib/backends/pacing/constants.js';
import { foundAll, inProcessSsmClient, throttled } from '../../helpers/inProcessSsmClient.js';
import type { SsmAnswer, SsmAsked } from '../../helpers/inProcessSsmClient.js';
import { grow, heldClockLimiter } from '../../helpers/heldClockLimiter.js';
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

const PATHS40 = Array.from({ length: 40 }, (_, i) => `/p/${String(i).padStart(2, '0')}`);

async function microtasks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/**
 * A held-clock limiter with slow start's window at 2, and an in-process SSM whose first two
 * requests are answered only when the test says so. A request that reaches the wire once a
 * throttle is known and before 10 s (the Retry-After the tests send) is added to `violations`.
 */
async function watchRetryAfter(k: number, violations: string[]) {
  const { limiter, now, advance } = heldClockLimiter();
  for (let i = 0; i < 2; i++) limiter.onSuccess(await limiter.acquire()); // slow start's window: 2
  const held: ((answer: SsmAnswer) => void)[] = [];
  const { client, asked } = inProcessSsmClient((question: SsmAsked, n: number) => {
    if (Number.isFinite(limiter.rate) && now() < 10_000) violations.push(`k=${k}: ${question.input.Names?.[0] ?? ''} sent at ${now()} ms`);
    if (n <= 2) return new Promise<SsmAnswer>((resolve) => held.push(resolve));
    return foundAll(question);
  });
  return { limiter, advance, held, client, asked };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await turn();
  if (!condition()) throw new Error('condition never held ' + condition.toString());
}

/**
 * An in-process SSM whose first `holding` requests are answered only when the test says so; the
 * others are found at once. Records the limiter clock at which each request reached the wire.
 */
function heldClient(now: () => number, holding: number) {
  const held: ((answer: SsmAnswer) => void)[] = [];
  const sentAt: number[] = [];
  const { client, asked } = inProcessSsmClient((question: SsmAsked, n: number) => {
    sentAt.push(now());
    if (n <= holding) return new Promise<SsmAnswer>((resolve) => held.push(resolve));
    return foundAll(question);
  });
  return { client, asked, sentAt, held };
}

const answer = (held: ((answer: SsmAnswer) => void)[], i: number, reply: SsmAnswer): void => (held[i] as (a: SsmAnswer) => void)(reply);

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

  // Concurrency 2, slow start's window at 2: chunks A and B go on the wire, C waits in the pacer
  // (window full). A is throttled: pacing begins, C gets a *paced* turn (pacedAtTurn = true) and
  // only then heads for its wire slot; meanwhile A's worker starts D on the paced path, which takes
  // A's freed slot first and goes out at its own (later) turn. C now holds a pacer turn while it
  // waits for a slot. B then comes back throttled with `Retry-After: 10`: B's slot goes straight to
  // C, which is not sent back (its turn was paced) and goes on the wire at once, 10 s before the
  // service said it may.
  // No request may go on the wire before a Retry-After has passed: a call that waited for its slot
  // after its turn takes its turn again. (Found by review: b2a763b let C go.)
  it('a call whose paced turn came before a Retry-After does not go on the wire before that Retry-After has passed', async () => {
    const { limiter, now } = fakeLimiter();
    await grow(limiter, 2);
    const { client, asked, sentAt, held } = heldClient(now, 3);
    const backend = new AWSSSMBackend({ client, rateLimiter: limiter, concurrency: 2 });
    const batch = rejection<PartialBatchError>(backend.getBatch(PATHS40));
    await until(() => held.length === 2);
    answer(held, 0, throttled()); // A
    await until(() => held.length === 3); // D is on the wire, C waits for a slot with its turn
    for (let i = 0; i < 20; i++) await turn();
    const throttledAt = now();
    const sentBefore = asked.length;
    answer(held, 1, throttled({ 'Retry-After': '10' })); // B
    for (let i = 0; i < 20; i++) await turn();
    answer(held, 2, foundAll(asked[2] as SsmAsked)); // D
    const error = await batch;
    expect(error).toBeInstanceOf(PartialBatchError);
    expect(error.owedPaths).toEqual(PATHS40.slice(0, 20));
    const after = sentAt.slice(sentBefore);
    expect(after.length).toBeGreaterThan(0);
    for (const at of after) expect(at).toBeGreaterThanOrEqual(throttledAt + 10_000);
  });

  // Same start: A throttled, C gets a paced turn at t1 and waits for a slot, D takes A's slot and
  // goes at its turn t2 = t1 + one interval. D's answer frees its slot and C goes at once: C and D
  // reach the wire at the same instant, where the pacer spaced them one interval apart.
  // After a throttle, no two requests reach the wire closer than the pacer's interval (1000 / rate
  // ms, no jitter here).
  it('after a throttle, requests reach the wire spaced by the pacer (a paced turn is not spent waiting for a slot)', async () => {
    const { limiter, now } = fakeLimiter();
    await grow(limiter, 2);
    const { client, sentAt, held } = heldClient(now, 2);
    const backend = new AWSSSMBackend({ client, rateLimiter: limiter, concurrency: 2 });
    const batch = rejection<PartialBatchError>(backend.getBatch(PATHS40));
    await until(() => held.length === 2);
    answer(held, 0, throttled()); // A: pacing begins
    await until(() => sentAt.length === 4);
    const interval = 1000 / limiter.rate; // the pacer's spacing right after the cut (no jitter here)
    answer(held, 1, throttled()); // B
    const error = await batch;
    expect(error).toBeInstanceOf(PartialBatchError);
    const paced = sentAt.slice(2); // everything sent after A's throttle
    expect(paced.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < paced.length; i++) expect((paced[i] as number) - (paced[i - 1] as number)).toBeGreaterThanOrEqual(interval * 0.75);
  });

  // The same hole at concurrency 1, when two batches share the pacer (two models bound at once on
  // one backend, or backends sharing a `rateLimiter`). Slow start's window at 2: batch X's first
  // chunk and batch Y's first chunk go on the wire; X's second chunk waits in the pacer. Y's chunk
  // is throttled: X's second chunk gets a paced turn and heads for X's only slot, which X's first
  // chunk (still on the wire) holds. Y's next chunk goes out and is throttled with
  // `Retry-After: 10`. X's first chunk then answers, and X's second chunk goes on the wire at once.
  // It waits until the Retry-After has passed.
  it('concurrency 1: a paced turn held while another batch is throttled with Retry-After does not go out before it', async () => {
    const { limiter, now } = fakeLimiter();
    await grow(limiter, 2);
    const { client, asked, sentAt, held } = heldClient(now, 3);
    const backend = new AWSSSMBackend({ client, rateLimiter: limiter, concurrency: 1 });
    const xs = PATHS40.slice(0, 20).map((p) => `/x${p}`);
    const ys = PATHS40.slice(0, 20).map((p) => `/y${p}`);
    const x = backend.getBatch(xs).then(
      (values) => values,
      (error: unknown) => error,
    );
    const y = backend.getBatch(ys).catch((error: unknown) => error);
    await until(() => held.length === 2);
    expect(asked.map((a) => a.input.Names?.[0])).toEqual(['/x/p/00', '/y/p/00']);
    answer(held, 1, throttled()); // Y's first chunk: pacing begins
    await until(() => held.length === 3); // Y's second chunk on the wire
    expect(asked[2]?.input.Names?.[0]).toBe('/y/p/10');
    for (let i = 0; i < 20; i++) await turn();
    const throttledAt = now();
    const sentBefore = asked.length;
    answer(held, 2, throttled({ 'Retry-After': '10' }));
    for (let i = 0; i < 20; i++) await turn();
    answer(held, 0, foundAll(asked[0] as SsmAsked)); // X's first chunk answers
    await Promise.all([x, y]);
    expect(asked.slice(sentBefore).map((a) => a.input.Names?.[0])).toEqual(['/x/p/10']);
    const after = sentAt.slice(sentBefore);
    for (const at of after) expect(at).toBeGreaterThanOrEqual(throttledAt + 10_000);
  });

  // Concurrency 2, slow start's window at 2: chunks A and B are on the wire, C waits in the pacer
  // (window full). B comes back throttled with `Retry-After: 10` and A's success comes in a few
  // microtasks apart (two answers read in the same turn of the event loop). For some of those
  // interleavings A's report gives C an *unpaced* turn and B's throttle is recorded a few
  // microtasks before C's request is built; C's slot (A's) is free at once. A rule that read the
  // pacer's state when the request was built took C's turn for a paced one and sent it 10 s early.
  // A turn counts as stale when a throttle was reported after it was issued (by ticket number, not
  // by the pacer's state when `send` runs): it goes back, and nothing reaches the wire until the
  // Retry-After has passed. (Found by a third review.)
  it('no request reaches the wire after a Retry-After was recorded and before it has passed, whatever the order of two answers', async () => {
    const violations: string[] = [];
    for (const k of Array.from({ length: 40 }, (_, i) => i)) {
      const { limiter, advance, held, client, asked } = await watchRetryAfter(k, violations);
      const backend = new AWSSSMBackend({ client, rateLimiter: limiter, concurrency: 2 });
      let settled = false;
      const batch = backend.getBatch(PATHS40).then(
        () => (settled = true),
        () => (settled = true),
      );
      await until(() => held.length === 2);
      for (let i = 0; i < 10; i++) await turn(); // C is waiting in the pacer
      (held[1] as (a: SsmAnswer) => void)(throttled({ 'Retry-After': '10' })); // B
      await microtasks(k);
      (held[0] as (a: SsmAnswer) => void)(foundAll(asked[0] as SsmAsked)); // A
      for (let i = 0; i < 20; i++) await turn();
      while (!settled) {
        if (!advance()) await turn();
        await turn();
      }
      await batch;
    }
    expect(violations).toEqual([]);
  });

  // Paced already (an earlier throttle), concurrency 2, a client of your own whose credentials
  // are short-lived (an assumed role: the SDK refreshes them before signing). Chunk A is on the
  // wire; chunk B has its slot and its paced turn, and the SDK is fetching fresh credentials to
  // sign it. A comes back throttled with `Retry-After: 10`. The credentials arrive and B goes on
  // the wire at once, 10 s early: on the paced path the turn comes before the SDK's own work
  // (`send(asIs)`, no wire-slot middleware) and nothing looks at the pacer again before the wire.
  // The paced path checks its turn right before the wire too: the throttle came after its turn, so
  // it takes a new one and waits out the Retry-After. (Found by a third review; fa65de9 had it too.)
  it('a paced call whose credentials are being refreshed does not go on the wire before a Retry-After that came meanwhile', async () => {
    const { limiter, now, advance } = heldClockLimiter();
    limiter.onThrottle(await limiter.acquire()); // pacing began earlier (no Retry-After)
    const held: ((answer: SsmAnswer) => void)[] = [];
    let throttledAt: number | undefined;
    const early: string[] = [];
    const { client: inProcess, asked } = inProcessSsmClient((question: SsmAsked, n: number) => {
      if (throttledAt !== undefined && now() < throttledAt + 10_000) early.push(`${question.input.Names?.[0] ?? ''} sent at ${now()} ms`);
      if (n === 1) return new Promise<SsmAnswer>((resolve) => held.push(resolve));
      return foundAll(question);
    });
    let credentialsArrive: (() => void) | undefined;
    const client = new SSMClient({
      region: 'us-east-1',
      maxAttempts: 1,
      requestHandler: inProcess.config.requestHandler,
      credentials: async () => {
        // The refresh for chunk B (once A is on the wire) takes a while, as an STS call does.
        if (held.length === 1 && credentialsArrive === undefined) await new Promise<void>((resolve) => (credentialsArrive = resolve));
        return { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-real-secret', expiration: new Date(Date.now() + 60_000) };
      },
    });
    const backend = new AWSSSMBackend({ client, rateLimiter: limiter, concurrency: 2 });
    let settled = false;
    const batch = backend.getBatch(PATHS40).then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let i = 0; i < 200 && (held.length < 1 || credentialsArrive === undefined); i++) {
      advance();
      await turn();
    }
    expect(held).toHaveLength(1); // A on the wire
    expect(credentialsArrive).toBeDefined(); // B has its turn and waits for its credentials
    throttledAt = now();
    (held[0] as (a: SsmAnswer) => void)(throttled({ 'Retry-After': '10' })); // A
    for (let i = 0; i < 20; i++) await turn();
    (credentialsArrive as () => void)();
    for (let i = 0; i < 20; i++) await turn();
    while (!settled) {
      if (!advance()) await turn();
      await turn();
    }
    await batch;
    expect(asked.length).toBeGreaterThan(1);
    expect(early).toEqual([]);
  });

  // The same hole at concurrency 1 (the bench's setting), with two batches on one pacer (two
  // models bound at once). Slow start's window at 2: X's and Y's first chunks are on the wire, X's
  // and Y's second chunks wait in the pacer. Y's first chunk is throttled with `Retry-After: 10`
  // and X's first chunk answers in the same turn: X's report grants both second chunks unpaced
  // turns, Y's throttle is recorded before Y's second chunk reads `paces()`, and Y's second chunk
  // must not take Y's freed slot and go on the wire 10 s early: it goes back to the pacer and
  // waits out the Retry-After. (Found by a third review.)
  it('concurrency 1, two batches on one pacer: no request reaches the wire after a Retry-After was recorded and before it has passed', async () => {
    const violations: string[] = [];
    for (const k of Array.from({ length: 40 }, (_, i) => i)) {
      const { limiter, advance, held, client, asked } = await watchRetryAfter(k, violations);
      const backend = new AWSSSMBackend({ client, rateLimiter: limiter, concurrency: 1 });
      let settled = 0;
      const batches = ['/x', '/y'].map((prefix) =>
        backend.getBatch(PATHS40.slice(0, 20).map((p) => `${prefix}${p}`)).then(
          () => settled++,
          () => settled++,
        ),
      );
      await until(() => held.length === 2);
      expect(asked.map((a) => a.input.Names?.[0])).toEqual(['/x/p/00', '/y/p/00']);
      for (let i = 0; i < 10; i++) await turn(); // both second chunks wait in the pacer
      (held[1] as (a: SsmAnswer) => void)(throttled({ 'Retry-After': '10' })); // Y's first chunk
      await microtasks(k);
      (held[0] as (a: SsmAnswer) => void)(foundAll(asked[0] as SsmAsked)); // X's first chunk
      for (let i = 0; i < 20; i++) await turn();
      while (settled < 2) {
        if (!advance()) await turn();
        await turn();
      }
      await Promise.all(batches);
    }
    expect(violations).toEqual([]);
  });
});
