// Counts the timers a piece of code creates and leaves running.

export /** Swaps the global setTimeout/clearTimeout for counting wrappers while `fn` runs. */
async function withTimerTracking(fn: () => Promise<void>): Promise<{ created: NodeJS.Timeout[]; live: Set<NodeJS.Timeout> }> {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const created: NodeJS.Timeout[] = [];
  const live = new Set<NodeJS.Timeout>();
  globalThis.setTimeout = ((callback: () => void, ms?: number) => {
    const timer = realSet(() => {
      live.delete(timer);
      callback();
    }, ms);
    created.push(timer);
    live.add(timer);
    return timer;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((timer: NodeJS.Timeout) => {
    live.delete(timer);
    realClear(timer);
  }) as typeof clearTimeout;
  try {
    await fn();
  } finally {
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
  }
  return { created, live };
}
