import { CacheEntry, EntryState } from '../cache/CacheEntry.js';
import { Fetches } from './Fetches.js';
import type { FieldInfo } from './FieldInfo.js';

// The model of a bound field and its cache entry, in one place:
// - a Slot is one resolved cache key of a root model: its cache entry (state, expiry, value),
//   its fetch bookkeeping, and the binding of its first cached field, whose cast value is the
//   entry's value (the common case, one field per key, costs one object);
// - a FieldBinding binds any other field: a second field on the same key, a ttl-0 field, or a
//   field whose path could not be resolved; it holds its own cast value and reads through a slot;
// - a Binding is either, what an instance keeps per field position.

/**
 * What an instance's accessor reads for one field: the field, its cast value, and the flag whose
 * {@link EntryState.Fresh} lets the read skip the runtime. A {@link Slot} is one for its first
 * cached field; a {@link FieldBinding} is one for any other field.
 */
export interface BoundField {
  readonly field: FieldInfo;
  /** The cast value, valid while the slot's entry is fresh or expired. */
  value: unknown;
  readonly state: EntryState;
  /**
   * Where the value is written through as an own property of the instance, when it is. Only a
   * {@link FieldBinding} holds it; a slot's is found through its runtime, so that a slot (one per
   * secret) carries no field for it.
   */
  mirror?: OwnPropertyMirror | undefined;
}

/**
 * What writes a fresh value through as an own property of the instance, and takes it down when
 * the value stops being fresh (an `InstanceMirror`).
 */
export interface OwnPropertyMirror {
  show(binding: BoundField): void;
  hide(binding: BoundField): void;
}

/**
 * One resolved cache key of a root model (`path` or `path@version`): the cache entry, what is in
 * flight for it, and the fields bound to it. It is also the binding of its first field when that
 * field is cached, holding that field's cast value as the entry's value, so that the common case
 * (one field per key) costs one object and a warm read is a flag check and a field load. Further
 * fields on the same key, and ttl-0 fields, get a {@link FieldBinding} each.
 */
export class Slot extends CacheEntry<unknown> implements BoundField {
  /** Made on the first fetch, dropped when idle. */
  fetches: Fetches | undefined;
  /** Fields bound to this key besides `field`; undefined while there are none. */
  others: BoundField[] | undefined;
  /**
   * What the stored value came from: the backend's string while the slot holds a value cast from
   * it (another root takes it and casts it for its own fields; `onChange` compares it; for an
   * untransformed string field it is the value itself, no second copy), or that string's
   * `valueDigest` (a small integer) once `invalidate` dropped the value, and for a key whose
   * fields all have ttl 0, which keeps no secret. Undefined before the first load and after dispose.
   */
  source: string | number | undefined;

  constructor(
    readonly path: string,
    /** The first field bound to this key; its spec gives the version. */
    readonly field: FieldInfo,
  ) {
    super();
    this.fetches = undefined;
    this.others = undefined;
    this.source = undefined;
  }

  /** The version requested, from the field specs (all fields of a key share it). */
  get version(): number | string | undefined {
    return this.field.spec.version;
  }

  /** The cache key: unambiguous, never shown (see {@link cacheKey}). */
  get key(): string {
    return cacheKey(this.path, this.version);
  }

  /** How messages name it: `path`, or `path@version`. */
  get label(): string {
    return this.version === undefined ? this.path : `${this.path}@${this.version}`;
  }

  /** Whether any bound field caches the value (false when every field has ttl 0). */
  get cacheable(): boolean {
    return this.field.spec.ttl !== 0 || (this.others?.some((other) => other.field.spec.ttl !== 0) ?? false);
  }

  /** Smallest positive ttl of its fields (seconds); undefined when none expires. */
  get ttl(): number | undefined {
    let ttl = positive(this.field.spec.ttl);
    for (const other of this.others ?? []) {
      const candidate = positive(other.field.spec.ttl);
      if (candidate !== undefined && (ttl === undefined || candidate < ttl)) ttl = candidate;
    }
    return ttl;
  }

  /** Whether this slot is the binding of its first field (it is unless that field has ttl 0). */
  get bindsField(): boolean {
    return this.field.spec.ttl !== 0;
  }

  /** The fetch state, made if absent. */
  fetchState(): Fetches {
    return (this.fetches ??= new Fetches());
  }

  /** Drops the fetch state once it holds nothing worth keeping. */
  dropIfIdle(): void {
    if (this.fetches?.idle === true) this.fetches = undefined;
  }

  /** Every field binding that reads through this slot. */
  get bindings(): BoundField[] {
    const bindings: BoundField[] = this.bindsField ? [this] : [];
    if (this.others !== undefined) bindings.push(...this.others);
    return bindings;
  }

  addField(binding: BoundField): void {
    if (this.others === undefined) this.others = [binding];
    else this.others.push(binding);
  }
}

/**
 * The cache key of a path and a requested version. A path may hold a literal `@` (`/x@2`), so
 * `path@version` would let `@Secret('/x@2')` and `@Secret('/x', { version: 2 })` share an entry;
 * the separator is a NUL, which no path can contain (templates and context values refuse
 * control characters).
 */
export function cacheKey(path: string, version: number | string | undefined): string {
  return version === undefined ? path : `${path}\u0000${version}`;
}

function positive(ttl: number | undefined): number | undefined {
  return ttl === undefined || ttl === 0 ? undefined : ttl;
}

/**
 * The binding of a field that is not its slot's first cached field: a second field on the same
 * key, a ttl-0 field, or a field whose path could not be resolved. Its `state` is never fresh, so
 * the accessor's fast check always sends it to the runtime, which checks its slot.
 */
export class FieldBinding implements BoundField {
  /** The cast value, valid while the slot's entry is fresh or expired. */
  value: unknown = undefined;
  /** Never {@link EntryState.Fresh}: the accessor's fast check fails by design. */
  readonly state: EntryState = EntryState.Empty;
  mirror: OwnPropertyMirror | undefined = undefined;

  constructor(
    readonly field: FieldInfo,
    readonly slot: Slot | undefined,
    /** Why the path could not be resolved (validate: 'none' defers this error to the first read). */
    readonly error: unknown = undefined,
  ) {}
}

/** What an instance keeps per field: its slot (when it is the slot's first cached field) or a {@link FieldBinding}. */
export type Binding = Slot | FieldBinding;

/** The slot a binding reads through, or the error that kept its path from resolving. */
export function slotOf(binding: Binding): Slot {
  if (binding instanceof Slot) return binding;
  if (binding.error !== undefined || binding.slot === undefined) throw binding.error;
  return binding.slot;
}
