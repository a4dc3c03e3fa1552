import 'reflect-metadata';

import fc from 'fast-check';
import {
  Backend,
  bindSecrets,
  dispose,
  getSecret,
  prefetch,
  refresh,
  refreshAll,
  Secret,
  SecretModel,
  SecretNotLoadedError,
  TransientError,
  type BackendBatchOptions,
  type BackendGetOptions,
} from 'vaultly';
import { ManualClock } from 'vaultly/testing';

// Property-based tests of the cache and read paths: random interleavings of synchronous reads,
// getSecret, refresh, refreshAll, prefetch, clock advances and backend failures, checked against a
// small reference model of what the cache must hold.

type Path = '/a' | '/b' | '/c';
const PATHS: readonly Path[] = ['/a', '/b', '/c'];

/** One backend call waiting to be settled. */
interface HeldCall {
  readonly paths: readonly string[];
  /** Per path, how many calls for it had started before this one, plus one. */
  readonly sequences: ReadonlyMap<string, number>;
  readonly resolve: (values: Record<string, string>) => void;
  readonly reject: (error: unknown) => void;
}

/** A backend whose calls wait until the test settles them, oldest or newest first. */
class HeldBackend extends Backend {
  failing = false;
  /** Every call so far, as the paths it asked for. */
  readonly started: (readonly string[])[] = [];
  readonly #served = new Map<string, number>();
  readonly #sequence = new Map<string, number>();
  readonly #inFlight = new Map<string, number>();
  readonly #held: HeldCall[] = [];
  /** Told about each settled call before the waiting reads see its outcome. */
  onSettle: (call: HeldCall, values: Record<string, string> | undefined) => void = () => undefined;

  get(path: string, _options?: BackendGetOptions): Promise<string> {
    return this.#hold([path]).then((values) => values[path] as string);
  }

  override getBatch(paths: readonly string[], _options?: BackendBatchOptions): Promise<Record<string, string>> {
    return this.#hold(paths);
  }

  /** Fetches of `path` started and not yet settled. */
  inFlight(path: string): number {
    return this.#inFlight.get(path) ?? 0;
  }

  /** The sequence numbers of the fetches of `path` still held. */
  heldSequences(path: string): number[] {
    return this.#held.flatMap((call) => (call.sequences.has(path) ? [call.sequences.get(path) as number] : []));
  }

  /** Settles every held call, oldest first. */
  release(): void {
    while (this.#held.length > 0) this.#settle(this.#held.shift() as HeldCall);
  }

  /** Settles only the most recent held call, so that an older one answers after it. */
  releaseNewest(): void {
    const call = this.#held.pop();
    if (call !== undefined) this.#settle(call);
  }

  #settle(call: HeldCall): void {
    for (const path of call.paths) this.#inFlight.set(path, this.inFlight(path) - 1);
    if (this.failing) {
      this.onSettle(call, undefined);
      call.reject(new TransientError(`HTTP 503 reading ${call.paths.join(', ')}`));
      return;
    }
    // Prototype-free, so that a path is only ever an own key.
    const values = Object.create(null) as Record<string, string>;
    for (const path of call.paths) {
      const version = (this.#served.get(path) ?? 0) + 1;
      this.#served.set(path, version);
      values[path] = `${path}#${version}`;
    }
    this.onSettle(call, values);
    call.resolve(values);
  }

  #hold(paths: readonly string[]): Promise<Record<string, string>> {
    const unique = [...new Set(paths)];
    this.started.push(unique);
    const sequences = new Map<string, number>();
    for (const path of unique) {
      this.#inFlight.set(path, this.inFlight(path) + 1);
      sequences.set(path, (this.#sequence.get(path) ?? 0) + 1);
      this.#sequence.set(path, sequences.get(path) as number);
    }
    return new Promise((resolve, reject) => this.#held.push({ paths: unique, sequences, resolve, reject }));
  }
}

@SecretModel({ staleOnError: true })
class StaleModel {
  @Secret('/a', 10) a!: string;
  @Secret('/a', 30) a2!: string; // shares /a: one slot, the shorter ttl
  @Secret('/b', 20) b!: string;
  @Secret('/c') c!: string; // never expires by time
}

@SecretModel({ staleOnError: false })
class StrictModel {
  @Secret('/a', 10) a!: string;
  @Secret('/a', 30) a2!: string;
  @Secret('/b', 20) b!: string;
  @Secret('/c') c!: string;
}

type Field = 'a' | 'a2' | 'b' | 'c';
const FIELDS: readonly Field[] = ['a', 'a2', 'b', 'c'];
const PATH_OF: Record<Field, Path> = { a: '/a', a2: '/a', b: '/b', c: '/c' };
const TTL_MS: Record<Path, number> = { '/a': 10_000, '/b': 20_000, '/c': Infinity };

type Op =
  | { kind: 'read'; field: Field }
  | { kind: 'getSecret'; field: Field }
  | { kind: 'refresh'; field: Field }
  | { kind: 'refreshAll' }
  | { kind: 'prefetch' }
  | { kind: 'advance'; ms: number }
  | { kind: 'failing'; on: boolean }
  | { kind: 'release' }
  | { kind: 'releaseNewest' };

const field = fc.constantFrom(...FIELDS);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: field.map((f) => ({ kind: 'read', field: f }) as const) },
  { weight: 3, arbitrary: field.map((f) => ({ kind: 'getSecret', field: f }) as const) },
  { weight: 2, arbitrary: field.map((f) => ({ kind: 'refresh', field: f }) as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'refreshAll' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'prefetch' } as const) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 25_000 }).map((ms) => ({ kind: 'advance', ms }) as const) },
  { weight: 1, arbitrary: fc.boolean().map((on) => ({ kind: 'failing', on }) as const) },
  { weight: 3, arbitrary: fc.constant({ kind: 'release' } as const) },
  { weight: 2, arbitrary: fc.constant({ kind: 'releaseNewest' } as const) },
);

/** What the cache must hold for one path, by the rules in README "Reading secrets". */
interface Expected {
  /** Every value stored so far, oldest first, with the clock time it was stored at. */
  history: { value: string; at: number }[];
  /** The sequence number of the fetch whose answer was stored last. */
  storedSequence: number;
  /** refreshAll expired it after it was stored. */
  expired: boolean;
  /** A fetch failed after the last store: a read past freshness may throw its error. */
  failed: boolean;
  /** A fetch no older than the stored answer failed: a read past freshness must throw its error. */
  failedLatest: boolean;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `ops` against a fresh model and returns every broken rule, in order:
 * - a synchronous read returns the latest stored value; before any store it throws
 *   SecretNotLoadedError; past freshness with staleOnError off, once the latest fetch failed, it
 *   throws that TransientError (and never otherwise);
 * - getSecret resolves to a value stored no earlier than when it was called (exactly the stored
 *   one on a fresh hit, a newer one past freshness unless staleOnError serves the old one), and
 *   rejects only with a TransientError, never while a stale value is cached and staleOnError is on;
 * - an answer older than the one stored never replaces it;
 * - no read starts a fetch of a path while a live one (one whose answer can still be stored) is
 *   in flight; refresh and refreshAll, by design, do;
 * - fresh reads never call the backend, and there are never more calls than reads and refreshes.
 */
async function brokenRules(staleOnError: boolean, ops: readonly Op[]): Promise<string[]> {
  const clock = new ManualClock();
  const backend = new HeldBackend();
  // No jitter: the reference model expires each entry exactly at its ttl.
  const config = await bindSecrets(staleOnError ? new StaleModel() : new StrictModel(), { backend, clock, refreshJitter: 0 });
  const expected = new Map<Path, Expected>(PATHS.map((p) => [p, { history: [], storedSequence: 0, expired: false, failed: false, failedLatest: false }]));
  const at = (path: Path): Expected => expected.get(path) as Expected;
  const stored = (path: Path): { value: string; at: number } | undefined => at(path).history.at(-1);
  backend.onSettle = (call, values) => {
    for (const path of call.paths as Path[]) {
      const e = at(path);
      const sequence = call.sequences.get(path) as number;
      if (values === undefined) {
        e.failed = true;
        if (sequence >= e.storedSequence) e.failedLatest = true;
      } else if (sequence > e.storedSequence) {
        e.history.push({ value: values[path] as string, at: clock.now() });
        Object.assign(e, { storedSequence: sequence, expired: false, failed: false, failedLatest: false });
      }
    }
  };
  const fresh = (path: Path): boolean => {
    const last = stored(path);
    return last !== undefined && !at(path).expired && clock.now() < last.at + TTL_MS[path];
  };
  const problems: string[] = [];
  let reads = 0;

  try {
    for (const [i, step] of ops.entries()) {
      const where = `op ${i} ${JSON.stringify(step)}`;
      // A fetch older than the stored answer is dead: its answer will be dropped, so a read must
      // not wait for it. At most one live fetch per path may come from reads.
      const live = (path: Path): number => backend.heldSequences(path).filter((n) => n > at(path).storedSequence).length;
      const liveBefore = new Map(PATHS.map((path) => [path, live(path)]));
      const callsBefore = backend.started.length;
      const freshBefore = step.kind === 'read' || step.kind === 'getSecret' ? fresh(PATH_OF[step.field]) : false;
      switch (step.kind) {
        case 'read': {
          reads += 1;
          const path = PATH_OF[step.field];
          const last = stored(path);
          let outcome: { value: unknown } | { error: unknown };
          try {
            outcome = { value: config[step.field] };
          } catch (error) {
            outcome = { error };
          }
          if (last === undefined) {
            if (!('error' in outcome) || !SecretNotLoadedError.is(outcome.error)) problems.push(`${where}: never stored, expected SecretNotLoadedError`);
          } else if ('value' in outcome) {
            if (outcome.value !== last.value) problems.push(`${where}: read ${String(outcome.value)}, latest stored ${last.value}`);
            if (!freshBefore && !staleOnError && at(path).failedLatest) problems.push(`${where}: served a stale value after a failed refresh with staleOnError off`);
          } else if (freshBefore || staleOnError || !at(path).failed || !TransientError.is(outcome.error)) {
            problems.push(`${where}: threw ${String(outcome.error)} (fresh ${freshBefore}, failed ${at(path).failed})`);
          }
          break;
        }
        case 'getSecret': {
          reads += 1;
          const path = PATH_OF[step.field];
          const history = at(path).history;
          const storedAtCall = history.length;
          getSecret(config, step.field).then(
            (value) => {
              const index = history.findIndex((h) => h.value === value);
              if (index < 0) problems.push(`${where}: getSecret resolved ${String(value)}, which was never stored`);
              else if (index < storedAtCall - 1) problems.push(`${where}: getSecret resolved ${String(value)}, older than the value stored when called`);
              else if (freshBefore && index !== storedAtCall - 1) problems.push(`${where}: a fresh getSecret did not resolve the stored value`);
              else if (!freshBefore && !staleOnError && index < storedAtCall) problems.push(`${where}: getSecret resolved a stale value with staleOnError off`);
            },
            (error: unknown) => {
              if (!TransientError.is(error)) problems.push(`${where}: getSecret rejected with ${String(error)}`);
              else if (staleOnError && storedAtCall > 0) problems.push(`${where}: getSecret rejected although a stale value was cached`);
              else if (freshBefore) problems.push(`${where}: getSecret rejected on a fresh entry`);
            },
          );
          break;
        }
        case 'refresh':
          reads += 1;
          refresh(config, step.field).catch((error: unknown) => {
            if (!TransientError.is(error)) problems.push(`${where}: refresh rejected with ${String(error)}`);
          });
          break;
        case 'refreshAll':
          reads += 1;
          for (const path of PATHS) if (stored(path) !== undefined) at(path).expired = true;
          refreshAll(config).catch((error: unknown) => {
            if (!TransientError.is(error)) problems.push(`${where}: refreshAll rejected with ${String(error)}`);
          });
          break;
        case 'prefetch':
          reads += 1;
          prefetch(config).catch((error: unknown) => {
            if (!TransientError.is(error)) problems.push(`${where}: prefetch rejected with ${String(error)}`);
          });
          break;
        case 'advance':
          clock.advance(step.ms);
          break;
        case 'failing':
          backend.failing = step.on;
          break;
        case 'release':
          backend.release();
          break;
        case 'releaseNewest':
          backend.releaseNewest();
          break;
      }
      await settle();

      const started = backend.started.slice(callsBefore);
      if (freshBefore && started.length > 0) problems.push(`${where}: a read of a fresh entry called the backend`);
      // refresh and refreshAll fetch anew by design: an earlier fetch may predate a rotation.
      if (step.kind !== 'refresh' && step.kind !== 'refreshAll') {
        const startedNow = new Map<string, number>();
        for (const paths of started) for (const path of paths) startedNow.set(path, (startedNow.get(path) ?? 0) + 1);
        for (const [path, n] of startedNow) {
          if (n + (liveBefore.get(path as Path) ?? 0) > 1) problems.push(`${where}: a second fetch of ${path} while a live one was in flight`);
        }
      }
      if (backend.started.length > reads) problems.push(`${where}: ${backend.started.length} backend calls for ${reads} reads and refreshes`);
      if (fresh('/a') && config.a !== config.a2) problems.push(`${where}: a and a2 share /a but disagree`);
      if (problems.length > 0) break;
    }
    backend.release();
    await settle();
  } finally {
    dispose(config);
  }
  if (clock.pending !== 0) problems.push(`${clock.pending} timer(s) left after dispose`);
  return problems;
}

describe('cache and read paths (property-based)', () => {
  it('keep to the reference model under random interleavings, with staleOnError on and off', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(op, { minLength: 15, maxLength: 50 }), async (staleOnError, ops) => {
        expect(await brokenRules(staleOnError, ops)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('after any history, a successful prefetch makes every read a warm hit with no backend call', async () => {
    const settleAll: Op[] = [{ kind: 'failing', on: false }, { kind: 'release' }, { kind: 'prefetch' }, { kind: 'release' }];
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(op, { maxLength: 20 }), async (staleOnError, before) => {
        const reads = FIELDS.map((f): Op => ({ kind: 'read', field: f }));
        expect(await brokenRules(staleOnError, [...before, ...settleAll, ...reads])).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('an older answer that arrives after a newer one is dropped (refresh racing a read)', async () => {
    const problems = await brokenRules(false, [
      { kind: 'getSecret', field: 'b' }, // fetch 1 of /b
      { kind: 'refresh', field: 'b' }, // fetch 2 of /b, not coalesced
      { kind: 'releaseNewest' }, // fetch 2 answers first: /b#1 stored
      { kind: 'release' }, // fetch 1 answers late with /b#2: must not replace /b#1
      { kind: 'read', field: 'b' },
    ]);
    expect(problems).toEqual([]);
  });

  it('a read after a refresh overtook an older fetch does not wait for the older, dropped answer', async () => {
    const problems = await brokenRules(false, [
      { kind: 'getSecret', field: 'a' }, // fetch 1 of /a
      { kind: 'refresh', field: 'a' }, // fetch 2 of /a, not coalesced
      { kind: 'releaseNewest' }, // fetch 2 answers; fetch 1 is still in flight, its answer to be dropped
      { kind: 'advance', ms: 10_000 }, // /a expires
      { kind: 'getSecret', field: 'a' }, // fetch 3: must resolve to a newer value, not the expired one
      { kind: 'refreshAll' }, // fetch 4: refreshAll never joins (fetch 3 may predate a rotation)
      { kind: 'read', field: 'a' },
      { kind: 'release' },
      { kind: 'read', field: 'a' },
    ]);
    expect(problems).toEqual([]);
  });

  it('a read while an overtaken but still live refresh is in flight joins it instead of fetching again', async () => {
    const problems = await brokenRules(false, [
      { kind: 'refresh', field: 'a' }, // fetch 1 of /a
      { kind: 'refresh', field: 'a' }, // fetch 2 of /a, not coalesced
      { kind: 'failing', on: true },
      { kind: 'releaseNewest' }, // fetch 2 fails; fetch 1 is in flight and its answer can still be stored
      { kind: 'getSecret', field: 'a' }, // one fetch per key: must join fetch 1
      { kind: 'failing', on: false },
      { kind: 'release' },
    ]);
    expect(problems).toEqual([]);
  });

  it('the rules catch a cache that serves an old value (they do not pass vacuously)', async () => {
    const clock = new ManualClock();
    const backend = new HeldBackend();
    const config = await bindSecrets(new StrictModel(), { backend, clock, refreshJitter: 0 });
    try {
      const loading = prefetch(config);
      await settle();
      backend.release();
      await loading;
      expect(config.b).toBe('/b#1');
      const refreshing = refresh(config, 'b');
      await settle();
      backend.release();
      await refreshing;
      expect(config.b).toBe('/b#2');
      expect(backend.started).toEqual([['/a', '/b', '/c'], ['/b']]);
    } finally {
      dispose(config);
    }
  });
});
