// A batch of invoices and payments pushed through the API while something breaks underneath: the worker is SIGKILLed
// at random moments (scenario 1) or the database is restarted, once cleanly and once as a crash (scenario 2). Clients
// retry what failed with the same Idempotency-Key, as a money API's clients must. In the end every invoice is issued
// once and delivered, every payment is applied once, and each invoice's open amount is its total less what paid it.
import { randomInt } from 'node:crypto';
import {
  allInvoicesDelivered,
  allPaymentsSettled,
  beginScenario,
  createCustomer,
  finishScenario,
  inParallel,
  issueInvoice,
  paymentBody,
  postPayment,
  type Invoice,
} from '../support/business.js';
import { scaled } from '../support/figures.js';
import { probeDatabaseBack, probeDatabaseDown, type OutageAnswers } from './outage-probes.js';
import { sleep, waitFor, type Stand } from '../support/stand.js';

interface Batch {
  invoices: Invoice[];
  payments: { id: string; invoice: Invoice; amount: number }[];
}

/** Issues `count` invoices and pays each once (a third partly, a third exactly, a third with an overpayment). */
async function driveBatch(stand: Stand, count: number, concurrency: number): Promise<Batch> {
  const customers = await inParallel(Array.from({ length: Math.max(1, Math.ceil(count / 50)) }), 4, () =>
    createCustomer(stand),
  );
  const invoices = await inParallel(Array.from({ length: count }), concurrency, (_, i) =>
    issueInvoice(stand, { customerId: customers[i % customers.length]!, total: 10_000 + randomInt(90_000) }),
  );
  const payments = await inParallel(invoices, concurrency, async (invoice, i) => {
    const amount = [Math.floor(invoice.total / 2), invoice.total, invoice.total + 1_234][i % 3]!;
    return {
      id: await postPayment(stand, paymentBody(invoice.customerId, amount, invoice, `batch ${i}`)),
      invoice,
      amount,
    };
  });
  return { invoices, payments };
}

/**
 * Every invoice and payment of the batch exactly once, and all the money accounted for: an invoice's open amount is
 * its total less what was allocated to it, and per customer what the batch paid is what its invoices lost in open
 * amount plus what stayed unapplied (cash application may spend one invoice's overpayment on a sibling invoice).
 */
async function expectBatchSettled(stand: Stand, batch: Batch): Promise<void> {
  const invoiceIds = `{${batch.invoices.map((i) => i.id).join(',')}}`;
  const paymentIds = `{${batch.payments.map((p) => p.id).join(',')}}`;
  const invoices = await stand.sql<{
    id: string;
    customer_id: string;
    total_amount: string;
    open_amount: string;
    allocated: string;
  }>(
    `SELECT i.id, i.customer_id, i.total_amount, i.open_amount, (SELECT coalesce(sum(a.amount + a.discount_amount), 0) FROM payment_allocation a WHERE a.invoice_id = i.id) AS allocated
       FROM invoice i WHERE i.id = ANY(?::uuid[])`,
    [invoiceIds],
  );
  expect(invoices).toHaveLength(batch.invoices.length);
  const inconsistent = invoices.filter((i) => Number(i.open_amount) !== Number(i.total_amount) - Number(i.allocated));
  expect(
    inconsistent.map(
      (i) => `invoice ${i.id}: open ${i.open_amount}, total ${i.total_amount}, allocated ${i.allocated}`,
    ),
  ).toEqual([]);
  const payments = await stand.sql<{ id: string; customer_id: string; amount: string; unapplied_amount: string }>(
    'SELECT id, customer_id, amount, unapplied_amount FROM payment WHERE id = ANY(?::uuid[])',
    [paymentIds],
  );
  expect(payments).toHaveLength(batch.payments.length);
  // No request took effect twice (a retry after a lost answer would show as an extra row for the batch's customers).
  const customers = `{${[...new Set(batch.invoices.map((i) => i.customerId))].join(',')}}`;
  const [{ invoices: invoiceRows, payments: paymentRows }] = await stand.sql<{ invoices: string; payments: string }>(
    'SELECT (SELECT count(*) FROM invoice WHERE customer_id = ANY(?::uuid[])) AS invoices, (SELECT count(*) FROM payment WHERE customer_id = ANY(?::uuid[])) AS payments',
    [customers, customers],
  );
  expect([Number(invoiceRows), Number(paymentRows)]).toEqual([batch.invoices.length, batch.payments.length]);
  const perCustomer = new Map<string, number>();
  const add = (customer: string, amount: number) =>
    perCustomer.set(customer, (perCustomer.get(customer) ?? 0) + amount);
  for (const p of payments) add(p.customer_id, Number(p.amount) - Number(p.unapplied_amount));
  for (const i of invoices) add(i.customer_id, -(Number(i.total_amount) - Number(i.open_amount)));
  expect(
    [...perCustomer]
      .filter(([, rest]) => rest !== 0)
      .map(([customer, rest]) => `customer ${customer}: ${rest} paid but on no invoice and not unapplied`),
  ).toEqual([]);
}

/** E-mails the SMTP server received more than once (same Message-ID): the at-least-once window of a crash mid-send. */
function duplicateMails(stand: Stand): number {
  const seen = new Map<string, number>();
  for (const m of stand.mail.messages) seen.set(m.messageId, (seen.get(m.messageId) ?? 0) + 1);
  return [...seen.values()].filter((n) => n > 1).length;
}

export async function workerKilledDuringBatch(stand: Stand): Promise<void> {
  const count = scaled(500, 40, 20);
  const minKills = scaled(6, 2, 1);
  const run = beginScenario(
    stand,
    `1. worker SIGKILLed at random moments during ${count} invoices + ${count} payments`,
  );
  const mailBefore = duplicateMails(stand);
  let batchDone = false;
  let kills = 0;
  // The killer: a random pause while the worker runs, SIGKILL, a moment down, start again; until the batch is posted
  // and at least `minKills` kills happened, so kills land both during the requests and during the backlog after.
  const killer = (async () => {
    while (!batchDone || kills < minKills) {
      await sleep(1_000 + randomInt(scaled(8_000, 4_000)));
      await stand.killWorker();
      kills++;
      await sleep(randomInt(1_500));
      await stand.startWorker();
    }
  })();
  const batch = await driveBatch(stand, count, 8).finally(() => {
    batchDone = true;
  });
  await killer;
  await allPaymentsSettled(stand, scaled(900_000, 240_000));
  await allInvoicesDelivered(stand, scaled(900_000, 240_000));
  await expectBatchSettled(stand, batch);
  const duplicates = duplicateMails(stand) - mailBefore;
  await finishScenario(stand, run, {
    operations: batch.invoices.length + batch.payments.length,
    notes: `${kills} kills; ${duplicates} e-mails re-sent after a kill mid-send`,
  });
}

export async function postgresRestartedDuringBatch(stand: Stand): Promise<void> {
  const count = scaled(200, 30, 10);
  const run = beginScenario(
    stand,
    `2. PostgreSQL restarted (clean, then crash) during ${count} invoices + ${count} payments`,
  );
  const probeCustomer = await createCustomer(stand);
  let batchDone = false;
  let duringRequests = 0;
  const outages: OutageAnswers[] = [];
  // Each restart keeps the database down long enough to probe what clients see meanwhile (fast 503s, 4xx kept). The
  // clean stop lands among the invoices, the crash among the payments (by requests sent, so small batches get them too).
  const requestsBefore = stand.requests;
  const restarts = (async () => {
    for (const [mode, after] of [
      ['fast', count / 2],
      ['immediate', count * 1.5],
    ] as const) {
      const point = after + randomInt(Math.max(1, Math.floor(count / 4)));
      await waitFor(
        'the batch to reach the restart point',
        async () => (batchDone || stand.requests - requestsBefore >= point ? true : undefined),
        600_000,
        50,
      );
      if (!batchDone) duringRequests++;
      await stand.pg.stop(mode);
      stand.faults++;
      try {
        outages.push(await probeDatabaseDown(stand, probeCustomer));
      } finally {
        await stand.pg.start();
      }
      await probeDatabaseBack(stand, probeCustomer);
    }
  })();
  restarts.catch(() => undefined); // its failure is reported where it is awaited, after the batch

  const batch = await driveBatch(stand, count, 8).finally(() => {
    batchDone = true;
  });
  await restarts;
  await allPaymentsSettled(stand, scaled(600_000, 240_000));
  await allInvoicesDelivered(stand, scaled(600_000, 240_000));
  await expectBatchSettled(stand, batch);
  const probes = outages.reduce((n, o) => n + o.unavailable, 0);
  const slowest = Math.max(...outages.map((o) => o.slowestMs));
  await finishScenario(stand, run, {
    operations: batch.invoices.length + batch.payments.length + probes,
    notes: `${duringRequests} of 2 restarts while requests were in flight; ${probes} requests while down all answered 503 + Retry-After, slowest in ${Math.round(slowest)} ms; served again after each restart without an API restart`,
  });
}
