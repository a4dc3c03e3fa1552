import type { EntryState } from '../cache/CacheEntry.js';
import type { FieldInfo } from './FieldInfo.js';

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
  /** Where the value is written through as an own property of the instance, when it is. */
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
