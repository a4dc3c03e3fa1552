import { SecretNotFoundError, TransientError } from '../errors.js';
import { linkedController } from './abort.js';
import { mapConcurrent } from './mapConcurrent.js';

/**
 * The loop of a batched read: runs `fn` over `items` with at most `limit` in flight, each with a
 * signal linked to the caller's. A missing secret and a `TransientError` are collected (their
 * results are `rejected`) and the other reads go on, so that a batch makes progress past a
 * throttled or failed read; any other failure (denied, misconfigured, aborted) aborts the reads
 * still in flight and rejects with that first failure.
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
        const collected = !controller.signal.aborted && (SecretNotFoundError.is(error) || TransientError.is(error));
        if (!collected && failure === undefined) {
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
