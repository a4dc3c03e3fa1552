import type { Backend } from '../backends/Backend.js';
import type { CachePartition } from '../cache/CachePartition.js';
import type { SharedFetches } from '../cache/SharedFetches.js';
import { EntryState, NEVER, type CacheEntry } from '../cache/CacheEntry.js';
import { ConfigError } from '../errors.js';
import { raceAbort } from '../internal/abort.js';
import { log, type Logger } from '../logging/Logger.js';
import { BackendCalls } from './BackendCalls.js';
import { expectString } from './expectString.js';
import { ChangeListeners } from './ChangeListeners.js';
import { FieldReader } from './FieldReader.js';
import type { InstanceMirror } from './InstanceMirror.js';
import { slotOf, type Binding, type FieldBinding, type Slot } from './Slot.js';
import { DEFAULT_WITH_SECRET_REFRESH_INTERVAL } from './constants.js';
import { SharedRefreshes } from './SharedRefreshes.js';
import type { FieldInfo } from './FieldInfo.js';
import { RefreshBatcher } from './RefreshBatcher.js';
import { SlotFetcher, type Lent } from './SlotFetcher.js';
import { SlotStore } from './SlotStore.js';
import { SlotBinder } from './SlotBinder.js';
import { sameSource, valueDigest } from './valueDigest.js';

/** What a root model runs on. */
export interface RuntimeOptions {
  backend: Backend;
  partition: CachePartition;
  logger: Logger;
  staleOnError: boolean;
  /** The root class name, for messages. */
  name: string;
  /** The cache's fetches in flight on `backend`, shared with its other roots. (default: a table of its own) */
  fetches?: SharedFetches;
  /** The root class: later roots of a class take fresh values an earlier live one holds. (default: none taken) */
  kind?: object;
}

/**
 * The live state of one root model and its nested children, and the coordinator the `lib/api`
 * functions call. Each responsibility is a part of its own: binding fields to slots
 * ({@link SlotBinder}), reading a field ({@link FieldReader}), fetching with single flight and
 * batching ({@link SlotFetcher}) over the backend calls ({@link BackendCalls}), storing what
 * arrives ({@link SlotStore}) and background refresh ({@link RefreshBatcher}). What stays here
 * spans them: invalidate, the `withSecret` refresh, prefetch, refreshAll and dispose.
 *
 * A container may bind thousands of small models, so the parts most models never use (the
 * reader of async reads, background refresh, the `withSecret` refreshes) are made on first use.
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
  /** Where answers are stored. */
  readonly #store: SlotStore;
  /** Single flight per key, and batched loads of many keys. */
  readonly #fetcher: SlotFetcher;
  /** The refreshes failing `withSecret` callbacks share; made on first use. */
  #sharedRefreshes: SharedRefreshes | undefined = undefined;
  /** Background refreshes, coalesced into batch calls; made on first use. */
  #refresher: RefreshBatcher | undefined = undefined;
  /** Sync and async reads of one field, past the accessor's hot path; made on first use. */
  #reader: FieldReader | undefined = undefined;
  /** The cache's table for the backend, and the root class, for taking values from a peer root. */
  readonly #shared: SharedFetches | undefined;
  readonly #kind: object | undefined;
  /**
   * The own-property mirrors of the root and its nested children whose fields are written
   * through: the one mirror itself in the common case (no nested model), an array past one.
   */
  #mirrors: InstanceMirror | InstanceMirror[] | undefined = undefined;
  /** Slots by cache key, built when another root first asks this one for a value. */
  #byKey: Map<string, Slot> | undefined = undefined;

  constructor(options: RuntimeOptions) {
    this.#binder = new SlotBinder(options.name);
    this.#calls = new BackendCalls(options.backend, options.name, options.fetches);
    this.#partition = options.partition;
    this.#logger = options.logger;
    this.#staleOnError = options.staleOnError;
    this.#name = options.name;
    this.changes = new ChangeListeners(options.logger);
    this.#store = new SlotStore(options.partition, this.changes, this);
    this.#shared = options.fetches;
    this.#kind = options.kind;
    this.#fetcher = new SlotFetcher(this.#calls, this.#store, options.name, options.fetches !== undefined && options.kind !== undefined ? this : undefined);
  }

  /**
   * Takes in the mirror of one bound instance (the root or a nested child): from then on the
   * partition tells the runtime when an entry stops being fresh, and its own properties go.
   */
  addMirror(mirror: InstanceMirror): void {
    const mirrors = this.#mirrors;
    if (mirrors === undefined) {
      this.#mirrors = mirror;
    } else if (Array.isArray(mirrors)) {
      mirrors.push(mirror);
    } else {
      this.#mirrors = [mirrors, mirror];
    }
  }

  /** Writes a slot's fresh value through to the instance whose field it binds. */
  showSlot(slot: Slot): void {
    this.#mirrorOf(slot)?.show(slot);
  }

  /** The partition was disposed (by its cache, or by {@link dispose}). */
  partitionDisposed(): void {
    this.dispose();
  }

  /** Takes down the own properties of every field bound to a slot whose value is no longer fresh. */
  leftFresh(entry: CacheEntry<unknown>): void {
    const slot = entry as Slot;
    if (slot.bindsField) this.#mirrorOf(slot)?.hide(slot);
    if (slot.others !== undefined) for (const other of slot.others) other.mirror?.hide(other);
  }

  #mirrorOf(slot: Slot): InstanceMirror | undefined {
    const mirrors = this.#mirrors;
    if (mirrors === undefined || !Array.isArray(mirrors)) return mirrors?.ownsSlot(slot) === true ? mirrors : undefined;
    return mirrors.find((mirror) => mirror.ownsSlot(slot));
  }

  /**
   * A fresh value for `slot`'s key held by the peer of this root's class, or for a key that was
   * refreshed, by the root that stored its newest generation (see
   * {@link SharedFetches.lenderOf}), as a {@link Lender} for the fetcher; it then expires when the
   * lender's does. A slot with a ttl-0 field takes nothing (such a field always fetches).
   */
  lend(slot: Slot): Lent | undefined {
    if (!slot.bindsField || slot.others?.some((other) => other.field.spec.ttl === 0) === true) return undefined;
    const peer = this.#shared?.lenderOf(slot.key, this.#kind as object);
    if (!isLivePeer(peer) || peer === this) return undefined;
    return peer.#lendTo(slot);
  }

  /** After `slot` stored a value fetched at `generation`: may become the root others take the key from. */
  stored(slot: Slot, generation: number): void {
    if (!this.disposed) this.#shared?.stored(slot.key, generation, this);
  }

  /**
   * After a load: becomes its class's peer unless a live one that still holds a fresh value is
   * registered (an idle peer whose values all expired lends nothing).
   */
  loaded(): void {
    if (!this.disposed) this.#shared?.offerPeer(this.#kind as object, this, (peer) => isLivePeer(peer) && peer.#holdsFresh());
  }

  /** Whether any of its slots holds a value fresh by flag and by clock. */
  #holdsFresh(): boolean {
    const now = this.#partition.clock.now();
    return this.slots.some((slot) => slot.state === EntryState.Fresh && (slot.expiresAt === NEVER || now < slot.expiresAt));
  }

  #lendTo(slot: Slot): Lent | undefined {
    const held = (this.#byKey ??= new Map(this.slots.map((own) => [own.key, own]))).get(slot.key);
    if (held === undefined || held.state !== EntryState.Fresh) return undefined;
    const now = this.#partition.clock.now();
    if (held.expiresAt !== NEVER && now >= held.expiresAt) return undefined;
    const ttl = slot.ttl;
    // A value its lender keeps for good cannot bound a taker's ttl (its age is unknown), and a taker
    // that keeps it for good would not expire with its lender.
    if ((held.expiresAt === NEVER) !== (ttl === undefined)) return undefined;
    // Nor can a longer-lived lender's (a root of another class, after a refresh): its value may be
    // older than the taker's ttl allows. A lender's value is at most its own ttl old.
    const heldTtl = held.ttl;
    if (ttl !== undefined && heldTtl !== undefined && heldTtl > ttl) return undefined;
    const factor = ttl === undefined || held.expiresAt === NEVER ? 1 : Math.min(1, (held.expiresAt - now) / (ttl * 1000));
    // The backend's string, never a cast value: the taker casts it for its own fields, so each
    // root owns its objects (a JSON field's, a transform's) and any class may take it.
    return typeof held.source === 'string' ? { raw: held.source, factor } : undefined;
  }

  get #refreshes(): RefreshBatcher {
    return (this.#refresher ??= new RefreshBatcher({
      logger: this.#logger,
      staleOnError: this.#staleOnError,
      isDisposed: () => this.disposed,
      now: () => this.#partition.clock.now(),
      expiryFactor: () => this.#partition.expiryFactor(),
      getBatch: (paths) => this.#calls.batch(paths),
      get: (slot) => this.#calls.get(slot),
      commit: (slot, raw, sequence, factor) => {
        const value = expectString(raw, slot);
        this.#store.commit([[slot, value]], [sequence], factor);
        return value;
      },
    }));
  }

  get #fieldReader(): FieldReader {
    return (this.#reader ??= new FieldReader({
      partition: this.#partition,
      fetcher: this.#fetcher,
      refresher: { request: (slot) => this.#refreshes.request(slot) },
      logger: this.#logger,
      staleOnError: this.#staleOnError,
      name: this.#name,
      isDisposed: () => this.disposed,
    }));
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
    // Told of expiries (own properties to take down) and of a dispose from outside (its cache's).
    if (this.#partition.disposed) this.dispose();
    else this.#partition.listener = this;
  }

  /** Whether a field's cached value is fresh by flag and by clock (never for ttl-0 fields). */
  isFresh(binding: Binding): boolean {
    return this.#fieldReader.isFresh(binding);
  }

  /** The synchronous read, past the hot path's fresh check (see {@link FieldReader.readSync}). */
  readSync(binding: Binding): unknown {
    return this.#fieldReader.readSync(binding);
  }

  /** `getSecret`: fresh hit at once, otherwise one shared fetch, stale value on a transient failure. */
  read(binding: Binding, signal?: AbortSignal): Promise<unknown> {
    return this.#fieldReader.read(binding, signal);
  }

  /** Fetches one slot again now and resolves to the field's new value (see {@link FieldReader.refresh}). */
  refresh(binding: Binding, signal?: AbortSignal): Promise<unknown> {
    return this.#fieldReader.refresh(binding, signal);
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
      // Its string goes too; the digest stays, so a different value loaded next is a change.
      if (typeof slot.source === 'string') slot.source = valueDigest(slot.source);
      for (const other of slot.bindings) other.value = undefined;
      slot.state = EntryState.Empty;
      // Kept until the next load, which must start a fetch of its own, not join another root's.
      const fetches = slot.fetchState();
      fetches.inflight = undefined;
      fetches.error = undefined;
      fetches.retryAt = 0;
      fetches.detached = true;
      // A fetch that started before may carry the value just dropped: its answer is not stored.
      fetches.committed = fetches.started;
    }
  }

  /** A read for `withSecret`: the value and what it came from (its slot's `source`). */
  readWithSource(binding: Binding, signal?: AbortSignal): Promise<{ value: unknown; source: string | number | undefined }> {
    return this.#fieldReader.readWithSource(binding, signal);
  }

  /**
   * After a `withSecret` callback failed on the value from `seen` (a slot `source`): joins or starts the
   * shared refresh of its slot (at most one per interval) and tells whether the stored value now
   * differs from `seen`.
   */
  async refreshAfterFailure(binding: Binding, seen: string | number | undefined, signal?: AbortSignal): Promise<boolean> {
    const slot = slotOf(binding);
    this.#assertLive(binding.field.label);
    this.#sharedRefreshes ??= new SharedRefreshes(this.#partition.clock, DEFAULT_WITH_SECRET_REFRESH_INTERVAL * 1000);
    const shared = this.#sharedRefreshes.run(slot, () =>
      this.#fetcher.load(slot, true).catch((error: unknown) => {
        log(this.#logger, 'warn', { path: slot.path, error: errorName(error) }, 'vaultly: withSecret refresh failed');
        throw error;
      }),
    );
    await raceAbort(shared, signal);
    this.#assertLive(binding.field.label);
    // Invalidated meanwhile (the usual answer to the same failure elsewhere): the refresh's answer
    // was dropped, so call it changed and let the caller read again, which loads anew.
    if (slot.state === EntryState.Empty) return true;
    return !sameSource(slot.source, seen);
  }

  /** Loads every slot: unversioned ones in one batch, versioned ones one by one. */
  prefetch(signal?: AbortSignal): Promise<void> {
    this.#assertLive(this.#name);
    if (this.broken[0] !== undefined) return Promise.reject(this.broken[0].error);
    return this.#fetcher.fetchAll(this.slots, false, signal).then(() => this.#reloadDropped(signal));
  }

  /**
   * After a prefetch: slots invalidated while it ran dropped their answer (it may carry the value
   * just dropped); loads those once more, so that a prefetch that resolves leaves every field readable.
   */
  async #reloadDropped(signal: AbortSignal | undefined): Promise<void> {
    if (this.disposed) return;
    const dropped = this.slots.filter((slot) => slot.cacheable && slot.state === EntryState.Empty);
    if (dropped.length > 0) await this.#fetcher.fetchAll(dropped, false, signal);
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
      slot.source = undefined;
    }
    this.changes.clear();
    this.#sharedRefreshes?.clear();
  }

  #assertLive(label: string): void {
    if (this.disposed) throw new ConfigError(`${label}: the model was disposed`);
  }
}

function isLivePeer(peer: unknown): peer is ModelRuntime {
  return peer instanceof ModelRuntime && !peer.disposed;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
