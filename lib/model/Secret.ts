import 'reflect-metadata';
import { ConfigError } from '../errors.js';
import { CASTABLE_TYPES } from './cast.js';
import { installMasking } from './masking.js';
import { addSecretField, type SecretOptions } from './metadata.js';
import { parseTemplate } from './template.js';

/**
 * Declares a secret property: where it lives and how long it stays fresh. The value is cast by
 * the property's `design:type` (String, Number, Boolean, Object, Array) unless a `transform` is
 * given. Misuse throws a {@link ConfigError} naming the class and property when the class is
 * defined.
 *
 * @param path - the path template, e.g. `'/{stage}/db/password'`; `{name}` is filled from the
 *   root model's non-secret properties, `{{` and `}}` are literal braces
 * @param ttlOrOptions - seconds to cache (`undefined` forever, `0` never), or an options object
 *   `{ ttl?, version?, transform?, description? }`
 * @example
 * ```ts
 * @SecretModel()
 * class AppConfig {
 *   stage = 'prod';
 *   @Secret('/{stage}/db/password', 300) dbPassword!: string;
 *   @Secret('/{stage}/db/pool') pool!: number;
 *   @Secret('/{stage}/flags', { transform: parseFlags }) flags!: Flags;
 * }
 * ```
 */
export function Secret(path: string, ttlOrOptions?: number | SecretOptions): PropertyDecorator {
  return (target: object, key: string | symbol, descriptor?: PropertyDescriptor): void => {
    const className = typeof target === 'function' ? target.name : target.constructor.name;
    const where = `${className}.${String(key)}`;
    if (typeof target === 'function') throw new ConfigError(`${where}: @Secret cannot decorate a static property`);
    if (typeof key !== 'string') throw new ConfigError(`${where}: @Secret needs a string property name`);
    if (descriptor !== undefined) throw new ConfigError(`${where}: @Secret decorates properties, not methods or accessors`);
    const options = normalizeOptions(ttlOrOptions, where);
    const parts = parseTemplate(path, where);
    const designType: unknown = Reflect.getMetadata('design:type', target, key);
    if (options.transform === undefined && !CASTABLE_TYPES.has(designType)) {
      const typeName = typeof designType === 'function' ? designType.name : String(designType);
      throw new ConfigError(`${where}: cannot cast a secret to ${typeName}; use String, Number, Boolean, an object or array type, or give a transform`);
    }
    addSecretField(target.constructor, {
      name: key,
      template: path,
      parts,
      ttl: options.ttl,
      version: options.version,
      transform: options.transform,
      description: options.description,
      designType,
    });
    installMasking(target);
  };
}

function normalizeOptions(ttlOrOptions: number | SecretOptions | undefined, where: string): SecretOptions {
  const options: SecretOptions =
    typeof ttlOrOptions === 'number' || ttlOrOptions === undefined ? (ttlOrOptions === undefined ? {} : { ttl: ttlOrOptions }) : ttlOrOptions;
  if (typeof options !== 'object' || options === null) throw new ConfigError(`${where}: @Secret options must be a number (ttl) or an object`);
  const { ttl, version, transform, description } = options;
  if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0)) {
    throw new ConfigError(`${where}: ttl must be a finite number of seconds >= 0, or undefined`);
  }
  if (version !== undefined) {
    const validNumber = typeof version === 'number' && Number.isInteger(version) && version >= 1;
    const validLabel = typeof version === 'string' && /^[\w.-]+$/.test(version);
    if (!validNumber && !validLabel) throw new ConfigError(`${where}: version must be a positive integer or a label of letters, digits, '_', '.' or '-'`);
  }
  if (transform !== undefined && typeof transform !== 'function') throw new ConfigError(`${where}: transform must be a function`);
  if (description !== undefined && typeof description !== 'string') throw new ConfigError(`${where}: description must be a string`);
  return options;
}
