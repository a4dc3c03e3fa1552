import { ConfigError } from '../errors.js';
import type { FieldBinding } from './FieldBinding.js';
import type { ModelRuntime } from './ModelRuntime.js';
import { kState } from './symbols.js';

/** What a bound model instance (root or nested) knows about itself. */
export interface ModelState {
  /** The root's runtime, shared by the whole tree. */
  readonly runtime: ModelRuntime;
  /** Its own secret fields by property name. */
  readonly fields: ReadonlyMap<string, FieldBinding>;
  /** Whether this instance is the root of its tree. */
  readonly root: boolean;
}

/** The state of a bound model, or a ConfigError saying how to bind it. */
export function stateOf(config: unknown, operation: string): ModelState {
  const state =
    typeof config === 'object' && config !== null ? ((config as { [kState]?: ModelState })[kState] ?? undefined) : undefined;
  if (state === undefined) {
    const name = typeof config === 'object' && config !== null ? config.constructor.name : typeof config;
    throw new ConfigError(
      `${operation}: ${name} is not a bound secret model; resolve it from a container loaded with vaultlyModule(), or call bindSecrets() first`,
    );
  }
  return state;
}

/** The binding of `name` on a bound model, or a ConfigError when it is not a secret field. */
export function fieldOf(config: unknown, name: string, operation: string): { state: ModelState; binding: FieldBinding } {
  const state = stateOf(config, operation);
  const binding = state.fields.get(name);
  if (binding === undefined) {
    const className = (config as object).constructor.name;
    throw new ConfigError(`${operation}: ${className}.${String(name)} is not a secret field; secret fields: ${[...state.fields.keys()].join(', ') || '(none)'}`);
  }
  return { state, binding };
}
