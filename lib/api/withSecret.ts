import type { Binding } from '../model/Slot.js';
import { fieldOf } from '../model/fieldOf.js';
import type { ModelState } from '../model/ModelState.js';

/** Options of {@link withSecret}. */
export interface WithSecretOptions {
  /**
   * Whether a rejection of the callback may mean the secret rotated (an authentication failure).
   * What it does not accept is rethrown at once. (default: every error)
   */
  refreshOn?: (error: unknown) => boolean;
  /** Stops this caller waiting for the secret or the refresh; the callback itself is not aborted. */
  signal?: AbortSignal;
}

/**
 * Runs `fn` with a secret's value and resolves to what `fn` resolves to. When `fn` rejects with
 * an error that `refreshOn` accepts, the secret is refreshed (one refresh shared by all callers
 * failing meanwhile, and at most one per second per secret) and, only if the stored value
 * changed, `fn` runs once more with the new value. Otherwise `fn`'s error is rethrown as it is
 * (same object). A refresh that fails counts as no change.
 *
 * @param config - a bound model (root or nested)
 * @param name - the name of a `@Secret` property
 * @param fn - uses the value; may be called twice
 * @param options.refreshOn - which rejections may mean a rotation (default: all)
 * @param options.signal - stops waiting for the secret or the refresh
 * @example
 * ```ts
 * const rows = await withSecret(config, 'dbPassword', (password) => db.connect({ password }).query('select 1'), {
 *   refreshOn: (error) => (error as { code?: string }).code === '28P01', // invalid_password
 * });
 * ```
 */
export async function withSecret<T extends object, K extends keyof T & string, R>(
  config: T,
  name: K,
  fn: (value: T[K]) => R | PromiseLike<R>,
  options: WithSecretOptions = {},
): Promise<R> {
  const { binding, state } = fieldOf(config, name, 'withSecret');
  if (typeof fn !== 'function') throw new TypeError('withSecret: fn must be a function');
  if (typeof options !== 'object' || options === null) throw new TypeError('withSecret: options must be an object');
  const { refreshOn, signal } = options;
  if (refreshOn !== undefined && typeof refreshOn !== 'function') throw new TypeError('withSecret: options.refreshOn must be a function');
  const runtime = state.runtime;
  const first = await runtime.readWithSource(binding, signal);
  try {
    return await fn(first.value as T[K]);
  } catch (error) {
    // A model disposed while fn ran has nothing to refresh: fn's own error says what went wrong.
    if (!accepts(refreshOn, error) || runtime.disposed) throw error;
    if (!(await refreshedAfter(runtime, binding, first.source, signal))) throw error;
    signal?.throwIfAborted();
    const second = await runtime.readWithSource(binding, signal);
    return await fn(second.value as T[K]);
  }
}

/**
 * Whether the refresh after `fn` failed changed the value. A model disposed while the refresh
 * ran counts as "unchanged" (the caller gets `fn`'s error, not a "disposed" one); an abort of
 * `signal` still rejects with the abort reason.
 */
async function refreshedAfter(
  runtime: ModelState['runtime'],
  binding: Binding,
  seen: string | number | undefined,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  try {
    return await runtime.refreshAfterFailure(binding, seen, signal);
  } catch (error) {
    if (runtime.disposed && signal?.aborted !== true) return false;
    throw error;
  }
}

/** Whether `refreshOn` accepts `error`; a `refreshOn` that throws accepts nothing. */
function accepts(refreshOn: ((error: unknown) => boolean) | undefined, error: unknown): boolean {
  if (refreshOn === undefined) return true;
  try {
    return Boolean(refreshOn(error));
  } catch {
    return false;
  }
}
