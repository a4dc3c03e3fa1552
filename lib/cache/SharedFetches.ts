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
 * {@link SharedFetches.peer | peer} later roots of its class may take fresh values from.
 */
export class SharedFetches {
  readonly #inflight = new Map<string, InFlight>();
  /** Per model class, one live root whose settled values later roots of the class may take. */
  #peers: WeakMap<object, WeakRef<object>> | undefined = undefined;

  /**
   * The root registered for `kind` (a model class) by {@link offerPeer}, if it is still alive.
   * Roots of one class resolved in transient or request scope usually read the same keys: a new
   * one takes what this one holds fresh instead of calling the backend. Held weakly: a peer is
   * never kept alive by being one.
   */
  peer(kind: object): object | undefined {
    return this.#peers?.get(kind)?.deref();
  }

  /** Registers `holder` as the peer of `kind` unless a live one (by `isLive`) is registered. */
  offerPeer(kind: object, holder: object, isLive: (peer: object) => boolean): void {
    const current = this.peer(kind);
    if (current !== undefined && (current === holder || isLive(current))) return;
    (this.#peers ??= new WeakMap()).set(kind, new WeakRef(holder));
  }

  /** Number of keys in flight. */
  get size(): number {
    return this.#inflight.size;
  }

  /**
   * The answer for `key`: joins the call in flight, or starts one with `start`. The caller waits
   * on `signal` (its own call's, aborted when its model is disposed); the shared call is aborted
   * only once every waiter's signal has.
   */
  get(key: string, signal: AbortSignal, force: boolean, start: (signal: AbortSignal) => Promise<string>): Promise<string> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const inflight = force ? undefined : this.#inflight.get(key);
    if (inflight !== undefined) return wait(inflight.call, inflight.promise, signal);
    const call = new SharedCall();
    const promise = settleOn(call, start(call.controller.signal));
    this.#track(key, { call, promise });
    return wait(call, promise, signal);
  }

  /**
   * The values of unversioned `paths`: the ones in flight are joined, the rest fetched with one
   * `start` (a `getBatch`). Settles as one `getBatch` would: a record of every path, one
   * `SecretNotFoundError` naming every missing path, or a `PartialBatchError` with what was read
   * when some of it failed transiently.
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
      const inflight = force ? undefined : this.#inflight.get(path);
      if (inflight !== undefined) joined.push([path, wait(inflight.call, inflight.promise, signal)]);
      else rest.push(path);
    }
    let own: Promise<Record<string, string>> | undefined;
    if (rest.length > 0) {
      const call = new SharedCall();
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
        const value = result.value;
        if (typeof value === 'string') values[asked[0] as string] = value;
        else Object.assign(values, value);
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

  /** Makes `inflight` the call later loads of `key` join, until it settles. */
  #track(key: string, inflight: InFlight): void {
    this.#inflight.set(key, inflight);
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
    if (--call.waiters === 0 && !call.settled) call.controller.abort(abortReason(signal));
  };
  signal.addEventListener('abort', leave, { once: true });
  const done = (): void => signal.removeEventListener('abort', leave);
  promise.then(done, done);
  return promise;
}

/** One path's share of a batch, settled as a single `get` of it would be. */
function valueOf(batch: Promise<Record<string, string>>, path: string): Promise<string> {
  const value = batch.then(
    (record) => {
      // Own keys only: a path named like an Object.prototype member must not read the prototype.
      if (typeof record === 'object' && record !== null && Object.hasOwn(record, path)) return record[path] as string;
      throw missingSecrets([path]);
    },
    (error: unknown) => {
      if (PartialBatchError.is(error)) {
        const fetched = PartialBatchError.fetchedValues(error);
        if (Object.hasOwn(fetched, path)) return fetched[path] as string;
        if (error.missing.includes(path)) throw missingSecrets([path], error);
        throw error.owed.find((owed) => owed.paths.includes(path))?.error ?? error;
      }
      if (SecretNotFoundError.is(error) && (error.paths.includes(path) || error.path === path)) throw missingSecrets([path], error);
      if (SecretNotFoundError.is(error)) {
        // The batch named others missing and returned nothing of this one: it is owed, not missing.
        throw new TransientError(`the batch that read '${path}' failed on other paths`, { path, cause: error });
      }
      throw error;
    },
  );
  // Nobody may join it; its failure is the batch's, handled there.
  value.catch(() => undefined);
  return value;
}
