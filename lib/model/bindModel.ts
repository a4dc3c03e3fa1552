import type { Backend } from '../backends/Backend.js';
import type { SecretCache } from '../cache/SecretCache.js';
import { DEFAULT_STALE_ON_ERROR, DEFAULT_VALIDATE } from '../constants.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logging/Logger.js';
import { FieldBinding, fieldLabel } from './FieldBinding.js';
import { getModelOptions, getNestedFields, getSecretFields, ValidateMode, type ResolvedModelOptions, type SecretFieldSpec } from './metadata.js';
import { ModelRuntime } from './ModelRuntime.js';
import type { ModelState } from './ModelState.js';
import { kBindings, kState } from './symbols.js';
import { renderTemplate } from './template.js';

/** What a root model is bound to. */
export interface Wiring {
  readonly backend: Backend;
  readonly cache: SecretCache;
  readonly logger: Logger;
}

type Planned = { instance: object; fields: Map<string, FieldBinding>; children: [string, object][] };

/**
 * Binds a constructed root model and its nested children to a backend and a fresh partition of
 * the cache: resolves every path (in `validate: 'none'` a bad one is kept and thrown on first
 * read), defines the secret accessors and returns the runtime. Nothing is changed on the
 * instance unless every path resolved.
 */
export function bindModel(instance: object, wiring: Wiring): { runtime: ModelRuntime; options: ResolvedModelOptions } {
  const ctor = instance.constructor;
  if (Object.prototype.hasOwnProperty.call(instance, kState)) {
    throw new ConfigError(`${ctor.name}: this instance is already bound to a backend`);
  }
  const options = getModelOptions(ctor) ?? { validate: DEFAULT_VALIDATE, staleOnError: DEFAULT_STALE_ON_ERROR };
  const partition = wiring.cache.partition();
  const runtime = new ModelRuntime({
    backend: wiring.backend,
    partition,
    logger: wiring.logger,
    staleOnError: options.staleOnError,
    name: ctor.name,
  });
  const context = contextOf(instance);
  const planned: Planned[] = [];
  try {
    plan(instance, ctor.name, runtime, context, options.validate, planned, new Set());
  } catch (error) {
    partition.dispose();
    throw error;
  }
  for (const { instance: target, fields, children } of planned) {
    for (const [name, child] of children) {
      Object.defineProperty(target, name, { value: child, enumerable: false, configurable: true, writable: false });
    }
    apply(target, runtime, fields, target === instance);
  }
  return { runtime, options };
}

/** The root's non-secret own properties: the values `{name}` placeholders are filled from. */
function contextOf(instance: object): Map<string, unknown> {
  const ctor = instance.constructor;
  const hidden = new Set([...getSecretFields(ctor), ...getNestedFields(ctor)].map((f) => f.name));
  const context = new Map<string, unknown>();
  for (const key of Object.keys(instance)) if (!hidden.has(key)) context.set(key, (instance as Record<string, unknown>)[key]);
  return context;
}

function plan(
  instance: object,
  label: string,
  runtime: ModelRuntime,
  context: ReadonlyMap<string, unknown>,
  validate: ValidateMode,
  planned: Planned[],
  seen: Set<unknown>,
): void {
  const ctor = instance.constructor;
  if (seen.has(ctor)) throw new ConfigError(`${label}: nested models form a cycle through ${ctor.name}`);
  seen.add(ctor);
  const fields = new Map<string, FieldBinding>();
  for (const spec of getSecretFields(ctor)) {
    const where = fieldLabel(ctor.name, spec);
    let path: string;
    try {
      path = renderTemplate(spec.parts, spec.template, context, where);
    } catch (error) {
      if (validate !== ValidateMode.None) throw error;
      const broken = new FieldBinding(ctor.name, spec, undefined, error);
      runtime.broken.push(broken);
      fields.set(spec.name, broken);
      continue;
    }
    fields.set(spec.name, runtime.bind(ctor.name, spec, path));
  }
  const children: [string, object][] = [];
  planned.push({ instance, fields, children });
  for (const nested of getNestedFields(ctor)) {
    const child = new nested.type();
    children.push([nested.name, child]);
    plan(child, `${label}.${nested.name}`, runtime, context, validate, planned, seen);
  }
  seen.delete(ctor);
}

function apply(instance: object, runtime: ModelRuntime, fields: Map<string, FieldBinding>, root: boolean): void {
  const ctor = instance.constructor;
  const specs = getSecretFields(ctor);
  const bindings = specs.map((spec) => {
    const binding = fields.get(spec.name) as FieldBinding;
    binding.runtime = runtime;
    return binding;
  });
  Object.defineProperty(instance, kBindings, { value: bindings, enumerable: false, configurable: false, writable: false });
  const accessors = accessorsOf(ctor, specs);
  specs.forEach((spec, i) => Object.defineProperty(instance, spec.name, accessors[i] as PropertyDescriptor));
  const state: ModelState = { runtime, fields, root };
  Object.defineProperty(instance, kState, { value: state, enumerable: false, configurable: false, writable: false });
}

type Bound = { [kBindings]: readonly FieldBinding[] };

/**
 * The accessor of each secret field, made once per class and shared by its instances: every
 * instance then gets the same hidden class (per-instance closures pushed the second instance of a
 * class into V8's slow dictionary mode, and kept its getter from being inlined).
 */
function accessorsOf(ctor: Function, specs: readonly SecretFieldSpec[]): PropertyDescriptor[] {
  const cached = Reflect.getOwnMetadata(ACCESSORS, ctor) as PropertyDescriptor[] | undefined;
  if (cached !== undefined && cached.length === specs.length) return cached;
  const accessors = specs.map((spec, i): PropertyDescriptor => ({
    // The hot path: a flag check (1 is EntryState.Fresh) and a field load. The rest is in readSync.
    get(this: Bound) {
      const binding = this[kBindings][i] as FieldBinding;
      return binding.entry.state === 1 ? binding.value : binding.runtime.readSync(binding);
    },
    set() {
      throw new ConfigError(`${fieldLabel(ctor.name, spec)}: secret fields are read-only; rotate the secret and call refresh()`);
    },
    enumerable: false,
    configurable: true,
  }));
  Reflect.defineMetadata(ACCESSORS, accessors, ctor);
  return accessors;
}

const ACCESSORS = 'vaultly:accessors';
