/**
 * OpenTelemetry traces, exported over OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT is set (Tempo in
 * compose). Without it no provider is registered, and the helpers below call straight through with the
 * API's no-op span: the request's own code is the same with and without tracing, but a cached /ask does
 * not pay for contexts and spans that nobody exports (it is a few microseconds of a ~100 µs request).
 */
import { settleWithin } from '../kit/settle.js';
import {
  INVALID_SPAN_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { IncomingHttpHeaders } from 'node:http';

const TRACER_NAME = 'stagegate-api';
/** Set once a provider is registered (startTracing with an endpoint). */
let tracingEnabled = false;
const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export interface TracingHandle {
  enabled: boolean;
  /** Flushes pending spans, bounded by `timeoutMs`. */
  shutdown(timeoutMs: number): Promise<void>;
}

export function startTracing(options: {
  endpoint: string | undefined;
  serviceName: string;
  replicaId: string;
}): TracingHandle {
  if (!options.endpoint) return { enabled: false, shutdown: async () => {} };
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      'service.instance.id': options.replicaId,
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint}/v1/traces` }))],
  });
  // Also installs the W3C trace-context propagator, so a `traceparent` from the gateway is continued.
  provider.register();
  tracingEnabled = true;
  return {
    enabled: true,
    shutdown: async (timeoutMs) => {
      await settleWithin(provider.shutdown(), { limitMs: timeoutMs });
    },
  };
}

/** Runs `fn` inside a child span of the active one; records failures. */
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T> | T,
): Promise<T> {
  if (!tracingEnabled) return fn(NO_SPAN);
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Server span for one HTTP request, continuing the caller's trace when it sent `traceparent`. */
export function withRequestSpan<T>(
  name: string,
  headers: IncomingHttpHeaders,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  if (!tracingEnabled) return fn(NO_SPAN);
  const parent = propagation.extract(context.active(), headers);
  return context.with(parent, () =>
    trace
      .getTracer(TRACER_NAME)
      .startActiveSpan(name, { kind: SpanKind.SERVER, attributes }, async (span) => {
        try {
          return await fn(span);
        } finally {
          span.end();
        }
      }),
  );
}
