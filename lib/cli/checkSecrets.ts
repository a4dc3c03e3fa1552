import type { Backend } from '../backends/Backend.js';
import { AuthError, SecretNotFoundError } from '../errors.js';
import { CHECK_STATUS, type CheckRow, type CheckTarget } from './CheckRow.js';
import { DEFAULT_CHECK_BATCH_SIZE } from './constants.js';

/** Options of {@link checkSecrets}. */
export interface CheckSecretsOptions {
  /** Unversioned paths per `getBatch`. (default: {@link DEFAULT_CHECK_BATCH_SIZE}) */
  batchSize?: number;
  /** Stops the check; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Reads every target through `backend` and reports one row per target, in order. Values are
 * dropped as soon as they arrive. Unversioned paths go in `getBatch` calls; a batch rejected
 * with a `SecretNotFoundError` marks the paths it names missing and the rest ok, and a batch
 * rejected for any other reason is checked again path by path with `get`, one at a time (the
 * backend just failed; a burst of parallel reads would only add throttling), so that each row
 * gets its own outcome. Versioned paths are read with `get`.
 */
export async function checkSecrets(backend: Backend, targets: readonly CheckTarget[], options: CheckSecretsOptions = {}): Promise<CheckRow[]> {
  const { batchSize = DEFAULT_CHECK_BATCH_SIZE, signal } = options;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new TypeError('checkSecrets: options.batchSize must be a positive integer');
  const outcomes = new Map<CheckTarget, Pick<CheckRow, 'status' | 'error'>>();
  const readOne = async (target: CheckTarget): Promise<void> => {
    signal?.throwIfAborted();
    try {
      await backend.get(target.path, {
        ...(target.version === undefined ? {} : { version: target.version }),
        ...(signal === undefined ? {} : { signal }),
      });
      outcomes.set(target, { status: CHECK_STATUS.Ok });
    } catch (error) {
      signal?.throwIfAborted();
      outcomes.set(target, classify(error));
    }
  };

  const unversioned = targets.filter((t) => t.version === undefined);
  for (let start = 0; start < unversioned.length; start += batchSize) {
    signal?.throwIfAborted();
    const chunk = unversioned.slice(start, start + batchSize);
    const paths = chunk.map((t) => t.path);
    try {
      await backend.getBatch(paths, signal === undefined ? {} : { signal });
      for (const target of chunk) outcomes.set(target, { status: CHECK_STATUS.Ok });
      continue;
    } catch (error) {
      signal?.throwIfAborted();
      const missing = SecretNotFoundError.is(error) ? new Set(error.paths) : undefined;
      if (missing !== undefined && missing.size > 0 && [...missing].every((p) => paths.includes(p))) {
        for (const target of chunk) outcomes.set(target, { status: missing.has(target.path) ? CHECK_STATUS.Missing : CHECK_STATUS.Ok });
        continue;
      }
    }
    for (const target of chunk) await readOne(target);
  }
  for (const target of targets) if (target.version !== undefined) await readOne(target);

  return targets.map((target) => {
    const outcome = outcomes.get(target) ?? { status: CHECK_STATUS.Error, error: 'Error' };
    return {
      path: target.path,
      ...(target.version === undefined ? {} : { version: target.version }),
      fields: target.fields,
      ...outcome,
    };
  });
}

/** A row's status for a failed read: only the error's name is kept, never its message. */
function classify(error: unknown): Pick<CheckRow, 'status' | 'error'> {
  if (SecretNotFoundError.is(error)) return { status: CHECK_STATUS.Missing };
  if (AuthError.is(error)) return { status: CHECK_STATUS.Denied };
  const name = error instanceof Error && typeof error.name === 'string' && error.name !== '' ? error.name : 'Error';
  return { status: CHECK_STATUS.Error, error: name };
}
