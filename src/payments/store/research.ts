// The research task for money that stayed unapplied past the policy delay. Stored in `task` (the human-task store the
// task inbox reads); `unique_key` (workflow id + step) makes creation idempotent, and the task closes itself when the
// money is applied later.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { addDuration } from '../../shared/duration.js';
import { formatMoney } from '../../shared/money.js';
import { RESEARCH_QUEUE, RESEARCH_TASK_TYPE } from '../rules/research-task.js';
import { findPayment } from './payments.js';
import { sealCounterparty, TASK_PAYER_ACCOUNT } from './sealed-bank-accounts.js';

export { RESEARCH_QUEUE, RESEARCH_TASK_TYPE };

export interface ResearchTaskResult {
  taskId: string | null;
  /** False when the task already existed (a retry) or nothing was left to research. */
  created: boolean;
}

export async function createResearchTask(
  em: EntityManager,
  input: {
    paymentId: string;
    workflowId: string;
    uniqueKey: string;
    sla: string;
    now: Date;
    unmatched: { invoiceNumber: string; reason: string }[];
  },
): Promise<ResearchTaskResult> {
  return em.transactional(async (tx) => {
    const payment = await findPayment(tx, input.paymentId, { lock: true });
    if (!payment || payment.unappliedAmount === 0) return { taskId: null, created: false };
    const unapplied = { amount: payment.unappliedAmount, currency: payment.currency };
    const title = payment.customerId
      ? `Apply ${formatMoney(unapplied)} of customer credit from payment ${payment.reference || payment.id}`
      : `Identify the payer of ${formatMoney(unapplied)} (payment ${payment.reference || payment.id})`;
    const inserted = await tx.execute<{ id: string }[]>(
      `INSERT INTO task (id, unique_key, type, queue, title, subject_type, subject_id, workflow_id, sla_due_at, payload)
       VALUES (?, ?, ?, ?, ?, 'payment', ?, ?, ?, ?) ON CONFLICT (unique_key) DO NOTHING RETURNING id`,
      [
        randomUUID(),
        input.uniqueKey,
        RESEARCH_TASK_TYPE,
        RESEARCH_QUEUE,
        title,
        payment.id,
        input.workflowId,
        addDuration(input.now, input.sla),
        JSON.stringify({
          paymentId: payment.id,
          customerId: payment.customerId,
          unapplied,
          receivedAt: payment.receivedAt.toISOString(),
          reference: payment.reference,
          counterparty: sealCounterparty(payment.counterparty, TASK_PAYER_ACCOUNT),
          unmatched: input.unmatched,
        }),
      ],
    );
    if (inserted.length) return { taskId: inserted[0]!.id, created: true };
    const [existing] = await tx.execute<{ id: string }[]>('SELECT id FROM task WHERE unique_key = ?', [
      input.uniqueKey,
    ]);
    return { taskId: existing?.id ?? null, created: false };
  });
}

/** Completes the open research task of a payment once its money has been applied (idempotent). */
export async function completeResearchTask(
  em: EntityManager,
  input: { uniqueKey: string; outcome: Record<string, unknown> },
): Promise<boolean> {
  const rows = await em.execute<unknown[]>(
    `UPDATE task SET status = 'completed', outcome = ?, completed_at = now() WHERE unique_key = ? AND status IN ('open', 'claimed') RETURNING id`,
    [JSON.stringify(input.outcome), input.uniqueKey],
  );
  return rows.length > 0;
}
