import { ConfigError } from '../errors.js';
import type { Binding } from './FieldBinding.js';
import type { ModelRuntime } from './ModelRuntime.js';
import type { ModelShape } from './ModelShape.js';
import { InstanceState } from './InstanceState.js';

/** What a bound model instance (root or nested) knows about itself. */
export interface ModelState {
  /** The root's runtime, shared by the whole tree. */
  readonly runtime: ModelRuntime;
  /** What its class shares with the other instances: fields and their positions. */
  readonly shape: ModelShape;
  /** Its own bindings, by field position. */
  readonly bindings: readonly Binding[];
  /** Whether this instance is the root of its tree. */
  readonly root: boolean;
}

/** The state of a bound model, or a ConfigError saying how to bind it. */
export function stateOf(config: unknown, operation: string): ModelState {
  const state = InstanceState.of(config);
  if (state === undefined) {
    const name = typeof config === 'object' && config !== null ? config.constructor.name : typeof config;
    throw new ConfigError(
      `${operation}: ${name} is not a bound secret model; resolve it from a container loaded with vaultlyModule(), or call bindSecrets() first`,
    );
  }
  return state;
}

/** The binding of `name` on a bound model, or a ConfigError when it is not a secret field. */
export function fieldOf(config: unknown, name: string, operation: string): { state: ModelState; binding: Binding } {
  const state = stateOf(config, operation);
  const position = state.shape.positions.get(name);
  if (position === undefined) {
    const className = (config as object).constructor.name;
    throw new ConfigError(
      `${operation}: ${className}.${String(name)} is not a secret field; secret fields: ${[...state.shape.positions.keys()].join(', ') || '(none)'}`,
    );
  }
  return { state, binding: state.bindings[position] as Binding };
}
