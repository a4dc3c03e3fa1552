import { EntryState } from '../cache/CacheEntry.js';
import { FieldBinding, type Binding, type BoundField, type OwnPropertyMirror, type Slot } from './Slot.js';

/**
 * The write-through own properties of one bound model instance: while a field's cache entry is
 * fresh, its cast value is also a read-only, non-enumerable own data property of the instance,
 * so a warm read is a plain property load, inlined by V8 at any call site however many model
 * classes the process has (an accessor is one function shared by every class, so its inline
 * caches go megamorphic once more than four classes are read). When the entry stops being fresh
 * (expiry, `invalidate`, `refreshAll`, `dispose`) the property is deleted and the read falls
 * through to the class's accessor, which serves the stale value and starts a refresh, or throws.
 *
 * V8 keeps an object in fast mode when the property deleted is the last one added (it steps the
 * hidden class back); deleting any other turns the object into a dictionary for good. So a hide
 * deletes, newest first, every property defined after the one going, and the still-fresh ones
 * come back in a microtask (until then the accessor serves them: same values, a little slower).
 *
 * The instance is held weakly: a slot (held by its cache partition) must not keep a model that
 * was dropped without `dispose` alive.
 */
export class InstanceMirror implements OwnPropertyMirror {
  readonly #target: WeakRef<object>;
  /** The instance's bindings, by field position. */
  readonly #bindings: readonly Binding[];
  /**
   * Field positions, in the order their properties were defined on the instance. Searched rather
   * than indexed: shows and hides happen on loads and expiries, never on a read, and a per-field
   * index would cost every bound instance a typed array.
   */
  readonly #defined: number[];
  /** How many of {@link #defined} are in use (it is made at its full size once). */
  #count = 0;
  #pending = false;

  private constructor(target: object, bindings: readonly Binding[]) {
    this.#target = new WeakRef(target);
    this.#bindings = bindings;
    // Sized once: grown by pushes it would hold about 1.7 slots per field.
    this.#defined = new Array<number>(bindings.length);
  }

  /** The place of field `index` in {@link #defined}, or -1. */
  #at(index: number): number {
    const defined = this.#defined;
    for (let k = 0; k < this.#count; k++) if (defined[k] === index) return k;
    return -1;
  }

  /**
   * The mirror of a newly bound instance, when any of its fields can have an own property (see
   * `FieldInfo.ownName`). Its {@link FieldBinding}s hold it; its slots reach it through the
   * runtime (see {@link ownsSlot}), so that a slot carries no field for it.
   */
  static attach(target: object, bindings: readonly Binding[]): InstanceMirror | undefined {
    if (!bindings.some((binding) => binding.field.ownName !== undefined)) return undefined;
    const mirror = new InstanceMirror(target, bindings);
    for (const binding of bindings) if (binding instanceof FieldBinding) binding.mirror = mirror;
    return mirror;
  }

  /** Whether `slot` is the binding of one of this instance's fields. */
  ownsSlot(slot: Slot): boolean {
    return this.#bindings[slot.field.index] === slot;
  }

  /** Defines (or updates) the own property of a field whose entry was just stored fresh. */
  show(binding: BoundField): void {
    const name = binding.field.ownName;
    if (name === undefined || !isFresh(binding)) return;
    const target = this.#target.deref();
    if (target === undefined) return;
    try {
      Object.defineProperty(target, name, { value: binding.value, writable: false, enumerable: false, configurable: true });
    } catch {
      // A non-extensible instance (preventExtensions, seal, freeze): the accessor keeps serving it.
      return;
    }
    const index = binding.field.index;
    if (this.#at(index) === -1) this.#defined[this.#count++] = index;
  }

  /** Deletes the own property of a field whose entry is no longer fresh, before anyone reads it. */
  hide(binding: BoundField): void {
    const defined = this.#defined;
    const at = this.#at(binding.field.index);
    if (at === -1) return;
    const target = this.#target.deref();
    for (let k = this.#count - 1; k >= at; k--) {
      const index = defined[k] as number;
      if (target !== undefined) Reflect.deleteProperty(target, (this.#bindings[index] as Binding).field.ownName as string);
    }
    this.#count = at;
    if (target !== undefined && !this.#pending && at < this.#bindings.length) {
      this.#pending = true;
      queueMicrotask(() => this.#restore());
    }
  }

  /** Puts back, in field order, the properties of fields still fresh. */
  #restore(): void {
    this.#pending = false;
    for (const binding of this.#bindings) if (this.#at(binding.field.index) === -1) this.show(binding);
  }
}

/** Whether a binding's slot holds a fresh value for it (never for ttl-0 fields). */
function isFresh(binding: BoundField): boolean {
  if (binding.state === EntryState.Fresh) return true;
  return binding instanceof FieldBinding && binding.field.spec.ttl !== 0 && binding.slot?.state === EntryState.Fresh;
}
