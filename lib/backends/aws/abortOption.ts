/**
 * The `client.send` options that pass `signal` on to the SDK, or none without a signal
 * (`exactOptionalPropertyTypes` refuses an `abortSignal: undefined`).
 *
 * @param signal - the caller's signal, if any
 * @example
 * ```ts
 * await client.send(command, abortOption(signal));
 * ```
 */
export function abortOption(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal === undefined ? {} : { abortSignal: signal };
}
