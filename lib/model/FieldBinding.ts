import { CacheEntry } from '../cache/CacheEntry.js';
import type { SecretFieldSpec } from './metadata.js';
import type { ModelRuntime } from './ModelRuntime.js';

const EMPTY: FieldBinding[] = [];

/**
 * One resolved cache key of a root model: the path and version every field bound to it reads,
 * and the entry they share. Fields that resolve to the same key share one slot, one fetch and
 * one cached value.
 */
export class Slot {
  // Grown from one element: an empty array's first push reserves room for 17.
  fields: FieldBinding[] = EMPTY;
  /** Smallest positive ttl of its fields (seconds); undefined when none expires. */
  ttl: number | undefined = undefined;
  /** Whether any field caches the value (false when every field has ttl 0). */
  cacheable = false;
  /** Clock time before which no background refresh starts again after a failure. */
  retryAt = 0;
  /** Sequence number of the last fetch started, and of the newest one whose value was stored. */
  started = 0;
  committed = 0;
  /** Fetches still in flight, by sequence number; made on the first fetch. */
  pending: Map<number, Promise<string>> | undefined = undefined;

  constructor(
    readonly key: string,
    readonly path: string,
    readonly version: number | string | undefined,
    readonly entry: CacheEntry,
  ) {}

  add(field: FieldBinding): void {
    if (this.fields === EMPTY) this.fields = [field];
    else this.fields.push(field);
    const ttl = field.spec.ttl;
    if (ttl === 0) return;
    this.cacheable = true;
    if (ttl !== undefined && (this.ttl === undefined || ttl < this.ttl)) this.ttl = ttl;
  }
}

/**
 * One secret property of one model instance, bound to its slot. Holds the value cast for this
 * field's type, so that a warm read is a flag check and a field load.
 */
export class FieldBinding {
  /** The cast value, valid while `entry.state` is fresh or expired. */
  value: unknown = undefined;
  /**
   * The entry the hot path checks: the slot's entry, or a never-filled one for ttl-0 and broken
   * fields so that they always take the slow path.
   */
  readonly entry: CacheEntry;

  /** The runtime that reads it when the hot path cannot; set when the model is bound. */
  runtime!: ModelRuntime;

  constructor(
    /** The declaring class's name, for messages. */
    readonly owner: string,
    readonly spec: SecretFieldSpec,
    readonly slot: Slot | undefined,
    /** Why the path could not be resolved (validate: 'none' defers this error to the first read). */
    readonly error: unknown = undefined,
  ) {
    this.entry = slot !== undefined && spec.ttl !== 0 ? slot.entry : new CacheEntry();
  }

  /** `Class.property (description)`, built only when a message needs it. */
  get label(): string {
    return fieldLabel(this.owner, this.spec);
  }
}

/** How messages name a field: `Class.property`, with the description when it has one. */
export function fieldLabel(owner: string, spec: SecretFieldSpec): string {
  // The original labels fields with their description in errors; so do we (never a value).
  return `${owner}.${spec.name}${spec.description === undefined ? '' : ` (${spec.description})`}`;
}
