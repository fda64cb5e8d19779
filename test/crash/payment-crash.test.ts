// A worker SIGKILLed while it applies a burst of payments: a new worker finishes the work, and the books show that
// nothing was lost and nothing was posted twice (every payment fully accounted for, every invoice's open amount equal
// to its total less what was applied to it, receivables equal to open invoices, every entry balanced).
import { unbalancedEntries } from '../../src/ledger/store/queries.js';
import { insertCustomer } from '../support/customers.js';
import { eventually } from '../support/engine.js';
import { issueInvoice } from '../support/payments.js';
import { useEngineWithWorkerProcesses } from '../support/processes.js';

const { engine, startWorker } = useEngineWithWorkerProcesses();

const sql = <T>(query: string, params: unknown[] = []) => engine().db.orm.em.fork().execute<T[]>(query, params);

it('loses and duplicates nothing when the worker dies during cash application', async () => {
  const customers = [
    await insertCustomer(engine().db.orm, { currency: 'USD' }),
    await insertCustomer(engine().db.orm, { currency: 'USD' }),
  ];
  const invoices = [];
  for (let i = 0; i < 30; i++)
    invoices.push(await issueInvoice(engine(), { customerId: customers[i % 2]!.id, total: 10_000 + i * 100 }));

  const first = await startWorker();
  // 60 payments: two per invoice (a partial payment, then one that overpays the rest), all in flight at once.
  const bodies = invoices.flatMap((inv) => [
    {
      customerId: inv.customerId,
      amount: { amount: 4_000, currency: 'USD' },
      reference: '',
      remittance: [{ invoiceNumber: inv.number, amount: { amount: 4_000, currency: 'USD' } }],
    },
    { customerId: inv.customerId, amount: { amount: 9_000, currency: 'USD' }, reference: `rest of ${inv.number}` },
  ]);
  // The worker is killed as soon as the first payment is applied, while the rest are still being posted and applied:
  // waiting for every answer first would let a fast worker finish them all, and there would be no crash to survive.
  const posting = Promise.all(
    bodies.map((b) =>
      engine().app.inject({
        method: 'POST',
        url: '/payments',
        payload: { method: 'ach', receivedAt: new Date().toISOString(), ...b },
      }),
    ),
  );

  await eventually(
    async () =>
      (await sql<{ n: string }>(`SELECT count(*) AS n FROM payment WHERE applied_at IS NOT NULL`))[0]!.n !== '0'
        ? true
        : undefined,
    30_000,
    20,
  );
  expect(await first.kill('SIGKILL')).toBeNull();
  const posted = await posting;
  expect(posted.map((r) => r.statusCode)).toEqual(Array(bodies.length).fill(201));
  const paymentIds = posted.map((r) => r.json().id as string);
  const [{ n: pendingAtKill }] = await sql<{ n: string }>(`SELECT count(*) AS n FROM payment WHERE applied_at IS NULL`);
  console.log(`worker killed with ${pendingAtKill} of ${paymentIds.length} payments not yet applied`);
  expect(Number(pendingAtKill)).toBeGreaterThan(0);

  await startWorker();
  await eventually(
    async () =>
      (await sql<{ n: string }>(`SELECT count(*) AS n FROM payment WHERE applied_at IS NULL`))[0]!.n === '0'
        ? true
        : undefined,
    90_000,
    250,
  );

  // Every payment is fully accounted for: cash debited once, applied + unapplied = amount.
  const cash = await sql<{
    id: string;
    amount: string;
    applied: string;
    unapplied: string;
    cash: string;
    entries: string;
    allocations: string;
    has_rest: boolean;
  }>(
    `SELECT p.id, p.amount, p.applied_amount AS applied, p.unapplied_amount AS unapplied,
            (SELECT coalesce(sum(l.debit), 0) FROM journal_entry e JOIN journal_line l ON l.entry_id = e.id
              WHERE e.source_type = 'payment' AND e.source_id = p.id::text AND l.account_code = '1000') AS cash,
            (SELECT count(*) FROM journal_entry e WHERE e.source_type = 'payment' AND e.source_id = p.id::text) AS entries,
            (SELECT count(*) FROM payment_allocation a WHERE a.payment_id = p.id) AS allocations,
            p.unapplied_amount > 0 AS has_rest
       FROM payment p`,
  );
  expect(cash).toHaveLength(60);
  for (const p of cash) {
    expect(Number(p.cash)).toBe(Number(p.amount));
    expect(Number(p.entries)).toBe(Number(p.allocations) + (p.has_rest ? 1 : 0));
  }
  // Every invoice: total - open = what was applied to it; all are settled, the excess is credit.
  const perInvoice = await sql<{ total: string; open: string; applied: string; status: string }>(
    `SELECT i.total_amount AS total, i.open_amount AS open, i.status, coalesce(sum(a.amount + a.discount_amount), 0) AS applied
       FROM invoice i LEFT JOIN payment_allocation a ON a.invoice_id = i.id GROUP BY i.id`,
  );
  for (const inv of perInvoice)
    expect([Number(inv.total) - Number(inv.open), inv.status]).toEqual([Number(inv.applied), 'paid']);
  // Receivables per customer equal their open invoices (zero here); credit equals the overpayments.
  const ar = await sql<{ customer_id: string; ar: string; open: string }>(
    `SELECT c.id AS customer_id,
            (SELECT coalesce(sum(l.debit - l.credit), 0) FROM journal_line l WHERE l.customer_id = c.id AND l.account_code = '1100') AS ar,
            (SELECT coalesce(sum(open_amount), 0) FROM invoice WHERE customer_id = c.id) AS open
       FROM customer c`,
  );
  for (const row of ar) expect(Number(row.ar)).toBe(Number(row.open));
  const totalPaid = bodies.reduce((a, b) => a + b.amount.amount, 0);
  const totalInvoiced = invoices.reduce((a, i) => a + i.total, 0);
  const [{ credit }] = await sql<{ credit: string }>(
    `SELECT coalesce(sum(credit - debit), 0) AS credit FROM journal_line WHERE account_code = '2200'`,
  );
  expect(Number(credit)).toBe(totalPaid - totalInvoiced);
  const [{ keys, distinct_keys }] = await sql<{ keys: string; distinct_keys: string }>(
    `SELECT count(*) AS keys, count(DISTINCT idempotency_key) AS distinct_keys FROM payment_allocation`,
  );
  expect(keys).toBe(distinct_keys);
  expect(await unbalancedEntries(engine().db.orm.em.fork())).toEqual([]);
  // And the invoices engineer's invariant check agrees: AR control = open invoices, per currency and per customer.
  const check = (await engine().app.inject({ method: 'GET', url: '/ledger/check' })).json();
  expect(check).toMatchObject({ ok: true, customerMismatches: [], unbalancedEntries: [] });
});
