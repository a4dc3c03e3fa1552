import { ConfigError } from '../errors.js';
import type { Binding } from './Slot.js';
import type { ModelState } from './ModelState.js';
import { stateOf } from './stateOf.js';

/** The binding of `name` on a bound model, or a ConfigError when it is not a secret field. */
export function fieldOf(config: unknown, name: string, operation: string): { state: ModelState; binding: Binding } {
  const state = stateOf(config, operation);
  const position = state.positions.get(name);
  if (position === undefined) {
    const className = (config as object).constructor.name;
    throw new ConfigError(
      `${operation}: ${className}.${String(name)} is not a secret field; secret fields: ${[...state.positions.keys()].join(', ') || '(none)'}`,
    );
  }
  return { state, binding: state.bindings[position] as Binding };
}
