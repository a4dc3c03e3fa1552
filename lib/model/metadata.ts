import 'reflect-metadata';
import { ConfigError } from '../errors.js';
import type { Transform } from './cast.js';
import type { TemplatePart } from './template.js';

/** Validation modes of a `@SecretModel`: a string union with a constant object. */
export const ValidateMode = Object.freeze({ None: 'none', Paths: 'paths', Fetch: 'fetch' } as const);
export type ValidateMode = (typeof ValidateMode)[keyof typeof ValidateMode];

/** Options of `@SecretModel`. */
export interface SecretModelOptions {
  /**
   * What happens when an instance is bound: `'none'` resolves paths lazily and reports a bad
   * template on first read; `'paths'` resolves every path at once; `'fetch'` also prefetches
   * every secret. (default: `'paths'`)
   */
  validate?: ValidateMode;
  /** Serve the last value when a refresh fails with a `TransientError`. (default: `false`) */
  staleOnError?: boolean;
  /**
   * Share of its ttl by which each secret's expiry is brought forward at random, so that
   * processes that loaded their secrets together do not refresh them together: a secret with
   * `ttl` is fresh for `ttl * (1 - refreshJitter * random())`. `0` turns it off. (default: the
   * container's or `bindSecrets`' `refreshJitter`, itself `0.2` by default)
   */
  refreshJitter?: number;
}

/** Options of `@Secret`. */
export interface SecretOptions<T = unknown> {
  /** Seconds a value stays fresh: `undefined` never expires, `0` is never cached. */
  ttl?: number;
  /** A version number, or a label (SSM). The cache key becomes `path@version`. */
  version?: number | string;
  /** Replaces the cast by design:type. */
  transform?: Transform<T>;
  /** Free text for humans; shown nowhere a value could be. */
  description?: string;
}

/** What `@Secret` records about one property. */
export interface SecretFieldSpec {
  readonly name: string;
  readonly template: string;
  readonly parts: readonly TemplatePart[];
  readonly ttl: number | undefined;
  readonly version: number | string | undefined;
  readonly transform: Transform | undefined;
  readonly description: string | undefined;
  readonly designType: unknown;
}

/** What `@Nested` records about one property. */
export interface NestedFieldSpec {
  readonly name: string;
  readonly type: new () => object;
}

/** Resolved model options, defaults applied. */
export interface ResolvedModelOptions {
  readonly validate: ValidateMode;
  readonly staleOnError: boolean;
  /** Absent: the cache's. */
  readonly refreshJitter?: number;
}

const SECRETS = 'vaultly:secrets';
const NESTED = 'vaultly:nested';
const MODEL = 'vaultly:model';

type Ctor = abstract new (...args: never[]) => unknown;

function ownList<T>(key: string, ctor: object): T[] {
  let list = Reflect.getOwnMetadata(key, ctor) as T[] | undefined;
  if (list === undefined) {
    list = [];
    Reflect.defineMetadata(key, list, ctor);
  }
  return list;
}

/** Every list recorded under `key` on the class and its ancestors, base first. */
function inheritedList<T extends { name: string }>(key: string, ctor: object): T[] {
  const chain: object[] = [];
  for (let c: object | null = ctor; c !== null && c !== Function.prototype; c = Object.getPrototypeOf(c) as object | null) {
    chain.unshift(c);
  }
  const byName = new Map<string, T>();
  for (const c of chain) for (const item of (Reflect.getOwnMetadata(key, c) as T[] | undefined) ?? []) byName.set(item.name, item);
  return [...byName.values()];
}

export function addSecretField(ctor: object, spec: SecretFieldSpec): void {
  // A missing design:type would silently read every field as a string ('3', not 3); a transform
  // does not need it.
  if (spec.transform === undefined) assertDesignTypeEmitted(ctor, spec.name, '@Secret', 'or give @Secret a transform');
  ownList<SecretFieldSpec>(SECRETS, ctor).push(spec);
}

/**
 * Throws a {@link ConfigError} naming `emitDecoratorMetadata` when the compiler recorded no
 * design:type for a decorated property. TypeScript records one for every decorated property when
 * the flag is on (`Object` for interfaces and unions), so its absence means the flag is off.
 */
export function assertDesignTypeEmitted(ctor: object, name: string, decorator: string, alternative: string): void {
  const prototype = (ctor as { prototype?: object }).prototype;
  if (prototype !== undefined && Reflect.hasOwnMetadata('design:type', prototype, name)) return;
  const className = typeof ctor === 'function' ? ctor.name : 'class';
  throw new ConfigError(
    `${className}.${name}: ${decorator} needs the property's design:type, which TypeScript records only with "emitDecoratorMetadata": true in tsconfig.json (beside "experimentalDecorators"); turn it on, ${alternative}`,
  );
}

export function addNestedField(ctor: object, spec: NestedFieldSpec): void {
  ownList<NestedFieldSpec>(NESTED, ctor).push(spec);
}

export function setModelOptions(ctor: object, options: ResolvedModelOptions): void {
  Reflect.defineMetadata(MODEL, options, ctor);
}

/** The secret fields of a class, inherited ones included. */
export function getSecretFields(ctor: Ctor | object): SecretFieldSpec[] {
  return inheritedList<SecretFieldSpec>(SECRETS, ctor);
}

/** The nested model fields of a class, inherited ones included. */
export function getNestedFields(ctor: Ctor | object): NestedFieldSpec[] {
  return inheritedList<NestedFieldSpec>(NESTED, ctor);
}

/** The `@SecretModel` options of a class, or undefined when it has none. */
export function getModelOptions(ctor: Ctor | object): ResolvedModelOptions | undefined {
  return Reflect.getMetadata(MODEL, ctor) as ResolvedModelOptions | undefined;
}

/** Whether a class declares any secret or nested field, or is a `@SecretModel`. */
export function isSecretModelClass(ctor: unknown): boolean {
  return (
    typeof ctor === 'function' &&
    (getModelOptions(ctor) !== undefined || getSecretFields(ctor).length > 0 || getNestedFields(ctor).length > 0)
  );
}
