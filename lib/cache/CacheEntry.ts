/** Lifecycle of a cache entry. A string union with a constant object, not an enum. */
export const EntryState = Object.freeze({ Empty: 0, Fresh: 1, Expired: 2 } as const);
export type EntryState = (typeof EntryState)[keyof typeof EntryState];

/** `expiresAt` of an entry that never expires. */
export const NEVER = -1;

/**
 * One cached value and whether it is fresh. Fields are public for the read hot path; only
 * {@link CachePartition} and the model runtime write them. A model's slots extend it, so that a
 * cached secret is one object.
 */
export class CacheEntry<V = string> {
  /** The value, kept after expiry for stale reads. */
  value: V | undefined = undefined;
  state: EntryState = EntryState.Empty;
  /**
   * Clock time (ms) at which the entry expires; {@link NEVER} when it never does. A small integer
   * sentinel rather than Infinity: V8 stores Infinity as a boxed number in every entry.
   */
  expiresAt: number = NEVER;
  /** Position in the partition's expiry heap, -1 when not scheduled. */
  heapIndex = -1;
}
