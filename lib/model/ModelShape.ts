import 'reflect-metadata';
import { ConfigError } from '../errors.js';
import type { Binding } from './Slot.js';
import { FieldInfo } from './FieldInfo.js';
import { InstanceState } from './InstanceState.js';
import type { InstanceMirror } from './InstanceMirror.js';
import { getSecretFields, type SecretFieldSpec } from './metadata.js';

/**
 * What every bound instance of one class shares: its secret fields, their positions by name, and
 * one accessor per field. The accessors live on the class prototype, so that an instance holds no
 * accessor per secret field (a model too wide for V8's fast properties would otherwise keep one
 * dictionary entry and one accessor pair per field) and every instance has the same hidden class.
 * While a value is fresh it is also an own data property of the instance, which the read finds
 * before the accessor (see {@link InstanceMirror}); the accessor serves everything else: stale
 * values, errors, unbound instances and assignment.
 * The same accessor is defined on each bound instance instead for a field whose name the
 * prototype chain already has (a method, an `Object.prototype` member; not an accessor of ours),
 * for a field the instance holds as an own property (class fields under
 * `useDefineForClassFields`, a constructor default), when the prototype is not extensible
 * (frozen), and when fields were added to the class after its shape was made.
 */
export class ModelShape {
  readonly fields: readonly FieldInfo[];
  /** Field position by property name. */
  readonly positions: ReadonlyMap<string, number>;
  readonly #accessors: readonly PropertyDescriptor[];
  /** Per field: whether its accessor is on the prototype (false: defined on each instance). */
  readonly #shared: readonly boolean[];

  private constructor(ctor: Function, specs: readonly SecretFieldSpec[], onPrototype: boolean) {
    const prototype = ctor.prototype as object;
    const shareable = onPrototype && Object.isExtensible(prototype);
    this.#shared = specs.map((spec) => shareable && isFreeOn(prototype, spec.name));
    // Written through as own properties: cached fields whose accessor is the prototype's, so that
    // deleting the own property uncovers it.
    const ownName = (spec: SecretFieldSpec, i: number): string | undefined =>
      specs.length <= MAX_OWN_PROPERTY_FIELDS && this.#shared[i] === true && spec.ttl !== 0 ? interned(spec.name) : undefined;
    this.fields = specs.map((spec, i) => new FieldInfo(ctor.name, spec, i, ownName(spec, i)));
    this.positions = new Map(this.fields.map((field) => [field.spec.name, field.index]));
    this.#accessors = this.fields.map(accessorOf);
    if (!this.#shared.includes(true)) return;
    this.fields.forEach((field, i) => {
      if (this.#shared[i] === true) Object.defineProperty(prototype, field.spec.name, this.#accessors[i] as PropertyDescriptor);
    });
  }

  /**
   * The shape of `ctor`, made (and its accessors installed) on first use. Made again, with
   * accessors on instances only, if fields were added since: instances bound before keep the
   * prototype's accessors, which read their bindings by the old positions.
   */
  static of(ctor: Function): ModelShape {
    const specs = getSecretFields(ctor);
    const cached = Reflect.getOwnMetadata(SHAPE, ctor) as ModelShape | undefined;
    if (cached !== undefined && cached.fields.length === specs.length) return cached;
    const shape = new ModelShape(ctor, specs, cached === undefined);
    Reflect.defineMetadata(SHAPE, shape, ctor);
    return shape;
  }

  /** Gives a bound instance the accessors the prototype cannot serve (its state is attached apart). */
  attach(instance: object): void {
    this.fields.forEach((field, i) => {
      if (this.#shared[i] !== true || Object.hasOwn(instance, field.spec.name)) {
        Object.defineProperty(instance, field.spec.name, this.#accessors[i] as PropertyDescriptor);
      }
    });
  }
}

const SHAPE = 'vaultly:shape';

/**
 * Classes with more secret fields than this read through their accessors only: V8 keeps an
 * object with more than 1,020 properties in dictionary mode, where an own property buys little
 * and costs a dictionary entry per field.
 */
const MAX_OWN_PROPERTY_FIELDS = 1000;

/**
 * The interned copy of a property name. V8 steps an object's hidden class back when the property
 * deleted is the last one added, but only when the key is the interned string itself; a name
 * built at run time (`k${i}`) would send the instance to dictionary mode instead.
 */
function interned(name: string): string {
  return Object.keys({ [name]: 0 })[0] as string;
}

/** Marks the getters vaultly defines, so that a subclass may shadow its base class's. */
const kOurs = Symbol('vaultly.accessor');

/** Whether `name` is free for our accessor on `prototype`: absent from its chain, or ours. */
function isFreeOn(prototype: object, name: string): boolean {
  for (let holder: object | null = prototype; holder !== null; holder = Object.getPrototypeOf(holder) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(holder, name);
    if (descriptor !== undefined) return (descriptor.get as { [kOurs]?: true } | undefined)?.[kOurs] === true;
  }
  return true;
}

function accessorOf(field: FieldInfo): PropertyDescriptor {
  const name = field.spec.name;
  const get = InstanceState.getter(field.index, (instance, binding) => readSlow(instance, binding, field));
  Object.defineProperty(get, kOurs, { value: true });
  return {
    get,
    set(this: object, value: unknown) {
      if (InstanceState.isBound(this)) {
        throw new ConfigError(`${field.label}: secret fields are read-only; rotate the secret and call refresh()`);
      }
      // Not bound yet (a constructor or a test setting it): behave as a plain property would.
      Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
    },
    enumerable: false,
    configurable: true,
  };
}

function readSlow(instance: object, binding: Binding | undefined, field: FieldInfo): unknown {
  const state = InstanceState.of(instance);
  if (state === undefined || binding === undefined) {
    // Silently undefined would hand a driver `undefined` as a password.
    throw new ConfigError(
      `${field.label}: this ${instance.constructor.name} instance is not bound to a backend; resolve it with await container.getAsync(${instance.constructor.name}) from a container loaded with vaultlyModule(), or call await bindSecrets(instance, { backend }) first (a test may also assign the field)`,
    );
  }
  return state.runtime.readSync(binding);
}
