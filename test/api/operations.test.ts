// Operations: `/metrics` of the API and of the worker scraped for the named series (HTTP latency by route, activity
// counts, failures and schedule-to-start latency, Temporal SDK runtime metrics, outbox lag, webhook attempts, DB pool),
// and graceful shutdown: the API finishes a request in flight, the worker drains an activity in flight.
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { buildApp } from '../../api/app.js';
import { freePort } from '../../src/composition/free-port.js';
import { installTemporalRuntime, loopbackMetricsAddress, runApi } from '../../src/composition/runtime.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let engine: TestEngine;
let receiver: WebhookReceiver;
beforeAll(async () => {
  // The runtime is process-wide: install it with its Prometheus endpoint before the engine does without one.
  installTemporalRuntime('ERROR', { metricsBindAddress: await loopbackMetricsAddress() });
  engine = await startTestEngine({
    env: { WORKER_METRICS_PORT: '0', WEBHOOK_POLL_EVERY: 'PT1S', WEBHOOK_FIRST_RETRY_AFTER: 'PT1S' },
  });
  receiver = await startWebhookReceiver({ failFirst: 1 });
});
afterAll(async () => {
  await receiver?.close();
  await engine?.close();
});

const sample = (text: string, pattern: RegExp) => text.split('\n').filter((l) => pattern.test(l));

it('serves the named series on the API and on the worker', async () => {
  const sub = await engine.app.inject({
    method: 'POST',
    url: '/webhooks',
    payload: { url: receiver.url, eventTypes: ['customer.created'] },
  });
  receiver.secret = sub.json().secret;
  const created = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ legalName: `Metered ${randomUUID()}` }),
  });
  expect(created.statusCode).toBe(201);
  await engine.app.inject({ method: 'GET', url: `/customers/${created.json().id}` });
  await eventually(async () => (receiver.accepted.length === 1 ? true : undefined), 30_000, 200);

  const api = await engine.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'none' } });
  expect(api.statusCode).toBe(200);
  expect(api.headers['content-type']).toMatch(/^text\/plain/);
  expect(
    sample(api.body, /^ar_http_request_duration_seconds_bucket\{.*method="POST",route="\/customers",status_code="201"/),
  ).not.toHaveLength(0);
  expect(
    sample(
      api.body,
      /^ar_http_request_duration_seconds_count\{method="GET",route="\/customers\/:id",status_code="200"\} 1$/,
    ),
  ).toHaveLength(1);
  expect(sample(api.body, /^ar_db_pool_connections\{state="(in_use|idle|waiting|max)"\}/)).toHaveLength(4);
  expect(sample(api.body, /^ar_outbox_lag_seconds \d/)).toHaveLength(1);
  expect(sample(api.body, /^ar_webhook_deliveries\{status="(pending|dead)"\}/)).toHaveLength(2);
  expect(sample(api.body, /^ar_api_process_cpu_seconds_total/)).toHaveLength(1);

  // The SDK core's part is read through on each scrape; on a busy machine give it a few scrapes to answer. The
  // receiver has its delivery before the worker has the answer and counts it: wait for that count too.
  const worker = await eventually(
    async () => {
      const text = await (await fetch(engine.worker!.metricsUrl!)).text();
      return /^temporal_activity_schedule_to_start_latency/m.test(text) &&
        /^ar_webhook_attempts_total\{outcome="delivered"\} 1$/m.test(text)
        ? text
        : undefined;
    },
    30_000,
    500,
  );
  expect(
    sample(worker, /^ar_activity_executions_total\{activity="attemptWebhookDelivery",outcome="completed"\} [1-9]/),
  ).toHaveLength(1);
  expect(
    sample(worker, /^ar_activity_schedule_to_start_seconds_bucket\{le="\+Inf",activity="fanOutWebhookEvents"\} [1-9]/),
  ).toHaveLength(1);
  expect(sample(worker, /^ar_webhook_attempts_total\{outcome="retry"\} 1$/)).toHaveLength(1);
  expect(sample(worker, /^ar_webhook_attempts_total\{outcome="delivered"\} 1$/)).toHaveLength(1);
  expect(sample(worker, /^ar_db_pool_connections\{state="in_use"\}/)).toHaveLength(1);
  // The Temporal SDK's runtime metrics, passed through: task counts, failures and schedule-to-start latency.
  expect(sample(worker, /^temporal_activity_schedule_to_start_latency/)).not.toHaveLength(0);
  expect(sample(worker, /^temporal_workflow_task_execution_latency/)).not.toHaveLength(0);
  expect(sample(worker, /^temporal_activity_execution_latency/)).not.toHaveLength(0);
  expect(
    sample(worker, /^ar_activity_executions_total\{activity="attemptWebhookDelivery",outcome="failed"\} 0$/),
  ).toHaveLength(1);
});

it('finishes a request in flight when the API stops, and refuses new connections', async () => {
  const config = { ...engine.config, http: { ...engine.config.http, port: await freePort() } };
  const api = await runApi(config, engine.temporalAddress, { orm: engine.db.orm });
  const url = new URL(api.url);
  const headers = { ...(await engine.headersFor('admin')), 'content-type': 'application/x-ndjson' };
  // A streamed import whose body arrives in two parts; the API is told to stop between them.
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: '/imports/customers?lifecycle=false', method: 'POST', headers },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.write(
      `${JSON.stringify({ externalRef: `S-${randomUUID()}`, legalName: 'Slow Upload GmbH', email: 'ap@slow.example', currency: 'EUR', billingAddress: { line1: '1 A St', city: 'Bonn', postalCode: '53111', country: 'DE' } })}\n`,
    );
    setTimeout(() => req.end(), 1500);
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const stopped = api.stop();
  const result = await answer;
  await stopped;
  expect(result.status).toBe(202);
  expect(JSON.parse(result.body)).toMatchObject({ totalRows: 1 });
  await expect(fetch(`${api.url}/health/live`)).rejects.toThrow();
});

it('does not serve metrics to the world: loopback only without a token, the bearer token with one', async () => {
  const fromAfar = await engine.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: 'none' },
    remoteAddress: '203.0.113.7',
  });
  expect({ status: fromAfar.statusCode, type: fromAfar.headers['content-type'] }).toEqual({
    status: 403,
    type: expect.stringContaining('application/problem+json'),
  });
  expect(fromAfar.body).not.toContain('ar_http_request_duration_seconds');

  const token = randomUUID() + randomUUID();
  const guarded = await buildApp(
    {
      config: { ...engine.config, http: { ...engine.config.http, metricsToken: token } },
      orm: engine.db.orm,
      temporal: engine.temporal,
    },
    { logger: false },
  );
  try {
    const anonymous = await guarded.inject({ method: 'GET', url: '/metrics' });
    const wrong = await guarded.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${token.slice(1)}` },
    });
    const right = await guarded.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
      remoteAddress: '203.0.113.7',
    });
    expect([anonymous.statusCode, wrong.statusCode, right.statusCode]).toEqual([401, 401, 200]);
    expect(right.body).toContain('ar_db_pool_connections');
  } finally {
    await guarded.close();
  }
});

it('drains an activity in flight when the worker stops', async () => {
  const slow = await startWebhookReceiver();
  slow.delayMs = 2000;
  try {
    const sub = await engine.app.inject({
      method: 'POST',
      url: '/webhooks',
      payload: { url: slow.url, eventTypes: ['customer.created'] },
    });
    slow.secret = sub.json().secret;
    await engine.app.inject({
      method: 'POST',
      url: '/customers',
      payload: customerFixture({ legalName: `Draining ${randomUUID()}` }),
    });
    await eventually(async () => (slow.requests.length === 1 ? true : undefined), 30_000, 50);
    // The attempt is in flight (the receiver answers in 2 s): stop the worker now.
    const started = performance.now();
    await engine.worker!.stop();
    expect(performance.now() - started).toBeGreaterThan(1000);
    const [delivery] = await engine.db.orm.em
      .fork()
      .execute<
        { status: string; attempts: number }[]
      >(`SELECT status, attempts FROM webhook_delivery WHERE subscription_id = ?`, [sub.json().id]);
    expect(delivery).toEqual({ status: 'delivered', attempts: 1 });
  } finally {
    await slow.close();
  }
});
