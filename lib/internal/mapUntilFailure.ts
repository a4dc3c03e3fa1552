import { SecretNotFoundError } from '../errors.js';
import { linkedController } from './abort.js';
import { mapConcurrent } from './mapConcurrent.js';

/**
 * The loop of a batched read: runs `fn` over `items` with at most `limit` in flight, each with a
 * signal linked to the caller's. A missing secret is collected (its result is `rejected`); any
 * other failure aborts the reads still in flight and rejects with that first failure.
 */
export async function mapUntilFailure<T, R>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal | undefined,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
  onSignal: (signal: AbortSignal) => void = () => undefined,
): Promise<PromiseSettledResult<R>[]> {
  const { controller, dispose } = linkedController(signal);
  onSignal(controller.signal);
  let failure: { error: unknown } | undefined;
  try {
    const results = await mapConcurrent(items, limit, async (item) => {
      if (failure !== undefined) throw failure.error;
      try {
        return await fn(item, controller.signal);
      } catch (error) {
        if (!SecretNotFoundError.is(error) && failure === undefined) {
          failure = { error };
          controller.abort(error);
        }
        throw error;
      }
    });
    if (failure !== undefined) throw failure.error;
    return results;
  } finally {
    dispose();
  }
}
