import type { Backend } from '../backends/Backend.js';
import { missingSecrets } from '../backends/Backend.js';
import type { CachePartition } from '../cache/CachePartition.js';
import { EntryState } from '../cache/CacheEntry.js';
import { DEFAULT_REFRESH_COOLDOWN } from '../constants.js';
import { ConfigError, SecretNotFoundError, SecretNotLoadedError, TransientError } from '../errors.js';
import { raceAbort } from '../internal/abort.js';
import { log, type Logger } from '../logging/Logger.js';
import { castValue } from './cast.js';
import { FieldBinding, Slot } from './FieldBinding.js';
import type { SecretFieldSpec } from './metadata.js';

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
 * The live state of one root model and its nested children: slots by cache key, the fetch
 * logic (single flight, batching, stale-on-error) and background refresh.
 */
export class ModelRuntime {
  readonly slots = new Map<string, Slot>();
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

  /** Binds a field to the slot of its resolved path (created on first use). */
  bind(owner: string, spec: SecretFieldSpec, path: string): FieldBinding {
    const key = spec.version === undefined ? path : `${path}@${spec.version}`;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = new Slot(key, path, spec.version, this.#partition.entry(key));
      this.slots.set(key, slot);
    }
    const binding = new FieldBinding(owner, spec, slot);
    slot.add(binding);
    return binding;
  }

  /** Whether a field's cached value is fresh by flag and by clock (never for ttl-0 fields). */
  isFresh(binding: FieldBinding): boolean {
    return this.#partition.isFresh(binding.entry);
  }

  /** The synchronous read, past the hot path's fresh check. */
  readSync(binding: FieldBinding): unknown {
    if (binding.error !== undefined) throw binding.error;
    const slot = binding.slot as Slot;
    if (binding.spec.ttl === 0) {
      throw new ConfigError(`${binding.label}: secret '${slot.path}' has ttl 0 and is never cached; read it with await getSecret(config, '${binding.spec.name}')`, {
        path: slot.path,
      });
    }
    const entry = slot.entry;
    if (entry.state === EntryState.Fresh) return binding.value;
    if (entry.state === EntryState.Empty) {
      throw new SecretNotLoadedError(
        this.disposed
          ? `${binding.label}: secret '${slot.path}' is not loaded: the model was disposed`
          : `${binding.label}: secret '${slot.path}' is not loaded yet: resolve the model with await container.getAsync(...) and validate: 'fetch', or call await prefetch(config) or await getSecret(config, '${binding.spec.name}') first`,
        { path: slot.path },
      );
    }
    this.#refreshInBackground(slot);
    const error = entry.error;
    if (error !== undefined && !(this.#staleOnError && TransientError.is(error))) throw error;
    return binding.value;
  }

  /** `getSecret`: fresh hit at once, otherwise one shared fetch, stale value on a transient failure. */
  async read(binding: FieldBinding, signal?: AbortSignal): Promise<unknown> {
    if (binding.error !== undefined) throw binding.error;
    this.#assertLive(binding.label);
    const slot = binding.slot as Slot;
    const entry = slot.entry;
    if (this.#partition.isFresh(binding.entry)) return binding.value;
    try {
      const raw = await raceAbort(this.#load(slot), signal);
      return binding.spec.ttl === 0 ? castValue(raw, binding.spec.designType, binding.spec.transform, binding.label, slot.path) : binding.value;
    } catch (error) {
      if (this.#staleOnError && TransientError.is(error) && binding.spec.ttl !== 0 && entry.state !== EntryState.Empty) {
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
  async refresh(binding: FieldBinding, signal?: AbortSignal): Promise<void> {
    if (binding.error !== undefined) throw binding.error;
    this.#assertLive(binding.label);
    await raceAbort(this.#load(binding.slot as Slot, true), signal);
  }

  /** Loads every slot: unversioned ones in one batch, versioned ones one by one. */
  prefetch(signal?: AbortSignal): Promise<void> {
    this.#assertLive(this.#name);
    if (this.broken[0] !== undefined) return Promise.reject(this.broken[0].error);
    return this.#fetchAll([...this.slots.values()], signal);
  }

  /** Expires everything, then fetches again, in one batch, what had been loaded. */
  refreshAll(signal?: AbortSignal): Promise<void> {
    this.#assertLive(this.#name);
    const loaded = [...this.slots.values()].filter((slot) => slot.entry.state !== EntryState.Empty);
    this.#partition.expireAll();
    return this.#fetchAll(loaded, signal);
  }

  /** Stops background work and drops the cached values. */
  dispose(): void {
    if (this.disposed) return;
    this.#abort.abort(new ConfigError(`${this.#name}: the model was disposed`));
    this.#partition.dispose();
    // Drop the cast values too: a disposed model keeps no secret reachable.
    for (const slot of this.slots.values()) for (const field of slot.fields) field.value = undefined;
  }

  #assertLive(label: string): void {
    if (this.disposed) throw new ConfigError(`${label}: the model was disposed`);
  }

  /**
   * One fetch per key in flight (`force` starts a new one anyway); the value is stored only if
   * every field bound to it casts, and only if no fetch that started later was stored first.
   */
  #load(slot: Slot, force = false): Promise<string> {
    const entry = slot.entry;
    if (entry.inflight !== undefined && !force) return entry.inflight;
    const signal = this.#abort.signal;
    const options = slot.version === undefined ? { signal } : { version: slot.version, signal };
    const sequence = ++slot.started;
    const promise = Promise.resolve()
      .then(() => this.#backend.get(slot.path, options))
      .then(
        (raw) => {
          this.#commit([[slot, raw]], [sequence]);
          return raw;
        },
        (error: unknown) => {
          if (sequence >= slot.committed) entry.error = error;
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
      if (slot.entry.inflight !== undefined) joined.push(slot.entry.inflight);
      else fresh.push(slot);
    }
    const sequences = fresh.map((slot) => ++slot.started);
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
      else note(result.reason, `${slot.path}@${String(slot.version)}`);
    });

    const error = failure?.error ?? (missing.length > 0 ? missingSecrets([...new Set(missing)]) : undefined);
    if (error !== undefined) {
      // A missing secret marks only its own slots; any other failure marks the whole batch.
      const missed = new Set(missing);
      for (const slot of slots) if (failure !== undefined || missed.has(slot.key)) slot.entry.error = error;
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
    const loaded = all.filter(([slot], i) => (sequences[i] as number) > slot.committed);
    const casts: [FieldBinding, unknown][] = [];
    for (const [slot, raw] of loaded) {
      for (const field of slot.fields) {
        if (field.spec.ttl === 0) continue;
        try {
          casts.push([field, castValue(raw, field.spec.designType, field.spec.transform, field.label, slot.path)]);
        } catch (error) {
          for (const [s] of loaded) s.entry.error = error;
          throw error;
        }
      }
    }
    all.forEach(([slot], i) => {
      slot.committed = Math.max(slot.committed, sequences[i] as number);
    });
    for (const [slot, raw] of loaded) if (slot.cacheable) this.#partition.store(slot.entry, raw, slot.ttl);
    for (const [field, value] of casts) field.value = value;
  }

  #refreshInBackground(slot: Slot): void {
    if (slot.entry.inflight !== undefined || this.disposed) return;
    const clock = this.#partition.clock;
    if (clock.now() < slot.retryAt) return;
    this.#load(slot).then(
      () => {
        slot.retryAt = 0;
      },
      (error: unknown) => {
        if (this.disposed) return;
        slot.retryAt = clock.now() + DEFAULT_REFRESH_COOLDOWN * 1000;
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

/**
 * Records `promise` as the slot's in-flight fetch until it settles (marking it handled). When a
 * newer forced fetch settles first, readers go back to joining an older one that is still pending
 * and whose answer can still be stored, rather than starting another fetch.
 */
function track(slot: Slot, sequence: number, promise: Promise<string>): void {
  const entry = slot.entry;
  entry.inflight = promise;
  const pendingFetches = (slot.pending ??= new Map());
  pendingFetches.set(sequence, promise);
  const settle = (): void => {
    pendingFetches.delete(sequence);
    if (entry.inflight !== promise) return;
    let next: Promise<string> | undefined;
    let newest = slot.committed;
    for (const [pendingSequence, pending] of pendingFetches) {
      if (pendingSequence > newest) {
        newest = pendingSequence;
        next = pending;
      }
    }
    entry.inflight = next;
  };
  promise.then(settle, settle);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
