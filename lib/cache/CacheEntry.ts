/** Lifecycle of a cache entry. A string union with a constant object, not an enum. */
export const EntryState = Object.freeze({ Empty: 0, Fresh: 1, Expired: 2 } as const);
export type EntryState = (typeof EntryState)[keyof typeof EntryState];

/** `expiresAt` of an entry that never expires. */
export const NEVER = -1;

/**
 * One cached secret: the raw string the backend returned, whether it is fresh, and what is in
 * flight for it. Fields are public for the read hot path; only {@link CachePartition} and the
 * model runtime write them.
 */
export class CacheEntry {
  /** The raw value, kept after expiry for stale reads. */
  value: string | undefined = undefined;
  state: EntryState = EntryState.Empty;
  /**
   * Clock time (ms) at which the entry expires; {@link NEVER} when it never does. A small integer
   * sentinel rather than Infinity: V8 stores Infinity as a boxed number in every entry.
   */
  expiresAt: number = NEVER;
  /** Position in the partition's expiry heap, -1 when not scheduled. */
  heapIndex = -1;
  /** The error of the last failed fetch, cleared by the next success. */
  error: unknown = undefined;
  /** The fetch in flight for this key, shared by every caller that waits on it. */
  inflight: Promise<string> | undefined = undefined;
}
