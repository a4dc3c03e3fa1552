/** The outcome of checking one secret path. */
export const CHECK_STATUS = Object.freeze({ Ok: 'ok', Missing: 'missing', Denied: 'denied', Error: 'error' } as const);
export type CheckStatus = (typeof CHECK_STATUS)[keyof typeof CHECK_STATUS];

/** One secret (a path, and a version where the field pins one) to check, and the fields reading it. */
export interface CheckTarget {
  readonly path: string;
  readonly version: number | string | undefined;
  /** The fields that read this secret, as `Root.nested.field`. */
  readonly fields: readonly string[];
}

/** One row of the report. Never holds a value. */
export interface CheckRow {
  /** The resolved path; for a template that could not be resolved, the template. */
  readonly path: string;
  readonly version?: number | string;
  readonly fields: readonly string[];
  readonly status: CheckStatus;
  /** For `error`: the error's name (`TransientError`, `ConfigError`, ...). */
  readonly error?: string;
  /** For a template that could not be resolved: vaultly's message (names, never values). */
  readonly detail?: string;
}
