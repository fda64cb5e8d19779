// Request bodies mean what the client sent. Every write operation of the published document (/docs/json) is either a
// stored resource that is written and read back unchanged (nulls included), or a command listed with what it does
// instead; and no body field that takes a number or a boolean accepts its text ("12", "true"): the answer is a 400
// naming the field, never a coerced value. The list comes from the document, so a new route cannot escape it.
import { randomUUID } from 'node:crypto';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { samplePath, typedFields, writeOperations, type WriteOperation } from '../support/openapi-operations.js';
import { DEFAULT_DUNNING_POLICY } from '../../src/collections/rules/dunning-policy.js';

let engine: TestEngine;
let operations: WriteOperation[];
beforeAll(async () => {
  engine = await startTestEngine();
  operations = writeOperations((await engine.app.inject({ method: 'GET', url: '/docs/json' })).json());
});
afterAll(async () => {
  await engine?.close();
});

const today = () => new Date().toISOString().slice(0, 10);
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

async function send(method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) {
  const res = await engine.app.inject({
    method: method as 'POST',
    url,
    ...(payload === undefined ? {} : { payload: payload as object }),
    headers,
  });
  return { status: res.statusCode, body: res.body ? (res.json() as any) : undefined };
}
async function ok(method: string, url: string, payload?: unknown, headers?: Record<string, string>) {
  const res = await send(method, url, payload, headers);
  if (res.status >= 300) throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}
const etagOf = async (url: string) => (await engine.app.inject({ method: 'GET', url })).headers.etag as string;
const write = (key: string) => {
  const [method, template] = key.split(' ') as [string, string];
  return (params: Record<string, string>, body: unknown, headers?: Record<string, string>) =>
    ok(
      method,
      template.replace(/\{(\w+)\}/g, (_, name: string) => params[name]!),
      body,
      headers,
    );
};
const newCustomer = (overrides: Record<string, unknown> = {}) =>
  ok('POST', '/customers', customerFixture({ legalName: `Roundtrip ${randomUUID().slice(0, 8)}`, ...overrides }));
const newInvoice = async (customerId: string, issueDate = today()) =>
  ok(
    'POST',
    '/invoices',
    {
      customerId,
      issueDate,
      lines: [
        { description: 'Consulting', quantity: 2, unitPrice: { amount: 50_000, currency: 'EUR' }, taxRate: '19' },
      ],
    },
    { 'idempotency-key': randomUUID() },
  );

/** A stored resource: write it, read it back, and the read holds exactly what was sent. */
interface RoundTrip {
  run(): Promise<{ sent: unknown; read: unknown }>;
}

const policyWithNulls = () => ({
  ...JSON.parse(JSON.stringify(DEFAULT_DUNNING_POLICY)),
  name: 'Staging ladder',
  courtesyReminder: null,
  levels: [
    {
      name: 'reminder',
      trigger: { pastDueFor: 'PT6S', overdueAbove: null, match: 'any' },
      contactEvery: 'PT10S',
      channels: ['email'],
      template: 'dunning-reminder',
      lateFee: null,
      actions: [],
    },
    {
      name: 'demand',
      trigger: { pastDueFor: null, overdueAbove: 100_000, match: 'any' },
      contactEvery: 'P7D',
      channels: ['email'],
      template: 'dunning-demand',
      lateFee: { fixed: 4000, interest: null },
      actions: ['collector_task'],
    },
  ],
});

const ROUND_TRIPS: Record<string, RoundTrip> = {
  'POST /customers': {
    async run() {
      const sent = customerFixture({
        legalName: 'Ostrander Mills GmbH',
        displayName: 'Ostrander',
        contacts: [{ name: 'Ada', role: 'billing', email: 'ada@ostrander.example' }],
      });
      const created = await ok('POST', '/customers', sent);
      const { allowDuplicate: _, ...stored } = sent;
      return { sent: stored, read: await ok('GET', `/customers/${created.id}`) };
    },
  },
  'PATCH /customers/{id}': {
    async run() {
      const customer = await newCustomer({ displayName: 'Before' });
      const sent = { displayName: null };
      await write('PATCH /customers/{id}')({ id: customer.id }, sent, {
        'if-match': await etagOf(`/customers/${customer.id}`),
      });
      return { sent, read: await ok('GET', `/customers/${customer.id}`) };
    },
  },
  'POST /payment-terms': {
    async run() {
      const sent = { code: 'NET45_RT', name: 'Net 45', terms: { type: 'net', days: 45 } };
      await ok('POST', '/payment-terms', sent);
      return { sent, read: await ok('GET', '/payment-terms/NET45_RT') };
    },
  },
  'PUT /payment-terms/{code}': {
    async run() {
      await ok('POST', '/payment-terms', { code: 'NET50_RT', name: 'Net 50', terms: { type: 'net', days: 50 } });
      const sent = {
        name: 'Net 50, 2 % in 10',
        terms: { type: 'net', days: 50, discount: { rateBp: 200, withinDays: 10 } },
      };
      await write('PUT /payment-terms/{code}')({ code: 'NET50_RT' }, sent, {
        'if-match': await etagOf('/payment-terms/NET50_RT'),
      });
      return { sent, read: await ok('GET', '/payment-terms/NET50_RT') };
    },
  },
  'POST /invoices': {
    async run() {
      const customer = await newCustomer();
      const sent = {
        customerId: customer.id,
        issueDate: today(),
        dueDate: addDays(today(), 20),
        externalRef: 'PO-77',
        lines: [
          { description: 'Survey', quantity: 1.5, unitPrice: { amount: 12_345, currency: 'EUR' }, taxRate: '7.5' },
        ],
      };
      const created = await ok('POST', '/invoices', sent, { 'idempotency-key': randomUUID() });
      return { sent, read: await ok('GET', `/invoices/${created.id}`) };
    },
  },
  'POST /payments': {
    async run() {
      const customer = await newCustomer();
      const sent = {
        customerId: customer.id,
        amount: { amount: 10_000, currency: 'EUR' },
        method: 'wire',
        receivedAt: '2026-03-02T09:15:00.000Z',
        reference: 'no invoice named',
      };
      const created = await ok('POST', '/payments', sent, { 'idempotency-key': randomUUID() });
      return { sent, read: await ok('GET', `/payments/${created.id}`) };
    },
  },
  'PUT /policies/dunning/{code}': {
    async run() {
      const sent = policyWithNulls();
      await write('PUT /policies/dunning/{code}')({ code: 'roundtrip' }, sent);
      return { sent, read: (await ok('GET', '/policies/dunning/roundtrip')).versions[0] };
    },
  },
  'PUT /policies/dunning-assignments/{segment}': {
    async run() {
      await ok('PUT', '/policies/dunning/assigned', policyWithNulls());
      const sent = { policyCode: 'assigned' };
      await write('PUT /policies/dunning-assignments/{segment}')({ segment: 'high' }, sent);
      const list = await ok('GET', '/policies/dunning-assignments');
      return { sent: { segment: 'high', ...sent }, read: list.find((a: { segment: string }) => a.segment === 'high') };
    },
  },
  'PUT /customers/{id}/dunning-policy': {
    async run() {
      await ok('PUT', '/policies/dunning/override', policyWithNulls());
      const customer = await newCustomer();
      const sent = { policyCode: 'override' };
      // The override has no read of its own: the answer is the stored assignment.
      return { sent, read: await write('PUT /customers/{id}/dunning-policy')({ id: customer.id }, sent) };
    },
  },
  'POST /collections/{customerId}/contacts': {
    async run() {
      const customer = await newCustomer();
      const sent = {
        channel: 'call',
        outcome: 'reached',
        note: 'pays Friday',
        at: new Date(Date.now() - 60_000).toISOString(),
      };
      const created = await write('POST /collections/{customerId}/contacts')({ customerId: customer.id }, sent);
      const view = await ok('GET', `/collections/${customer.id}`);
      return {
        sent,
        read: view.contacts.find((c: { id?: string; channel: string }) =>
          created.id ? c.id === created.id : c.channel === 'call',
        ),
      };
    },
  },
  'POST /customers/{id}/promises': {
    async run() {
      const customer = await newCustomer();
      await newInvoice(customer.id, addDays(today(), -45));
      const sent = { amount: { amount: 5_000, currency: 'EUR' }, date: addDays(today(), 5) };
      // Accepted once the overdue invoice has reached collections (a moment after it is issued).
      await eventually(
        async () =>
          (await send('POST', `/customers/${customer.id}/promises`, sent)).status === 201 ? true : undefined,
        30_000,
      );
      // The read names the date promisedDate (it sits next to deadlineAt and createdAt there).
      const { promisedDate, ...read } = (await ok('GET', `/customers/${customer.id}/promises`)).items[0];
      return { sent, read: { ...read, date: promisedDate } };
    },
  },
  'POST /invoices/{id}/disputes': {
    async run() {
      const customer = await newCustomer();
      const invoice = await newInvoice(customer.id);
      const sent = {
        category: 'pricing',
        reason: 'Rate differs from the quote',
        amount: { amount: 2_000, currency: 'EUR' },
        lines: [1],
      };
      const created = await write('POST /invoices/{id}/disputes')({ id: invoice.id }, sent, {
        'idempotency-key': randomUUID(),
      });
      return { sent, read: await ok('GET', `/disputes/${created.id}`) };
    },
  },
  'POST /users': {
    async run() {
      const sent = { email: 'reader@ostrander.example', role: 'auditor', displayName: 'Reader' };
      const created = await ok('POST', '/users', sent);
      return { sent, read: await ok('GET', `/users/${created.id}`) };
    },
  },
  'POST /webhooks': {
    async run() {
      const sent = { url: 'http://127.0.0.1:9/hook', eventTypes: ['invoice.*'], description: 'ERP' };
      const created = await ok('POST', '/webhooks', sent);
      return { sent, read: await ok('GET', `/webhooks/${created.id}`) };
    },
  },
};

/** Commands: they change a resource's state rather than store what was sent, so there is nothing to read back as sent. */
const COMMANDS: Record<string, string> = {
  'POST /auth/login': 'signs in',
  'POST /auth/refresh': 'renews a token',
  'POST /auth/logout': 'revokes a token',
  'POST /users/{id}/disable': 'state change',
  'POST /users/{id}/enable': 'state change',
  'POST /api-keys': 'answers a secret once; read side has no secret',
  'POST /api-keys/{id}/revoke': 'state change',
  'POST /customers/{id}/portal-users': 'invites a portal user by e-mail',
  'POST /customers/{id}/close': 'state change',
  'POST /customers/{id}/merge': 'merges two records',
  'POST /invoices/{id}/credit-notes': 'posts a credit note',
  'POST /invoices/{id}/cancel': 'state change',
  'POST /payments/{id}/allocations': 'applies cash',
  'POST /payments/{id}/reversal': 'reverses a payment the bank took back',
  'POST /bank-statements': 'imports a file (not JSON)',
  'POST /tasks/{id}/claim': 'state change',
  'POST /tasks/{id}/release': 'state change',
  'POST /tasks/{id}/assign': 'state change',
  'POST /tasks/{id}/comments': 'appends to a task',
  'POST /tasks/{id}/complete': 'decides a task',
  'POST /collections/{customerId}/migrate-policy': 'moves a collection to a policy version',
  'POST /collections/{customerId}/recoveries': 'posts a recovery',
  'POST /disputes/{id}/customer-reply': 'signals a dispute',
  'POST /disputes/{id}/withdraw': 'state change',
  'POST /customers/{id}/hold': 'state change',
  'POST /customers/{id}/release': 'state change',
  'POST /customers/{id}/credit-applications': 'starts a credit review',
  'DELETE /webhooks/{id}': 'removes a subscription',
  'POST /webhooks/{id}/deliveries/{deliveryId}/retry': 'retries a delivery',
  'POST /imports/customers': 'bulk import (CSV or JSON lines)',
  'POST /imports/invoices': 'bulk import',
  'POST /imports/opening-balances': 'bulk import',
  'POST /payment-gateways/stripe/webhook': 'gateway callback, verified by signature',
};
/** Portal writes act for the signed-in customer; portal forms are HTML forms (all text), the JSON API is below. */
const isPortal = (op: WriteOperation) => op.path.startsWith('/portal');

it('lists every write operation of the published document as a round trip or a command', () => {
  const unlisted = operations
    .filter((op) => !isPortal(op) && !ROUND_TRIPS[op.key] && !COMMANDS[op.key])
    .map((op) => op.key);
  expect(unlisted).toEqual([]);
  const stale = [...Object.keys(ROUND_TRIPS), ...Object.keys(COMMANDS)].filter(
    (key) => !operations.some((op) => op.key === key),
  );
  expect(stale).toEqual([]);
});

it.each(Object.keys(ROUND_TRIPS))('%s: what is read back is what was sent, nulls included', async (key) => {
  const { sent, read } = await ROUND_TRIPS[key]!.run();
  expect(read).toMatchObject(sent as object);
});

it('refuses the text of a number or a boolean in every body field that takes one, naming the field', async () => {
  const customer = await newCustomer();
  const portal = await engine.headersFor('customer', customer.id);
  const accepted: string[] = [];
  const wrong: string[] = [];
  let checked = 0;
  for (const op of operations) {
    const path = samplePath(op);
    for (const field of typedFields(op.body)) {
      checked++;
      const res = await send(op.method, path, field.body, {
        ...(isPortal(op) ? portal : {}),
        'idempotency-key': randomUUID(),
      });
      const named = res.body?.errors?.some(
        (e: { pointer: string; in: string }) => e.pointer === field.pointer && e.in === 'body',
      );
      if (res.status < 300) accepted.push(`${op.key} ${field.pointer}`);
      else if (res.status !== 400 || !named)
        wrong.push(`${op.key} ${field.pointer}: ${res.status} ${JSON.stringify(res.body?.errors ?? res.body)}`);
    }
  }
  expect(checked).toBeGreaterThan(40);
  expect(accepted).toEqual([]);
  expect(wrong).toEqual([]);
});
