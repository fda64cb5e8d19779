// The invariants every fault scenario ends with, in one checker: what the books and the workflows must look like
// after any crash, restart, duplicate or hostile request. Each finding is a sentence naming the record, so a failing
// scenario says what broke rather than that a number differs.
import type { Client } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import { accountFor } from '../../../src/reports/rules/chart.js';
import { checkLedger } from '../../../src/ledger/store/reports.js';

export interface InvariantReport {
  violations: string[];
  /** What was checked, for the log: counts of entries, payments, workflows. */
  checked: {
    journalEntries: number;
    payments: number;
    invoices: number;
    openWorkflows: number;
    closedWorkflows: number;
  };
}

/**
 * 1. Every journal entry balances, and per currency and per customer the AR control account equals the open invoice
 *    balances (credits sit on the customer-credit account): `checkLedger`.
 * 2. No idempotency key posted twice, and no business event posted twice under different keys: one issue entry per
 *    invoice, one cash receipt per payment, one allocation per payment and invoice.
 * 3. Every accepted payment is applied or parked: cash application finished (status not `received`), applied plus
 *    unapplied equals the amount, and the unapplied part sits on the customer-credit account (or, without a customer,
 *    on unapplied cash).
 * 4. No workflow stuck: no open workflow with a workflow task failing again and again, no pending activity retrying
 *    with a failure, and no workflow closed as failed, timed out or terminated (except the API's own termination of a
 *    workflow whose starting transaction rolled back).
 */
export async function checkInvariants(em: EntityManager, temporal: Client): Promise<InvariantReport> {
  const violations: string[] = [];
  const ledger = await checkLedger(em.fork());
  for (const c of ledger.currencies)
    if (!c.ok) violations.push(`${c.currency}: AR control ${c.arControl} differs from open invoices ${c.openInvoices}`);
  for (const m of ledger.customerMismatches)
    violations.push(
      `customer ${m.customerId} ${m.currency}: sub-ledger ${m.subLedger} differs from open invoices ${m.openInvoices}`,
    );
  for (const u of ledger.unbalancedEntries)
    violations.push(`journal entry ${u.entryId} does not balance in ${u.currency} (difference ${u.difference})`);

  const sql = <T>(query: string, params: unknown[] = []) => em.fork().execute<T[]>(query, params);
  const cash = accountFor('cash').code;
  const credit = accountFor('customer_credit').code;

  for (const d of await sql<{ idempotency_key: string; n: string }>(
    `SELECT idempotency_key, count(*) AS n FROM journal_entry GROUP BY 1 HAVING count(*) > 1`,
  )) {
    violations.push(`idempotency key ${d.idempotency_key} posted ${d.n} times`);
  }
  for (const d of await sql<{ source_id: string; n: string }>(
    `SELECT source_id, count(*) AS n FROM journal_entry e WHERE kind = 'invoice_issued' AND NOT EXISTS (SELECT 1 FROM journal_entry r WHERE r.reverses_entry_id = e.id)
      GROUP BY source_id HAVING count(*) > 1`,
  )) {
    violations.push(`invoice ${d.source_id} issued ${d.n} times in the ledger`);
  }
  for (const d of await sql<{ payment_id: string; invoice_id: string; n: string }>(
    `SELECT payment_id, invoice_id, count(*) AS n FROM payment_allocation GROUP BY 1, 2 HAVING count(*) > 1`,
  )) {
    violations.push(`payment ${d.payment_id} allocated ${d.n} times to invoice ${d.invoice_id}`);
  }

  const payments = await sql<{
    id: string;
    status: string;
    amount: string;
    applied: string;
    unapplied: string;
    cash: string;
    allocated: string;
    customer_id: string | null;
    credit: string;
  }>(
    `SELECT p.id, p.status, p.amount, p.applied_amount AS applied, p.unapplied_amount AS unapplied, p.customer_id,
            (SELECT coalesce(sum(l.debit - l.credit), 0) FROM journal_entry e JOIN journal_line l ON l.entry_id = e.id
              WHERE e.source_type = 'payment' AND e.source_id = p.id::text AND l.account_code = ?) AS cash,
            (SELECT coalesce(sum(a.amount), 0) FROM payment_allocation a WHERE a.payment_id = p.id) AS allocated,
            (SELECT coalesce(sum(l.credit - l.debit), 0) FROM journal_entry e JOIN journal_line l ON l.entry_id = e.id
              WHERE e.source_type = 'payment' AND e.source_id = p.id::text AND l.account_code = ?) AS credit
       FROM payment p`,
    [cash, credit],
  );
  for (const p of payments) {
    if (p.status === 'received') violations.push(`payment ${p.id} accepted but never applied nor parked`);
    if (Number(p.applied) + Number(p.unapplied) !== Number(p.amount))
      violations.push(
        `payment ${p.id}: applied ${p.applied} + unapplied ${p.unapplied} differs from its amount ${p.amount}`,
      );
    if (Number(p.cash) !== Number(p.amount))
      violations.push(`payment ${p.id}: cash debited ${p.cash}, amount ${p.amount}`);
    if (Number(p.allocated) !== Number(p.applied))
      violations.push(`payment ${p.id}: allocations sum to ${p.allocated}, applied ${p.applied}`);
    if (p.customer_id && p.status !== 'received' && Number(p.credit) !== Number(p.unapplied)) {
      violations.push(`payment ${p.id}: unapplied ${p.unapplied} but ${p.credit} on the customer-credit account`);
    }
  }

  const [{ entries }] = await sql<{ entries: string }>('SELECT count(*) AS entries FROM journal_entry');
  const [{ invoices }] = await sql<{ invoices: string }>('SELECT count(*) AS invoices FROM invoice');
  const paymentExists = async (id: string) =>
    (await em.fork().execute<unknown[]>('SELECT 1 FROM payment WHERE id = ?', [id])).length > 0;
  const workflows = await stuckWorkflows(temporal, { paymentExists });
  violations.push(...workflows.violations);
  return {
    violations,
    checked: {
      journalEntries: Number(entries),
      payments: payments.length,
      invoices: Number(invoices),
      openWorkflows: workflows.open,
      closedWorkflows: workflows.closed,
    },
  };
}

/**
 * The payments route starts cash application inside the transaction that stores the payment; when that transaction
 * rolls back (the database went away mid-request, the client got a 5xx and retried), the workflow finds no payment:
 * nothing was accepted, so nothing is lost. It completes with `recordMissing` now; workflows started before that change
 * end FAILED with PaymentNotFound, which is accepted here only if the row really does
 * not exist; a failure of any other kind, or next to a stored payment, stays a violation.
 */
async function rolledBackPayment(
  temporal: Client,
  wf: { workflowId: string; runId: string; type: string },
  paymentExists?: (id: string) => Promise<boolean>,
): Promise<boolean> {
  if (wf.type !== 'cashApplicationWorkflow' || !paymentExists || !wf.workflowId.startsWith('payment-')) return false;
  const history = await temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
  let failure = history.events?.at(-1)?.workflowExecutionFailedEventAttributes?.failure;
  let types = '';
  for (let depth = 0; failure && depth < 5; depth++, failure = failure.cause ?? undefined)
    types += ` ${failure.applicationFailureInfo?.type ?? ''}`;
  return types.includes('PaymentNotFound') && !(await paymentExists(wf.workflowId.slice('payment-'.length)));
}

/** Open workflows whose workflow task keeps failing or whose activities keep failing; workflows that ended badly. */
export async function stuckWorkflows(
  temporal: Client,
  options: { activityAttemptsAtMost?: number; graceMs?: number; paymentExists?: (id: string) => Promise<boolean> } = {},
): Promise<{ violations: string[]; open: number; closed: number }> {
  const violations: string[] = [];
  const running: { workflowId: string; runId: string }[] = [];
  const terminated: { workflowId: string; runId: string; type: string }[] = [];
  let closed = 0;
  for await (const wf of temporal.workflow.list()) {
    const status = wf.status.name;
    if (status === 'RUNNING') running.push({ workflowId: wf.workflowId, runId: wf.runId });
    else {
      closed++;
      if (status === 'FAILED' && (await rolledBackPayment(temporal, wf, options.paymentExists))) continue;
      if (['FAILED', 'TIMED_OUT'].includes(status))
        violations.push(`workflow ${wf.workflowId} (${wf.type}) ended ${status}`);
      if (status === 'TERMINATED') terminated.push({ workflowId: wf.workflowId, runId: wf.runId, type: wf.type });
    }
  }
  // The API terminates a workflow it started inside a transaction that then rolled back (the entity never existed):
  // that is the compensation working. Any other termination is a finding.
  for (const t of terminated) {
    const history = await temporal.workflow.getHandle(t.workflowId, t.runId).fetchHistory();
    const reason = history.events?.at(-1)?.workflowExecutionTerminatedEventAttributes?.reason ?? '';
    if (!/rolled back$/.test(reason))
      violations.push(`workflow ${t.workflowId} (${t.type}) ended TERMINATED: ${reason || 'no reason'}`);
  }
  const attemptsAtMost = options.activityAttemptsAtMost ?? 3;
  /** What is wrong with one open workflow right now (empty: healthy). */
  const troubles = async (wf: { workflowId: string; runId: string }): Promise<string[]> => {
    const { raw } = await temporal.workflow.getHandle(wf.workflowId, wf.runId).describe();
    const out: string[] = [];
    const task = raw.pendingWorkflowTask;
    if (task && (task.attempt ?? 1) > 1)
      out.push(`workflow ${wf.workflowId}: workflow task on attempt ${task.attempt}${await lastTaskFailure(wf)}`);
    for (const activity of raw.pendingActivities ?? []) {
      if ((activity.attempt ?? 1) > attemptsAtMost && activity.lastFailure) {
        // On its way to the rolled-back-payment ending above: it waits out the visibility deadline, then fails.
        const waitsForRolledBack =
          activity.lastFailure.applicationFailureInfo?.type === 'PaymentNotVisibleYet' &&
          wf.workflowId.startsWith('payment-') &&
          options.paymentExists &&
          !(await options.paymentExists(wf.workflowId.slice('payment-'.length)));
        if (waitsForRolledBack) continue;
        out.push(
          `workflow ${wf.workflowId}: activity ${activity.activityType?.name} on attempt ${activity.attempt}, last failure: ${activity.lastFailure.message}`,
        );
      }
    }
    return out;
  };
  const lastTaskFailure = async (wf: { workflowId: string; runId: string }): Promise<string> => {
    const history = await temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    const failed = [...(history.events ?? [])]
      .reverse()
      .find((e) => e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes);
    if (failed?.workflowTaskFailedEventAttributes)
      return ` (last task failure: ${failed.workflowTaskFailedEventAttributes.failure?.message ?? failed.workflowTaskFailedEventAttributes.cause})`;
    return failed?.workflowTaskTimedOutEventAttributes ? ' (last task timed out)' : '';
  };
  const flagged: { workflowId: string; runId: string }[] = [];
  const firstSeen = new Map<string, string[]>();
  const queue = [...running];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const found = await troubles(next);
        if (found.length) {
          flagged.push(next);
          firstSeen.set(next.workflowId, found);
        }
      }
    }),
  );
  // A retry in progress right after a crash is recovery, not a stuck workflow: a flagged workflow is stuck only if it
  // is still in trouble after a grace period in which a healthy worker would have retried it several times.
  const graceMs = options.graceMs ?? 30_000;
  const deadline = Date.now() + graceMs;
  let stillFlagged = flagged;
  while (stillFlagged.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const next: typeof flagged = [];
    for (const wf of stillFlagged) if ((await troubles(wf)).length) next.push(wf);
    stillFlagged = next;
  }
  for (const wf of stillFlagged) violations.push(...(await troubles(wf)));
  for (const wf of flagged)
    if (!stillFlagged.includes(wf))
      process.stderr.write(`[faults] recovered within the grace period: ${firstSeen.get(wf.workflowId)?.join('; ')}\n`);
  return { violations, open: running.length, closed };
}
