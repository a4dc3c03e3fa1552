import type { Backend } from '../backends/Backend.js';
import type { SecretCache } from '../cache/SecretCache.js';
import { DEFAULT_STALE_ON_ERROR, DEFAULT_VALIDATE } from '../constants.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logging/Logger.js';
import { FieldBinding, type Binding } from './Slot.js';
import {
  getModelOptions,
  getNestedFields,
  getSecretFields,
  ValidateMode,
  type NestedFieldSpec,
  type ResolvedModelOptions,
} from './metadata.js';
import { ModelRuntime } from './ModelRuntime.js';
import { ModelShape } from './ModelShape.js';
import type { ModelState } from './ModelState.js';
import { InstanceState } from './InstanceState.js';
import { renderTemplate } from './template.js';

/** What a root model is bound to. */
export interface Wiring {
  readonly backend: Backend;
  readonly cache: SecretCache;
  readonly logger: Logger;
}

type Planned = { instance: object; shape: ModelShape; bindings: Binding[]; children: [string, object][] };

/**
 * Binds a constructed root model and its nested children to a backend and a fresh partition of
 * the cache: resolves every path (in `validate: 'none'` a bad one is kept and thrown on first
 * read), defines the secret accessors and returns the runtime. Nothing is changed on the
 * instance unless every path resolved.
 */
export function bindModel(instance: object, wiring: Wiring): { runtime: ModelRuntime; options: ResolvedModelOptions } {
  const ctor = instance.constructor;
  if (InstanceState.isBound(instance)) {
    throw new ConfigError(`${ctor.name}: this instance is already bound to a backend`);
  }
  const options = getModelOptions(ctor) ?? { validate: DEFAULT_VALIDATE, staleOnError: DEFAULT_STALE_ON_ERROR };
  const partition = wiring.cache.partition({ refreshJitter: options.refreshJitter });
  const runtime = new ModelRuntime({
    backend: wiring.backend,
    partition,
    logger: wiring.logger,
    staleOnError: options.staleOnError,
    name: ctor.name,
    fetches: wiring.cache.fetchesFor(wiring.backend),
    kind: ctor,
  });
  const context = contextOf(instance);
  const planned: Planned[] = [];
  try {
    plan(instance, ctor.name, runtime, context, options.validate, planned, new Set());
  } catch (error) {
    partition.dispose();
    throw error;
  }
  runtime.seal();
  for (const { instance: target, shape, bindings, children } of planned) {
    for (const [name, child] of children) {
      Object.defineProperty(target, name, { value: child, enumerable: false, configurable: true, writable: false });
    }
    shape.attach(target);
    const state: ModelState = { runtime, positions: shape.positions, bindings, root: target === instance };
    const mirror = InstanceState.attach(target, state);
    if (mirror !== undefined) runtime.addMirror(mirror);
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

/**
 * The child model of a `@Nested` field: the instance the user assigned (constructor or field
 * initializer), with its own values, or a new one.
 */
function childOf(instance: object, nested: NestedFieldSpec, label: string): object {
  const assigned: unknown = Object.getOwnPropertyDescriptor(instance, nested.name)?.value;
  if (assigned === undefined || assigned === null) return new nested.type();
  const where = `${label}.${nested.name}`;
  if (!(assigned instanceof nested.type)) {
    throw new ConfigError(`${where}: @Nested field holds something other than a ${nested.type.name}; assign a ${nested.type.name} instance or leave it unset`);
  }
  if (InstanceState.isBound(assigned)) {
    throw new ConfigError(`${where}: the assigned ${nested.type.name} is already bound (to another model); assign a new instance`);
  }
  return assigned;
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
  const shape = ModelShape.of(ctor);
  const bindings: Binding[] = [];
  for (const field of shape.fields) {
    const { spec } = field;
    let path: string;
    try {
      path = renderTemplate(spec.parts, spec.template, context, field.label);
    } catch (error) {
      if (validate !== ValidateMode.None) throw error;
      const broken = new FieldBinding(field, undefined, error);
      runtime.broken.push(broken);
      bindings.push(broken);
      continue;
    }
    bindings.push(runtime.bind(field, path));
  }
  const children: [string, object][] = [];
  planned.push({ instance, shape, bindings, children });
  for (const nested of getNestedFields(ctor)) {
    const child = childOf(instance, nested, label);
    children.push([nested.name, child]);
    plan(child, `${label}.${nested.name}`, runtime, context, validate, planned, seen);
  }
  seen.delete(ctor);
}
