import { ConfigError } from '../errors.js';
import { cacheKey, FieldBinding, Slot, type Binding } from './Slot.js';
import type { FieldInfo } from './FieldInfo.js';

/**
 * Binds the fields of one root model (its nested children included) to slots: one slot per
 * cache key, in binding order. The first field of a key that caches its value is bound by the
 * slot itself; any other field gets a {@link FieldBinding} of its own.
 */
export class SlotBinder {
  /** One slot per cache key, in binding order. */
  readonly slots: Slot[] = [];
  /** Fields whose path could not be resolved (validate: 'none'); prefetch reports the first. */
  readonly broken: FieldBinding[] = [];
  /** Slots by cache key, only while fields are being bound. */
  #byKey: Map<string, Slot> | undefined = new Map();
  readonly #name: string;

  /** @param name - the root class name, for messages */
  constructor(name: string) {
    this.#name = name;
  }

  /** Binds `field` to the slot of its resolved `path`; a ConfigError once sealed. */
  bind(field: FieldInfo, path: string): Binding {
    const byKey = this.#byKey;
    if (byKey === undefined) throw new ConfigError(`${this.#name}: fields can no longer be bound`);
    const key = cacheKey(path, field.spec.version);
    let slot = byKey.get(key);
    if (slot === undefined) {
      slot = new Slot(path, field);
      byKey.set(key, slot);
      this.slots.push(slot);
      if (slot.bindsField) return slot;
    }
    const binding = new FieldBinding(field, slot);
    slot.addField(binding);
    return binding;
  }

  /** Ends binding and lets the index by key go; returns the slots. */
  seal(): readonly Slot[] {
    this.#byKey = undefined;
    return this.slots;
  }
}
