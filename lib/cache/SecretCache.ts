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
  readonly #partitions = new Set<CachePartition>();

  constructor(options: SecretCacheOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** The clock entries expire by. */
  get clock(): Clock {
    return this.#clock;
  }

  /** A new, empty partition for one root model. */
  partition(): CachePartition {
    const partition = new CachePartition(this.#clock, (p) => this.#partitions.delete(p));
    this.#partitions.add(partition);
    return partition;
  }

  /** Number of live partitions. */
  get partitions(): number {
    return this.#partitions.size;
  }

  /** Total number of entries across partitions. */
  get size(): number {
    let size = 0;
    for (const partition of this.#partitions) size += partition.size;
    return size;
  }

  /** Disposes every partition: entries dropped, timers stopped. */
  dispose(): void {
    for (const partition of [...this.#partitions]) partition.dispose();
  }
}
