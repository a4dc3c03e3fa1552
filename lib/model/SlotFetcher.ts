import { missingSecrets } from '../backends/Backend.js';
import { ConfigError, SecretNotFoundError } from '../errors.js';
import { raceAbort } from '../internal/abort.js';
import type { BackendCalls } from './BackendCalls.js';
import type { Fetches } from './Fetches.js';
import { expectString } from './expectString.js';
import type { Slot } from './Slot.js';
import type { SlotStore } from './SlotStore.js';

/**
 * A fresh value another root holds for a key: the backend's string, which the taker casts for its
 * own fields (so each root owns its objects), and the share of the lender's ttl it has left now.
 */
export interface Lent {
  readonly raw: string;
  /**
   * Passed to the store as the expiry factor, so the taken value expires when the lender's does:
   * valid only now, so a value is taken (again) right before it is stored.
   */
  readonly factor: number;
}

/** How a root takes settled values from another root of the cache (see {@link SharedFetches.lenderOf}). */
export interface Lender {
  /** A fresh value for `slot`'s key held by another live root, if any. */
  lend(slot: Slot): Lent | undefined;
  /** Called after a load stored values: the root may become the one others take from. */
  loaded(): void;
  /** Called after `slot`'s value, from a fetch started at `generation` of its key, was stored. */
  stored(slot: Slot, generation: number): void;
}

/**
 * The callers waiting on one root's fetch of a slot that a caller with a signal started: when
 * every one of them gave up, the fetch is aborted (and with it this root's wait on the shared
 * backend call). A caller without a signal pins it: it then runs to the end.
 */
class Waiters {
  readonly controller = new AbortController();
  count = 0;
  pinned = false;
}

/**
 * Loads a root model's slots: one fetch per key in flight (later readers join it), and many keys
 * at once as one `getBatch` of the unversioned ones plus a `get` per versioned one. Each fetch
 * carries a sequence number, so that the {@link SlotStore} keeps only the newest answer. A load
 * that may join (not forced, not after `invalidate`) first takes a fresh value another root of
 * the cache holds for the key, if the {@link Lender} has one.
 */
export class SlotFetcher {
  readonly #calls: BackendCalls;
  readonly #store: SlotStore;
  readonly #name: string;
  readonly #lender: Lender | undefined;
  /** The waiters of fetches that callers with a signal started, by the fetch's promise. */
  #waiters: WeakMap<Promise<string | undefined>, Waiters> | undefined = undefined;

  /**
   * @param calls - the model's backend calls; once aborted, the model is disposed
   * @param store - where answers go
   * @param name - the root class name, for messages
   * @param lender - values settled in other roots (default: none)
   */
  constructor(calls: BackendCalls, store: SlotStore, name: string, lender?: Lender) {
    this.#calls = calls;
    this.#store = store;
    this.#name = name;
    this.#lender = lender;
  }

  /**
   * One fetch per key in flight (`force` starts a new one anyway); the value is stored only if
   * every field bound to it casts, and only if no fetch that started later was stored first.
   * A caller's `signal` counts it as a waiter: the fetch is aborted once every waiter gave up.
   * Resolves to the raw string (or undefined, when the fetch's answer was not stored).
   */
  load(slot: Slot, force = false, signal?: AbortSignal): Promise<string | undefined> {
    const inflight = slot.fetches?.inflight;
    const waiters = inflight === undefined ? undefined : this.#waiters?.get(inflight);
    // One whose waiters all gave up is not joined: its answer is their abort.
    if (inflight !== undefined && !force && waiters?.controller.signal.aborted !== true) return this.#wait(inflight, waiters, signal);
    const fetches = slot.fetchState();
    const sequence = ++fetches.started;
    // Another root of the cache may be fetching this key: join it, unless forced (or invalidated).
    const joinable = fetches.takeJoinable() && !force;
    const lent = joinable && !this.#calls.aborted ? this.#lender?.lend(slot) : undefined;
    if (lent !== undefined) {
      try {
        this.#store.commit([[slot, lent.raw]], [sequence], lent.factor);
        return Promise.resolve(lent.raw);
      } catch (error) {
        return Promise.reject(error);
      } finally {
        slot.dropIfIdle();
      }
    }
    const own = signal === undefined ? undefined : new Waiters();
    const call = this.#calls.get(slot, !joinable, own?.controller.signal);
    const generation = this.#lender === undefined ? 0 : this.#calls.generation(slot.key);
    const promise = call
      .then((raw) => {
        const value = expectString(raw, slot);
        this.#store.commit([[slot, value]], [sequence]);
        this.#lender?.stored(slot, generation);
        this.#lender?.loaded();
        return value;
      })
      .catch((error: unknown) => {
        // Every caller gave up: nothing failed that a later read should see.
        if (own?.controller.signal.aborted !== true) fetches.fail(sequence, error);
        throw error;
      });
    track(slot, sequence, promise);
    if (own === undefined) return promise;
    (this.#waiters ??= new WeakMap()).set(promise, own);
    return this.#wait(promise, own, signal);
  }

  /** Counts the caller as a waiter of `promise` (by its `signal`, or for good without one). */
  #wait(promise: Promise<string | undefined>, waiters: Waiters | undefined, signal: AbortSignal | undefined): Promise<string | undefined> {
    if (waiters === undefined) return promise;
    if (signal === undefined) {
      waiters.pinned = true;
      return promise;
    }
    if (signal.aborted) return promise;
    waiters.count++;
    const leave = (): void => {
      if (--waiters.count === 0 && !waiters.pinned) waiters.controller.abort(signal.reason);
    };
    signal.addEventListener('abort', leave, { once: true });
    const done = (): void => signal.removeEventListener('abort', leave);
    promise.then(done, done);
    return promise;
  }

  /**
   * Loads `slots`, joining the fetches in flight unless `force`; rejects if the model is
   * disposed before they settle (nothing was stored then).
   */
  fetchAll(slots: readonly Slot[], force: boolean, signal: AbortSignal | undefined): Promise<void> {
    const joined: Promise<string | undefined>[] = [];
    const fresh: Slot[] = [];
    for (const slot of slots) {
      const inflight = force ? undefined : slot.fetches?.inflight;
      if (inflight !== undefined) joined.push(inflight);
      else fresh.push(slot);
    }
    const allSequences = fresh.map((slot) => ++slot.fetchState().started);
    const allDetached = fresh.map((slot) => !(slot.fetches as Fetches).takeJoinable());
    // What another root holds fresh is taken, after the fetch of the rest stored its values: all
    // or nothing, as one batch.
    const lent: [Slot, Lent, number][] = [];
    const fetched: Slot[] = [];
    const sequences: number[] = [];
    const detached: boolean[] = [];
    fresh.forEach((slot, i) => {
      const value = force || allDetached[i] === true ? undefined : this.#lender?.lend(slot);
      if (value !== undefined) lent.push([slot, value, allSequences[i] as number]);
      else {
        fetched.push(slot);
        sequences.push(allSequences[i] as number);
        detached.push(force || allDetached[i] === true);
      }
    });
    const work = this.#fetchAndCommit(fetched, sequences, detached).then(async (values) => {
      // Taken again now: while the rest was fetched, the lender's value may have expired, or a
      // refresh made another root the lender. What is no longer lent is fetched.
      const late: Slot[] = [];
      const lateSequences: number[] = [];
      for (const [slot, , sequence] of lent) {
        const now = this.#calls.aborted ? undefined : this.#lender?.lend(slot);
        if (now === undefined) {
          late.push(slot);
          lateSequences.push(sequence);
          continue;
        }
        this.#store.commit([[slot, now.raw]], [sequence], now.factor);
        values.set(slot, now.raw);
      }
      if (late.length > 0) {
        const more = await this.#fetchAndCommit(
          late,
          lateSequences,
          late.map(() => false),
        );
        for (const [slot, value] of more) values.set(slot, value);
      }
      if (fetched.length > 0 || late.length > 0) this.#lender?.loaded();
      return values;
    });
    fresh.forEach((slot, i) => track(slot, allSequences[i] as number, work.then((values) => values.get(slot))));
    const done = Promise.all([work, ...joined]).then(() => this.#assertLive());
    return raceAbort(done, signal);
  }

  /** `forced[i]`: whether the fetch of `slots[i]` must not join another root's in flight. */
  async #fetchAndCommit(slots: readonly Slot[], sequences: readonly number[], forced: readonly boolean[]): Promise<Map<Slot, string | undefined>> {
    const unversioned = slots.filter((slot) => slot.version === undefined);
    const versioned = slots.filter((slot) => slot.version !== undefined);
    // One forced slot forces the batch: fetching a joinable key anew is only a little extra.
    const forceBatch = slots.some((slot, i) => slot.version === undefined && forced[i] === true);
    const batch =
      unversioned.length === 0
        ? Promise.resolve<Record<string, string>>({})
        : this.#calls.batch(
            unversioned.map((slot) => slot.path),
            forceBatch,
          );
    const singles = slots.flatMap((slot, i) => (slot.version === undefined ? [] : [this.#calls.get(slot, forced[i] === true).then((raw) => expectString(raw, slot))]));
    // Taken once the calls started: a forced one began a new generation of its keys.
    const generations = this.#lender === undefined ? undefined : slots.map((slot) => this.#calls.generation(slot.key));
    const [batchResult, ...singleResults] = await Promise.allSettled([batch, ...singles]);

    const missing: string[] = [];
    const missed = new Set<Slot>();
    let failure: { error: unknown } | undefined;
    const values = new Map<Slot, string>();
    if (batchResult?.status === 'rejected') {
      const error: unknown = batchResult.reason;
      if (!SecretNotFoundError.is(error)) failure ??= { error };
      else {
        const paths = error.paths.length > 0 ? error.paths : [error.path ?? '(unknown path)'];
        missing.push(...paths);
        for (const slot of unversioned) if (paths.includes(slot.path)) missed.add(slot);
      }
    } else if (batchResult !== undefined) {
      const record: unknown = batchResult.value;
      for (const slot of unversioned) {
        // Own keys only: a path named like an Object.prototype member must not read the prototype.
        if (typeof record !== 'object' || record === null || !Object.hasOwn(record, slot.path)) {
          missing.push(slot.path);
          missed.add(slot);
          continue;
        }
        try {
          values.set(slot, expectString((record as Record<string, unknown>)[slot.path], slot));
        } catch (error) {
          failure ??= { error };
        }
      }
    }
    singleResults.forEach((result, i) => {
      const slot = versioned[i] as Slot;
      if (result.status === 'fulfilled') values.set(slot, result.value);
      else if (!SecretNotFoundError.is(result.reason)) failure ??= { error: result.reason };
      else {
        missing.push(slot.label);
        missed.add(slot);
      }
    });

    const error = failure?.error ?? (missing.length > 0 ? missingSecrets([...new Set(missing)]) : undefined);
    if (error !== undefined) {
      // A missing secret marks only its own slots; any other failure marks the whole batch.
      slots.forEach((slot, i) => {
        if (failure !== undefined || missed.has(slot)) slot.fetchState().fail(sequences[i] as number, error);
      });
      throw error;
    }
    this.#store.commit(
      slots.filter((slot) => values.has(slot)).map((slot) => [slot, values.get(slot) as string] as const),
      sequences.filter((_, i) => values.has(slots[i] as Slot)),
    );
    if (generations !== undefined) slots.forEach((slot, i) => this.#lender?.stored(slot, generations[i] as number));
    return values;
  }

  #assertLive(): void {
    if (this.#calls.aborted) throw new ConfigError(`${this.#name}: the model was disposed`);
  }
}

/** Records `promise` as the slot's fetch in flight; the slot drops its fetch state once idle. */
function track(slot: Slot, sequence: number, promise: Promise<string | undefined>): void {
  slot.fetchState().track(sequence, promise, () => slot.dropIfIdle());
}

