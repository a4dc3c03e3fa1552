import { missingSecrets } from '../backends/Backend.js';
import { PartialBatchError } from '../backends/PartialBatchError.js';
import { DEFAULT_REFRESH_COOLDOWN } from '../constants.js';
import { SecretNotFoundError, TransientError } from '../errors.js';
import { log, type Logger } from '../logging/Logger.js';
import type { Slot } from './Slot.js';

/** What a {@link RefreshBatcher} needs from the model runtime it refreshes for. */
export interface RefreshHost {
  readonly logger: Logger;
  readonly staleOnError: boolean;
  isDisposed(): boolean;
  now(): number;
  /** One jitter draw, shared by everything one flush stores. */
  expiryFactor(): number;
  /** `backend.getBatch` through the runtime's call wrapper (abort on dispose, tracing). */
  getBatch(paths: readonly string[]): Promise<unknown>;
  /** `backend.get` of one slot (with its version, if any), through the same wrapper. */
  get(slot: Slot): Promise<unknown>;
  /** Checks, casts and stores one slot's answer; returns the raw string; throws when it does not cast. */
  commit(slot: Slot, raw: unknown, sequence: number, factor: number): string;
}

/** A slot waiting for the next flush, with the fetch promise its readers joined. */
interface Queued {
  readonly slot: Slot;
  readonly sequence: number;
  readonly resolve: (value: string) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Background refreshes of one model, coalesced. A synchronous read of an expired secret asks for
 * one; every request made before the next microtask (the 50 reads of a request handler) is
 * fetched together: one `getBatch` for the unversioned paths (a `get` when there is only one), one
 * `get` per versioned one, where each used to cost a `get` of its own. A queued slot counts as in flight at once, so a
 * `getSecret` in the meantime joins it (single flight). Each slot keeps its own outcome: a missing
 * secret, a value that does not cast or a path still owed by a `PartialBatchError` fails alone,
 * and the values that did arrive are stored. A slot whose refresh failed waits out the cool-down
 * before it is queued again.
 */
export class RefreshBatcher {
  #queue: Queued[] = [];
  readonly #host: RefreshHost;

  constructor(host: RefreshHost) {
    this.#host = host;
  }

  /** Queues a background refresh of `slot`, unless one is in flight or the slot is cooling down. */
  request(slot: Slot): void {
    const host = this.#host;
    if (slot.fetches?.inflight !== undefined || host.isDisposed()) return;
    if (slot.fetches !== undefined && host.now() < slot.fetches.retryAt) return;
    const fetches = slot.fetchState();
    const sequence = ++fetches.started;
    let resolve!: (value: string) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<string>((onValue, onError) => {
      resolve = onValue;
      reject = onError;
    });
    // Tracking handles the promise's rejection, so a refresh nobody awaits is never unhandled.
    fetches.track(sequence, promise, () => slot.dropIfIdle());
    if (this.#queue.push({ slot, sequence, resolve, reject }) === 1) queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    const queued = this.#queue;
    this.#queue = [];
    let factor: number;
    try {
      factor = this.#host.expiryFactor();
    } catch (error) {
      // An injected random source that throws must fail these refreshes, not crash the process
      // from a microtask.
      for (const q of queued) this.#fail(q, error);
      return;
    }
    const unversioned = queued.filter((q) => q.slot.version === undefined);
    // One request either way; alone, a secret keeps the single read's wire call and errors.
    if (unversioned.length > 1) this.#batch(unversioned, factor, true);
    for (const q of queued) if (q.slot.version !== undefined || unversioned.length === 1) this.#single(q, factor);
  }

  #batch(queued: readonly Queued[], factor: number, retryUnnamed: boolean): void {
    this.#host.getBatch(queued.map((q) => q.slot.path)).then(
      (record) => {
        for (const q of queued) {
          const path = q.slot.path;
          // Own keys only: a path named like an Object.prototype member must not read the prototype.
          if (typeof record === 'object' && record !== null && Object.hasOwn(record, path)) this.#store(q, (record as Record<string, unknown>)[path], factor);
          else this.#fail(q, missingSecrets([path]));
        }
      },
      (error: unknown) => {
        if (PartialBatchError.is(error)) {
          const fetched = PartialBatchError.fetchedValues(error);
          const missing = new Set(error.missing);
          for (const q of queued) {
            const path = q.slot.path;
            if (Object.hasOwn(fetched, path)) this.#store(q, fetched[path], factor);
            else if (missing.has(path)) this.#fail(q, missingSecrets([path], error));
            else this.#fail(q, error.owed.find((owed) => owed.paths.includes(path))?.error ?? error);
          }
          return;
        }
        if (!SecretNotFoundError.is(error)) {
          for (const q of queued) this.#fail(q, error);
          return;
        }
        const named = new Set(error.paths.length > 0 ? error.paths : error.path === undefined ? [] : [error.path]);
        const others = queued.filter((q) => !named.has(q.slot.path));
        for (const q of queued) if (named.has(q.slot.path)) this.#fail(q, missingSecrets([q.slot.path], error));
        if (others.length === 0) return;
        // The batch named what is missing but returned nothing of the rest: ask for the rest once more.
        if (retryUnnamed && others.length < queued.length) this.#batch(others, factor, false);
        else for (const q of others) this.#fail(q, error);
      },
    );
  }

  #single(q: Queued, factor: number): void {
    this.#host.get(q.slot).then(
      (raw) => this.#store(q, raw, factor),
      (error: unknown) => this.#fail(q, error),
    );
  }

  #store(q: Queued, raw: unknown, factor: number): void {
    let value: string;
    try {
      value = this.#host.commit(q.slot, raw, q.sequence, factor);
    } catch (error) {
      this.#fail(q, error);
      return;
    }
    if (q.slot.fetches !== undefined) q.slot.fetches.retryAt = 0;
    q.resolve(value);
  }

  #fail(q: Queued, error: unknown): void {
    const { slot } = q;
    const host = this.#host;
    slot.fetchState().fail(q.sequence, error);
    if (!host.isDisposed()) {
      slot.fetchState().retryAt = host.now() + DEFAULT_REFRESH_COOLDOWN * 1000;
      const stale = host.staleOnError && TransientError.is(error);
      log(
        host.logger,
        'warn',
        { path: slot.path, error: error instanceof Error ? error.name : typeof error },
        stale ? 'vaultly: background refresh failed, serving the stale value' : 'vaultly: background refresh failed',
      );
    }
    q.reject(error);
  }
}
