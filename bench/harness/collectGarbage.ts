import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * The `gc()` function: the global one under `node --expose-gc` (as `npm run bench` runs), or one
 * obtained by turning the flag on at run time, so that `node build/bench/run.js` works too.
 */
export function gcFunction(): () => void {
  const global = (globalThis as { gc?: unknown }).gc;
  if (typeof global === 'function') return global as () => void;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** `heapUsed` after full collections, so that only live objects are counted. */
export function liveHeap(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * `heapUsed` after full collections and after the finalization callbacks those collections
 * queued have run (they run in a later task, and what they release would otherwise be freed
 * inside the next measured window).
 */
export async function settledHeap(gc: () => void): Promise<number> {
  gc();
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  return liveHeap(gc);
}
