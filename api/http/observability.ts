// What operators see of the API: a latency histogram per route (route template, not the raw URL, so ids do not
// explode the label set), PostgreSQL pool and outbox gauges, process metrics, served at `GET /metrics`; and a server
// span per request when tracing is on, made the active context so the Temporal client interceptor carries it into
// the workflows the request starts.
import { createHash, timingSafeEqual } from 'node:crypto';
import { context, trace, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { Type } from 'typebox';
import { registerDatabaseMetrics } from '../../src/observability/db-metrics.js';
import { tracingEnabled } from '../../src/observability/tracing.js';
import type { ApiDeps } from './deps.js';
import { ProblemError } from './problem.js';
import { problemResponses } from './common-schemas.js';

const spans = new WeakMap<FastifyRequest, Span>();

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Metrics name routes, volumes and backlogs: operational facts an outsider should not read. A configured token is
 * compared in constant time; without one the endpoint answers this machine only (the embedded default).
 */
function metricsRefusal(request: FastifyRequest, token: string | undefined): ProblemError | undefined {
  if (token === undefined) {
    if (LOOPBACK.has(request.socket.remoteAddress ?? request.ip)) return undefined;
    return new ProblemError(
      403,
      'forbidden',
      'Forbidden',
      'Metrics are served to this machine only; set METRICS_TOKEN to let a scraper elsewhere read them.',
    );
  }
  const sent = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
  const a = createHash('sha256').update(sent).digest();
  const b = createHash('sha256').update(token).digest();
  if (sent && timingSafeEqual(a, b)) return undefined;
  return new ProblemError(
    401,
    'unauthorized',
    'Unauthorized',
    'Send the metrics token as `Authorization: Bearer <METRICS_TOKEN>`.',
  );
}

export function installObservability(app: FastifyInstance, deps: ApiDeps): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ar_api_' });
  registerDatabaseMetrics(registry, deps.orm, { backlog: true });
  const duration = new Histogram({
    name: 'ar_http_request_duration_seconds',
    help: 'API request latency by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const started = new WeakMap<FastifyRequest, bigint>();

  app.addHook('onRequest', (request, _reply, done) => {
    started.set(request, process.hrtime.bigint());
    if (!tracingEnabled()) return done();
    const span = trace
      .getTracer('ar-engine-api')
      .startSpan(`${request.method} ${request.routeOptions.url ?? 'unmatched'}`, {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': request.routeOptions.url ?? '',
          'url.path': request.url.split('?')[0],
        },
      });
    spans.set(request, span);
    // Everything after this hook (handler included) runs inside the span's context.
    context.with(trace.setSpan(context.active(), span), done);
  });

  app.addHook('onResponse', (request, reply, done) => {
    const begin = started.get(request);
    if (begin !== undefined) {
      const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
      duration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status_code: String(reply.statusCode),
        },
        seconds,
      );
    }
    const span = spans.get(request);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics of this API process (text exposition format)',
        description:
          'Not public: with `METRICS_TOKEN` set, scrapers send it as a bearer token; without it, only requests from this machine (loopback) are answered.',
        response: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }), ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const refusal = metricsRefusal(request, deps.config.http.metricsToken);
      if (refusal) throw refusal;
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    },
  );
  return registry;
}
