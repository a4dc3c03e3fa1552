import { CachePartition } from './CachePartition.js';
import { systemClock, type Clock } from './Clock.js';

/** Options of a {@link SecretCache}. */
export interface SecretCacheOptions {
  /** Time source for expiry. (default: the system clock with unref'd timers) */
  clock?: Clock;
}

/**
 * The secret cache: one per container (or per `bindSecrets` call), partitioned per root model so
 * that `refreshAll(prod)` leaves `dev` untouched.
 *
 * @example
 * ```ts
 * const cache = new SecretCache();
 * const partition = cache.partition();
 * ```
 */
export class SecretCache {
  readonly #clock: Clock;
  /**
   * Held weakly: a partition lives as long as its model does. A model resolved in transient
   * scope is never deactivated by inversify, so a strong set here would keep every one of them
   * (and its secrets) for the container's lifetime.
   */
  readonly #partitions = new Set<WeakRef<CachePartition>>();
  /** Set size after the last sweep of collected partitions: sweeping when it doubles is O(1) amortised. */
  #swept = 0;

  constructor(options: SecretCacheOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** The clock entries expire by. */
  get clock(): Clock {
    return this.#clock;
  }

  /** A new, empty partition for one root model. */
  partition(): CachePartition {
    const partition = new CachePartition(this.#clock, () => this.#partitions.delete(ref));
    const ref = new WeakRef(partition);
    if (this.#partitions.size >= 2 * this.#swept + 16) this.#sweep();
    this.#partitions.add(ref);
    return partition;
  }

  /** Number of live partitions. */
  get partitions(): number {
    this.#sweep();
    return this.#partitions.size;
  }

  /** Forgets partitions that were garbage-collected (their models were dropped undisposed). */
  #sweep(): void {
    for (const ref of this.#partitions) if (ref.deref() === undefined) this.#partitions.delete(ref);
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
