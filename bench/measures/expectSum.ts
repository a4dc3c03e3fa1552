/**
 * A loop check: every iteration must have added `perIteration` (the length of the value read), so
 * a loop that read nothing, or the wrong thing, fails the run instead of timing it.
 */
export function expectSum(what: string, perIteration: number): (result: number, n: number) => void {
  return (result, n) => {
    if (result !== n * perIteration) {
      throw new Error(`${what}: the loop summed ${result}, expected ${n} x ${perIteration}; it did not read the value`);
    }
  };
}
