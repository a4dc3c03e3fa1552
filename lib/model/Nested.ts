import 'reflect-metadata';
import { ConfigError } from '../errors.js';
import { installMasking } from './masking.js';
import { addNestedField, assertDesignTypeEmitted, isSecretModelClass } from './metadata.js';

/**
 * Marks a property holding another secret model. The child is created when the root is bound and
 * shares the root's backend, cache partition and interpolation context.
 *
 * @param type - the child class, when `design:type` cannot name it (e.g. a forward reference)
 * @example
 * ```ts
 * @SecretModel() class DbConfig { @Secret('/{stage}/db/password') password!: string; }
 * @SecretModel() class AppConfig { stage = 'prod'; @Nested() db!: DbConfig; }
 * ```
 */
export function Nested(type?: () => new () => object): PropertyDecorator {
  return (target: object, key: string | symbol, descriptor?: PropertyDescriptor): void => {
    const className = typeof target === 'function' ? target.name : target.constructor.name;
    const where = `${className}.${String(key)}`;
    if (typeof target === 'function') throw new ConfigError(`${where}: @Nested cannot decorate a static property`);
    if (typeof key !== 'string') throw new ConfigError(`${where}: @Nested needs a string property name`);
    if (descriptor !== undefined) throw new ConfigError(`${where}: @Nested decorates properties, not methods or accessors`);
    if (type === undefined) assertDesignTypeEmitted(target.constructor, key, '@Nested', `or name the class: @Nested(() => ChildConfig)`);
    const child: unknown = type !== undefined ? type() : Reflect.getMetadata('design:type', target, key);
    if (!isSecretModelClass(child)) {
      throw new ConfigError(`${where}: @Nested needs a @SecretModel class as the property type (got ${typeof child === 'function' ? child.name : String(child)})`);
    }
    addNestedField(target.constructor, { name: key, type: child as new () => object });
    installMasking(target);
  };
}
