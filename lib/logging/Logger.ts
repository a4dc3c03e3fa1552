/** Structured fields attached to a log record. Never contains a secret value. */
export type LogFields = Record<string, unknown>;

/**
 * Any object with a `warn` method, and optionally `debug` and `error`: `console` and pino both
 * fit. vaultly calls `logger.warn(fields, message)`, fields first as pino expects.
 *
 * @example
 * ```ts
 * await bindSecrets(config, { backend, logger: console });
 * ```
 */
export interface Logger {
  warn(fields: LogFields, message: string): void;
  debug?(fields: LogFields, message: string): void;
  error?(fields: LogFields, message: string): void;
}

/** The default logger: says nothing. */
export const silentLogger: Logger = Object.freeze({ warn: () => undefined });

/** Calls `logger[level]` if it exists, and never lets a logger's own exception escape. */
export function log(logger: Logger, level: 'debug' | 'warn' | 'error', fields: LogFields, message: string): void {
  try {
    const fn = logger[level];
    if (typeof fn === 'function') fn.call(logger, fields, message);
  } catch {
    // A broken logger must not break a secret read.
  }
}
