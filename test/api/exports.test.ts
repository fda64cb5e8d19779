// Ledger exports: journal lines for a date range and the open items, as streamed CSV.
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { customerFixture, startTestEngine, type TestEngine } from '../support/engine.js';
import { issueInvoice } from '../support/payments.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({ withWorker: true });
});
afterAll(async () => {
  await engine?.close();
});

it('exports the journal of a period and the open items as CSV', async () => {
  const customer = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({
      currency: 'USD',
      legalName: `Exported, "Quoted" ${randomUUID()}`,
      externalRef: `X-${randomUUID()}`,
    }),
  });
  const customerId = customer.json().id;
  const inOctober = await issueInvoice(engine, {
    customerId,
    total: 10_000,
    issueDate: '2026-10-05',
    dueDate: '2026-10-20',
  });
  await issueInvoice(engine, { customerId, total: 7_000, issueDate: '2026-11-02', dueDate: '2099-01-01' });

  const res = await engine.app.inject({ method: 'GET', url: '/exports/journal?from=2026-10-01&to=2026-10-31' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/csv/);
  const rows: Record<string, string>[] = parse(res.body, { columns: true });
  const mine = rows.filter((r) => r.memo === inOctober.number);
  expect(mine.map((r) => [r.account_role, r.debit, r.credit, r.effective_date])).toEqual([
    ['accounts_receivable', '10000', '0', '2026-10-05'],
    ['revenue', '0', '10000', '2026-10-05'],
  ]);
  expect(rows.every((r) => r.effective_date >= '2026-10-01' && r.effective_date <= '2026-10-31')).toBe(true);
  // Every entry in the file balances.
  const byEntry = new Map<string, number>();
  for (const r of rows) byEntry.set(r.entry_id!, (byEntry.get(r.entry_id!) ?? 0) + Number(r.debit) - Number(r.credit));
  expect([...byEntry.values()].every((v) => v === 0)).toBe(true);

  const bad = await engine.app.inject({ method: 'GET', url: '/exports/journal?from=2026-10-31&to=2026-10-01' });
  expect(bad.statusCode).toBe(400);
  expect(bad.json().errors[0].pointer).toBe('/to');

  const open = await engine.app.inject({ method: 'GET', url: '/exports/open-items?asOf=2026-11-10' });
  expect(open.statusCode).toBe(200);
  const items: Record<string, string>[] = parse(open.body, { columns: true });
  const ours = items.filter((r) => r.customer_id === customerId).sort((a, b) => a.due_date!.localeCompare(b.due_date!));
  expect(ours.map((r) => [r.item_type, r.number, r.open_amount, r.days_past_due])).toEqual([
    ['invoice', inOctober.number, '10000', '21'],
    ['invoice', expect.stringMatching(/^INV-2026-/), '7000', '0'],
  ]);
  expect(ours[0]!.customer_name).toBe(customer.json().legalName);
});
