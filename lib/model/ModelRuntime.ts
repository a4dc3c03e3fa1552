import type { Backend } from '../backends/Backend.js';
import type { CachePartition } from '../cache/CachePartition.js';
import { EntryState } from '../cache/CacheEntry.js';
import { ConfigError } from '../errors.js';
import { raceAbort } from '../internal/abort.js';
import { log, type Logger } from '../logging/Logger.js';
import { BackendCalls } from './BackendCalls.js';
import { expectString } from './expectString.js';
import { ChangeListeners } from './ChangeListeners.js';
import { FieldReader } from './FieldReader.js';
import { slotOf } from './slotOf.js';
import { DEFAULT_WITH_SECRET_REFRESH_INTERVAL } from './constants.js';
import { SharedRefreshes } from './SharedRefreshes.js';
import type { Binding } from './Binding.js';
import type { FieldBinding } from './FieldBinding.js';
import type { FieldInfo } from './FieldInfo.js';
import { RefreshBatcher } from './RefreshBatcher.js';
import { SlotFetcher } from './SlotFetcher.js';
import { SlotStore } from './SlotStore.js';
import type { Slot } from './Slot.js';
import { SlotBinder } from './SlotBinder.js';

/** What a root model runs on. */
export interface RuntimeOptions {
  backend: Backend;
  partition: CachePartition;
  logger: Logger;
  staleOnError: boolean;
  /** The root class name, for messages. */
  name: string;
}

/**
 * The live state of one root model and its nested children, and the coordinator the `lib/api`
 * functions call. Each responsibility is a part of its own: binding fields to slots
 * ({@link SlotBinder}), reading a field ({@link FieldReader}), fetching with single flight and
 * batching ({@link SlotFetcher}) over the backend calls ({@link BackendCalls}), storing what
 * arrives ({@link SlotStore}) and background refresh ({@link RefreshBatcher}). What stays here
 * spans them: invalidate, the `withSecret` refresh, prefetch, refreshAll and dispose.
 */
export class ModelRuntime {
  /** Its slots, and the fields bound to them. */
  readonly #binder: SlotBinder;
  readonly #partition: CachePartition;
  readonly #logger: Logger;
  readonly #staleOnError: boolean;
  readonly #name: string;
  /** Calls into the backend, aborted on dispose. */
  readonly #calls: BackendCalls;
  /** The `onChange` listeners of the tree. */
  readonly changes: ChangeListeners;
  /** The refreshes failing `withSecret` callbacks share. */
  readonly #sharedRefreshes: SharedRefreshes;
  /** Background refreshes, coalesced into batch calls. */
  readonly #refresher: RefreshBatcher;
  /** Single flight per key, and batched loads of many keys. */
  readonly #fetcher: SlotFetcher;
  /** Sync and async reads of one field. */
  readonly #reader: FieldReader;

  constructor(options: RuntimeOptions) {
    this.#binder = new SlotBinder(options.name);
    this.#calls = new BackendCalls(options.backend, options.name);
    this.#partition = options.partition;
    this.#logger = options.logger;
    this.#staleOnError = options.staleOnError;
    this.#name = options.name;
    this.changes = new ChangeListeners(options.logger);
    const store = new SlotStore(options.partition, this.changes);
    this.#fetcher = new SlotFetcher(this.#calls, store, options.name);
    this.#sharedRefreshes = new SharedRefreshes(options.partition.clock, DEFAULT_WITH_SECRET_REFRESH_INTERVAL * 1000);
    this.#refresher = new RefreshBatcher({
      logger: this.#logger,
      staleOnError: this.#staleOnError,
      isDisposed: () => this.disposed,
      now: () => this.#partition.clock.now(),
      expiryFactor: () => this.#partition.expiryFactor(),
      getBatch: (paths) => this.#calls.batch(paths),
      get: (slot) => this.#calls.get(slot),
      commit: (slot, raw, sequence, factor) => {
        const value = expectString(raw, slot);
        store.commit([[slot, value]], [sequence], factor);
        return value;
      },
    });
    this.#reader = new FieldReader({
      partition: options.partition,
      fetcher: this.#fetcher,
      refresher: this.#refresher,
      logger: options.logger,
      staleOnError: options.staleOnError,
      name: options.name,
      isDisposed: () => this.disposed,
    });
  }

  get disposed(): boolean {
    return this.#calls.aborted;
  }

  /** One slot per cache key, in binding order; the partition adopts the list when binding ends. */
  get slots(): readonly Slot[] {
    return this.#binder.slots;
  }

  /** Fields whose path could not be resolved (validate: 'none'); prefetch reports the first. */
  get broken(): FieldBinding[] {
    return this.#binder.broken;
  }

  /** Binds a field to the slot of its resolved path (see {@link SlotBinder.bind}). */
  bind(field: FieldInfo, path: string): Binding {
    return this.#binder.bind(field, path);
  }

  /**
   * Ends binding: the partition adopts the slots. A partition disposed from outside (its cache
   * was) disposes the model too.
   */
  seal(): void {
    this.#partition.adopt(this.#binder.seal());
    this.#partition.whenDisposed(() => this.dispose());
  }

  /** Whether a field's cached value is fresh by flag and by clock (never for ttl-0 fields). */
  isFresh(binding: Binding): boolean {
    return this.#reader.isFresh(binding);
  }

  /** The synchronous read, past the hot path's fresh check (see {@link FieldReader.readSync}). */
  readSync(binding: Binding): unknown {
    return this.#reader.readSync(binding);
  }

  /** `getSecret`: fresh hit at once, otherwise one shared fetch, stale value on a transient failure. */
  read(binding: Binding, signal?: AbortSignal): Promise<unknown> {
    return this.#reader.read(binding, signal);
  }

  /** Fetches one slot again now and resolves to the field's new value (see {@link FieldReader.refresh}). */
  refresh(binding: Binding, signal?: AbortSignal): Promise<unknown> {
    return this.#reader.refresh(binding, signal);
  }

  /**
   * Drops the cached value of each binding's slot without fetching: sync reads throw
   * SecretNotLoadedError until the next load, and that load starts a fetch of its own rather
   * than joining one that began before. The digest stays, so a different value loaded next is
   * a change.
   */
  invalidate(bindings: readonly Binding[]): void {
    if (this.disposed) return;
    for (const binding of bindings) {
      const slot = slotOf(binding);
      this.#partition.expire(slot);
      // The slot's own value too: when its first field has ttl 0, it holds the raw string.
      slot.value = undefined;
      for (const other of slot.bindings) other.value = undefined;
      slot.state = EntryState.Empty;
      const fetches = slot.fetches;
      if (fetches === undefined) continue;
      fetches.inflight = undefined;
      fetches.error = undefined;
      fetches.retryAt = 0;
      slot.dropIfIdle();
    }
  }

  /** A read for `withSecret`: the value and the digest of the value it is. */
  readWithDigest(binding: Binding, signal?: AbortSignal): Promise<{ value: unknown; digest: number | undefined }> {
    return this.#reader.readWithDigest(binding, signal);
  }

  /**
   * After a `withSecret` callback failed on the value with digest `seen`: joins or starts the
   * shared refresh of its slot (at most one per interval) and tells whether the stored value now
   * differs from `seen`.
   */
  async refreshAfterFailure(binding: Binding, seen: number | undefined, signal?: AbortSignal): Promise<boolean> {
    const slot = slotOf(binding);
    this.#assertLive(binding.field.label);
    const shared = this.#sharedRefreshes.run(slot, () =>
      this.#fetcher.load(slot, true).catch((error: unknown) => {
        log(this.#logger, 'warn', { path: slot.path, error: errorName(error) }, 'vaultly: withSecret refresh failed');
        throw error;
      }),
    );
    await raceAbort(shared, signal);
    this.#assertLive(binding.field.label);
    return slot.digest !== seen;
  }

  /** Loads every slot: unversioned ones in one batch, versioned ones one by one. */
  prefetch(signal?: AbortSignal): Promise<void> {
    this.#assertLive(this.#name);
    if (this.broken[0] !== undefined) return Promise.reject(this.broken[0].error);
    return this.#fetcher.fetchAll(this.slots, false, signal);
  }

  /**
   * Expires everything, then fetches again, in one batch, what had been loaded. Fetches already
   * in flight are not joined: they may carry values from before a rotation.
   */
  refreshAll(signal?: AbortSignal): Promise<void> {
    this.#assertLive(this.#name);
    const loaded = this.slots.filter((slot) => slot.state !== EntryState.Empty);
    this.#partition.expireAll();
    return this.#fetcher.fetchAll(loaded, true, signal);
  }

  /** Stops background work and drops the cached values (also when its partition is disposed). */
  dispose(): void {
    if (this.disposed) return;
    // Aborted first: disposing the partition calls back here.
    const reason = new ConfigError(`${this.#name}: the model was disposed`);
    this.#calls.abort(reason);
    this.#partition.dispose();
    // The partition reset the slots; drop the other bindings' cast values too: a disposed model
    // keeps no secret reachable.
    for (const slot of this.slots) {
      for (const other of slot.others ?? []) other.value = undefined;
      slot.digest = undefined;
    }
    this.changes.clear();
    this.#sharedRefreshes.clear();
  }

  #assertLive(label: string): void {
    if (this.disposed) throw new ConfigError(`${label}: the model was disposed`);
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
