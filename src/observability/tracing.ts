// OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set. When on, one tracer provider per process
// exports spans over OTLP/HTTP; the API opens a server span per request, the Temporal client interceptor carries the
// context into workflow starts and signals, and the worker's OpenTelemetry plugin continues it through workflows
// and activities, so one trace runs API -> workflow -> activity.
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface Tracing {
  resource: Resource;
  spanProcessor: SpanProcessor;
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

export function tracingEnabled(): boolean {
  return active !== undefined;
}

export function currentTracing(): Tracing | undefined {
  return active;
}

/** Installs the process-wide tracer provider once; later calls return the first one. Undefined when not configured. */
export function setupTracing(options: { otlpEndpoint: string | undefined; serviceName: string }): Tracing | undefined {
  if (active || !options.otlpEndpoint) return active;
  const resource = new Resource({ 'service.name': options.serviceName });
  const base = options.otlpEndpoint.replace(/\/$/, '');
  const exporter = new OTLPTraceExporter({ url: base.endsWith('/v1/traces') ? base : `${base}/v1/traces` });
  const spanProcessor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  active = {
    resource,
    spanProcessor,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      active = undefined;
    },
  };
  return active;
}
