import { publishChange } from '../diagnostics/publishChange.js';
import type { ChangeEvent } from './ChangeEvent.js';
import type { ChangeListeners } from './ChangeListeners.js';
import type { BoundField } from './Slot.js';

/**
 * Tells whoever watches a model that `binding`'s field now holds a different value: its
 * `onChange` listeners, then the `vaultly:change` diagnostics channel. The one place every
 * change goes through.
 */
export function notifyChange(listeners: ChangeListeners, binding: BoundField, event: ChangeEvent): void {
  listeners.deliver(binding, event);
  publishChange(event);
}
