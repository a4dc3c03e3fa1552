import diagnostics_channel from 'node:diagnostics_channel';
import { DiagnosticsChannel, type FetchTraceContext } from './DiagnosticsChannel.js';

const fetchChannel = diagnostics_channel.tracingChannel<unknown, FetchTraceContext>(DiagnosticsChannel.Fetch);

/**
 * Runs one backend call, traced on `vaultly:fetch` when anyone subscribes (start, end, asyncStart,
 * asyncEnd, and error on failure); with no subscriber it only runs `run`. The traced function
 * resolves to nothing, so Node's `context.result` never holds a secret. `context` is built only
 * when traced.
 */
export function traceFetch<T>(context: () => FetchTraceContext, run: () => Promise<T>): Promise<T> {
  if (!hasSubscribers()) return run();
  let value: T;
  return fetchChannel
    .tracePromise(async () => {
      value = await run();
    }, context())
    .then(() => value);
}

// TracingChannel#hasSubscribers is Node 20.13+; the five channels answer on every version.
function hasSubscribers(): boolean {
  const { start, end, asyncStart, asyncEnd, error } = fetchChannel;
  return start.hasSubscribers || end.hasSubscribers || asyncStart.hasSubscribers || asyncEnd.hasSubscribers || error.hasSubscribers;
}
