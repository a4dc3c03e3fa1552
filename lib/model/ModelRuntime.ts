import type { Backend } from '../backends/Backend.js';
import { missingSecrets } from '../backends/Backend.js';
import type { CachePartition } from '../cache/CachePartition.js';
import { EntryState } from '../cache/CacheEntry.js';
import { ConfigError, SecretNotFoundError, SecretNotLoadedError, TransientError } from '../errors.js';
import { publishStale } from '../diagnostics/publishStale.js';
import { traceFetch } from '../diagnostics/traceFetch.js';
import { abortReason, raceAbort } from '../internal/abort.js';
import { log, type Logger } from '../logging/Logger.js';
import { castValue } from './cast.js';
import { ChangeListeners } from './ChangeListeners.js';
import { DEFAULT_WITH_SECRET_REFRESH_INTERVAL } from './constants.js';
import { notifyChange } from './notifyChange.js';
import { SharedRefreshes } from './SharedRefreshes.js';
import { valueDigest } from './valueDigest.js';
import { FieldBinding, type Binding } from './FieldBinding.js';
import type { FieldInfo } from './FieldInfo.js';
import { RefreshBatcher } from './RefreshBatcher.js';
import { cacheKey, Slot } from './Slot.js';

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
 * The live state of one root model and its nested children: its slots (one per cache key), the
 * fetch logic (single flight, batching, stale-on-error) and background refresh.
 */
export class ModelRuntime {
  /** One slot per cache key, in binding order; the partition adopts the list when binding ends. */
  readonly slots: Slot[] = [];
  /** Slots by cache key, only while fields are being bound. */
  #byKey: Map<string, Slot> | undefined = new Map();
  /** Fields whose path could not be resolved (validate: 'none'); prefetch reports the first. */
  readonly broken: FieldBinding[] = [];
  readonly #backend: Backend;
  readonly #partition: CachePartition;
  readonly #logger: Logger;
  readonly #staleOnError: boolean;
  readonly #name: string;
  readonly #abort = new AbortController();
  /**
   * One controller per backend call in flight, aborted on dispose. Backends add an abort
   * listener to the signal they get; one long-lived signal shared by every call would collect
   * a listener per concurrent read (and a MaxListenersExceededWarning past ten).
   */
  readonly #calls = new Set<AbortController>();
  /** The `onChange` listeners of the tree. */
  readonly changes: ChangeListeners;
  /** The refreshes failing `withSecret` callbacks share. */
  readonly #sharedRefreshes: SharedRefreshes;
  /** Background refreshes, coalesced into batch calls. */
  readonly #refresher: RefreshBatcher;

  constructor(options: RuntimeOptions) {
    this.#backend = options.backend;
    this.#partition = options.partition;
    this.#logger = options.logger;
    this.#staleOnError = options.staleOnError;
    this.#name = options.name;
    this.changes = new ChangeListeners(options.logger);
    this.#sharedRefreshes = new SharedRefreshes(options.partition.clock, DEFAULT_WITH_SECRET_REFRESH_INTERVAL * 1000);
    this.#refresher = new RefreshBatcher({
      logger: this.#logger,
      staleOnError: this.#staleOnError,
      isDisposed: () => this.disposed,
      now: () => this.#partition.clock.now(),
      expiryFactor: () => this.#partition.expiryFactor(),
      getBatch: (paths) => this.#callBatch(paths),
      get: (slot) => this.#callGet(slot),
      commit: (slot, raw, sequence, factor) => {
        const value = expectString(raw, slot);
        this.#commit([[slot, value]], [sequence], factor);
        return value;
      },
    });
  }

  get disposed(): boolean {
    return this.#abort.signal.aborted;
  }

  /**
   * Binds a field to the slot of its resolved path. The first field of a key that caches its
   * value is bound by the slot itself; any other field gets a binding of its own.
   */
  bind(field: FieldInfo, path: string): Binding {
    const byKey = this.#byKey;
    if (byKey === undefined) throw new ConfigError(`${this.#name}: fields can no longer be bound`);
    const key = cacheKey(path, field.spec.version);
    let slot = byKey.get(key);
    if (slot === undefined) {
      slot = new Slot(path, field);
      byKey.set(key, slot);
      this.slots.push(slot);
      if (slot.bindsField) return slot;
    }
    const binding = new FieldBinding(field, slot);
    slot.addField(binding);
    return binding;
  }

  /**
   * Ends binding: the partition adopts the slots, and the index by key is let go. A partition
   * disposed from outside (its cache was) disposes the model too.
   */
  seal(): void {
    this.#byKey = undefined;
    this.#partition.adopt(this.slots);
    this.#partition.whenDisposed(() => this.dispose());
  }

  /** Whether a field's cached value is fresh by flag and by clock (never for ttl-0 fields). */
  isFresh(binding: Binding): boolean {
    if (binding instanceof Slot) return this.#partition.isFresh(binding);
    return binding.slot !== undefined && binding.field.spec.ttl !== 0 && this.#partition.isFresh(binding.slot);
  }

  /** The synchronous read, past the hot path's fresh check. */
  readSync(binding: Binding): unknown {
    const slot = slotOrThrow(binding);
    const field = binding.field;
    if (field.spec.ttl === 0) {
      throw new ConfigError(`${field.label}: secret '${slot.path}' has ttl 0 and is never cached; read it with await getSecret(config, '${field.spec.name}')`, {
        path: slot.path,
      });
    }
    if (slot.state === EntryState.Fresh) return binding.value;
    if (slot.state === EntryState.Empty) {
      throw new SecretNotLoadedError(
        this.disposed
          ? `${field.label}: secret '${slot.path}' is not loaded: the model was disposed`
          : `${field.label}: secret '${slot.path}' is not loaded yet: resolve the model with await container.getAsync(...) and validate: 'fetch', or call await prefetch(config) or await getSecret(config, '${field.spec.name}') first`,
        { path: slot.path },
      );
    }
    this.#refresher.request(slot);
    const error = slot.fetches?.error;
    if (error !== undefined) {
      if (!(this.#staleOnError && TransientError.is(error))) throw error;
      publishStale(this.#name, field.label, slot.path, error);
    }
    return binding.value;
  }

  /** `getSecret`: fresh hit at once, otherwise one shared fetch, stale value on a transient failure. */
  async read(binding: Binding, signal?: AbortSignal): Promise<unknown> {
    const slot = slotOrThrow(binding);
    const field = binding.field;
    this.#assertLive(field.label);
    if (this.isFresh(binding)) return binding.value;
    try {
      const raw = await raceAbort(this.#load(slot), signal);
      // Disposed while it waited: the values are gone, and a fetch may not have been stored.
      this.#assertLive(field.label);
      return field.spec.ttl === 0 ? castValue(raw, field.spec.designType, field.spec.transform, field.label, slot.path) : binding.value;
    } catch (error) {
      if (this.#staleOnError && TransientError.is(error) && field.spec.ttl !== 0 && slot.state !== EntryState.Empty) {
        log(this.#logger, 'warn', { path: slot.path, error: errorName(error) }, 'vaultly: refresh failed, serving the stale value');
        publishStale(this.#name, field.label, slot.path, error);
        return binding.value;
      }
      throw error;
    }
  }

  /**
   * Fetches one slot again now and resolves to the field's new (cast) value, even if a fetch is
   * in flight: one that started earlier may carry a value from before a rotation. Concurrent
   * refreshes are not coalesced (as in the original), and a late answer never overwrites a newer
   * stored one.
   */
  async refresh(binding: Binding, signal?: AbortSignal): Promise<unknown> {
    const slot = slotOrThrow(binding);
    const field = binding.field;
    this.#assertLive(field.label);
    const raw = await raceAbort(this.#load(slot, true), signal);
    this.#assertLive(field.label);
    return field.spec.ttl === 0 ? castValue(raw, field.spec.designType, field.spec.transform, field.label, slot.path) : binding.value;
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
      const slot = slotOrThrow(binding);
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

  /**
   * A read for `withSecret`: the value and the digest of the value it is (undefined for a
   * binding that never loaded).
   */
  async readWithDigest(binding: Binding, signal?: AbortSignal): Promise<{ value: unknown; digest: number | undefined }> {
    const slot = slotOrThrow(binding);
    if (this.isFresh(binding)) return { value: binding.value, digest: slot.digest };
    const value = await this.read(binding, signal);
    return { value, digest: slot.digest };
  }

  /**
   * After a `withSecret` callback failed on the value with digest `seen`: joins or starts the
   * shared refresh of its slot (at most one per interval) and tells whether the stored value now
   * differs from `seen`.
   */
  async refreshAfterFailure(binding: Binding, seen: number | undefined, signal?: AbortSignal): Promise<boolean> {
    const slot = slotOrThrow(binding);
    this.#assertLive(binding.field.label);
    const shared = this.#sharedRefreshes.run(slot, () =>
      this.#load(slot, true).catch((error: unknown) => {
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
    return this.#fetchAll(this.slots, false, signal);
  }

  /**
   * Expires everything, then fetches again, in one batch, what had been loaded. Fetches already
   * in flight are not joined: they may carry values from before a rotation.
   */
  refreshAll(signal?: AbortSignal): Promise<void> {
    this.#assertLive(this.#name);
    const loaded = this.slots.filter((slot) => slot.state !== EntryState.Empty);
    this.#partition.expireAll();
    return this.#fetchAll(loaded, true, signal);
  }

  /** Stops background work and drops the cached values (also when its partition is disposed). */
  dispose(): void {
    if (this.disposed) return;
    // Aborted first: disposing the partition calls back here.
    const reason = new ConfigError(`${this.#name}: the model was disposed`);
    this.#abort.abort(reason);
    for (const controller of this.#calls) controller.abort(reason);
    this.#calls.clear();
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

  /**
   * One fetch per key in flight (`force` starts a new one anyway); the value is stored only if
   * every field bound to it casts, and only if no fetch that started later was stored first.
   */
  #load(slot: Slot, force = false): Promise<string> {
    const inflight = slot.fetches?.inflight;
    if (inflight !== undefined && !force) return inflight;
    const fetches = slot.fetchState();
    const version = slot.version;
    const sequence = ++fetches.started;
    const promise = this.#callGet(slot)
      .then((raw) => {
        const value = expectString(raw, slot);
        this.#commit([[slot, value]], [sequence]);
        return value;
      })
      .catch((error: unknown) => {
        fetches.fail(sequence, error);
        throw error;
      });
    track(slot, sequence, promise);
    return promise;
  }

  /**
   * One call into the backend, on a signal of its own that `dispose` aborts. The call is made
   * from a microtask: a backend that throws synchronously then rejects the promise like any
   * other failure (no sibling promise is left unhandled), and a synchronous read that starts a
   * background refresh never runs backend code inside the property getter.
   */
  #call<T>(trace: { paths: readonly string[]; batch: boolean; version?: number | string }, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    if (this.disposed) controller.abort(this.#abort.signal.reason);
    else this.#calls.add(controller);
    const signal = controller.signal;
    const promise = new Promise<T>((resolve, reject) => {
      // Settled on dispose even when the backend ignores the signal. The listener is on this
      // call's own signal, so it goes away with it.
      signal.addEventListener('abort', () => reject(abortReason(signal)), { once: true });
      Promise.resolve()
        .then(() => traceFetch(() => ({ ...trace, model: this.#name }), () => run(signal)))
        .then(resolve, reject);
    });
    const done = (): void => {
      this.#calls.delete(controller);
    };
    promise.then(done, done);
    return promise;
  }

  /** `backend.getBatch` of `paths`. */
  #callBatch(paths: readonly string[]): Promise<Record<string, string>> {
    return this.#call({ paths, batch: true }, (signal) => this.#backend.getBatch(paths, { signal }));
  }

  /** `backend.get` of one slot, with its version if it has one. */
  #callGet(slot: Slot): Promise<string> {
    const { path, version } = slot;
    return this.#call(version === undefined ? { paths: [path], batch: false } : { paths: [path], batch: false, version }, (signal) =>
      this.#backend.get(path, version === undefined ? { signal } : { version, signal }),
    );
  }

  /**
   * Loads `slots`, joining the fetches in flight unless `force`; rejects if the model is
   * disposed before they settle (nothing was stored then).
   */
  #fetchAll(slots: readonly Slot[], force: boolean, signal: AbortSignal | undefined): Promise<void> {
    const joined: Promise<string>[] = [];
    const fresh: Slot[] = [];
    for (const slot of slots) {
      const inflight = force ? undefined : slot.fetches?.inflight;
      if (inflight !== undefined) joined.push(inflight);
      else fresh.push(slot);
    }
    const sequences = fresh.map((slot) => ++slot.fetchState().started);
    const work = this.#fetchAndCommit(fresh, sequences);
    fresh.forEach((slot, i) => track(slot, sequences[i] as number, work.then((values) => values.get(slot) as string)));
    const done = Promise.all([work, ...joined]).then(() => this.#assertLive(this.#name));
    return raceAbort(done, signal);
  }

  async #fetchAndCommit(slots: readonly Slot[], sequences: readonly number[]): Promise<Map<Slot, string>> {
    const unversioned = slots.filter((slot) => slot.version === undefined);
    const versioned = slots.filter((slot) => slot.version !== undefined);
    const batch =
      unversioned.length === 0
        ? Promise.resolve<Record<string, string>>({})
        : this.#callBatch(unversioned.map((slot) => slot.path));
    const singles = versioned.map((slot) => this.#callGet(slot).then((raw) => expectString(raw, slot)));
    const [batchResult, ...singleResults] = await Promise.allSettled([batch, ...singles]);

    const missing: string[] = [];
    const missed = new Set<Slot>();
    let failure: { error: unknown } | undefined;
    const values = new Map<Slot, string>();
    if (batchResult?.status === 'rejected') {
      const error: unknown = batchResult.reason;
      if (!SecretNotFoundError.is(error)) failure ??= { error };
      else {
        const paths = error.paths.length > 0 ? error.paths : [error.path ?? '(unknown path)'];
        missing.push(...paths);
        for (const slot of unversioned) if (paths.includes(slot.path)) missed.add(slot);
      }
    } else if (batchResult !== undefined) {
      const record: unknown = batchResult.value;
      for (const slot of unversioned) {
        // Own keys only: a path named like an Object.prototype member must not read the prototype.
        if (typeof record !== 'object' || record === null || !Object.hasOwn(record, slot.path)) {
          missing.push(slot.path);
          missed.add(slot);
          continue;
        }
        try {
          values.set(slot, expectString((record as Record<string, unknown>)[slot.path], slot));
        } catch (error) {
          failure ??= { error };
        }
      }
    }
    singleResults.forEach((result, i) => {
      const slot = versioned[i] as Slot;
      if (result.status === 'fulfilled') values.set(slot, result.value);
      else if (!SecretNotFoundError.is(result.reason)) failure ??= { error: result.reason };
      else {
        missing.push(slot.label);
        missed.add(slot);
      }
    });

    const error = failure?.error ?? (missing.length > 0 ? missingSecrets([...new Set(missing)]) : undefined);
    if (error !== undefined) {
      // A missing secret marks only its own slots; any other failure marks the whole batch.
      slots.forEach((slot, i) => {
        if (failure !== undefined || missed.has(slot)) slot.fetchState().fail(sequences[i] as number, error);
      });
      throw error;
    }
    this.#commit(
      slots.filter((slot) => values.has(slot)).map((slot) => [slot, values.get(slot) as string] as const),
      sequences.filter((_, i) => values.has(slots[i] as Slot)),
    );
    return values;
  }

  /**
   * Casts every field of every slot first; stores only when all succeeded. A slot whose fetch
   * (by `sequences`) is older than the newest stored one is skipped: its value is out of date.
   * Every slot's ttl is shortened by the same jitter `factor`.
   */
  #commit(all: readonly (readonly [Slot, string])[], sequences: readonly number[], factor = this.#partition.expiryFactor()): void {
    if (this.#partition.disposed) return;
    const isNewer = (slot: Slot, i: number): boolean => (sequences[i] as number) > slot.fetchState().committed;
    const loaded = all.filter(([slot], i) => isNewer(slot, i));
    const loadedSequences = sequences.filter((_, i) => isNewer((all[i] as readonly [Slot, string])[0], i));
    const casts: [Binding, unknown][] = [];
    const cast = (binding: Binding, slot: Slot, raw: string): void => {
      const { spec, label } = binding.field;
      if (spec.ttl !== 0) casts.push([binding, castValue(raw, spec.designType, spec.transform, label, slot.path)]);
    };
    try {
      for (const [slot, raw] of loaded) {
        if (slot.bindsField) cast(slot, slot, raw);
        if (slot.others !== undefined) for (const other of slot.others) cast(other, slot, raw);
      }
    } catch (error) {
      loadedSequences.forEach((sequence, i) => (loaded[i] as readonly [Slot, string])[0].fetchState().fail(sequence, error));
      throw error;
    }
    all.forEach(([slot], i) => {
      const fetches = slot.fetchState();
      fetches.committed = Math.max(fetches.committed, sequences[i] as number);
    });
    const changed: Slot[] = [];
    for (const [slot, raw] of loaded) {
      slot.fetchState().error = undefined;
      if (recordDigest(slot, raw) && slot.cacheable) changed.push(slot);
      // One jitter draw for all: what is loaded together expires, and refreshes, together.
      if (slot.cacheable) this.#partition.store(slot, raw, slot.ttl, factor);
    }
    // After the store, which sets the slot's value to the raw string: a slot bound to a field
    // holds that field's cast value.
    for (const [binding, value] of casts) binding.value = value;
    // Last, so that a listener reading the field sees the new value.
    for (const slot of changed) this.#changed(slot);
  }

  /** One change event per field bound to a slot whose stored value changed. */
  #changed(slot: Slot): void {
    for (const binding of slot.bindings) {
      const { owner, spec } = binding.field;
      notifyChange(this.changes, binding, { model: owner, field: spec.name, path: slot.path, version: slot.version });
    }
  }
}

/**
 * Records the digest of the value a slot is about to hold; true when it replaces a different one
 * (a first load, with no digest yet, is not a change). Called before the store: while the slot
 * still holds the previous raw string (a String field without transform, or a slot whose first
 * field has ttl 0), the strings themselves are compared.
 */
function recordDigest(slot: Slot, raw: string): boolean {
  const before = slot.digest;
  slot.digest = valueDigest(raw);
  if (before === undefined) return false;
  const spec = slot.field.spec;
  const holdsRaw = slot.state !== EntryState.Empty && (!slot.bindsField || (spec.designType === String && spec.transform === undefined));
  if (holdsRaw && typeof slot.value === 'string') return slot.value !== raw;
  return before !== slot.digest;
}

/** Records `promise` as the slot's fetch in flight; the slot drops its fetch state once idle. */
function track(slot: Slot, sequence: number, promise: Promise<string>): void {
  slot.fetchState().track(sequence, promise, () => slot.dropIfIdle());
}

/** The slot a binding reads through, or the error that kept its path from resolving. */
function slotOrThrow(binding: Binding): Slot {
  if (binding instanceof Slot) return binding;
  if (binding.error !== undefined || binding.slot === undefined) throw binding.error;
  return binding.slot;
}

/**
 * The raw value a backend returned, if it is a string. Anything else is a broken backend: it
 * must not be cached (as a String field would) or cast into a misleading error.
 */
function expectString(raw: unknown, slot: Slot): string {
  if (typeof raw === 'string') return raw;
  const type = typeof raw;
  const kind = raw === null ? 'null' : Array.isArray(raw) ? 'an array' : type === 'undefined' ? 'undefined' : `${type === 'object' ? 'an' : 'a'} ${type}`;
  throw new ConfigError(`The backend returned ${kind}, not a string, for secret '${slot.label}'; a Backend must resolve to the raw string`, {
    path: slot.path,
  });
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
