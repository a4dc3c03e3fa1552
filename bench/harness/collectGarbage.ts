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
