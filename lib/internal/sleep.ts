/**
 * Resolves after `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts.
 * The timer keeps the process alive: the sleep sits between two attempts of a read somebody
 * awaits, and an unref'd one let a script exit mid-retry ("unsettled top-level await"). It lasts
 * at most until the call's deadline, and both the timer and the abort listener are removed however
 * the sleep ends (dispose and the deadline abort it).
 *
 * @param ms - how long to wait, in milliseconds
 * @param signal - cancels the wait
 * @example
 * ```ts
 * await sleep(250, controller.signal);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.reject(signal.reason as unknown);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as unknown);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
