// Input the database cannot hold is refused at validation, by one shared schema per kind: dates (1900-9999, real
// calendar days), timestamps (RFC 3339, offsets up to 14:00, year 1900 or later) and money amounts (at most 10^15
// minor units either way). And the published document is the exact contract for what the platform answers on its
// own: every operation documents the 401 it gives a caller without a credential.
import { randomUUID } from 'node:crypto';
import { DATE_PATTERN, MAX_AMOUNT, TIMESTAMP_PATTERN } from '../../api/http/common-schemas.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;
let document: { paths: Record<string, Record<string, any>> };
beforeAll(async () => {
  engine = await startTestEngine({ withWorker: false });
  document = (await engine.app.inject({ method: 'GET', url: '/docs/json' })).json();
});
afterAll(async () => {
  await engine?.close();
});

const pointers = (res: { json(): any }) =>
  (res.json().errors ?? []).map((e: { pointer: string; in: string }) => `${e.in} ${e.pointer}`);

it('refuses dates, timestamps and amounts out of range with a 400 naming the field, never a 500', async () => {
  const zeroDate = await engine.app.inject({ method: 'GET', url: '/invoices?dueBefore=0000-00-00' });
  expect(zeroDate.statusCode).toBe(400);
  expect(pointers(zeroDate)).toContain('query /dueBefore');

  const payment = await engine.app.inject({
    method: 'POST',
    url: '/payments',
    payload: {
      customerId: randomUUID(),
      amount: { amount: 2 ** 60, currency: 'EUR' },
      method: 'wire',
      receivedAt: '0013-05-01T10:00:00-06:29',
      reference: 'x',
    },
  });
  expect(payment.statusCode).toBe(400);
  expect(pointers(payment)).toEqual(expect.arrayContaining(['body /amount/amount', 'body /receivedAt']));

  for (const receivedAt of [
    '1899-12-31T23:59:59Z',
    '2026-02-30T10:00:00Z',
    '2026-06-30T23:59:60Z',
    '2026-06-30T10:00:00+15:00',
    '2026-06-30T10:00:00',
  ]) {
    const res = await engine.app.inject({
      method: 'POST',
      url: '/payments',
      payload: { amount: { amount: 100, currency: 'EUR' }, method: 'wire', receivedAt, reference: 'x' },
    });
    expect([receivedAt, res.statusCode, [...new Set(pointers(res))]]).toEqual([receivedAt, 400, ['body /receivedAt']]);
  }
  const edge = await engine.app.inject({ method: 'GET', url: '/reports/aging?asOf=9999-12-31' });
  expect(edge.statusCode).toBeLessThan(500);
});

/** Every schema node under a request part, with the name of the property it sits under. */
function* nodes(schema: any, name = ''): Generator<{ name: string; schema: any }> {
  if (!schema || typeof schema !== 'object') return;
  yield { name, schema };
  for (const [key, child] of Object.entries<any>(schema.properties ?? {})) yield* nodes(child, key);
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])])
    yield* nodes(branch, name);
  if (schema.items) yield* nodes(schema.items, name);
}

it('uses the shared date, timestamp and amount schemas in every request of the published document', () => {
  const off: string[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const parts = [
        ...(op.parameters ?? []).map((p: any) => ({ where: `${p.in} ${p.name}`, schema: p.schema, name: p.name })),
        ...Object.values<any>(op.requestBody?.content ?? {}).map((c) => ({
          where: 'body',
          schema: c.schema,
          name: '',
        })),
      ];
      for (const part of parts) {
        for (const { name, schema } of nodes(part.schema, part.name)) {
          const at = `${method.toUpperCase()} ${path} ${part.where} ${name}`;
          if (schema.format === 'date' && schema.pattern !== DATE_PATTERN)
            off.push(`${at}: date without the shared date schema`);
          if (schema.format === 'date-time' && schema.pattern !== TIMESTAMP_PATTERN)
            off.push(`${at}: timestamp without the shared timestamp schema`);
          const money =
            schema.type === 'integer' && (name === 'amount' || /minor units/.test(schema.description ?? ''));
          if (money && !(schema.maximum <= MAX_AMOUNT && schema.minimum >= -MAX_AMOUNT))
            off.push(`${at}: amount without the shared bounds`);
        }
      }
    }
  }
  expect(off).toEqual([]);
});

it('documents the 401 every non-public operation answers without a credential', async () => {
  const undocumented: string[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      if (Array.isArray(op.security) && op.security.length === 0) continue;
      const url = path.replace(/\{\w+\}/g, '00000000-0000-4000-8000-000000000000');
      const res = await engine.app.inject({
        method: method.toUpperCase() as 'GET',
        url,
        headers: { authorization: 'none' },
      });
      if (!(String(res.statusCode) in op.responses))
        undocumented.push(`${method.toUpperCase()} ${path}: ${res.statusCode}`);
    }
  }
  expect(undocumented).toEqual([]);
});
