/** The kinds of fault the loopback SSM server can inject. */
export const SSM_FAULT_KINDS = Object.freeze(['throttle', 'error', 'credentials', 'hang', 'reset', 'malformed'] as const);

/** One of {@link SSM_FAULT_KINDS}. */
export type SsmFaultKind = (typeof SSM_FAULT_KINDS)[number];

/** A fault armed for one request. */
export interface SsmFault {
  readonly kind: SsmFaultKind;
  /** For `throttle`, `error` and `credentials`: the `__type` of the error body. */
  readonly type?: string;
  /** For `throttle`, `error` and `credentials`: the HTTP status. */
  readonly status?: number;
  /** For `throttle`, `error` and `credentials`: the error message. */
  readonly message?: string;
  /** For `malformed`: the raw body to send instead of the truncated answer. */
  readonly body?: string;
}

/** Options of {@link SsmFaults.failNext}. */
export interface SsmFailOptions {
  /** HTTP status (default: 500). */
  status?: number;
  /** `__type` of the error body (default: `'InternalServerError'`). */
  type?: string;
  /** Error message (default: a generic server-side failure). */
  message?: string;
}

/**
 * Fault injection of the loopback SSM server. Each `*Next(count)` call queues `count` one-shot
 * faults; every request takes the first queued fault, if any, so calls compose in order
 * (`throttleNext(2).failNext()` throttles two requests, then fails the third). `latency` applies
 * to every request until changed. Methods return `this` for chaining.
 *
 * @example
 * ```ts
 * const ssm = await startSsmServer();
 * ssm.faults.latency(20).throttleNext(2);   // every request waits 20 ms; the first two are throttled
 * ```
 */
export class SsmFaults {
  readonly #queue: SsmFault[] = [];
  #latencyMs = 0;

  /** Delay before every response, in milliseconds (0 turns it off). */
  get latencyMs(): number {
    return this.#latencyMs;
  }

  /** How many one-shot faults are still queued. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Delays every following response.
   * @param ms - milliseconds, 0 to stop delaying
   */
  latency(ms: number): this {
    if (!Number.isFinite(ms) || ms < 0) throw new TypeError(`latency: ms must be a finite number >= 0, got ${String(ms)}`);
    this.#latencyMs = ms;
    return this;
  }

  /** The next `count` requests get `ThrottlingException` (HTTP 400, "Rate exceeded"). */
  throttleNext(count = 1): this {
    return this.#push(count, { kind: 'throttle', type: 'ThrottlingException', status: 400, message: 'Rate exceeded' });
  }

  /**
   * The next `count` requests fail with a server error.
   * @param options.status - HTTP status (default: 500)
   * @param options.type - `__type` of the body (default: `'InternalServerError'`)
   * @param options.message - error message (default: `'An error occurred on the server side.'`)
   */
  failNext(count = 1, options: SsmFailOptions = {}): this {
    return this.#push(count, {
      kind: 'error',
      type: options.type ?? 'InternalServerError',
      status: options.status ?? 500,
      message: options.message ?? 'An error occurred on the server side.',
    });
  }

  /**
   * The next `count` requests have their credentials rejected, as SSM answers a bad key or token.
   * @param type - `__type` of the body (default: `'UnrecognizedClientException'`; also try
   *   `'ExpiredTokenException'`, `'InvalidSignatureException'`, `'AccessDeniedException'`)
   * @param status - HTTP status (default: 400, which is what SSM's JSON endpoint sends for these)
   */
  rejectCredentialsNext(count = 1, type = 'UnrecognizedClientException', status = 400): this {
    const message =
      type === 'UnrecognizedClientException'
        ? 'The security token included in the request is invalid.'
        : `Request rejected: ${type}`;
    return this.#push(count, { kind: 'credentials', type, status, message });
  }

  /** The next `count` requests are accepted and never answered, until the client gives up or the server closes. */
  hangNext(count = 1): this {
    return this.#push(count, { kind: 'hang' });
  }

  /** The next `count` requests have their connection reset (TCP RST) without any response. */
  resetNext(count = 1): this {
    return this.#push(count, { kind: 'reset' });
  }

  /**
   * The next `count` requests get a body that is not valid JSON: by default the real answer cut in
   * half, with its real status (the operation still takes effect); or `body` with HTTP 200.
   * @param body - the raw body to send instead (default: the truncated answer)
   */
  malformNext(count = 1, body?: string): this {
    return this.#push(count, body === undefined ? { kind: 'malformed' } : { kind: 'malformed', body });
  }

  /** Drops every queued fault and the latency. */
  clear(): this {
    this.#queue.length = 0;
    this.#latencyMs = 0;
    return this;
  }

  /** Removes and returns the fault for the next request (the server calls this once per request). */
  take(): SsmFault | undefined {
    return this.#queue.shift();
  }

  #push(count: number, fault: SsmFault): this {
    if (!Number.isInteger(count) || count < 1) throw new TypeError(`count must be a positive integer, got ${String(count)}`);
    for (let i = 0; i < count; i++) this.#queue.push(fault);
    return this;
  }
}
