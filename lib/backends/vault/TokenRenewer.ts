import { AuthError } from '../../errors.js';

/** What a {@link VaultTokenFactory} is given. */
export interface VaultTokenFactoryContext {
  /** Aborts when the call has taken longer than `tokenFactoryTimeout`; its result is then ignored. */
  signal: AbortSignal;
}

/** Returns a fresh Vault token, synchronously or not. */
export type VaultTokenFactory = (context: VaultTokenFactoryContext) => string | Promise<string>;

/** Runs `callback` after `ms` milliseconds; returns a function that cancels it. */
export type TokenTimer = (callback: () => void, ms: number) => () => void;

/** Options of {@link TokenRenewer}. */
export interface TokenRenewerOptions {
  /** Milliseconds one factory call may take before it counts as failed. */
  timeoutMs: number;
  /** Schedules the timeout (default: an unref'd `setTimeout`); tests inject their own. */
  timer?: TokenTimer;
}

const unrefTimer: TokenTimer = (callback, ms) => {
  const timer = setTimeout(callback, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * Holds the Vault token and renews it through a {@link VaultTokenFactory}, single-flight: however
 * many reads are rejected with the same token at once, the factory runs once and they all get its
 * result. A read whose token was already replaced while it was in flight gets the new token
 * without another factory call.
 *
 * A factory call that has not settled after `timeoutMs` fails (and its signal aborts), so one hung
 * login cannot hold every later renewal: the next rejected read calls the factory again.
 *
 * @example
 * ```ts
 * const tokens = new TokenRenewer(undefined, () => login(), () => client.token, { timeoutMs: 10_000 });
 * const token = await tokens.renew(rejectedToken);
 * ```
 */
export class TokenRenewer {
  #token: string | undefined;
  readonly #factory: VaultTokenFactory | undefined;
  readonly #fallback: () => string | undefined;
  readonly #timeoutMs: number;
  readonly #timer: TokenTimer;
  #pending: Promise<string> | undefined;

  /**
   * @param token - the initial token, if any
   * @param factory - where renewed tokens come from; without one, {@link TokenRenewer.renew} is never called
   * @param fallback - the token to use while this holder has none (the client's own)
   * @param options.timeoutMs - how long one factory call may take
   * @param options.timer - schedules that timeout (default: an unref'd `setTimeout`)
   */
  constructor(
    token: string | undefined,
    factory: VaultTokenFactory | undefined,
    fallback: () => string | undefined,
    options: TokenRenewerOptions,
  ) {
    this.#token = token;
    this.#factory = factory;
    this.#fallback = fallback;
    this.#timeoutMs = options.timeoutMs;
    this.#timer = options.timer ?? unrefTimer;
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
   * @throws AuthError when there is no factory, or it throws, times out or returns something other
   *   than a non-empty string (its own message is not repeated: it may quote credentials)
   */
  renew(rejected: string | undefined): Promise<string> {
    if (this.#pending !== undefined) return this.#pending;
    const current = this.current();
    if (current !== undefined && current !== rejected) return Promise.resolve(current);
    const factory = this.#factory;
    if (factory === undefined) return Promise.reject(new AuthError('No Vault tokenFactory to renew the token with'));

    const controller = new AbortController();
    let cancelTimer = (): void => undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      cancelTimer = this.#timer(() => {
        const seconds = this.#timeoutMs / 1000;
        const error = new AuthError(`Vault tokenFactory did not settle within ${seconds} s (tokenFactoryTimeout)`);
        controller.abort(error);
        reject(error);
      }, this.#timeoutMs);
    });
    // Started on a later tick so that a factory that throws synchronously becomes a rejection.
    const called = Promise.resolve()
      .then(() => factory({ signal: controller.signal }))
      .then(
        (token: unknown) => {
          // A call that timed out has been given up on: a late token must not replace a newer one.
          if (controller.signal.aborted) throw controller.signal.reason;
          if (typeof token !== 'string' || token === '') {
            throw new AuthError('Vault tokenFactory did not return a non-empty string');
          }
          this.#token = token;
          return token;
        },
        (cause: unknown) => {
          if (controller.signal.aborted) throw controller.signal.reason;
          throw new AuthError('Vault tokenFactory failed', { cause });
        },
      );
    const pending = Promise.race([called, timedOut]).finally(() => {
      cancelTimer();
      if (this.#pending === pending) this.#pending = undefined;
    });
    this.#pending = pending;
    return pending;
  }
}
