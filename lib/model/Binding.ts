import type { FieldBinding } from './FieldBinding.js';
import type { Slot } from './Slot.js';

/**
 * What an instance keeps per field: its slot (when the field is the slot's first cached one) or
 * a {@link FieldBinding} of its own. Either way a {@link BoundField}; the runtime tells them
 * apart to find the slot a field reads through.
 */
export type Binding = Slot | FieldBinding;
