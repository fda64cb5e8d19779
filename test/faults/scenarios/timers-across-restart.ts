// Durable timers: invoices wait on their overdue timers when the Temporal dev server (persisted to its SQLite file)
// is stopped; the instant passes while it is down; after it starts again every timer fires and every invoice turns
// overdue. The policy is compressed into seconds through INVOICE_OVERDUE_AFTER, the way a staging policy would be.
import { randomUUID } from 'node:crypto';
import { beginScenario, createCustomer, finishScenario, inParallel, issueInvoice } from '../support/business.js';
import { scaled } from '../support/figures.js';
import { sleep, waitFor, type Stand } from '../support/stand.js';

/** ISO-8601 duration of whole seconds, e.g. PT9912S. */
const seconds = (n: number) => `PT${Math.ceil(n)}S`;

export async function timersFireAfterTemporalRestart(stand: Stand): Promise<void> {
  const count = scaled(50, 10);
  const run = beginScenario(
    stand,
    `3. Temporal dev server stopped while ${count} invoices wait on overdue timers, restarted after they were due`,
  );
  // Due yesterday: overdue at the end of the due day (today 00:00 UTC) plus the grace, chosen so the timers fall due a
  // little after the invoices are delivered and reminded.
  const now = new Date();
  const today = now.toISOString().slice(0, 10);
  const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  // Enough lead for an API restart, the issuing and the deliveries on this machine (measured by the stand's start).
  const leadSeconds = Math.max(45, (2 * stand.apiStartMs) / 1000 + 20 + count);
  const overdueAt = new Date(now.getTime() + leadSeconds * 1000);
  await stand.restartApi({
    INVOICE_OVERDUE_AFTER: seconds((overdueAt.getTime() - Date.parse(`${today}T00:00:00Z`)) / 1000),
    INVOICE_POLICY_VERSION: `faults-${randomUUID().slice(0, 8)}`,
  });
  const customerId = await createCustomer(stand);
  const invoices = await inParallel(Array.from({ length: count }), 4, () =>
    issueInvoice(stand, { customerId, total: 25_000, issueDate: yesterday, dueDate: yesterday }),
  );
  const ids = `{${invoices.map((i) => i.id).join(',')}}`;
  // Delivered (the courtesy reminder's instant is past, so it is skipped): each workflow now sleeps on its overdue timer.
  await waitFor(
    'invoices delivered, waiting for the overdue timer',
    async () =>
      (
        await stand.sql<{ n: string }>(
          `SELECT count(*) AS n FROM invoice WHERE id = ANY(?::uuid[]) AND sent_at IS NOT NULL AND status = 'sent'`,
          [ids],
        )
      )[0]!.n === String(count)
        ? true
        : undefined,
    Math.max(5_000, overdueAt.getTime() - Date.now() - 5_000),
    500,
  );
  await stand.stopTemporal();
  const downAt = Date.now();
  await sleep(Math.max(0, overdueAt.getTime() - Date.now()) + 5_000);
  const [{ n: overdueWhileDown }] = await stand.sql<{ n: string }>(
    `SELECT count(*) AS n FROM invoice WHERE id = ANY(?::uuid[]) AND status = 'overdue'`,
    [ids],
  );
  expect(overdueWhileDown).toBe('0');
  await stand.startTemporal();
  const downSeconds = Math.round((Date.now() - downAt) / 1000);
  // The worker reconnects by itself; if it gave up while the server was away, that is a finding worth knowing.
  const workerSurvived = stand.workerRunning();
  if (!workerSurvived) await stand.startWorker();
  await waitFor(
    'every invoice overdue after the restart',
    async () =>
      (
        await stand.sql<{ n: string }>(
          `SELECT count(*) AS n FROM invoice WHERE id = ANY(?::uuid[]) AND status = 'overdue' AND overdue_since IS NOT NULL`,
          [ids],
        )
      )[0]!.n === String(count)
        ? true
        : undefined,
    120_000,
    500,
  );
  await stand.restartApi();
  await finishScenario(stand, run, {
    operations: count + 1,
    notes: `server down ${downSeconds} s across the due instant; worker ${workerSurvived ? 'reconnected by itself' : 'had exited and was restarted'}`,
  });
}
