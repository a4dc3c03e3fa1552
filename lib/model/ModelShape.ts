import 'reflect-metadata';
import { EntryState } from '../cache/CacheEntry.js';
import { ConfigError } from '../errors.js';
import type { Binding } from './FieldBinding.js';
import { FieldInfo } from './FieldInfo.js';
import { getSecretFields } from './metadata.js';
import type { ModelState } from './ModelState.js';
import { kBindings, kState } from './symbols.js';

type Bound = { [kBindings]: readonly Binding[] };

/** What the prototype's accessors read on an instance that is not bound: never fresh, no runtime. */
const UNBOUND = Object.freeze({ state: EntryState.Empty, value: undefined });

/**
 * What every bound instance of one class shares: its secret fields, their positions by name, and
 * one accessor per field. The accessors live on the class prototype, so that an instance holds no
 * property per secret field (a model too wide for V8's fast properties would otherwise keep one
 * dictionary entry and one accessor pair per field) and every instance has the same hidden class.
 * A field whose name the prototype or `Object.prototype` already has, or which an instance holds
 * as an own property (class fields under `useDefineForClassFields`), gets the same accessor on the
 * instance instead.
 */
export class ModelShape {
  readonly fields: readonly FieldInfo[];
  /** Field position by property name. */
  readonly positions: ReadonlyMap<string, number>;
  readonly #accessors: readonly PropertyDescriptor[];
  /** Per field: whether its accessor is on the prototype (false: defined on each instance). */
  readonly #shared: readonly boolean[];

  private constructor(ctor: Function) {
    const prototype = ctor.prototype as object;
    this.fields = getSecretFields(ctor).map((spec, i) => new FieldInfo(ctor.name, spec, i));
    this.positions = new Map(this.fields.map((field) => [field.spec.name, field.index]));
    this.#accessors = this.fields.map(accessorOf);
    this.#shared = this.fields.map(({ spec }) => !Object.hasOwn(prototype, spec.name) && !(spec.name in Object.prototype));
    Object.defineProperty(prototype, kBindings, { value: this.fields.map(() => UNBOUND), configurable: true });
    this.fields.forEach((field, i) => {
      if (this.#shared[i] === true) Object.defineProperty(prototype, field.spec.name, this.#accessors[i] as PropertyDescriptor);
    });
  }

  /** The shape of `ctor`, made (and its accessors installed) on first use. */
  static of(ctor: Function): ModelShape {
    const cached = Reflect.getOwnMetadata(SHAPE, ctor) as ModelShape | undefined;
    if (cached !== undefined) return cached;
    const shape = new ModelShape(ctor);
    Reflect.defineMetadata(SHAPE, shape, ctor);
    return shape;
  }

  /** Gives a bound instance its bindings, and the accessors the prototype cannot serve. */
  attach(instance: object, bindings: readonly Binding[]): void {
    Object.defineProperty(instance, kBindings, { value: bindings, enumerable: false, configurable: false, writable: false });
    this.fields.forEach((field, i) => {
      if (this.#shared[i] !== true || Object.hasOwn(instance, field.spec.name)) {
        Object.defineProperty(instance, field.spec.name, this.#accessors[i] as PropertyDescriptor);
      }
    });
  }
}

const SHAPE = 'vaultly:shape';

function accessorOf(field: FieldInfo): PropertyDescriptor {
  const i = field.index;
  const name = field.spec.name;
  return {
    // The hot path: a flag check (1 is EntryState.Fresh) and a field load. The rest is in readSlow.
    get(this: Bound) {
      const binding = this[kBindings][i] as Binding;
      return binding.state === 1 ? binding.value : readSlow(this, binding);
    },
    set(this: object, value: unknown) {
      if (Object.hasOwn(this, kState)) {
        throw new ConfigError(`${field.label}: secret fields are read-only; rotate the secret and call refresh()`);
      }
      // Not bound yet (a constructor or a test setting it): behave as a plain property would.
      Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
    },
    enumerable: false,
    configurable: true,
  };
}

function readSlow(instance: object, binding: Binding | typeof UNBOUND): unknown {
  const state = (instance as { [kState]?: ModelState })[kState];
  // An instance that is not bound reads as if the property were never set.
  if (state === undefined || binding === UNBOUND) return undefined;
  return state.runtime.readSync(binding as Binding);
}
