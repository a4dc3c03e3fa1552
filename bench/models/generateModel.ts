import 'reflect-metadata';
import { Secret, SecretModel, type SecretModelOptions } from 'vaultly';

/**
 * A model class with one string secret per path, made at run time: field `k0` reads `paths[0]`,
 * `k1` reads `paths[1]`, and so on. The decorators are plain functions, applied here as the
 * TypeScript compiler would apply them (design:type first, then `@Secret`, then `@SecretModel`).
 *
 * @param name - the class name, for messages
 * @param paths - one secret path per field
 * @param options - the `@SecretModel` options
 * @param ttl - every field's ttl in seconds (default: none, never expires)
 */
export function generateModel(name: string, paths: readonly string[], options: SecretModelOptions = {}, ttl?: number): new () => object {
  const Generated = { [name]: class {} }[name] as new () => object;
  const prototype = Generated.prototype as object;
  paths.forEach((path, i) => {
    const key = `k${i}`;
    Reflect.defineMetadata('design:type', String, prototype, key);
    (ttl === undefined ? Secret(path) : Secret(path, ttl))(prototype, key);
  });
  SecretModel(options)(Generated);
  return Generated;
}

/** `count` distinct paths under `prefix`. */
export function makePaths(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}/p${i}`);
}

/**
 * A value of exactly `length` characters, distinct per `i`: a flat string decoded from bytes, as
 * a value parsed from a response would be (string concatenation would leave a rope behind).
 */
export function makeValue(i: number, length: number): string {
  const tail = String(i);
  const bytes = Buffer.alloc(length, 'v');
  bytes.write(tail, length - tail.length, 'latin1');
  return bytes.toString('latin1');
}
