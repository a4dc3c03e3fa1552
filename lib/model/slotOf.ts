import type { Binding } from './Binding.js';
import { Slot } from './Slot.js';

/** The slot a binding reads through, or the error that kept its path from resolving. */
export function slotOf(binding: Binding): Slot {
  if (binding instanceof Slot) return binding;
  if (binding.error !== undefined || binding.slot === undefined) throw binding.error;
  return binding.slot;
}

