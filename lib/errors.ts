/**
 * The error hierarchy of vaultly. Every error carries the resolved secret `path` where one is
 * known and the underlying failure as `cause`; no message ever contains a secret value.
 *
 * Each class also has a static `is()` check that works across two copies of the package in one
 * process (it reads a `Symbol.for` marker rather than relying on `instanceof`).
 */

const MARKER: unique symbol = Symbol.for('vaultly.error') as never;

/** Options accepted by every vaultly error. */
export interface VaultlyErrorOptions {
  /** The underlying failure. */
  cause?: unknown;
  /** The resolved secret path the error is about. */
  path?: string;
  /** The backend's error code or HTTP status (`'ThrottlingException'`, `'503'`), for logs and retry decisions. */
  code?: string;
}

/**
 * Base class of every error vaultly throws.
 *
 * @example
 * ```ts
 * try { await prefetch(config); } catch (e) { if (VaultlyError.is(e)) console.error(e.path); }
 * ```
 */
export class VaultlyError extends Error {
  /** Stable kind name, also used by {@link VaultlyError.is}. */
  static readonly kind: string = 'VaultlyError';
  /** The resolved secret path the error is about, where one is known. */
  readonly path: string | undefined;
  /** The backend's error code or HTTP status (`'ThrottlingException'`, `'503'`), where one is known. */
  readonly code?: string;
  declare readonly [MARKER]: readonly string[];

  constructor(message: string, options: VaultlyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const ctor = new.target as typeof VaultlyError;
    this.name = ctor.kind;
    this.path = options.path;
    // Only set when known, so that errors without one keep their shape.
    if (options.code !== undefined) (this as { code?: string }).code = options.code;
    const kinds: string[] = [];
    for (let c: unknown = ctor; typeof c === 'function' && 'kind' in c; c = Object.getPrototypeOf(c)) {
      kinds.push((c as typeof VaultlyError).kind);
    }
    Object.defineProperty(this, MARKER, { value: Object.freeze(kinds), enumerable: false });
  }

  /**
   * Whether `value` is an error of this class (or a subclass), even when it was created by another
   * copy of vaultly loaded in the same process.
   */
  static is<T extends typeof VaultlyError>(this: T, value: unknown): value is InstanceType<T> {
    if (typeof value !== 'object' || value === null) return false;
    const kinds = (value as { [MARKER]?: unknown })[MARKER];
    return Array.isArray(kinds) && kinds.includes(this.kind);
  }
}

/** The backend has no such secret (or no such version or key). Never retried. */
export class SecretNotFoundError extends VaultlyError {
  static override readonly kind: string = 'SecretNotFoundError';
  /** Every missing path, when several were asked for at once. */
  readonly paths: readonly string[];

  constructor(message: string, options: VaultlyErrorOptions & { paths?: readonly string[] } = {}) {
    super(message, options);
    this.paths = Object.freeze([...(options.paths ?? (options.path === undefined ? [] : [options.path]))]);
  }
}

/** The backend rejected our credentials or denied access. Never retried. */
export class AuthError extends VaultlyError {
  static override readonly kind: string = 'AuthError';
}

/** A failure that may pass: timeouts, throttling, 5xx, dropped connections. Retried. */
export class TransientError extends VaultlyError {
  static override readonly kind: string = 'TransientError';
}

/** The model or an option is misconfigured, or a value failed to cast. */
export class ConfigError extends VaultlyError {
  static override readonly kind: string = 'ConfigError';
}

/** A `{placeholder}` in a path template has no matching context variable. */
export class MissingContextVariableError extends ConfigError {
  static override readonly kind: string = 'MissingContextVariableError';
  /** The placeholder's name (empty when the error was made without one). */
  readonly variable: string;

  constructor(message: string, options: VaultlyErrorOptions & { variable?: string } = {}) {
    super(message, options);
    this.variable = options.variable ?? '';
  }
}

/** A secret was read synchronously before it was ever loaded. */
export class SecretNotLoadedError extends VaultlyError {
  static override readonly kind: string = 'SecretNotLoadedError';
}
