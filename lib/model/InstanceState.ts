import type { Binding } from './Slot.js';
import { InstanceMirror } from './InstanceMirror.js';
import type { ModelState } from './ModelState.js';

/** A base class whose constructor returns the object it is given, so a subclass can stamp it. */
class Stamp {
  constructor(target: object) {
    return target as Stamp;
  }
}

/**
 * Where a bound model instance keeps its state: private fields stamped onto the instance (the
 * subclass-constructor-returns-the-target idiom). Symbol-keyed properties were one reflective
 * step from the secrets (`Object.getOwnPropertyDescriptors`, `util.inspect` with `showHidden`);
 * private fields are reachable by no reflection API. A WeakMap would hide them too, but a lookup
 * per read would slow the warm synchronous read, which is a flag check and a field load: a
 * private field loads like a property.
 */
export class InstanceState extends Stamp {
  #state: ModelState;
  #bindings: readonly Binding[];

  private constructor(target: object, state: ModelState) {
    super(target);
    this.#state = state;
    this.#bindings = state.bindings;
  }

  /**
   * Gives `target` its state, once: a second call throws a TypeError. Its fresh values will be
   * written through as own properties (see {@link InstanceMirror}).
   */
  static attach(target: object, state: ModelState): InstanceMirror | undefined {
    new InstanceState(target, state);
    return InstanceMirror.attach(target, state.bindings);
  }

  /** The state of a bound instance, or undefined. */
  static of(target: unknown): ModelState | undefined {
    return typeof target === 'object' && target !== null && #state in target ? (target as InstanceState).#state : undefined;
  }

  /** Whether `target` is bound. */
  static isBound(target: object): boolean {
    return #state in target;
  }

  /**
   * The getter of the field at `index`. The hot path is a private load, a flag check (1 is
   * EntryState.Fresh) and a field load; anything else goes to `slow`, with no binding when the
   * instance is not bound.
   */
  static getter(index: number, slow: (instance: object, binding: Binding | undefined) => unknown): (this: object) => unknown {
    return function (this: object): unknown {
      let bindings: readonly Binding[];
      try {
        bindings = (this as InstanceState).#bindings;
      } catch {
        // Not bound: the private field is absent and the load throws.
        return slow(this, undefined);
      }
      const binding = bindings[index] as Binding;
      return binding.state === 1 ? binding.value : slow(this, binding);
    };
  }
}
