import type { Backend } from '../backends/Backend.js';
import { missingSecrets } from '../backends/Backend.js';
import type { CachePartition } from '../cache/CachePartition.js';
import { EntryState } from '../cache/CacheEntry.js';
import { DEFAULT_REFRESH_COOLDOWN } from '../constants.js';
import { ConfigError, SecretNotFoundError, SecretNotLoadedError, TransientError } from '../errors.js';
import { raceAbort } from '../internal/abort.js';
import { log, type Logger } from '../logging/Logger.js';
import { castValue } from './cast.js';
import { FieldBinding, type Binding } from './FieldBinding.js';
import type { FieldInfo } from './FieldInfo.js';
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

const noop = (): void => undefined;

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

  constructor(options: RuntimeOptions) {
    this.#backend = options.backend;
    this.#partition = options.partition;
    this.#logger = options.logger;
    this.#staleOnError = options.staleOnError;
    this.#name = options.name;
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
    this.#refreshInBackground(slot);
    const error = slot.fetches?.error;
    if (error !== undefined && !(this.#staleOnError && TransientError.is(error))) throw error;
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
        return binding.value;
      }
      throw error;
    }
  }

  /**
   * Fetches one slot again now, even if a fetch is in flight: one that started earlier may carry
   * a value from before a rotation. Concurrent refreshes are not coalesced (as in the original),
   * and a late answer never overwrites a newer stored one.
   */
  async refresh(binding: Binding, signal?: AbortSignal): Promise<void> {
    const slot = slotOrThrow(binding);
    this.#assertLive(binding.field.label);
    await raceAbort(this.#load(slot, true), signal);
  }

  /** Loads every slot: unversioned ones in one batch, versioned ones one by one. */
  prefetch(signal?: AbortSignal): Promise<void> {
    this.#assertLive(this.#name);
    if (this.broken[0] !== undefined) return Promise.reject(this.broken[0].error);
    return this.#fetchAll(this.slots, signal);
  }

  /** Expires everything, then fetches again, in one batch, what had been loaded. */
  refreshAll(signal?: AbortSignal): Promise<void> {
    this.#assertLive(this.#name);
    const loaded = this.slots.filter((slot) => slot.state !== EntryState.Empty);
    this.#partition.expireAll();
    return this.#fetchAll(loaded, signal);
  }

  /** Stops background work and drops the cached values (also when its partition is disposed). */
  dispose(): void {
    if (this.disposed) return;
    // Aborted first: disposing the partition calls back here.
    this.#abort.abort(new ConfigError(`${this.#name}: the model was disposed`));
    this.#partition.dispose();
    // The partition reset the slots; drop the other bindings' cast values too: a disposed model
    // keeps no secret reachable.
    for (const slot of this.slots) for (const other of slot.others ?? []) other.value = undefined;
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
    const signal = this.#abort.signal;
    const version = slot.version;
    const options = version === undefined ? { signal } : { version, signal };
    const sequence = ++fetches.started;
    const promise = Promise.resolve()
      .then(() => this.#backend.get(slot.path, options))
      .then(
        (raw) => {
          this.#commit([[slot, raw]], [sequence]);
          return raw;
        },
        (error: unknown) => {
          if (sequence >= fetches.committed) fetches.error = error;
          throw error;
        },
      );
    track(slot, sequence, promise);
    return promise;
  }

  #fetchAll(slots: readonly Slot[], signal: AbortSignal | undefined): Promise<void> {
    const joined: Promise<string>[] = [];
    const fresh: Slot[] = [];
    for (const slot of slots) {
      const inflight = slot.fetches?.inflight;
      if (inflight !== undefined) joined.push(inflight);
      else fresh.push(slot);
    }
    const sequences = fresh.map((slot) => ++slot.fetchState().started);
    const work = this.#fetchAndCommit(fresh, sequences);
    fresh.forEach((slot, i) => track(slot, sequences[i] as number, work.then((values) => values.get(slot) as string)));
    return raceAbort(Promise.all([work, ...joined]).then(noop), signal);
  }

  async #fetchAndCommit(slots: readonly Slot[], sequences: readonly number[]): Promise<Map<Slot, string>> {
    const signal = this.#abort.signal;
    const unversioned = slots.filter((slot) => slot.version === undefined);
    const versioned = slots.filter((slot) => slot.version !== undefined);
    const batch =
      unversioned.length === 0
        ? Promise.resolve<Record<string, string>>({})
        : this.#backend.getBatch(
            unversioned.map((slot) => slot.path),
            { signal },
          );
    const singles = versioned.map((slot) => this.#backend.get(slot.path, { version: slot.version as number | string, signal }));
    const [batchResult, ...singleResults] = await Promise.allSettled([batch, ...singles]);

    const missing: string[] = [];
    let failure: { error: unknown } | undefined;
    const note = (error: unknown, path?: string): void => {
      if (!SecretNotFoundError.is(error)) failure ??= { error };
      else if (path !== undefined) missing.push(path);
      else missing.push(...(error.paths.length > 0 ? error.paths : [error.path ?? '(unknown path)']));
    };
    const values = new Map<Slot, string>();
    if (batchResult?.status === 'rejected') note(batchResult.reason);
    else if (batchResult !== undefined) {
      for (const slot of unversioned) {
        // Own keys only: a path named like an Object.prototype member must not read the prototype.
        const raw = Object.hasOwn(batchResult.value, slot.path) ? batchResult.value[slot.path] : undefined;
        if (typeof raw === 'string') values.set(slot, raw);
        else missing.push(slot.path);
      }
    }
    singleResults.forEach((result, i) => {
      const slot = versioned[i] as Slot;
      if (result.status === 'fulfilled') values.set(slot, result.value);
      else note(result.reason, slot.key);
    });

    const error = failure?.error ?? (missing.length > 0 ? missingSecrets([...new Set(missing)]) : undefined);
    if (error !== undefined) {
      // A missing secret marks only its own slots; any other failure marks the whole batch.
      const missed = new Set(missing);
      for (const slot of slots) if (failure !== undefined || missed.has(slot.key)) slot.fetchState().error = error;
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
   */
  #commit(all: readonly (readonly [Slot, string])[], sequences: readonly number[]): void {
    if (this.#partition.disposed) return;
    const loaded = all.filter(([slot], i) => (sequences[i] as number) > slot.fetchState().committed);
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
      for (const [slot] of loaded) slot.fetchState().error = error;
      throw error;
    }
    all.forEach(([slot], i) => {
      const fetches = slot.fetchState();
      fetches.committed = Math.max(fetches.committed, sequences[i] as number);
    });
    for (const [slot, raw] of loaded) {
      slot.fetchState().error = undefined;
      if (slot.cacheable) this.#partition.store(slot, raw, slot.ttl);
    }
    // After the store, which sets the slot's value to the raw string: a slot bound to a field
    // holds that field's cast value.
    for (const [binding, value] of casts) binding.value = value;
  }

  #refreshInBackground(slot: Slot): void {
    if (slot.fetches?.inflight !== undefined || this.disposed) return;
    const clock = this.#partition.clock;
    if (slot.fetches !== undefined && clock.now() < slot.fetches.retryAt) return;
    this.#load(slot).then(
      () => {
        if (slot.fetches === undefined) return;
        slot.fetches.retryAt = 0;
        slot.dropIfIdle();
      },
      (error: unknown) => {
        if (this.disposed) return;
        slot.fetchState().retryAt = clock.now() + DEFAULT_REFRESH_COOLDOWN * 1000;
        const stale = this.#staleOnError && TransientError.is(error);
        log(
          this.#logger,
          'warn',
          { path: slot.path, error: errorName(error) },
          stale ? 'vaultly: background refresh failed, serving the stale value' : 'vaultly: background refresh failed',
        );
      },
    );
  }
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

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
