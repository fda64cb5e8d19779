// Domain events commit with the change that causes them and never without it: customers, invoices, credit notes and
// payments through the real app, worker and PostgreSQL; `GET /events` reads them back in order with a safe cursor.
import { randomUUID } from 'node:crypto';
import { createCustomer } from '../../api/customers/commands.js';
import { insertPayment } from '../../src/payments/store/receive.js';
import { eventually, customerFixture, startTestEngine, type TestEngine } from '../support/engine.js';
import { appliedPayment, invoiceRow, issueInvoice } from '../support/payments.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

interface EventRow {
  type: string;
  entity_type: string;
  entity_id: string;
  customer_id: string | null;
  data: Record<string, unknown>;
}

async function eventsOf(entityId: string): Promise<EventRow[]> {
  return engine.db.orm.em
    .fork()
    .execute<
      EventRow[]
    >('SELECT type, entity_type, entity_id, customer_id, data FROM domain_event WHERE entity_id = ? ORDER BY position', [entityId]);
}

const types = async (entityId: string) => (await eventsOf(entityId)).map((e) => e.type);

async function newCustomer(overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ currency: 'USD', legalName: `Outbox ${randomUUID()}`, ...overrides }),
  });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

it('records customer.created, customer.updated and customer.closed with their changes', async () => {
  const id = await newCustomer();
  const patched = await engine.app.inject({
    method: 'PATCH',
    url: `/customers/${id}`,
    payload: { displayName: 'Outbox Co' },
  });
  expect(patched.statusCode).toBe(200);
  const closed = await engine.app.inject({
    method: 'POST',
    url: `/customers/${id}/close`,
    payload: { reason: 'no longer trading' },
  });
  expect(closed.statusCode).toBe(200);
  const events = await eventsOf(id);
  expect(events.map((e) => e.type)).toEqual(['customer.created', 'customer.updated', 'customer.closed']);
  expect(events[1]!.data).toMatchObject({ changes: ['displayName'] });
  expect(events[2]!.data).toEqual({ reason: 'no longer trading' });
  expect(events.every((e) => e.customer_id === id)).toBe(true);
});

it('records nothing for a change that is refused or rolled back', async () => {
  const before = await engine.db.orm.em.fork().execute<{ n: string }[]>('SELECT count(*) AS n FROM domain_event');
  // Refused by validation (unknown terms): no customer, no event.
  const refused = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ termsCode: 'NOPE' }),
  });
  expect(refused.statusCode).toBe(422);
  // The customer and its event were written, then the transaction failed at its last step (the workflow start).
  const legalName = `Rolled back ${randomUUID()}`;
  await expect(
    createCustomer(
      engine.db.orm.em.fork(),
      { ...customerFixture({ legalName }), currency: 'USD' } as never,
      { actor: 'test', requestId: 'r1' },
      async () => {
        throw new Error('workflow service unreachable');
      },
    ),
  ).rejects.toThrow('workflow service unreachable');
  const after = await engine.db.orm.em.fork().execute<{ n: string }[]>('SELECT count(*) AS n FROM domain_event');
  expect(Number(after[0]!.n)).toBe(Number(before[0]!.n));
  const rows = await engine.db.orm.em.fork().execute('SELECT 1 FROM customer WHERE legal_name = ?', [legalName]);
  expect(rows).toHaveLength(0);
});

it('records invoice.issued, invoice.sent, credit_note.issued and invoice.cancelled', async () => {
  const customerId = await newCustomer();
  const invoice = await issueInvoice(engine, { customerId, total: 50_000 });
  await eventually(async () => ((await types(invoice.id)).includes('invoice.sent') ? true : undefined));
  const cancel = await engine.app.inject({
    method: 'POST',
    url: `/invoices/${invoice.id}/cancel`,
    payload: { reason: 'ordered twice' },
  });
  expect(cancel.statusCode).toBeLessThan(300);
  expect(await types(invoice.id)).toEqual(['invoice.issued', 'invoice.sent', 'invoice.cancelled']);
  const [issued] = await eventsOf(invoice.id);
  expect(issued!.data).toMatchObject({ number: invoice.number, total: { amount: 50_000, currency: 'USD' } });
  const creditNotes = await engine.db.orm.em
    .fork()
    .execute<
      { entity_id: string; data: Record<string, unknown> }[]
    >(`SELECT entity_id, data FROM domain_event WHERE type = 'credit_note.issued' AND data->>'invoiceId' = ?`, [invoice.id]);
  expect(creditNotes).toHaveLength(1);
  expect(creditNotes[0]!.data).toMatchObject({ kind: 'cancellation', total: { amount: 50_000, currency: 'USD' } });
});

it('records payment.received, payment.applied and invoice.paid when cash closes an invoice', async () => {
  const customerId = await newCustomer();
  const invoice = await issueInvoice(engine, { customerId, total: 20_000 });
  const res = await engine.app.inject({
    method: 'POST',
    url: '/payments',
    payload: {
      customerId,
      amount: { amount: 20_000, currency: 'USD' },
      method: 'wire',
      receivedAt: new Date().toISOString(),
      reference: invoice.number,
    },
  });
  expect(res.statusCode).toBe(201);
  const payment = await appliedPayment(engine, res.json().id);
  expect(await invoiceRow(engine.db.orm, invoice.id)).toEqual({ openAmount: 0, status: 'paid' });
  expect(await types(payment.id)).toEqual(['payment.received', 'payment.applied']);
  const [, applied] = await eventsOf(payment.id);
  expect(applied!.data).toMatchObject({
    status: 'applied',
    applied: { amount: 20_000, currency: 'USD' },
    allocations: [expect.objectContaining({ invoiceId: invoice.id, amount: 20_000 })],
  });
  expect((await types(invoice.id)).filter((t) => t === 'invoice.paid')).toHaveLength(1);
});

it('records a payment received only once when the same bank entry is inserted twice', async () => {
  const id = randomUUID();
  const payment = {
    id,
    customerId: null,
    amount: 100,
    currency: 'USD',
    method: 'wire' as const,
    receivedAt: new Date(),
    reference: 'x',
    remittance: [],
    createdBy: 'test',
    sourceKey: `bank-${id}`,
  };
  const em = engine.db.orm.em.fork();
  expect(await em.transactional((tx) => insertPayment(tx, payment))).toBe(true);
  expect(await em.transactional((tx) => insertPayment(tx, { ...payment, id: randomUUID() }))).toBe(false);
  expect(
    await engine.db.orm.em
      .fork()
      .execute(
        `SELECT 1 FROM domain_event WHERE type = 'payment.received' AND data->>'reference' = 'x' AND entity_id = ?`,
        [id],
      ),
  ).toHaveLength(1);
});

describe('GET /events', () => {
  it('pages through the stream with a cursor, filters by type, and refuses a forged cursor', async () => {
    const a = await newCustomer();
    const b = await newCustomer();
    const all: { type: string; entity: { id: string }; cursor: string }[] = [];
    let cursor: string | undefined;
    for (;;) {
      const res = await engine.app.inject({ method: 'GET', url: `/events?limit=3${cursor ? `&after=${cursor}` : ''}` });
      expect(res.statusCode).toBe(200);
      const page = res.json();
      all.push(...page.items);
      if (page.items.length === 0) {
        expect(page.nextCursor).toBe(cursor);
        break;
      }
      cursor = page.nextCursor;
    }
    const ids = all.map((e) => e.entity.id);
    expect(ids.indexOf(a)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(b)).toBeGreaterThan(ids.indexOf(a));
    expect(new Set(all.map((e) => e.cursor)).size).toBe(all.length);

    const onlyCreated = (
      await engine.app.inject({ method: 'GET', url: '/events?types=customer.created&limit=200' })
    ).json();
    expect(onlyCreated.items.every((e: { type: string }) => e.type === 'customer.created')).toBe(true);
    const invoices = (await engine.app.inject({ method: 'GET', url: '/events?types=invoice.*&limit=200' })).json();
    expect(invoices.items.length).toBeGreaterThan(0);
    expect(invoices.items.every((e: { type: string }) => e.type.startsWith('invoice.'))).toBe(true);

    const forged = await engine.app.inject({ method: 'GET', url: '/events?after=bm90LWEtY3Vyc29y' });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().errors[0].pointer).toBe('/after');
    const unknown = await engine.app.inject({ method: 'GET', url: '/events?types=invoice.exploded' });
    expect(unknown.statusCode).toBe(400);
  });

  it('does not show an event of a transaction still running, and does not skip it once it commits', async () => {
    const start = (await engine.app.inject({ method: 'GET', url: '/events?limit=200&types=customer.*' })).json();
    let cursor: string = start.nextCursor;
    for (let page = start; page.items.length; ) {
      page = (await engine.app.inject({ method: 'GET', url: `/events?limit=200&after=${cursor}` })).json();
      cursor = page.nextCursor;
    }
    // A transaction records an event and stays open; a later transaction records and commits another.
    const slow = engine.db.orm.em.fork();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let recorded!: () => void;
    const inserted = new Promise<void>((resolve) => (recorded = resolve));
    const slowDone = slow.transactional(async (tx) => {
      await tx.execute(
        `INSERT INTO domain_event (id, type, entity_type, entity_id) VALUES (?, 'customer.updated', 'customer', 'slow')`,
        [randomUUID()],
      );
      recorded();
      await held;
    });
    await inserted;
    await engine.db.orm.em
      .fork()
      .execute(
        `INSERT INTO domain_event (id, type, entity_type, entity_id) VALUES (?, 'customer.updated', 'customer', 'fast')`,
        [randomUUID()],
      );
    const during = (await engine.app.inject({ method: 'GET', url: `/events?after=${cursor}` })).json();
    // The committed "fast" event waits behind the open transaction: showing it now would move the cursor past "slow".
    expect(during.items.map((e: { entity: { id: string } }) => e.entity.id)).toEqual([]);
    release();
    await slowDone;
    const after = (await engine.app.inject({ method: 'GET', url: `/events?after=${during.nextCursor}` })).json();
    expect(after.items.map((e: { entity: { id: string } }) => e.entity.id)).toEqual(['slow', 'fast']);
  });
});
