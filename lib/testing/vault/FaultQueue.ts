/**
 * A fault queued on the loopback Vault:
 * - `'internal-error'`: 500 `{"errors":["internal error"]}`
 * - `'throttle'`: 429 `{"errors":["rate limit quota exceeded"]}`
 * - `'sealed'`: 503 `{"errors":["Vault is sealed"]}`
 * - `'reset'`: the connection is reset (TCP RST) before any response
 * - `'hang'`: the request is never answered (until `close()`)
 * - `{ status, errors }`: any status with that `errors` array (e.g. 412, 401, 502)
 */
export type VaultServerFault =
  | 'internal-error'
  | 'throttle'
  | 'sealed'
  | 'reset'
  | 'hang'
  | { status: number; errors?: readonly string[] };

interface Entry<R> {
  fault: VaultServerFault;
  left: number;
  match: ((request: R) => boolean) | undefined;
}

/**
 * Faults waiting for requests, first queued first served; each hits `times` matching requests.
 *
 * @example
 * ```ts
 * const faults = new FaultQueue<{ path: string }>();
 * faults.add('sealed', 2);
 * faults.take({ path: '/v1/secret/data/db' }); // 'sealed'
 * ```
 */
export class FaultQueue<R> {
  #entries: Entry<R>[] = [];

  /** Queues `fault` for the next `times` requests that `match` accepts (default: any). */
  add(fault: VaultServerFault, times: number, match?: (request: R) => boolean): void {
    if (!(times === Number.POSITIVE_INFINITY || (Number.isSafeInteger(times) && times > 0))) {
      throw new TypeError('times must be a positive integer or Infinity');
    }
    this.#entries.push({ fault, left: times, match });
  }

  /** The fault for `request`, if one is queued for it; spends one of its hits. */
  take(request: R): VaultServerFault | undefined {
    const entry = this.#entries.find((e) => e.match === undefined || e.match(request));
    if (entry === undefined) return undefined;
    entry.left -= 1;
    if (entry.left <= 0) this.#entries = this.#entries.filter((e) => e !== entry);
    return entry.fault;
  }

  /** Drops every queued fault. */
  clear(): void {
    this.#entries = [];
  }
}
