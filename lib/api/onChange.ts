import { ConfigError } from '../errors.js';
import type { ChangeListener } from '../model/ChangeEvent.js';
import type { Binding } from '../model/Slot.js';
import { fieldOf } from '../model/fieldOf.js';
import { stateOf } from '../model/stateOf.js';

/** Options of {@link onChange}. */
export interface OnChangeOptions<T extends object = object> {
  /** Only these `@Secret` fields of the model given. (default: every secret field of the tree, or of the nested model given) */
  fields?: readonly (keyof T & string)[];
}

/**
 * Calls `listener` after a refresh of any kind (background, `refresh`, `refreshAll`,
 * `withSecret`, a load after `invalidate`) stores a value that differs from the one it replaced
 * (raw strings compared). The first load is not a change, nor is a `ttl: 0` field (nothing is
 * stored). The event names the model, field, path and version and carries no value: read the
 * field inside the listener. A listener that throws or rejects is logged and ignored. Returns
 * the function that unsubscribes. On a root model it hears the whole tree; on a nested model,
 * that model's own fields.
 *
 * @param config - a bound model (root or nested)
 * @param listener - called once per changed field, after the new value is stored
 * @param options.fields - field names to listen to; an unknown name throws `ConfigError`
 * @example
 * ```ts
 * const stop = onChange(config, ({ field }) => pool.reconnect(config.dbPassword), { fields: ['dbPassword'] });
 * stop(); // no more calls
 * ```
 */
export function onChange<T extends object>(config: T, listener: ChangeListener, options: OnChangeOptions<T> = {}): () => void {
  const state = stateOf(config, 'onChange');
  if (typeof listener !== 'function') throw new TypeError('onChange: listener must be a function');
  if (typeof options !== 'object' || options === null) throw new TypeError('onChange: options must be an object');
  const { fields } = options;
  let bindings: Set<Binding> | undefined;
  if (fields !== undefined) {
    if (!Array.isArray(fields)) throw new TypeError('onChange: options.fields must be an array of secret field names');
    if (fields.length === 0) throw new ConfigError('onChange: options.fields is empty; leave it out to listen to every secret field');
    bindings = new Set(fields.map((name: unknown) => fieldOf(config, String(name), 'onChange').binding));
  } else if (!state.root) {
    bindings = new Set(state.bindings);
  }
  return state.runtime.changes.add(listener, bindings);
}
