import type { CachePartition } from '../cache/CachePartition.js';
import { EntryState } from '../cache/CacheEntry.js';
import { publishStale } from '../diagnostics/publishStale.js';
import { ConfigError, SecretNotLoadedError, TransientError } from '../errors.js';
import { raceAbort } from '../internal/abort.js';
import { log, type Logger } from '../logging/Logger.js';
import { Slot, slotOf, type Binding } from './Slot.js';
import { castValue } from './cast.js';
import type { SlotFetcher } from './SlotFetcher.js';

/** Loads a read starts again when its secret is invalidated while it waits, before it gives up. */
const MAX_LOADS_AFTER_INVALIDATE = 3;

/** What a {@link FieldReader} reads through. */
export interface FieldReaderOptions {
  readonly partition: CachePartition;
  readonly fetcher: SlotFetcher;
  /** Where a sync read of an expired value asks for a background refresh. */
  readonly refresher: { request(slot: Slot): void };
  readonly logger: Logger;
  /** Serve the last value when a refresh fails transiently. */
  readonly staleOnError: boolean;
  /** The root class name, for messages. */
  readonly name: string;
  isDisposed(): boolean;
}

/**
 * The reads of one field of a root model: the synchronous read past the accessor's fresh check
 * (stale value plus a background refresh when expired), and the async ones (`getSecret`,
 * `refresh`, `withSecret`), which join or start a fetch and fall back to the stale value on a
 * transient failure under `staleOnError`.
 */
export class FieldReader {
  readonly #options: FieldReaderOptions;

  constructor(options: FieldReaderOptions) {
    this.#options = options;
  }

  /** Whether a field's cached value is fresh by flag and by clock (never for ttl-0 fields). */
  isFresh(binding: Binding): boolean {
    if (binding instanceof Slot) return this.#options.partition.isFresh(binding);
    return binding.slot !== undefined && binding.field.spec.ttl !== 0 && this.#options.partition.isFresh(binding.slot);
  }

  /** The synchronous read, past the hot path's fresh check. */
  readSync(binding: Binding): unknown {
    const slot = slotOf(binding);
    const field = binding.field;
    if (field.spec.ttl === 0) {
      throw new ConfigError(`${field.label}: secret '${slot.path}' has ttl 0 and is never cached; read it with await getSecret(config, '${field.spec.name}')`, {
        path: slot.path,
      });
    }
    if (slot.state === EntryState.Fresh) return binding.value;
    if (slot.state === EntryState.Empty) {
      throw new SecretNotLoadedError(
        this.#options.isDisposed()
          ? `${field.label}: secret '${slot.path}' is not loaded: the model was disposed`
          : `${field.label}: secret '${slot.path}' is not loaded yet: resolve the model with await container.getAsync(...) and validate: 'fetch', or call await prefetch(config) or await getSecret(config, '${field.spec.name}') first`,
        { path: slot.path },
      );
    }
    this.#options.refresher.request(slot);
    const error = slot.fetches?.error;
    if (error !== undefined) {
      if (!(this.#options.staleOnError && TransientError.is(error))) throw error;
      publishStale(this.#options.name, field.label, slot.path, error);
    }
    return binding.value;
  }

  /** `getSecret`: fresh hit at once, otherwise one shared fetch, stale value on a transient failure. */
  async read(binding: Binding, signal?: AbortSignal): Promise<unknown> {
    const slot = slotOf(binding);
    const field = binding.field;
    this.#assertLive(field.label);
    if (this.isFresh(binding)) return binding.value;
    try {
      return await this.#load(binding, false, signal);
    } catch (error) {
      if (this.#options.staleOnError && TransientError.is(error) && field.spec.ttl !== 0 && slot.state !== EntryState.Empty) {
        log(this.#options.logger, 'warn', { path: slot.path, error: errorName(error) }, 'vaultly: refresh failed, serving the stale value');
        publishStale(this.#options.name, field.label, slot.path, error);
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
    slotOf(binding); // a field whose path did not resolve rejects with that error first
    this.#assertLive(binding.field.label);
    return this.#load(binding, true, signal);
  }

  /**
   * Loads a field's slot (`force`: fetched anew) and resolves to the field's value: loaded again
   * when an invalidate dropped the answer meanwhile, and checked live after each wait (a disposed
   * model's values are gone, and its fetch may not have been stored).
   */
  async #load(binding: Binding, force: boolean, signal: AbortSignal | undefined): Promise<unknown> {
    const slot = slotOf(binding);
    const { field } = binding;
    let raw = await raceAbort(this.#options.fetcher.load(slot, force, signal), signal);
    this.#assertLive(field.label);
    for (let again = 1; this.#invalidatedMeanwhile(binding); again++) {
      this.#assertLoadsLeft(binding, again);
      raw = await raceAbort(this.#options.fetcher.load(slot, force, signal), signal);
      this.#assertLive(field.label);
    }
    // A slot with a ttl-0 field is never lent cast values (and a forced load always fetches): its
    // loads give the raw string.
    return field.spec.ttl === 0 ? castValue(raw as string, field.spec.designType, field.spec.transform, field.label, slot.path) : binding.value;
  }

  /**
   * A read for `withSecret`: the value and its slot's `source` (what it came from; undefined for
   * a binding that never loaded).
   */
  async readWithSource(binding: Binding, signal?: AbortSignal): Promise<{ value: unknown; source: string | number | undefined }> {
    const slot = slotOf(binding);
    if (this.isFresh(binding)) return { value: binding.value, source: slot.source };
    const value = await this.read(binding, signal);
    return { value, source: slot.source };
  }

  /**
   * Whether a cached field's slot was invalidated while a load was awaited: that load's answer
   * (which may be the value just dropped) was not stored, and a load of its own must follow.
   */
  #invalidatedMeanwhile(binding: Binding): boolean {
    return binding.field.spec.ttl !== 0 && slotOf(binding).state === EntryState.Empty;
  }

  /** Loads again after an invalidation, a few times; a secret invalidated faster than it loads says so. */
  #assertLoadsLeft(binding: Binding, again: number): void {
    if (again <= MAX_LOADS_AFTER_INVALIDATE) return;
    const slot = slotOf(binding);
    throw new SecretNotLoadedError(`${binding.field.label}: secret '${slot.path}' was invalidated ${again - 1} times while it loaded; read it again`, {
      path: slot.path,
    });
  }

  #assertLive(label: string): void {
    if (this.#options.isDisposed()) throw new ConfigError(`${label}: the model was disposed`);
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
