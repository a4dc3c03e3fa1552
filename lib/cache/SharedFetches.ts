import { missingSecrets } from '../backends/missingSecrets.js';
import { PartialBatchError } from '../backends/PartialBatchError.js';
import { settleBatch } from '../backends/settleBatch.js';
import type { OwedPaths } from '../backends/PartialBatchError.js';
import { SecretNotFoundError, TransientError } from '../errors.js';
import { abortReason } from '../internal/abort.js';

/**
 * One backend call that any number of root models wait on. It runs on a signal of its own, aborted
 * only when the last of its waiters stops waiting (its model was disposed, or its caller gave up):
 * one root going away never fails the fetch the others share.
 */
class SharedCall {
  readonly controller = new AbortController();
  waiters = 0;
  settled = false;
  /** The keys it answers, and the table they are in flight in: dropped from it when aborted. */
  readonly #keys: string[] = [];
  readonly #table: Map<string, InFlight>;

  constructor(table: Map<string, InFlight>) {
    this.#table = table;
  }

  /** Whether later loads may join it: not once it was aborted (its answer is that abort). */
  get joinable(): boolean {
    return !this.controller.signal.aborted;
  }

  /** Records that `key` rides on it. */
  carry(key: string): void {
    this.#keys.push(key);
  }

  /**
   * Aborts it and forgets its keys at once: its backend may take a while to reject, and until it
   * does nobody may join it. (Not a listener on its signal per key: a batch has many keys.)
   */
  abort(reason: Error): void {
    this.controller.abort(reason);
    for (const key of this.#keys) if (this.#table.get(key)?.call === this) this.#table.delete(key);
  }
}

/**
 * A joined batch settled without an answer for the joiner's key (it failed on other paths, or as
 * a whole): the joiner fetches the key itself rather than take another root's failure.
 */
class NotAnswered {
  static readonly instance = new NotAnswered();
}

/** Per key that an explicit refresh fetched: its generation, and the root that stored its newest value. */
interface KeyGeneration {
  generation: number;
  holder: WeakRef<object> | undefined;
}

/** A key's fetch in flight: the call it rides on (a batch carries many keys) and its answer. */
interface InFlight {
  readonly call: SharedCall;
  readonly promise: Promise<string>;
}

/**
 * The backend calls in flight for one backend of one {@link SecretCache}, by cache key (`path`,
 * or `path` NUL `version`), shared by every root model of the cache: 100 transient roots reading
 * one cold secret make one call, whatever their scope. A batch joins the keys in flight and asks
 * the backend for the rest only. `force` (an explicit refresh) never joins a call that started
 * earlier, which may carry a value from before a rotation; it becomes the call later loads join.
 *
 * Only promises are held, and only while in flight: a settled call leaves nothing behind. Settled
 * values stay with the roots that stored them; one root per model class is known weakly, as the
 * {@link SharedFetches.peer | peer} later roots of its class may take fresh values from, and per
 * key that an explicit refresh fetched, the root that stored its newest generation
 * ({@link SharedFetches.lenderOf}). A joined batch that fails on other paths is not the joiner's
 * failure, and no error a joiner gets names another root's paths.
 */
export class SharedFetches {
  readonly #inflight = new Map<string, InFlight>();
  /** Per model class, one live root whose settled values later roots of the class may take. */
  #peers: WeakMap<object, WeakRef<object>> | undefined = undefined;
  /**
   * Keys an explicit refresh (`force`) fetched, with their generation: made on the first one, and
   * holding only such keys. A peer's value of such a key may predate the refresh, so it is lent
   * only by the root that stored the key's newest generation.
   */
  #generations: Map<string, KeyGeneration> | undefined = undefined;

  /**
   * The root registered for `kind` (a model class) by {@link offerPeer}, if it is still alive.
   * Roots of one class resolved in transient or request scope usually read the same keys: a new
   * one takes what this one holds fresh instead of calling the backend. Held weakly: a peer is
   * never kept alive by being one.
   */
  peer(kind: object): object | undefined {
    return this.#peers?.get(kind)?.deref();
  }

  /**
   * The root a new root of `kind` may take `key`'s value from: for a key that was ever refreshed,
   * the root that stored its newest generation (none while that refresh is in flight, or once
   * that root is gone); otherwise the class's {@link peer}.
   */
  lenderOf(key: string, kind: object): object | undefined {
    const known = this.#generations?.get(key);
    return known === undefined ? this.peer(kind) : known.holder?.deref();
  }

  /** Registers `holder` as the peer of `kind` unless a live one (by `isLive`) is registered. */
  offerPeer(kind: object, holder: object, isLive: (peer: object) => boolean): void {
    const current = this.peer(kind);
    if (current !== undefined && (current === holder || isLive(current))) return;
    (this.#peers ??= new WeakMap()).set(kind, new WeakRef(holder));
  }

  /** `key`'s generation: how many explicit refreshes of it started (0: none). */
  generation(key: string): number {
    return this.#generations?.get(key)?.generation ?? 0;
  }

  /**
   * After `holder` stored a value of `key` from a fetch that started at `generation`: when that
   * is still the key's newest and the key was ever refreshed, `holder` becomes the root others
   * take the key from (the newest such store wins).
   */
  stored(key: string, generation: number, holder: object): void {
    const known = this.#generations?.get(key);
    if (known !== undefined && known.generation === generation) known.holder = new WeakRef(holder);
  }

  /**
   * Starts a new generation of `key`: an explicit refresh of it is starting (called before its
   * fetch, synchronously). No root lends the key until one stores a value fetched from now on,
   * and the call in flight, which may predate a rotation, is joined no more.
   */
  beginRefresh(key: string): void {
    const generations = (this.#generations ??= new Map());
    const known = generations.get(key);
    if (known === undefined) generations.set(key, { generation: 1, holder: undefined });
    else {
      known.generation++;
      known.holder = undefined;
    }
    this.#inflight.delete(key);
  }

  /** Number of keys in flight. */
  get size(): number {
    return this.#inflight.size;
  }

  /**
   * The answer for `key`: joins the call in flight, or starts one with `start`. The caller waits
   * on `signal` (its own call's, aborted when its model is disposed or its caller gives up); the
   * shared call is aborted only once every waiter's signal has. A joined batch that does not
   * answer for `key` (it failed on other paths, or as a whole) is not this caller's failure: the
   * key is then fetched on its own.
   */
  get(key: string, signal: AbortSignal, force: boolean, start: (signal: AbortSignal) => Promise<string>): Promise<string> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const inflight = force ? undefined : this.#joinable(key);
    if (inflight !== undefined) return this.#join(inflight, signal, () => this.get(key, signal, false, start));
    const call = new SharedCall(this.#inflight);
    const promise = settleOn(call, start(call.controller.signal));
    this.#track(key, { call, promise });
    return wait(call, promise, signal);
  }

  /**
   * The values of unversioned `paths`: the ones in flight are joined, the rest fetched with one
   * `start` (a `getBatch`). Settles as one `getBatch` would: a record of every path, one
   * `SecretNotFoundError` naming every missing path, or a `PartialBatchError` with what was read
   * when some of it failed transiently. Errors name only `paths`, never a joined batch's others.
   */
  async batch(
    paths: readonly string[],
    signal: AbortSignal,
    force: boolean,
    start: (paths: readonly string[], signal: AbortSignal) => Promise<Record<string, string>>,
  ): Promise<Record<string, string>> {
    signal.throwIfAborted();
    const joined: [string, Promise<string>][] = [];
    const rest: string[] = [];
    for (const path of new Set(paths)) {
      const inflight = force ? undefined : this.#joinable(path);
      if (inflight === undefined) rest.push(path);
      else joined.push([path, this.#join(inflight, signal, () => this.get(path, signal, false, (own) => start([path], own).then((record) => pick(record, path))))]);
    }
    let own: Promise<Record<string, string>> | undefined;
    if (rest.length > 0) {
      const call = new SharedCall(this.#inflight);
      const batch = settleOn(call, start(rest, call.controller.signal));
      for (const path of rest) this.#track(path, { call, promise: valueOf(batch, path) });
      own = wait(call, batch, signal);
    }
    // Nothing joined: the batch's own answer and errors, unchanged.
    if (joined.length === 0) return own as Promise<Record<string, string>>;
    const [ownResult, ...joinedResults] = await Promise.allSettled([own ?? Promise.resolve({}), ...joined.map(([, promise]) => promise)]);
    const values = Object.create(null) as Record<string, string>;
    const missing: string[] = [];
    const owed: OwedPaths[] = [];
    const settled: [readonly string[], PromiseSettledResult<unknown>][] = [
      [rest, ownResult as PromiseSettledResult<unknown>],
      ...joined.map(([path], i): [readonly string[], PromiseSettledResult<unknown>] => [[path], joinedResults[i] as PromiseSettledResult<unknown>]),
    ];
    for (const [asked, result] of settled) {
      if (result.status === 'fulfilled') {
        const value: unknown = result.value;
        // Only the asked paths, as answered: whatever else a misbehaving backend returned stays
        // out, and a value that is not a string is left for the caller's check to refuse.
        if (asked === rest) {
          for (const path of rest) if (typeof value === 'object' && value !== null && Object.hasOwn(value, path)) values[path] = (value as Record<string, string>)[path] as string;
        } else values[asked[0] as string] = value as string;
        continue;
      }
      const error: unknown = result.reason;
      if (PartialBatchError.is(error)) {
        Object.assign(values, PartialBatchError.fetchedValues(error));
        owed.push(...error.owed);
        missing.push(...error.missing);
      } else if (SecretNotFoundError.is(error)) {
        missing.push(...(error.paths.length > 0 ? error.paths : asked));
      } else if (TransientError.is(error)) {
        owed.push({ paths: asked, error });
      } else {
        throw error;
      }
    }
    return settleBatch([...rest, ...joined.map(([path]) => path)], values, missing, owed);
  }

  /** The call in flight for `key`, unless it was aborted (its last waiter left). */
  #joinable(key: string): InFlight | undefined {
    const inflight = this.#inflight.get(key);
    return inflight?.call.joinable === true ? inflight : undefined;
  }

  /** Waits on `inflight`; when it settles without an answer for the key, runs `alone` instead. */
  #join(inflight: InFlight, signal: AbortSignal, alone: () => Promise<string>): Promise<string> {
    return wait(inflight.call, inflight.promise, signal).catch((error: unknown) => {
      if (error !== NotAnswered.instance) throw error;
      return alone();
    });
  }

  /** Makes `inflight` the call later loads of `key` join, until it settles. */
  #track(key: string, inflight: InFlight): void {
    this.#inflight.set(key, inflight);
    inflight.call.carry(key);
    const settle = (): void => {
      if (this.#inflight.get(key) === inflight) this.#inflight.delete(key);
    };
    inflight.promise.then(settle, settle);
  }
}

/** Marks `call` settled when `promise` does (an abort then aborts nothing). */
function settleOn<T>(call: SharedCall, promise: Promise<T>): Promise<T> {
  const settle = (): void => {
    call.settled = true;
  };
  promise.then(settle, settle);
  return promise;
}

/**
 * Counts the caller as a waiter of `call` until `signal` aborts; the last one to leave aborts
 * the call. The caller's own promise settles on its abort elsewhere (BackendCalls).
 */
function wait<T>(call: SharedCall, promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  call.waiters++;
  const leave = (): void => {
    if (--call.waiters === 0 && !call.settled) call.abort(abortReason(signal));
  };
  signal.addEventListener('abort', leave, { once: true });
  const done = (): void => signal.removeEventListener('abort', leave);
  promise.then(done, done);
  return promise;
}

/** `path`'s value in a one-path batch's `record`, or the error a `get` of a missing one gives. */
function pick(record: Record<string, string>, path: string): string {
  // Own keys only: a path named like an Object.prototype member must not read the prototype.
  if (typeof record === 'object' && record !== null && Object.hasOwn(record, path)) return record[path] as string;
  throw missingSecrets([path]);
}

/**
 * One path's share of a batch, for the roots that join it: its value, a `SecretNotFoundError`
 * naming only it (no `cause`: the batch's error names the starter's other paths), or
 * {@link NotAnswered} when the batch failed otherwise, so that the joiner fetches it itself.
 */
function valueOf(batch: Promise<Record<string, string>>, path: string): Promise<string> {
  const value = batch.then(
    (record) => pick(record, path),
    (error: unknown) => {
      if (PartialBatchError.is(error)) {
        const fetched = PartialBatchError.fetchedValues(error);
        if (Object.hasOwn(fetched, path)) return fetched[path] as string;
        if (error.missing.includes(path)) throw missingSecrets([path]);
      } else if (SecretNotFoundError.is(error) && (error.paths.includes(path) || error.path === path)) {
        throw missingSecrets([path]);
      }
      throw NotAnswered.instance;
    },
  );
  // Nobody may join it; its failure is the batch's, handled there.
  value.catch(() => undefined);
  return value;
}
