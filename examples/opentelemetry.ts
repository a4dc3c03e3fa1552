// OpenTelemetry: vaultly's node:diagnostics_channel channels turned into spans and metrics. The
// subscription (`subscribeOpenTelemetry`) uses only `@opentelemetry/api`, so it can be copied into
// an application whose SDK is set up elsewhere; main() below wires it to in-memory exporters and
// prints what they collected. No span or metric carries a secret value or an error message: an
// error is recorded by its `name` only.
//
// Run: npm run build && npm run build:examples && node build/examples/opentelemetry.js
import 'reflect-metadata';
import diagnostics_channel from 'node:diagnostics_channel';
import { metrics, SpanStatusCode, trace, type Attributes, type Meter, type Span, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { DiagnosticsChannel, refresh, type ChangeMessage, type FetchTraceContext, type StaleMessage } from 'vaultly';
import { runOutage } from './outage.js';

/** The name of an error for an `error.type` attribute: never its message, which is free text. */
const errorType = (error: unknown): string => (error instanceof Error ? error.name : typeof error);

/**
 * Subscribes spans and metrics to vaultly's diagnostics channels; returns the unsubscribe.
 *
 * - a span `vaultly fetch` per backend call, with `vaultly.model`, `vaultly.paths` (comma-joined),
 *   `vaultly.batch`, `vaultly.version` when asked for; on failure status ERROR and `error.type`;
 * - `vaultly.fetch.duration` (histogram, ms) and `vaultly.fetch.errors` (counter, by `error.type`);
 * - `vaultly.stale` and `vaultly.change` (counters, by model and path).
 */
export function subscribeOpenTelemetry(tracer: Tracer = trace.getTracer('vaultly'), meter: Meter = metrics.getMeter('vaultly')): () => void {
  const duration = meter.createHistogram('vaultly.fetch.duration', { unit: 'ms', description: 'Duration of vaultly backend calls' });
  const errors = meter.createCounter('vaultly.fetch.errors', { description: 'Failed vaultly backend calls, by error.type' });
  const stale = meter.createCounter('vaultly.stale', { description: 'Stale values served because a refresh failed' });
  const change = meter.createCounter('vaultly.change', { description: 'Refreshes that stored a new value' });
  // The span of each call in flight, by its context object (one object per call).
  const inFlight = new WeakMap<object, { span: Span; startedAt: number }>();

  const finish = (context: FetchTraceContext): void => {
    const call = inFlight.get(context);
    if (call === undefined) return;
    inFlight.delete(context);
    const attributes: Attributes = { 'vaultly.model': context.model, 'vaultly.batch': context.batch };
    if (context.error !== undefined) {
      attributes['error.type'] = errorType(context.error);
      call.span.setAttribute('error.type', attributes['error.type']);
      // No message in the status: it would be the error's free text.
      call.span.setStatus({ code: SpanStatusCode.ERROR });
      errors.add(1, attributes);
    }
    duration.record(performance.now() - call.startedAt, attributes);
    call.span.end();
  };
  const fetch = diagnostics_channel.tracingChannel<unknown, FetchTraceContext>(DiagnosticsChannel.Fetch);
  const handlers = {
    start: (context: FetchTraceContext) => {
      const attributes: Attributes = { 'vaultly.model': context.model, 'vaultly.paths': context.paths.join(','), 'vaultly.batch': context.batch };
      if (context.version !== undefined) attributes['vaultly.version'] = String(context.version);
      inFlight.set(context, { span: tracer.startSpan('vaultly fetch', { attributes }), startedAt: performance.now() });
    },
    // A call that throws synchronously gets `error` then `end`, and no `asyncEnd`.
    end: (context: FetchTraceContext) => void (context.error === undefined ? undefined : finish(context)),
    asyncStart: () => undefined,
    asyncEnd: finish,
    error: () => undefined,
  };
  const onStale = (message: unknown): void => {
    const { model, path, error } = message as StaleMessage;
    stale.add(1, { 'vaultly.model': model, 'vaultly.path': path, 'error.type': errorType(error) });
  };
  const onChange = (message: unknown): void => {
    const { model, path } = message as ChangeMessage;
    change.add(1, { 'vaultly.model': model, 'vaultly.path': path });
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

const format = (attributes: Attributes): string =>
  Object.keys(attributes)
    .sort()
    .map((key) => `${key}=${String(attributes[key])}`)
    .join(' ');

async function main(): Promise<void> {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // A long interval: the readings are taken by forceFlush below, not by the timer.
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const stop = subscribeOpenTelemetry(tracerProvider.getTracer('vaultly-example'), meterProvider.getMeter('vaultly-example'));

  const { backend, config } = await runOutage();

  backend.down = false;
  backend.set('/prod/api/key', 'example-rotated-api-key');
  await refresh(config, 'apiKey'); // a new value: published on vaultly:change
  stop();

  await meterProvider.forceFlush();
  for (const span of spans.getFinishedSpans()) {
    console.log(`span ${span.name} status=${SpanStatusCode[span.status.code]} ${format(span.attributes)}`);
  }
  for (const { scopeMetrics } of metricExporter.getMetrics()) {
    for (const { metrics: collected } of scopeMetrics) {
      for (const metric of collected) {
        for (const point of metric.dataPoints) {
          // A histogram's reading is its count (durations vary by run); a counter's is its sum.
          const value = typeof point.value === 'number' ? point.value : point.value.count;
          console.log(`metric ${metric.descriptor.name} ${value} ${format(point.attributes)}`);
        }
      }
    }
  }
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
}

await main();
