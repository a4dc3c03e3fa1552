/**
 * Names of the `node:diagnostics_channel` channels vaultly publishes on. Channels are global by
 * name, so two copies of vaultly in one process publish on the same ones. No message carries a
 * secret value.
 *
 * - `vaultly:fetch`: a `TracingChannel` (subscribe with `diagnostics_channel.tracingChannel(...)`)
 *   around every backend call a model makes; its context is a {@link FetchTraceContext}.
 * - `vaultly:stale`: a {@link StaleMessage} each time a stale value is served because a refresh
 *   failed (`staleOnError`).
 * - `vaultly:change`: a {@link ChangeMessage} each time a refresh stores a value that differs from
 *   the one it replaces (the `onChange` event).
 *
 * @example
 * ```ts
 * import diagnostics_channel from 'node:diagnostics_channel';
 * import { DiagnosticsChannel } from 'vaultly';
 *
 * diagnostics_channel.subscribe(DiagnosticsChannel.Stale, (message) => console.warn('stale secret', message));
 * ```
 */
export const DiagnosticsChannel = Object.freeze({
  Fetch: 'vaultly:fetch',
  Stale: 'vaultly:stale',
  Change: 'vaultly:change',
} as const);
export type DiagnosticsChannel = (typeof DiagnosticsChannel)[keyof typeof DiagnosticsChannel];

/**
 * The context of one traced backend call on `vaultly:fetch`. Node sets `error` on failure (the
 * error the backend rejected with, which by vaultly's error rules carries no value) and `result`
 * to `undefined` on success: the value never reaches the channel.
 */
export interface FetchTraceContext {
  /** The paths read: one for `get`, every path of the batch for `getBatch`. */
  readonly paths: readonly string[];
  /** The root model's class name. */
  readonly model: string;
  /** Whether the call is a `getBatch`. */
  readonly batch: boolean;
  /** The version asked for by a versioned `get`. */
  readonly version?: number | string;
  /** Set by `diagnostics_channel` when the call fails. */
  error?: unknown;
  /** Set by `diagnostics_channel` when the call succeeds: always `undefined`. */
  result?: undefined;
}

/** A stale value was served on `vaultly:stale`. */
export interface StaleMessage {
  /** The root model's class name. */
  readonly model: string;
  /** The field read, as messages name it: `Class.property`, with its description if it has one. */
  readonly field: string;
  /** The resolved path. */
  readonly path: string;
  /**
   * The refresh's error: the same object a read rejects with when `staleOnError` is off, a
   * `TransientError` whose message and cause name paths and codes, never a value.
   */
  readonly error: unknown;
}

/** A refresh stored a new value, on `vaultly:change`. */
export interface ChangeMessage {
  /** The class name of the model that declares the field, as in the `onChange` event. */
  readonly model: string;
  /** The field whose value changed. */
  readonly field: string;
  /** The resolved path. */
  readonly path: string;
  /** The version the field asks for, if any. */
  readonly version: number | string | undefined;
}
