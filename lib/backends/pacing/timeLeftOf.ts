/**
 * What a caller's `timeLeft` (see `BackendGetOptions.timeLeft`) says, in ms: undefined when there
 * is none, or it throws, or it gives something other than a number. A caller's broken clock
 * neither stalls nor hurries anyone else.
 */
export function timeLeftOf(timeLeft: (() => number) | undefined): number | undefined {
  if (timeLeft === undefined) return undefined;
  let ms: unknown;
  try {
    ms = timeLeft();
  } catch {
    return undefined;
  }
  return typeof ms === 'number' && !Number.isNaN(ms) ? ms : undefined;
}
