/**
 * At most `limit` holders at once; the others wait in order. A wait ends early, with the signal's
 * reason, when its signal aborts, and leaves no listener behind.
 *
 * @example
 * ```ts
 * const release = await semaphore.acquire(signal);
 * try { await work(); } finally { release(); }
 * ```
 */
export class Semaphore {
  #free: number;
  readonly #waiters: (() => void)[] = [];

  constructor(limit: number) {
    this.#free = limit;
  }

  /**
   * Waits for a slot; resolves to the function that gives it back (calling it twice is harmless),
   * which returns whether the slot went straight to a waiter.
   */
  async acquire(signal?: AbortSignal): Promise<() => boolean> {
    signal?.throwIfAborted();
    const free = this.tryAcquire();
    if (free !== undefined) return free;
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.#waiters.indexOf(grant);
        if (at >= 0) this.#waiters.splice(at, 1);
        reject(signal?.reason as unknown);
      };
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiters.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return this.#releaser();
  }

  /** Takes a slot if one is free, without waiting: returns its releaser, or `undefined` when none is. */
  tryAcquire(): (() => boolean) | undefined {
    if (this.#free === 0) return undefined;
    this.#free--;
    return this.#releaser();
  }

  #releaser(): () => boolean {
    let released = false;
    return () => {
      if (released) return false;
      released = true;
      const next = this.#waiters.shift();
      // The slot passes straight to the next waiter, so nobody can jump the queue.
      if (next === undefined) {
        this.#free++;
        return false;
      }
      next();
      return true;
    };
  }
}
