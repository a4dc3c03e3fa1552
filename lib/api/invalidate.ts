import { fieldOf } from '../model/fieldOf.js';
import { stateOf } from '../model/stateOf.js';

/**
 * Drops a cached secret without fetching it: the named field's, or every secret of the model
 * tree when no name is given (ttl-less ones too). The next `getSecret` or `prefetch` fetches
 * it again (never joining a fetch that started before), and a synchronous read throws
 * `SecretNotLoadedError` until then. A value loaded after `invalidate` that differs from the one
 * dropped is a change for `onChange`. A name that is not a secret field throws `ConfigError`;
 * so does a field whose path did not resolve (its own error). On a disposed model it does nothing.
 *
 * @param config - a bound model (root or nested)
 * @param name - the name of a `@Secret` property (default: every secret of the tree)
 * @example
 * ```ts
 * invalidate(config, 'dbPassword'); // the database said the password is wrong
 * await getSecret(config, 'dbPassword'); // fetched anew
 * ```
 */
export function invalidate<T extends object>(config: T, name?: keyof T & string): void {
  if (name === undefined) {
    const { runtime } = stateOf(config, 'invalidate');
    runtime.invalidate(runtime.slots);
    return;
  }
  const { binding, state } = fieldOf(config, name, 'invalidate');
  state.runtime.invalidate([binding]);
}
