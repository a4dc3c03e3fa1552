import { EntryState } from '../cache/CacheEntry.js';
import type { BoundField, OwnPropertyMirror } from './BoundField.js';
import type { FieldInfo } from './FieldInfo.js';
import type { Slot } from './Slot.js';

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
