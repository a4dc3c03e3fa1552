/** Defaults and fixed values of the `vaultly` command line, in one place. */

/** How many unversioned paths `vaultly check` hands to one `backend.getBatch`. */
export const DEFAULT_CHECK_BATCH_SIZE = 10;

/** Exit codes of `vaultly check`. */
export const EXIT_CODE = Object.freeze({
  /** Every secret is readable. */
  Ok: 0,
  /** At least one secret is missing, denied or failed. */
  Failed: 1,
  /** Bad arguments, or a module that cannot be loaded or has the wrong shape. */
  Usage: 2,
} as const);

/** What `vaultly --help` prints. */
export const USAGE = `Usage: vaultly check <module> [--json]

Checks, before a rollout, that every secret of the models a module exports is readable.

  <module>   a .js, .mjs or .cjs file whose default export is (or resolves to)
             { backend, models }: a vaultly Backend and constructed model instances
  --json     print the rows as JSON
  -h, --help print this help

One row per secret path: ok, missing, denied, or error: <ErrorName>. Values are never printed.
Exit code: 0 when every row is ok, 1 otherwise, 2 on a bad module or bad arguments.`;
