// Recording a credit decision: the review row, the customer's credit limit and risk class through the profile path
// (versioned row, audit trail), the latest decision on the customer (approver, next review) and `credit.decided`,
// in one transaction. Idempotent: a decided review is not decided again.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FieldChange } from '../../customers/rules/customer.js';
import type { RiskClass } from '../rules/credit-policy.js';
import { recordEvent } from '../../events/store/outbox.js';
import { recordHistory } from '../../customers/store/history.js';
import { editableOf, findCustomer, updateCustomerRow } from '../../customers/store/customers.js';

export interface CreditDecisionInput {
  workflowId: string;
  customerId: string;
  outcome: 'approved' | 'rejected';
  /** The approved limit (minor units); ignored on rejection (the limit in force stays). */
  limit: number | null;
  riskClass: RiskClass;
  /** The level of the authority matrix that decided: auto, credit_manager or finance_director. */
  approver: string;
  decidedBy: string;
  comment: string | null;
  nextReviewDate: string;
  policyVersion: string;
  taskId: string | null;
}

/** The latest decision as stored on the customer (`customer.credit_decision`). */
export interface CustomerCreditDecision {
  reviewId: string;
  outcome: 'approved' | 'rejected';
  limit: number | null;
  previousLimit: number | null;
  riskClass: RiskClass;
  approver: string;
  decidedBy: string;
  decidedAt: string;
  nextReviewDate: string;
  policyVersion: string;
}

export interface AppliedDecision {
  changed: boolean;
  version: number;
  /** Changes to pass to the account workflow (credit limit, risk segment, creditReview). */
  changes: FieldChange[];
  decision: CustomerCreditDecision;
}

export async function applyCreditDecision(em: EntityManager, input: CreditDecisionInput): Promise<AppliedDecision> {
  return em.transactional(async (tx) => {
    const [review] = await tx.execute<{ status: string; customer_id: string }[]>(
      'SELECT status, customer_id FROM credit_review WHERE workflow_id = ? FOR UPDATE',
      [input.workflowId],
    );
    const current = await findCustomer(tx, input.customerId, { forUpdate: true });
    if (!review || !current) throw new Error(`credit review ${input.workflowId} or its customer does not exist`);
    const stored = (
      await tx.execute<{ credit_decision: CustomerCreditDecision | null }[]>(
        'SELECT credit_decision FROM customer WHERE id = ?',
        [input.customerId],
      )
    )[0]?.credit_decision;
    if (review.status === 'decided' && stored?.reviewId === input.workflowId)
      return { changed: false, version: current.version, changes: [], decision: stored };

    const previousLimit = current.creditLimit?.amount ?? null;
    const approved = input.outcome === 'approved';
    const newLimit = approved ? input.limit : previousLimit;
    const decision: CustomerCreditDecision = {
      reviewId: input.workflowId,
      outcome: input.outcome,
      limit: newLimit,
      previousLimit,
      riskClass: input.riskClass,
      approver: input.approver,
      decidedBy: input.decidedBy,
      decidedAt: new Date().toISOString(),
      nextReviewDate: input.nextReviewDate,
      policyVersion: input.policyVersion,
    };
    const changes: FieldChange[] = [];
    let version = current.version;
    if (current.status !== 'closed') {
      const next = {
        ...editableOf(current),
        creditLimit: newLimit === null ? null : { amount: newLimit, currency: current.currency },
        riskSegment: approved ? input.riskClass : current.riskSegment,
      };
      if (next.creditLimit?.amount !== current.creditLimit?.amount)
        changes.push({ field: 'creditLimit', from: current.creditLimit, to: next.creditLimit });
      if (next.riskSegment !== current.riskSegment)
        changes.push({ field: 'riskSegment', from: current.riskSegment, to: next.riskSegment });
      if (changes.length) {
        const updated = await updateCustomerRow(tx, current.id, current.version, next);
        version = updated!.version;
      }
      changes.push({ field: 'creditReview', from: stored ?? null, to: decision });
      await tx.execute('UPDATE customer SET credit_decision = ?::jsonb WHERE id = ?', [
        JSON.stringify(decision),
        current.id,
      ]);
      await recordHistory(tx, current.id, changes, input.decidedBy, input.workflowId);
    }
    await tx.execute(
      `UPDATE credit_review SET status = 'decided', outcome = ?, approved_limit = ?, previous_limit = ?, decided_by = ?, decision_comment = ?,
              next_review_date = ?::date, decided_at = now(), approver = coalesce(approver, ?) WHERE workflow_id = ?`,
      [
        input.outcome,
        approved ? input.limit : null,
        previousLimit,
        input.decidedBy,
        input.comment,
        input.nextReviewDate,
        input.approver,
        input.workflowId,
      ],
    );
    await recordEvent(tx, {
      type: 'credit.decided',
      entityType: 'credit_review',
      entityId: input.workflowId,
      customerId: input.customerId,
      actor: input.decidedBy,
      data: { ...decision, comment: input.comment, taskId: input.taskId, currency: current.currency },
      dedupeKey: `${input.workflowId}:credit.decided`,
    });
    return { changed: true, version, changes, decision };
  });
}

export async function storedDecision(em: EntityManager, customerId: string): Promise<CustomerCreditDecision | null> {
  const [row] = await em.execute<{ credit_decision: CustomerCreditDecision | null }[]>(
    'SELECT credit_decision FROM customer WHERE id = ?',
    [customerId],
  );
  return row?.credit_decision ?? null;
}
