import { CacheEntry, EntryState, NEVER } from './CacheEntry.js';
import type { Clock, TimerHandle } from './Clock.js';

/** Options of a {@link CachePartition}. */
export interface CachePartitionOptions {
  /** Share of its ttl by which each store brings an entry's expiry forward at random. (default: 0) */
  refreshJitter?: number;
  /** Uniform random numbers in [0, 1), for the jitter. (default: `Math.random`) */
  random?: () => number;
}

/**
 * What a partition tells its owner (a bound model's runtime): an object rather than closures, which
 * would cost every bound model a function and a context.
 */
export interface PartitionListener {
  /** An entry stopped being fresh (expired, invalidated, cleared), before anything can read it again. */
  leftFresh(entry: CacheEntry<unknown>): void;
  /** The partition was disposed (from outside, or by the owner itself). */
  partitionDisposed(): void;
}

/**
 * The longest delay a Node timer takes (2^31 - 1 ms, about 24.8 days). A longer one is clamped
 * to 1 ms, with a TimeoutOverflowWarning each time: the timer would spin. Longer ttls arm at
 * this delay and re-arm when it fires.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** The armed expiry timer of a partition, kept apart so that it can be cleared without it. */
class ExpiryTimer {
  handle: TimerHandle | undefined = undefined;
  at = Infinity;
  /** Whether it is registered with {@link orphanedTimers} (on first arming: most partitions never arm). */
  registered = false;

  constructor(readonly clock: Clock) {}

  clear(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.at = Infinity;
  }
}

/**
 * Clears the timer of a partition that was garbage-collected while armed (its model was dropped
 * without `dispose`, e.g. a transient inversify resolution). The timer's callback holds the
 * partition only weakly, so an armed timer never keeps a partition, or its secrets, alive.
 */
const orphanedTimers = new FinalizationRegistry<ExpiryTimer>((timer) => timer.clear());

/**
 * The cache of one root model: the expiry of the entries it adopts (a bound model's slots, which
 * the model finds by field position, never by key, so the partition keeps no key map).
 *
 * Expiry is pushed, not polled: a min-heap of deadlines and one unref'd timer mark entries
 * expired when their time comes, so a warm read only checks a flag and never calls the clock.
 */
export class CachePartition {
  readonly #adopted: (readonly CacheEntry<unknown>[])[] = [];
  readonly #heap: CacheEntry<unknown>[] = [];
  readonly #clock: Clock;
  readonly #onDispose: (partition: CachePartition) => void;
  /** Made when an entry first needs expiring: most partitions (ttl-less secrets) never arm one. */
  #timer: ExpiryTimer | undefined = undefined;
  readonly #jitter: number;
  readonly #random: () => number;
  #disposed = false;
  /** Its owner, told when an entry stops being fresh and when the partition is disposed. */
  listener: PartitionListener | undefined = undefined;

  constructor(clock: Clock, onDispose: (partition: CachePartition) => void = () => undefined, options: CachePartitionOptions = {}) {
    this.#clock = clock;
    this.#onDispose = onDispose;
    this.#jitter = options.refreshJitter ?? 0;
    this.#random = options.random ?? Math.random;
  }

  /** The share of its ttl by which a store brings expiry forward at random (0: none). */
  get refreshJitter(): number {
    return this.#jitter;
  }

  /**
   * A new draw of the share of its ttl an entry stored now stays fresh, in (1 - jitter, 1].
   * Entries stored together can share one draw (pass it to {@link store}): they then expire, and
   * are refreshed, together, while caches filled at the same moment elsewhere draw apart.
   */
  expiryFactor(): number {
    if (this.#jitter === 0) return 1;
    const random = this.#random();
    // A broken random source must not make an entry outlive its ttl or never expire.
    return random >= 0 && random < 1 ? 1 - this.#jitter * random : 1;
  }

  /** The clock this partition expires entries by. */
  get clock(): Clock {
    return this.#clock;
  }

  /** Number of entries, loaded or not. */
  get size(): number {
    let size = 0;
    for (const list of this.#adopted) size += list.length;
    return size;
  }

  /**
   * Takes in a list of entries made elsewhere (a bound model's slots): `expireAll`, `clear` and
   * `size` then cover them. The list is held, not copied; the owner must not add to it afterwards.
   */
  adopt(entries: readonly CacheEntry<unknown>[]): void {
    if (!this.#disposed) this.#adopted.push(entries);
  }

  /**
   * Stores a fresh value. `ttl` is in seconds; `undefined` never expires. The entry stays fresh
   * for `ttl * factor` (default: a new {@link expiryFactor} draw).
   */
  store<V>(entry: CacheEntry<V>, value: V, ttl: number | undefined, factor?: number): void {
    if (this.#disposed) return;
    entry.value = value;
    entry.state = EntryState.Fresh;
    this.#unschedule(entry);
    if (ttl === undefined) {
      entry.expiresAt = NEVER;
      this.#arm();
      return;
    }
    entry.expiresAt = this.#clock.now() + ttl * 1000 * (factor ?? this.expiryFactor());
    this.#schedule(entry);
  }

  /** Whether a fresh entry is still fresh by the clock (the timer may not have fired yet). */
  isFresh(entry: CacheEntry<unknown>): boolean {
    return entry.state === EntryState.Fresh && (entry.expiresAt === NEVER || this.#clock.now() < entry.expiresAt);
  }

  /** Marks one entry expired now, keeping its value for stale reads. */
  expire(entry: CacheEntry<unknown>): void {
    this.#expire(entry);
    this.#arm();
  }

  /** Marks every loaded entry expired, ttl-less ones too. */
  expireAll(): void {
    for (const list of this.#adopted) for (const entry of list) this.#expire(entry);
    this.#arm();
  }

  #expire(entry: CacheEntry<unknown>): void {
    this.#unschedule(entry);
    if (entry.state === EntryState.Fresh) {
      entry.state = EntryState.Expired;
      this.listener?.leftFresh(entry);
    }
  }

  /** Drops every entry and stops the expiry timer. The partition stays usable. */
  clear(): void {
    this.#stopTimer();
    this.#heap.length = 0;
    for (const list of this.#adopted) for (const entry of list) reset(entry, this.listener);
    this.#adopted.length = 0;
  }

  /** Clears the partition for good and releases it from its cache. */
  dispose(): void {
    if (this.#disposed) return;
    this.clear();
    this.#disposed = true;
    if (this.#timer?.registered === true) orphanedTimers.unregister(this.#timer);
    this.#onDispose(this);
    this.listener?.partitionDisposed();
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  #schedule(entry: CacheEntry<unknown>): void {
    const heap = this.#heap;
    entry.heapIndex = heap.length;
    heap.push(entry);
    this.#siftUp(entry.heapIndex);
    this.#arm();
  }

  #unschedule(entry: CacheEntry<unknown>): void {
    const index = entry.heapIndex;
    if (index < 0) return;
    const heap = this.#heap;
    const last = heap.pop() as CacheEntry<unknown>;
    entry.heapIndex = -1;
    if (last !== entry) {
      heap[index] = last;
      last.heapIndex = index;
      this.#siftDown(index);
      this.#siftUp(last.heapIndex);
    }
  }

  #arm(): void {
    const first = this.#heap[0];
    const at = first === undefined ? Infinity : first.expiresAt;
    if (at === (this.#timer?.at ?? Infinity)) return;
    this.#timer?.clear();
    if (at === Infinity) return;
    const timer = (this.#timer ??= new ExpiryTimer(this.#clock));
    timer.at = at;
    const self = new WeakRef(this);
    const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(0, at - this.#clock.now()));
    timer.handle = this.#clock.setTimeout(() => {
      const partition = self.deref();
      if (partition !== undefined) partition.#fire();
    }, delay);
    if (!timer.registered) {
      timer.registered = true;
      orphanedTimers.register(this, timer, timer);
    }
  }

  /** Expires what is due; a timer capped at {@link MAX_TIMER_DELAY_MS} may fire early and re-arm. */
  #fire(): void {
    const timer = this.#timer as ExpiryTimer;
    timer.handle = undefined;
    timer.at = Infinity;
    const now = this.#clock.now();
    let first = this.#heap[0];
    while (first !== undefined && first.expiresAt <= now) {
      this.#expire(first);
      first = this.#heap[0];
    }
    this.#arm();
  }

  #stopTimer(): void {
    this.#timer?.clear();
  }

  #siftUp(index: number): void {
    const heap = this.#heap;
    const entry = heap[index] as CacheEntry<unknown>;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as CacheEntry<unknown>;
      if (parent.expiresAt <= entry.expiresAt) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }

  #siftDown(index: number): void {
    const heap = this.#heap;
    const entry = heap[index];
    if (entry === undefined) return;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length && (heap[right] as CacheEntry<unknown>).expiresAt < (heap[left] as CacheEntry<unknown>).expiresAt ? right : left;
      const childEntry = heap[child] as CacheEntry<unknown>;
      if (childEntry.expiresAt >= entry.expiresAt) break;
      heap[index] = childEntry;
      childEntry.heapIndex = index;
      index = child;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }
}

function reset(entry: CacheEntry<unknown>, listener: PartitionListener | undefined): void {
  entry.heapIndex = -1;
  const wasFresh = entry.state === EntryState.Fresh;
  entry.state = EntryState.Empty;
  if (wasFresh) listener?.leftFresh(entry);
  entry.value = undefined;
}
