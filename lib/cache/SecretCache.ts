import { DEFAULT_REFRESH_JITTER } from '../constants.js';
import { CachePartition } from './CachePartition.js';
import { systemClock, type Clock } from './Clock.js';
import { isRefreshJitter, REFRESH_JITTER_RULE } from './isRefreshJitter.js';
import { SharedFetches } from './SharedFetches.js';

const noop = (): void => undefined;

/** Options of a {@link SecretCache}. */
export interface SecretCacheOptions {
  /** Time source for expiry. (default: the system clock with unref'd timers) */
  clock?: Clock;
  /**
   * Share of its ttl by which each entry's expiry is brought forward at random, so that caches
   * filled together do not all refresh together. `0` turns it off. A model's own
   * `@SecretModel({ refreshJitter })` takes precedence. (default: `0.2`)
   */
  refreshJitter?: number;
  /** Uniform random numbers in [0, 1), for the jitter. (default: `Math.random`) */
  random?: () => number;
}

/** Options of one {@link SecretCache.partition}. */
export interface PartitionOptions {
  /** This partition's `refreshJitter` (default: the cache's). */
  refreshJitter?: number | undefined;
}

/**
 * The secret cache: one per container (or per `bindSecrets` call), partitioned per root model so
 * that `refreshAll(prod)` leaves `dev` untouched. Fetches in flight are shared across its roots,
 * per backend (see {@link SharedFetches}): the scope a model is resolved in does not change how
 * many calls reach the backend.
 *
 * @example
 * ```ts
 * const cache = new SecretCache();
 * const partition = cache.partition();
 * ```
 */
export class SecretCache {
  readonly #clock: Clock;
  readonly #refreshJitter: number;
  readonly #random: () => number;
  /**
   * Held weakly: a partition lives as long as its model does. A model resolved in transient
   * scope is never deactivated by inversify, so a strong set here would keep every one of them
   * (and its secrets) for the container's lifetime.
   */
  readonly #partitions = new Set<WeakRef<CachePartition>>();
  /** Set size after the last sweep of collected partitions: sweeping when it doubles is O(1) amortised. */
  #swept = 0;
  /** The fetches in flight, per backend: weakly keyed, a dropped backend takes its table along. */
  #fetches: WeakMap<object, SharedFetches> | undefined = undefined;

  constructor(options: SecretCacheOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    const refreshJitter = options.refreshJitter ?? DEFAULT_REFRESH_JITTER;
    if (!isRefreshJitter(refreshJitter)) throw new TypeError(`SecretCache: options.refreshJitter ${REFRESH_JITTER_RULE}`);
    if (options.random !== undefined && typeof options.random !== 'function') throw new TypeError('SecretCache: options.random must be a function');
    this.#refreshJitter = refreshJitter;
    this.#random = options.random ?? Math.random;
  }

  /** The `refreshJitter` of partitions that do not set their own. */
  get refreshJitter(): number {
    return this.#refreshJitter;
  }

  /** The clock entries expire by. */
  get clock(): Clock {
    return this.#clock;
  }

  /** A new, empty partition for one root model. */
  partition(options: PartitionOptions = {}): CachePartition {
    const refreshJitter = options.refreshJitter ?? this.#refreshJitter;
    if (!isRefreshJitter(refreshJitter)) throw new TypeError(`SecretCache.partition: options.refreshJitter ${REFRESH_JITTER_RULE}`);
    // No dispose callback per partition (a closure and its context for each of thousands of
    // models): disposed partitions are swept like collected ones.
    const partition = new CachePartition(this.#clock, noop, { refreshJitter, random: this.#random });
    if (this.#partitions.size >= 2 * this.#swept + 16) this.#sweep();
    this.#partitions.add(new WeakRef(partition));
    return partition;
  }

  /**
   * The table of fetches in flight on `backend`, shared by every root model bound to this cache
   * and that backend: concurrent loads of one key from different roots make one backend call.
   */
  fetchesFor(backend: object): SharedFetches {
    const tables = (this.#fetches ??= new WeakMap());
    let fetches = tables.get(backend);
    if (fetches === undefined) {
      fetches = new SharedFetches();
      tables.set(backend, fetches);
    }
    return fetches;
  }

  /** Number of live partitions. */
  get partitions(): number {
    this.#sweep();
    return this.#partitions.size;
  }

  /** Forgets partitions that were disposed, or garbage-collected (their models were dropped undisposed). */
  #sweep(): void {
    for (const ref of this.#partitions) if (ref.deref()?.disposed !== false) this.#partitions.delete(ref);
    this.#swept = this.#partitions.size;
  }

  /** Total number of entries across partitions. */
  get size(): number {
    let size = 0;
    for (const ref of this.#partitions) size += ref.deref()?.size ?? 0;
    return size;
  }

  /** Disposes every partition: entries dropped, timers stopped. */
  dispose(): void {
    for (const ref of [...this.#partitions]) ref.deref()?.dispose();
  }
}
