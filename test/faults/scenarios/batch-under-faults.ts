// A batch of invoices and payments pushed through the API while something breaks underneath: the worker is SIGKILLed
// at random moments (scenario 1) or the database is restarted, once cleanly and once as a crash (scenario 2). Clients
// retry what failed with the same Idempotency-Key, as a money API's clients must. In the end every invoice is issued
// once and delivered, every payment is applied once, and each invoice's open amount is its total less what paid it.
import { randomInt } from 'node:crypto';
import { allInvoicesDelivered, allPaymentsSettled, beginScenario, createCustomer, finishScenario, inParallel, issueInvoice, paymentBody, postPayment, type Invoice } from '../support/business.js';
import { scaled } from '../support/figures.js';
import { sleep, type Stand } from '../support/stand.js';

interface Batch {
  invoices: Invoice[];
  payments: { id: string; invoice: Invoice; amount: number }[];
}

/** Issues `count` invoices and pays each once (a third partly, a third exactly, a third with an overpayment). */
async function driveBatch(stand: Stand, count: number, concurrency: number): Promise<Batch> {
  const customers = await inParallel(Array.from({ length: Math.max(1, Math.ceil(count / 50)) }), 4, () => createCustomer(stand));
  const invoices = await inParallel(Array.from({ length: count }), concurrency, (_, i) =>
    issueInvoice(stand, { customerId: customers[i % customers.length]!, total: 10_000 + randomInt(90_000) }),
  );
  const payments = await inParallel(invoices, concurrency, async (invoice, i) => {
    const amount = [Math.floor(invoice.total / 2), invoice.total, invoice.total + 1_234][i % 3]!;
    return { id: await postPayment(stand, paymentBody(invoice.customerId, amount, invoice, `batch ${i}`)), invoice, amount };
  });
  return { invoices, payments };
}

/** Every invoice of the batch exactly once, and its open amount what its one payment left. */
async function expectBatchSettled(stand: Stand, batch: Batch): Promise<void> {
  const rows = await stand.sql<{ id: string; total_amount: string; open_amount: string }>('SELECT id, total_amount, open_amount FROM invoice WHERE id = ANY(?::uuid[])', [
    `{${batch.invoices.map((i) => i.id).join(',')}}`,
  ]);
  expect(rows).toHaveLength(batch.invoices.length);
  const open = new Map(rows.map((r) => [r.id, Number(r.open_amount)]));
  const wrong = batch.payments.filter((p) => open.get(p.invoice.id) !== Math.max(0, p.invoice.total - p.amount));
  expect(wrong.map((p) => `${p.invoice.number}: open ${open.get(p.invoice.id)}, total ${p.invoice.total}, paid ${p.amount}`)).toEqual([]);
  const [{ n }] = await stand.sql<{ n: string }>('SELECT count(*) AS n FROM payment WHERE id = ANY(?::uuid[])', [`{${batch.payments.map((p) => p.id).join(',')}}`]);
  expect(Number(n)).toBe(batch.payments.length);
}

/** E-mails the SMTP server received more than once (same Message-ID): the at-least-once window of a crash mid-send. */
function duplicateMails(stand: Stand): number {
  const seen = new Map<string, number>();
  for (const m of stand.mail.messages) seen.set(m.messageId, (seen.get(m.messageId) ?? 0) + 1);
  return [...seen.values()].filter((n) => n > 1).length;
}

export async function workerKilledDuringBatch(stand: Stand): Promise<void> {
  const count = scaled(500, 40);
  const minKills = scaled(6, 2);
  const run = beginScenario(stand, `1. worker SIGKILLed at random moments during ${count} invoices + ${count} payments`);
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
  await finishScenario(stand, run, { operations: batch.invoices.length + batch.payments.length, notes: `${kills} kills; ${duplicates} e-mails re-sent after a kill mid-send` });
}

export async function postgresRestartedDuringBatch(stand: Stand): Promise<void> {
  const count = scaled(200, 30);
  const run = beginScenario(stand, `2. PostgreSQL restarted (clean, then crash) during ${count} invoices + ${count} payments`);
  let batchDone = false;
  let duringRequests = 0;
  const restarts = (async () => {
    for (const mode of ['fast', 'immediate'] as const) {
      await sleep(2_000 + randomInt(3_000));
      if (!batchDone) duringRequests++;
      await stand.pg.restart(mode);
      stand.faults++;
    }
  })();
  const batch = await driveBatch(stand, count, 8).finally(() => {
    batchDone = true;
  });
  await restarts;
  await allPaymentsSettled(stand, scaled(600_000, 240_000));
  await allInvoicesDelivered(stand, scaled(600_000, 240_000));
  await expectBatchSettled(stand, batch);
  await finishScenario(stand, run, { operations: batch.invoices.length + batch.payments.length, notes: `${duringRequests} of 2 restarts while requests were in flight` });
}
