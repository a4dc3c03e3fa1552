import { randomUUID } from 'node:crypto';

import type { LoopBody } from './compareLoops.js';

type AnyFunctionConstructor = new (...argsAndBody: string[]) => (...args: unknown[]) => number | Promise<number>;

// eslint-disable-next-line @typescript-eslint/no-empty-function
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor as AnyFunctionConstructor;

/**
 * Builds a loop that sums `expression` over `n` iterations, from source, so that every measure
 * gets a function of its own. Closures made from one function literal share their inline caches
 * in V8, so a shared loop would see every model's shape and go polymorphic (then megamorphic);
 * compiling each loop separately keeps each one monomorphic, as the code of a real caller would
 * be. The source carries a unique comment because V8 caches `new Function` by its source text,
 * feedback included: two loops with the same text would share their inline caches after all.
 *
 * @param scope - the names the expression uses, with their values
 * @param expression - a number-valued expression, e.g. `config.apiKey.length`
 * @param options.async - build an async loop (the expression may use `await`)
 * @example
 * ```ts
 * const loop = makeLoop({ map, key }, 'map.get(key).length');
 * loop(1_000_000);
 * ```
 */
export function makeLoop(scope: Record<string, unknown>, expression: string, options: { async?: boolean } = {}): LoopBody {
  const names = Object.keys(scope);
  const values = Object.values(scope);
  const source = `/* ${randomUUID()} */ let s = 0; for (let i = 0; i < n; i++) s += ${expression}; return s;`;
  const Ctor = options.async === true ? AsyncFunction : (Function as unknown as AnyFunctionConstructor);
  const fn = new Ctor(...names, 'n', source);
  return (n: number) => fn(...values, n);
}
