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
}
