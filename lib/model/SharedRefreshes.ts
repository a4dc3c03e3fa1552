import type { Clock } from '../cache/Clock.js';
import type { Slot } from './Slot.js';

interface SharedRefresh {
  /** The refresh in flight, if any. */
  inflight: Promise<void> | undefined;
  /** Clock time (ms) the last one started. */
  startedAt: number;
}

/**
 * The refreshes `withSecret` starts when a callback fails: one per slot at a time, shared by
 * every caller failing meanwhile, and at most one per `interval` per slot, so a fleet of failing
 * callers (a wrong password, or a database that is down) cannot turn into a refresh storm.
 */
export class SharedRefreshes {
  readonly #bySlot = new Map<Slot, SharedRefresh>();

  constructor(
    readonly clock: Clock,
    /** Milliseconds between two refreshes of one slot. */
    readonly interval: number,
  ) {}

  /**
   * Joins the refresh of `slot` in flight, or starts one with `refresh` unless one started less
   * than `interval` ago (then settles at once). Never rejects: a failed refresh leaves the
   * caller with the value it had, which the caller sees as "unchanged".
   */
  run(slot: Slot, refresh: () => Promise<unknown>): Promise<void> {
    const state = this.#bySlot.get(slot);
    if (state?.inflight !== undefined) return state.inflight;
    const now = this.clock.now();
    if (state !== undefined && now - state.startedAt < this.interval) return Promise.resolve();
    const next: SharedRefresh = state ?? { inflight: undefined, startedAt: now };
    next.startedAt = now;
    const inflight = refresh().then(
      () => undefined,
      () => undefined,
    );
    next.inflight = inflight;
    this.#bySlot.set(slot, next);
    void inflight.then(() => {
      next.inflight = undefined;
    });
    return inflight;
  }

  clear(): void {
    this.#bySlot.clear();
  }
}
