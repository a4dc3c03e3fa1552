import { inspect, type InspectOptions } from 'node:util';
import { MASK } from '../constants.js';
import { getNestedFields, getSecretFields } from './metadata.js';
import { kMasked } from './symbols.js';

/**
 * A plain, value-free picture of a model: non-secret own properties as they are, every secret
 * field as `'***'`, nested models as nested pictures. Building it never reads a secret.
 */
export function maskedView(instance: object): Record<string, unknown> {
  const ctor = instance.constructor;
  const secrets = getSecretFields(ctor);
  const nested = getNestedFields(ctor);
  const hidden = new Set<string>([...secrets.map((s) => s.name), ...nested.map((n) => n.name)]);
  const view: Record<string, unknown> = {};
  for (const key of Object.keys(instance)) {
    if (!hidden.has(key)) view[key] = (instance as Record<string, unknown>)[key];
  }
  for (const spec of secrets) view[spec.name] = MASK;
  for (const spec of nested) {
    const child = Object.getOwnPropertyDescriptor(instance, spec.name)?.value as object | undefined;
    view[spec.name] = child !== undefined && child !== null && typeof child === 'object' ? maskedView(child) : MASK;
  }
  return view;
}

/** The masked picture with class names, for `util.inspect`. */
function inspectable(instance: object): object {
  const view = maskedView(instance);
  const named = namedObject(instance.constructor.name);
  for (const spec of getNestedFields(instance.constructor)) {
    const child = Object.getOwnPropertyDescriptor(instance, spec.name)?.value as object | undefined;
    if (child !== undefined && child !== null && typeof child === 'object') view[spec.name] = inspectable(child);
  }
  return Object.assign(named, view);
}

function namedObject(name: string): object {
  // A throwaway class gives util.inspect the model's name without exposing the model itself.
  const Named = { [name]: class {} }[name] as new () => object;
  return new Named();
}

/**
 * Installs `toJSON`, `toString` and `util.inspect.custom` on a model prototype, once. They show
 * secret fields as `'***'` and never fetch.
 */
export function installMasking(prototype: object): void {
  if (Object.prototype.hasOwnProperty.call(prototype, kMasked)) return;
  const methods: PropertyDescriptorMap = {
    [kMasked]: { value: true },
    toJSON: {
      value(this: object) {
        return maskedView(this);
      },
    },
    toString: {
      value(this: object) {
        return inspect(inspectable(this), { depth: 4, breakLength: Infinity });
      },
    },
    [inspect.custom]: {
      value(this: object, _depth: number, options: InspectOptions) {
        return inspect(inspectable(this), { ...options, customInspect: true });
      },
    },
  };
  for (const key of Reflect.ownKeys(methods)) {
    const descriptor = methods[key as string] as PropertyDescriptor;
    Object.defineProperty(prototype, key, { ...descriptor, enumerable: false, configurable: true, writable: true });
  }
}
