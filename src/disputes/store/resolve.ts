// The end of a dispute and its effects on the invoice and the ledger, each in one transaction under the dispute's row
// lock (then the invoice's, the order every dispute path takes). A resolution that already committed is not applied
// again: a retried activity gets the stored result back, so nothing is credited or reissued twice.
// - credit_full / credit_partial: a credit note through src/invoices/store/credit-notes.ts (Dr revenue, Dr tax, Cr AR).
// - rebill: a full credit note on the disputed invoice and a corrected invoice through src/invoices/store/issue.ts.
// - payment_plan: the instalments are stored; the invoice stays out of dunning while they are kept.
// - upheld, withdrawn: nothing posted; the invoice returns to dunning.
import type { EntityManager } from '@mikro-orm/postgresql';
import { expectedPaidBy, statusAfterDispute, type DisputeOutcome, type Instalment } from '../rules/dispute.js';
import type { InvoiceStatus } from '../../invoices/rules/invoice-status.js';
import { isOpenStatus } from '../../invoices/rules/invoice-status.js';
import { recordEvent } from '../../events/store/outbox.js';
import { issueCreditNote } from '../../invoices/store/credit-notes.js';
import { insertInvoice, prepareInvoice, type PreparedInvoice } from '../../invoices/store/issue.js';
import { lockInvoice } from '../../invoices/store/balance.js';
import { stepKey } from '../../temporal/ids.js';
import type { InvoiceBalanceChange } from '../../../workflows/invoices/messages.js';
import { findDispute, type DisputeRecord } from './disputes.js';

export interface ResolutionResult {
  disputeId: string;
  invoiceId: string;
  customerId: string;
  /** False when this call found the resolution already committed (a retry). */
  applied: boolean;
  /** Balance-change signals for `invoice-<id>` workflows, to send after the commit. */
  invoiceSignals: { invoiceId: string; change: InvoiceBalanceChange }[];
  creditNoteIds: string[];
  /** The corrected invoice of a rebill, whose workflow the caller starts after the commit. */
  reissued: { id: string; number: string; customerId: string; currency: string; total: number; dueDate: string } | null;
  /** The invoice left dispute (dunning resumes): tell collections. */
  dunningResumed: boolean;
  invoiceStatus: InvoiceStatus;
}

export class DisputeNotFoundError extends Error {
  constructor(readonly disputeId: string) {
    super(`dispute ${disputeId} does not exist`);
    this.name = 'DisputeNotFoundError';
  }
}

async function lockDispute(tx: EntityManager, disputeId: string): Promise<DisputeRecord> {
  const dispute = await findDispute(tx, disputeId, { lock: true });
  if (!dispute) throw new DisputeNotFoundError(disputeId);
  return dispute;
}

/**
 * Locks the dispute for its resolution or withdrawal. When it is already settled (a retried call), `settled` is the
 * answer the first call gave, rebuilt from the invoice's status: nothing is posted twice.
 */
async function lockForSettling(tx: EntityManager, disputeId: string) {
  const dispute = await lockDispute(tx, disputeId);
  const base = {
    disputeId: dispute.id,
    invoiceId: dispute.invoiceId,
    customerId: dispute.customerId,
    invoiceSignals: [],
    creditNoteIds: [],
    reissued: null,
  };
  if (dispute.status !== 'resolved' && dispute.status !== 'withdrawn') return { dispute, base, settled: null };
  const [row] = await tx.execute<{ status: InvoiceStatus }[]>('SELECT status FROM invoice WHERE id = ?', [
    dispute.invoiceId,
  ]);
  const settled: ResolutionResult = {
    ...base,
    applied: false,
    dunningResumed: row?.status !== 'disputed',
    invoiceStatus: row!.status,
  };
  return { dispute, base, settled };
}

/**
 * Gives the invoice its status back when no other dispute or kept payment plan still holds it; returns whether it
 * left dispute. The status is derived from the row (overdue since, payments, reminder, delivery).
 */
export async function releaseInvoiceFromDispute(
  tx: EntityManager,
  invoiceId: string,
  exceptDisputeId: string,
): Promise<{ released: boolean; status: InvoiceStatus }> {
  const invoice = await lockInvoice(tx, invoiceId);
  if (invoice.status !== 'disputed') return { released: isOpenStatus(invoice.status), status: invoice.status };
  const [holding] = await tx.execute<{ n: string }[]>(
    `SELECT count(*) AS n FROM dispute d WHERE d.invoice_id = ? AND d.id <> ? AND (d.status IN ('open', 'awaiting_info')
        OR EXISTS (SELECT 1 FROM dispute_instalment p WHERE p.dispute_id = d.id AND p.status = 'pending'))`,
    [invoiceId, exceptDisputeId],
  );
  if (Number(holding?.n ?? 0) > 0) return { released: false, status: invoice.status };
  const [facts] = await tx.execute<{ sent_at: string | null; reminded_at: string | null }[]>(
    'SELECT sent_at, reminded_at FROM invoice WHERE id = ?',
    [invoiceId],
  );
  const status = statusAfterDispute({
    status: invoice.status,
    overdueSince: invoice.overdueSince,
    paidAmount: invoice.totalAmount - invoice.openAmount - invoice.creditedAmount,
    remindedAt: facts?.reminded_at ?? null,
    sentAt: facts?.sent_at ?? null,
  });
  await tx.execute('UPDATE invoice SET status = ?, version = version + 1, updated_at = now() WHERE id = ?', [
    status,
    invoiceId,
  ]);
  return { released: true, status };
}

async function creditOnce(
  tx: EntityManager,
  dispute: DisputeRecord,
  input: { step: string; amount?: number; reason: string; by: string; today: string },
) {
  const key = stepKey(dispute.workflowId, input.step);
  const invoice = await lockInvoice(tx, dispute.invoiceId);
  if (!isOpenStatus(invoice.status) || invoice.openAmount === 0) return undefined;
  // Payments may have lowered the open amount since the decision: never credit more than is open.
  const amount = Math.min(input.amount ?? invoice.openAmount, invoice.openAmount);
  const note = await issueCreditNote(tx, {
    invoiceId: dispute.invoiceId,
    amount: { amount, currency: dispute.currency },
    reason: input.reason,
    cancellation: false,
    actor: input.by,
    today: input.today,
  });
  await tx.execute(
    `INSERT INTO dispute_effect (idempotency_key, dispute_id, kind, credit_note_id, invoice_id, amount) VALUES (?, ?, 'credit_note', ?, ?, ?)`,
    [key, dispute.id, note.id, dispute.invoiceId, amount],
  );
  return note;
}

export async function resolveDispute(
  em: EntityManager,
  input: { disputeId: string; outcome: DisputeOutcome; by: string; today: string },
): Promise<ResolutionResult> {
  return em.transactional(async (tx) => {
    const { dispute, base, settled } = await lockForSettling(tx, input.disputeId);
    if (settled) return settled;
    const { outcome } = input;
    const ref = `dispute ${dispute.id.slice(0, 8)}`;
    const reason = `${outcome.kind.replace('_', ' ')} of ${ref} (${dispute.category}): ${outcome.rootCause.note}`.slice(
      0,
      500,
    );
    const result: Omit<ResolutionResult, 'invoiceStatus' | 'dunningResumed'> & {
      invoiceSignals: ResolutionResult['invoiceSignals'];
      creditNoteIds: string[];
    } = { ...base, applied: true, invoiceSignals: [], creditNoteIds: [] };
    let recordedOutcome: Record<string, unknown> = { ...outcome };

    if (outcome.kind === 'credit_full' || outcome.kind === 'credit_partial' || outcome.kind === 'rebill') {
      const amount = outcome.kind === 'credit_partial' ? outcome.amount.amount : undefined;
      const note = await creditOnce(tx, dispute, { step: 'credit', amount, reason, by: input.by, today: input.today });
      if (note) {
        result.creditNoteIds.push(note.id);
        result.invoiceSignals.push({ invoiceId: dispute.invoiceId, change: note.applied.signal });
        recordedOutcome = {
          ...recordedOutcome,
          creditNote: { id: note.id, number: note.number, amount: { amount: note.total, currency: dispute.currency } },
        };
      }
    }
    if (outcome.kind === 'rebill') {
      const [original] = await tx.execute<{ terms_code: string | null; number: string }[]>(
        'SELECT terms_code, number FROM invoice WHERE id = ?',
        [dispute.invoiceId],
      );
      const prepared: PreparedInvoice = await prepareInvoice(
        tx,
        {
          customerId: dispute.customerId,
          lines: outcome.lines,
          dueDate: outcome.dueDate,
          terms: original?.terms_code ?? undefined,
          externalRef: `reissue of ${original?.number ?? dispute.invoiceId}`,
        },
        { today: input.today, actor: input.by },
      );
      const issued = await insertInvoice(tx, prepared);
      await tx.execute(
        `INSERT INTO dispute_effect (idempotency_key, dispute_id, kind, invoice_id, amount) VALUES (?, ?, 'reissue', ?, ?)`,
        [stepKey(dispute.workflowId, 'reissue'), dispute.id, issued.id, prepared.totals.total],
      );
      result.reissued = {
        id: issued.id,
        number: issued.number,
        customerId: prepared.customerId,
        currency: prepared.currency,
        total: prepared.totals.total,
        dueDate: prepared.dueDate,
      };
      recordedOutcome = {
        ...recordedOutcome,
        reissuedInvoice: {
          id: issued.id,
          number: issued.number,
          total: { amount: prepared.totals.total, currency: prepared.currency },
        },
      };
    }
    if (outcome.kind === 'payment_plan') {
      const invoice = await lockInvoice(tx, dispute.invoiceId);
      for (const [n, instalment] of outcome.instalments.entries()) {
        await tx.execute(
          'INSERT INTO dispute_instalment (dispute_id, seq, due_date, amount, currency) VALUES (?, ?, ?, ?, ?)',
          [dispute.id, n + 1, instalment.dueDate, instalment.amount.amount, dispute.currency],
        );
      }
      recordedOutcome = { ...recordedOutcome, openAtPlan: invoice.openAmount };
    }

    await tx.execute(
      `UPDATE dispute SET status = 'resolved', outcome = ?::jsonb, root_cause_category = ?, root_cause_note = ?, resolved_at = now(), sla_due_at = NULL,
              version = version + 1, updated_at = now() WHERE id = ?`,
      [
        JSON.stringify({ ...recordedOutcome, by: input.by }),
        outcome.rootCause.category,
        outcome.rootCause.note,
        dispute.id,
      ],
    );
    // A payment plan keeps the invoice out of dunning until it is kept or an instalment is missed.
    const release =
      outcome.kind === 'payment_plan'
        ? { released: false, status: 'disputed' as InvoiceStatus }
        : await releaseInvoiceFromDispute(tx, dispute.invoiceId, dispute.id);
    await recordEvent(tx, {
      type: 'dispute.resolved',
      entityType: 'dispute',
      entityId: dispute.id,
      customerId: dispute.customerId,
      actor: input.by,
      dedupeKey: stepKey(dispute.workflowId, 'resolved'),
      data: {
        invoiceId: dispute.invoiceId,
        outcome: outcome.kind,
        category: dispute.category,
        rootCause: outcome.rootCause,
        amount: { amount: dispute.amount, currency: dispute.currency },
        creditNoteIds: result.creditNoteIds,
        reissuedInvoiceId: result.reissued?.id ?? null,
      },
    });
    return { ...result, dunningResumed: release.released, invoiceStatus: release.status };
  });
}

/** The customer (or a clerk for them) withdrew the dispute: nothing posted, the invoice returns to dunning. */
export async function withdrawDispute(
  em: EntityManager,
  input: { disputeId: string; by: string; reason: string },
): Promise<ResolutionResult> {
  return em.transactional(async (tx) => {
    const { dispute, base, settled } = await lockForSettling(tx, input.disputeId);
    if (settled) return settled;
    await tx.execute(
      `UPDATE dispute SET status = 'withdrawn', outcome = ?::jsonb, resolved_at = now(), sla_due_at = NULL, version = version + 1, updated_at = now() WHERE id = ?`,
      [JSON.stringify({ kind: 'withdrawn', reason: input.reason, by: input.by }), dispute.id],
    );
    const release = await releaseInvoiceFromDispute(tx, dispute.invoiceId, dispute.id);
    await recordEvent(tx, {
      type: 'dispute.resolved',
      entityType: 'dispute',
      entityId: dispute.id,
      customerId: dispute.customerId,
      actor: input.by,
      dedupeKey: stepKey(dispute.workflowId, 'resolved'),
      data: {
        invoiceId: dispute.invoiceId,
        outcome: 'withdrawn',
        category: dispute.category,
        reason: input.reason,
        amount: { amount: dispute.amount, currency: dispute.currency },
      },
    });
    return { ...base, applied: true, dunningResumed: release.released, invoiceStatus: release.status };
  });
}

export interface InstalmentCheck {
  seq: number;
  status: 'kept' | 'missed';
  /** The invoice is settled: the plan is done. */
  settled: boolean;
  /** A missed instalment released the invoice to dunning. */
  dunningResumed: boolean;
  paid: number;
  expected: number;
}

/**
 * At the end of an instalment's grace: kept when what was paid since the plan (open at plan - open now) covers the
 * instalments so far; otherwise missed, the rest of the plan is cancelled and the invoice returns to dunning.
 * Idempotent: an instalment already checked answers its stored status.
 */
export async function checkInstalment(
  em: EntityManager,
  input: { disputeId: string; seq: number },
): Promise<InstalmentCheck> {
  return em.transactional(async (tx) => {
    const dispute = await lockDispute(tx, input.disputeId);
    const rows = await tx.execute<{ seq: number; due_date: string; amount: string; status: string }[]>(
      `SELECT seq, to_char(due_date, 'YYYY-MM-DD') AS due_date, amount, status FROM dispute_instalment WHERE dispute_id = ? ORDER BY seq`,
      [dispute.id],
    );
    const instalments: Instalment[] = rows.map((r) => ({
      dueDate: r.due_date,
      amount: { amount: Number(r.amount), currency: dispute.currency },
    }));
    const index = input.seq - 1;
    const row = rows[index];
    if (!row) throw new RangeError(`dispute ${dispute.id} has no instalment ${input.seq}`);
    const invoice = await lockInvoice(tx, dispute.invoiceId);
    const openAtPlan = Number((dispute.outcome as { openAtPlan?: number } | null)?.openAtPlan ?? invoice.openAmount);
    const paid = openAtPlan - invoice.openAmount;
    const expected = expectedPaidBy(instalments, index);
    const settled = invoice.openAmount === 0 || !isOpenStatus(invoice.status);
    if (row.status === 'kept' || row.status === 'missed') {
      return { seq: input.seq, status: row.status, settled, dunningResumed: row.status === 'missed', paid, expected };
    }
    if (row.status === 'cancelled')
      return { seq: input.seq, status: 'missed', settled, dunningResumed: true, paid, expected };
    const kept = settled || paid >= expected;
    await tx.execute('UPDATE dispute_instalment SET status = ?, checked_at = now() WHERE dispute_id = ? AND seq = ?', [
      kept ? 'kept' : 'missed',
      dispute.id,
      input.seq,
    ]);
    let dunningResumed = false;
    if (settled) {
      await tx.execute(
        `UPDATE dispute_instalment SET status = 'kept', checked_at = now() WHERE dispute_id = ? AND status = 'pending'`,
        [dispute.id],
      );
    } else if (!kept) {
      await tx.execute(
        `UPDATE dispute_instalment SET status = 'cancelled', checked_at = now() WHERE dispute_id = ? AND status = 'pending'`,
        [dispute.id],
      );
      dunningResumed = (await releaseInvoiceFromDispute(tx, dispute.invoiceId, dispute.id)).released;
    } else if (input.seq === rows.length) {
      // The last instalment was kept but money is still open (rounding, a fee): the plan is over, dunning takes the rest.
      dunningResumed = (await releaseInvoiceFromDispute(tx, dispute.invoiceId, dispute.id)).released;
    }
    return { seq: input.seq, status: kept ? 'kept' : 'missed', settled, dunningResumed, paid, expected };
  });
}
