import { missingSecrets } from './missingSecrets.js';
import { PartialBatchError, type OwedPaths } from './PartialBatchError.js';

/** The longest list of paths spelled out in a message. */
const PATHS_IN_MESSAGE = 5;

/**
 * How a batched read ends once every request has settled: the values, when nothing is owed or
 * missing; a {@link PartialBatchError} carrying the values and what is owed, when a request failed
 * with a `TransientError` (missing paths ride along, to be named once the rest is read); otherwise
 * one `SecretNotFoundError` naming every missing path.
 *
 * @param requested - the unique paths asked for, in order
 * @param values - what was read, by path (null prototype)
 * @param missing - paths the backend reported missing
 * @param owed - failed requests and their paths
 * @param missingCause - the cause of the `SecretNotFoundError`, if any
 */
export function settleBatch(
  requested: readonly string[],
  values: Record<string, string>,
  missing: readonly string[],
  owed: readonly OwedPaths[],
  missingCause?: unknown,
): Record<string, string> {
  if (owed.length > 0) {
    const owedPaths = owed.flatMap((o) => o.paths);
    const shown = owedPaths.slice(0, PATHS_IN_MESSAGE).join(', ');
    const more = owedPaths.length > PATHS_IN_MESSAGE ? ` and ${owedPaths.length - PATHS_IN_MESSAGE} more` : '';
    const read = requested.length - owedPaths.length - missing.length;
    const message = `Read ${read} of ${requested.length} secrets; ${owedPaths.length} still owed (${shown}${more})`;
    throw new PartialBatchError(message, { fetched: values, owed, missing, cause: owed[0]?.error });
  }
  if (missing.length > 0) throw missingSecrets(missing, missingCause);
  return values;
}
