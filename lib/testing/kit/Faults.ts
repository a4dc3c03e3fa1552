import { DEFAULT_FAULT_TIMES } from './constants.js';
import { TokenBucket } from './TokenBucket.js';
import type { QuotaOptions } from './TokenBucket.js';

/**
 * The fault kinds every loopback server understands. A server may add its own (Vault adds
 * `'sealed'`); the kit itself carries out `hang`, `reset` and `malformed`, and the server renders
 * the others in its protocol:
 * - `'throttle'`: the service's rate-limit answer (SSM: 400 `ThrottlingException`; Vault: 429)
 * - `'error'`: a server error (default HTTP 500)
 * - `'credentials'`: the credentials or token are rejected
 * - `'hang'`: the request is accepted and never answered (until the client gives up or `close()`)
 * - `'reset'`: the connection is reset (TCP RST) without an answer
 * - `'malformed'`: the real answer cut in half (it still takes effect), or `body` with HTTP 200
 */
export const COMMON_FAULT_KINDS = Object.freeze(['throttle', 'error', 'credentials', 'hang', 'reset', 'malformed'] as const);

/** One of {@link COMMON_FAULT_KINDS}. */
export type CommonFaultKind = (typeof COMMON_FAULT_KINDS)[number];

/** Options of {@link Faults.failNext}: which requests get the fault (times x match) and how it answers. */
export interface FaultOptions<R> {
  /** How many matching requests get the fault (default: 1; `Infinity` for every one). */
  times?: number;
  /** Which requests get the fault (default: every request). */
  match?: (request: R) => boolean;
  /** HTTP status of the error answer (default: the service's own for that kind). */
  status?: number;
  /** Error code, where the protocol has one (SSM's `__type`, such as `'ExpiredTokenException'`). */
  code?: string;
  /** Error message (default: the service's own for that kind). */
  message?: string;
  /** For `'malformed'`: the raw body to send with HTTP 200 instead of the truncated answer. */
  body?: string;
}

/** A fault picked for one request: its kind and the answer options it was armed with. */
export interface ArmedFault<K extends string> {
  readonly kind: K;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly body: string | undefined;
}

interface Entry<K extends string, R> {
  readonly fault: ArmedFault<K>;
  readonly match: ((request: R) => boolean) | undefined;
  left: number;
}

/**
 * The one fault API of every loopback server: faults (a kind x times x match) queued first come
 * first served, latency in milliseconds for every response, and a request-rate quota. Everything
 * is dropped by `clear()`, which the server's `close()` calls. Methods return `this` for chaining.
 *
 * @example
 * ```ts
 * server.faults
 *   .failNext('throttle', { times: 2 })                                  // the next two requests
 *   .failNext('error', { status: 503, match: (r) => r.path.endsWith('/db') })
 *   .setLatency(20)                                                      // every answer waits 20 ms
 *   .setQuota({ rate: 40, burst: 40 });                                  // a token bucket shared by all clients
 * ```
 */
export class Faults<K extends string, R> {
  readonly #kinds: readonly K[];
  readonly #owner: string;
  #entries: Entry<K, R>[] = [];
  #latencyMs = 0;
  #bucket: TokenBucket | undefined;

  /**
   * @param kinds - the fault kinds this server understands
   * @param owner - the server's name, for error messages (`'startSsmServer'`)
   */
  constructor(kinds: readonly K[], owner: string) {
    this.#kinds = kinds;
    this.#owner = owner;
  }

  /** The fault kinds this server understands. */
  get kinds(): readonly K[] {
    return this.#kinds;
  }

  /** Delay before every response, in milliseconds (0: none). */
  get latencyMs(): number {
    return this.#latencyMs;
  }

  /** How many fault hits are still queued (`Infinity` when one is armed for every request). */
  get pending(): number {
    return this.#entries.reduce((sum, e) => sum + e.left, 0);
  }

  /** Whether a request-rate quota is on. */
  get quotaOn(): boolean {
    return this.#bucket !== undefined;
  }

  /**
   * Makes the next `options.times` requests that `options.match` accepts fail with `kind`.
   * @param kind - one of {@link Faults.kinds}
   * @param options.times - how many matching requests (default: 1; `Infinity` for all)
   * @param options.match - which requests (default: all)
   * @param options.status - HTTP status of the error answer (default: the service's own)
   * @param options.code - error code where the protocol has one (default: the service's own)
   * @param options.message - error message (default: the service's own)
   * @param options.body - for `'malformed'`: a raw body sent with HTTP 200
   */
  failNext(kind: K, options: FaultOptions<R> = {}): this {
    const where = `${this.#owner}: faults.failNext`;
    if (typeof kind !== 'string' || !this.#kinds.includes(kind)) {
      const got = typeof kind === 'string' ? `'${kind}'` : `a ${typeof kind}`;
      throw new TypeError(`${where}: kind must be one of ${this.#kinds.map((k) => `'${k}'`).join(', ')}, got ${got}`);
    }
    if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object`);
    const times = options.times ?? DEFAULT_FAULT_TIMES;
    if (!(times === Number.POSITIVE_INFINITY || (Number.isSafeInteger(times) && times > 0))) {
      throw new TypeError(`${where}: options.times must be a positive integer or Infinity`);
    }
    if (options.match !== undefined && typeof options.match !== 'function') throw new TypeError(`${where}: options.match must be a function`);
    if (options.status !== undefined && !(Number.isInteger(options.status) && options.status >= 200 && options.status <= 599)) {
      throw new TypeError(`${where}: options.status must be an HTTP status from 200 to 599`);
    }
    for (const field of ['code', 'message', 'body'] as const) {
      if (options[field] !== undefined && typeof options[field] !== 'string') throw new TypeError(`${where}: options.${field} must be a string`);
    }
    this.#entries.push({
      fault: Object.freeze({ kind, status: options.status, code: options.code, message: options.message, body: options.body }),
      match: options.match,
      left: times,
    });
    return this;
  }

  /**
   * Delays every following response.
   * @param ms - milliseconds, 0 to stop delaying
   */
  setLatency(ms: number): this {
    this.#latencyMs = checkLatency(ms, `${this.#owner}: faults.setLatency`);
    return this;
  }

  /**
   * Turns on a request-rate quota: a token bucket shared by every client, holding `burst` requests
   * and refilling `rate` per second. A request over quota gets the service's own throttling answer
   * and is logged with `throttled: true`. `undefined` turns the quota off.
   * @param options.rate - requests per second
   * @param options.burst - requests at once on a full bucket (default: `rate`)
   * @param options.now - clock in milliseconds (default: `Date.now`)
   */
  setQuota(options: QuotaOptions | undefined): this {
    try {
      this.#bucket = options === undefined ? undefined : new TokenBucket(options);
    } catch (error) {
      throw new TypeError(`${this.#owner}: ${(error as Error).message}`);
    }
    return this;
  }

  /** Drops every queued fault, the latency and the quota. */
  clear(): this {
    this.#entries = [];
    this.#latencyMs = 0;
    this.#bucket = undefined;
    return this;
  }

  /**
   * For the server, once per request: whether the quota throttles it (`retryAfterSeconds` set)
   * and otherwise the fault it gets, if any, spending one of that fault's hits.
   * @param quotaExempt - the service never counts this request against a quota (Vault's `sys/health`)
   */
  take(request: R, quotaExempt = false): { throttled: false; fault: ArmedFault<K> | undefined } | { throttled: true; retryAfterSeconds: number } {
    if (!quotaExempt && this.#bucket !== undefined && !this.#bucket.take()) {
      return { throttled: true, retryAfterSeconds: this.#bucket.secondsUntilNext() };
    }
    const entry = this.#entries.find((e) => e.match === undefined || e.match(request));
    if (entry === undefined) return { throttled: false, fault: undefined };
    entry.left -= 1;
    if (entry.left <= 0) this.#entries = this.#entries.filter((e) => e !== entry);
    return { throttled: false, fault: entry.fault };
  }
}

/** Validates a latency in milliseconds; `where` names the option in the error. */
export function checkLatency(ms: unknown, where: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new TypeError(`${where}: latency must be a finite number of milliseconds >= 0`);
  }
  return ms;
}
