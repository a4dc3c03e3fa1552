/** Lifecycle of a cache entry. A string union with a constant object, not an enum. */
export const EntryState = Object.freeze({ Empty: 0, Fresh: 1, Expired: 2 } as const);
export type EntryState = (typeof EntryState)[keyof typeof EntryState];

/**
 * One cached secret: the raw string the backend returned, whether it is fresh, and what is in
 * flight for it. Fields are public for the read hot path; only {@link CachePartition} and the
 * model runtime write them.
 */
export class CacheEntry {
  /** The raw value, kept after expiry for stale reads. */
  value: string | undefined = undefined;
  state: EntryState = EntryState.Empty;
  /** Clock time (ms) at which the entry expires; Infinity when it never does. */
  expiresAt = Infinity;
  /** Position in the partition's expiry heap, -1 when not scheduled. */
  heapIndex = -1;
  /** The error of the last failed fetch, cleared by the next success. */
  error: unknown = undefined;
  /** The fetch in flight for this key, shared by every caller that waits on it. */
  inflight: Promise<string> | undefined = undefined;

  constructor(readonly key: string) {}
}
