// OpenTelemetry tracing when configured: one trace from the API request through the workflow start into the
// workflow and its activities, exported over OTLP/HTTP to a collector stand-in on loopback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { setupTracing, type Tracing } from '../../src/observability/tracing.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';

interface ExportedSpan {
  traceId: string;
  name: string;
}

let engine: TestEngine;
let collector: Server;
let tracing: Tracing | undefined;
const spans: ExportedSpan[] = [];

beforeAll(async () => {
  collector = createServer((request, response) => {
    let body = '';
    request.on('data', (c: Buffer) => (body += c.toString()));
    request.on('end', () => {
      const payload = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: ExportedSpan[] }[] }[] };
      for (const r of payload.resourceSpans)
        for (const s of r.scopeSpans) spans.push(...s.spans.map((x) => ({ traceId: x.traceId, name: x.name })));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  tracing = setupTracing({
    otlpEndpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
    serviceName: 'ar-engine-test',
  });
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.close();
  await tracing?.shutdown();
  await new Promise((resolve) => collector.close(resolve));
});

const EXPECTED_CHAIN = [
  'POST /customers',
  'StartWorkflow:customerAccountWorkflow',
  'StartActivity:sendAccountOpenedNotice',
  'RunActivity:sendAccountOpenedNotice',
];

it('exports one trace from POST /customers through the account workflow into its activities', async () => {
  const res = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ legalName: `Traced ${randomUUID()}` }),
  });
  expect(res.statusCode).toBe(201);
  const trace = await eventually(
    async () => {
      const api = spans.find((s) => s.name === 'POST /customers');
      if (!api) return undefined;
      const same = spans.filter((s) => s.traceId === api.traceId).map((s) => s.name);
      // Spans from the workflow arrive through its sink, after the activity's own: wait for the whole chain (or time out).
      return EXPECTED_CHAIN.every((n) => same.includes(n)) ? same : undefined;
    },
    60_000,
    500,
  ).catch(() =>
    spans.filter((s) => s.traceId === spans.find((x) => x.name === 'POST /customers')?.traceId).map((s) => s.name),
  );
  // API span -> client start -> the workflow scheduling an activity (span made inside the workflow) -> the activity run.
  expect(trace).toEqual(expect.arrayContaining(EXPECTED_CHAIN));
});
