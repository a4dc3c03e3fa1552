import type { Binding } from './Slot.js';
import type { ModelRuntime } from './ModelRuntime.js';

/** What a bound model instance (root or nested) knows about itself. */
export interface ModelState {
  /** The root's runtime, shared by the whole tree. */
  readonly runtime: ModelRuntime;
  /** Its secret fields' positions by property name (its class's, from the ModelShape). */
  readonly positions: ReadonlyMap<string, number>;
  /** Its own bindings, by field position. */
  readonly bindings: readonly Binding[];
  /** Whether this instance is the root of its tree. */
  readonly root: boolean;
}
