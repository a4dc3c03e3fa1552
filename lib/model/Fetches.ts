/**
 * What is in flight for one slot, and what the last fetches left behind. Made on a slot's first
 * fetch and dropped once nothing is pending and nothing needs remembering, so an idle slot
 * carries none of it.
 */
export class Fetches {
  /** The fetch new readers join: the newest one whose answer can still be stored. */
  inflight: Promise<string | undefined> | undefined = undefined;
  /** Sequence number of the last fetch started, and of the newest one whose value was stored. */
  started = 0;
  committed = 0;
  /** The error of the last failed fetch, cleared by the next success. */
  error: unknown = undefined;
  /** Clock time before which no background refresh starts again after a failure. */
  retryAt = 0;
  /**
   * Set by `invalidate`: the next fetch must not join one that another root of the cache started
   * before (it may carry the value just dropped). Cleared when that fetch starts.
   */
  detached = false;
  /** Fetches still in flight, by sequence number. */
  readonly pending = new Map<number, Promise<string | undefined>>();

  /** Whether the next fetch may join another root's (and forgets the detachment: it is starting). */
  takeJoinable(): boolean {
    const joinable = !this.detached;
    this.detached = false;
    return joinable;
  }

  /**
   * Records the failure of fetch `sequence`, unless a fetch that started later already stored
   * its value: an older failure must not hide a newer success (as an older value must not
   * overwrite a newer one).
   */
  fail(sequence: number, error: unknown): void {
    if (sequence > this.committed) this.error = error;
  }

  /** Whether it can be dropped: nothing pending, no error, cool-down or detachment to remember. */
  get idle(): boolean {
    return this.pending.size === 0 && this.error === undefined && this.retryAt === 0 && !this.detached;
  }

  /**
   * Records `promise` as the fetch in flight until it settles. When a newer forced fetch settles
   * first, readers go back to joining an older one that is still pending and whose answer can
   * still be stored, rather than starting another fetch. `onSettled` runs after each settles.
   */
  track(sequence: number, promise: Promise<string | undefined>, onSettled: () => void): void {
    this.inflight = promise;
    this.pending.set(sequence, promise);
    const settle = (): void => {
      this.pending.delete(sequence);
      if (this.inflight === promise) {
        let next: Promise<string | undefined> | undefined;
        let newest = this.committed;
        for (const [pendingSequence, pending] of this.pending) {
          if (pendingSequence > newest) {
            newest = pendingSequence;
            next = pending;
          }
        }
        this.inflight = next;
      }
      onSettled();
    };
    promise.then(settle, settle);
  }
}
