import { ConfigError } from '../errors.js';
import { InstanceState } from './InstanceState.js';
import type { ModelState } from './ModelState.js';

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
