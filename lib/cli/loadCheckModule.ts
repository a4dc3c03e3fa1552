import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { isBackend, type Backend } from '../backends/Backend.js';
import { CheckUsageError } from './CheckUsageError.js';

/** What a module checked by `vaultly check` exports by default. */
export interface CheckModule {
  readonly backend: Backend;
  readonly models: readonly object[];
}

/**
 * Imports the module at `file` (relative to `cwd`; ESM or CommonJS) and returns its default
 * export: `{ backend, models }`, a promise of it, or a function returning either. Anything else
 * is a {@link CheckUsageError} saying what was expected.
 */
export async function loadCheckModule(file: string, cwd: string): Promise<CheckModule> {
  const absolute = resolve(cwd, file);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new CheckUsageError(`cannot load ${absolute}: ${reason}`, { cause: error });
  }
  let exported: unknown = namespace['default'];
  // A CommonJS module that set `exports.default` comes back as `{ default: { default: ... } }`.
  if (isRecord(exported) && !('backend' in exported) && isRecord(exported['default'])) exported = exported['default'];
  try {
    if (typeof exported === 'function') exported = await (exported as () => unknown)();
    exported = await exported;
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new CheckUsageError(`the default export of ${absolute} failed: ${reason}`, { cause: error });
  }
  const expected = 'its default export must be (or resolve to) { backend, models }';
  if (!isRecord(exported)) throw new CheckUsageError(`${absolute}: ${expected}; it is ${exported === null ? 'null' : typeof exported}`);
  const { backend, models } = exported;
  if (!isBackend(backend)) throw new CheckUsageError(`${absolute}: ${expected}; backend must be a vaultly Backend (with get and getBatch)`);
  if (!Array.isArray(models) || models.length === 0) {
    throw new CheckUsageError(`${absolute}: ${expected}; models must be a non-empty array of model instances`);
  }
  return { backend, models: models as object[] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
