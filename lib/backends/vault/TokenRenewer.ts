import { AuthError } from '../../errors.js';

/** Returns a fresh Vault token, synchronously or not. */
export type VaultTokenFactory = () => string | Promise<string>;

/**
 * Holds the Vault token and renews it through a {@link VaultTokenFactory}, single-flight: however
 * many reads are rejected with the same token at once, the factory runs once and they all get its
 * result. A read whose token was already replaced while it was in flight gets the new token
 * without another factory call.
 *
 * @example
 * ```ts
 * const tokens = new TokenRenewer(undefined, () => login(), () => client.token);
 * const token = await tokens.renew(rejectedToken);
 * ```
 */
export class TokenRenewer {
  #token: string | undefined;
  readonly #factory: VaultTokenFactory | undefined;
  readonly #fallback: () => string | undefined;
  #pending: Promise<string> | undefined;

  /**
   * @param token - the initial token, if any
   * @param factory - where renewed tokens come from; without one, {@link TokenRenewer.renew} is never called
   * @param fallback - the token to use while this holder has none (the client's own)
   */
  constructor(token: string | undefined, factory: VaultTokenFactory | undefined, fallback: () => string | undefined) {
    this.#token = token;
    this.#factory = factory;
    this.#fallback = fallback;
  }

  /** Whether a factory can renew the token. */
  get canRenew(): boolean {
    return this.#factory !== undefined;
  }

  /** The token to send now, if any. */
  current(): string | undefined {
    const token = this.#token ?? this.#fallback();
    return token === '' ? undefined : token;
  }

  /**
   * A token to use instead of `rejected`: the current one if it already differs, otherwise the
   * result of the factory call in flight, starting one if none is.
   *
   * @throws AuthError when there is no factory, or it throws or returns something other than a
   *   non-empty string (its own message is not repeated: it may quote credentials)
   */
  renew(rejected: string | undefined): Promise<string> {
    if (this.#pending !== undefined) return this.#pending;
    const current = this.current();
    if (current !== undefined && current !== rejected) return Promise.resolve(current);
    const factory = this.#factory;
    if (factory === undefined) return Promise.reject(new AuthError('No Vault tokenFactory to renew the token with'));
    // Started on a later tick so that a factory that throws synchronously still leaves
    // `#pending` cleared once the call settles.
    const pending = Promise.resolve()
      .then(() => factory())
      .then(
        (token: unknown) => {
          if (typeof token !== 'string' || token === '') {
            throw new AuthError('Vault tokenFactory did not return a non-empty string');
          }
          this.#token = token;
          return token;
        },
        (cause: unknown) => {
          throw new AuthError('Vault tokenFactory failed', { cause });
        },
      )
      .finally(() => {
        this.#pending = undefined;
      });
    this.#pending = pending;
    return pending;
  }
}
