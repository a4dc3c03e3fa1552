/**
 * The tokens the loopback Vault accepts, each with an optional number of uses left (Vault's
 * `num_uses`): a token with uses is rejected once they are spent, as an expired token would be.
 *
 * @example
 * ```ts
 * const tokens = new VaultTokens();
 * tokens.add('short-lived', 2); // accepted twice, then 403 "permission denied"
 * ```
 */
export class VaultTokens {
  readonly #usesLeft = new Map<string, number>();

  /** Accepts `token`, `uses` times (default: without limit). */
  add(token: string, uses: number = Number.POSITIVE_INFINITY): void {
    if (typeof token !== 'string' || token === '') throw new TypeError('token must be a non-empty string');
    if (!(uses === Number.POSITIVE_INFINITY || (Number.isSafeInteger(uses) && uses > 0))) {
      throw new TypeError('uses must be a positive integer');
    }
    this.#usesLeft.set(token, uses);
  }

  /** Stops accepting `token`. */
  revoke(token: string): void {
    this.#usesLeft.delete(token);
  }

  /** The uses `token` has left (`Infinity`: no limit), or `undefined` when it is not accepted. */
  usesLeft(token: string): number | undefined {
    return this.#usesLeft.get(token);
  }

  /** Whether `token` is accepted now; spends one use if so. */
  use(token: string | undefined): boolean {
    if (token === undefined) return false;
    const left = this.#usesLeft.get(token);
    if (left === undefined) return false;
    if (left <= 1) this.#usesLeft.delete(token);
    else this.#usesLeft.set(token, left - 1);
    return true;
  }
}
