import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/**
 * Runs full garbage collections, letting FinalizationRegistry callbacks run in between (each
 * registry's callbacks run in a task of their own), until `done()` holds or 20 rounds passed.
 * Works without `node --expose-gc`: the flag is set at run time and `gc` taken from a fresh
 * context.
 */
export async function forceGc(done: () => boolean = () => false): Promise<void> {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  const nextTask = (): Promise<unknown> => new Promise((resolve) => setImmediate(resolve));
  for (let round = 0; round < 20; round++) {
    // gc() in a task of its own: WeakRef.deref() (a done() check may call it) keeps its target
    // alive until the end of the current task, so a collection in the same task could not free it.
    await nextTask();
    gc();
    await nextTask();
    if (done()) return;
  }
}
