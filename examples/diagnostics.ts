// Diagnostics: vaultly's node:diagnostics_channel channels turned into log lines. Subscribing costs
// nothing until a message is published, and no message carries a secret value, so this is safe to
// leave on in production (swap console.log for your logger, or open OpenTelemetry spans in the
// fetch handlers: the backend call runs inside the stores bound to the start channel).
//
// Run: npm run build && npm run build:examples && node build/examples/diagnostics.js
import 'reflect-metadata';
import diagnostics_channel from 'node:diagnostics_channel';
import { DiagnosticsChannel, type ChangeMessage, type FetchTraceContext, type StaleMessage } from 'vaultly';
import { runOutage } from './outage.js';

/** Start times of the calls in flight, by context object. */
const started = new WeakMap<object, number>();
const what = (context: FetchTraceContext): string =>
  `${context.model} ${context.batch ? 'getBatch' : 'get'} [${context.paths.join(', ')}]${context.version === undefined ? '' : ` version ${context.version}`}`;

/** Subscribes the log lines; returns the unsubscribe. */
export function logDiagnostics(log: (line: string) => void = console.log): () => void {
  const fetch = diagnostics_channel.tracingChannel<unknown, FetchTraceContext>(DiagnosticsChannel.Fetch);
  const handlers = {
    start: (context: FetchTraceContext) => void started.set(context, performance.now()),
    end: () => undefined,
    asyncStart: () => undefined,
    asyncEnd: (context: FetchTraceContext) => {
      const ms = (performance.now() - (started.get(context) ?? performance.now())).toFixed(1);
      const error = context.error instanceof Error ? ` failed: ${context.error.name}: ${context.error.message}` : ' ok';
      log(`vaultly fetch: ${what(context)} in ${ms} ms${error}`);
    },
    error: () => undefined,
  };
  const onStale = (message: unknown): void => {
    const { model, field, path, error } = message as StaleMessage;
    log(`vaultly stale: ${model} served the last value of ${field} (${path}) after ${error instanceof Error ? error.name : String(error)}`);
  };
  const onChange = (message: unknown): void => {
    const { model, field, path, version } = message as ChangeMessage;
    log(`vaultly change: ${model}.${field} (${path}${version === undefined ? '' : `@${version}`}) has a new value`);
  };
  fetch.subscribe(handlers);
  diagnostics_channel.subscribe(DiagnosticsChannel.Stale, onStale);
  diagnostics_channel.subscribe(DiagnosticsChannel.Change, onChange);
  return () => {
    fetch.unsubscribe(handlers);
    diagnostics_channel.unsubscribe(DiagnosticsChannel.Stale, onStale);
    diagnostics_channel.unsubscribe(DiagnosticsChannel.Change, onChange);
  };
}

async function main(): Promise<void> {
  const stop = logDiagnostics();
  await runOutage(); // boot, then an outage: fetches, a failed background refresh, a stale serve
  stop();
}

await main();
