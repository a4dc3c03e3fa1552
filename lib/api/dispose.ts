import { stateOf } from '../model/stateOf.js';

/**
 * Stops a model's background work, aborts its fetches in flight and clears its cache partition.
 * Later reads throw. Containers do this on deactivation.
 *
 * @example
 * ```ts
 * dispose(config);
 * ```
 */
export function dispose(config: object): void {
  stateOf(config, 'dispose').runtime.dispose();
}
