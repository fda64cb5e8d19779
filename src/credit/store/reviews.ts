// Credit reviews in PostgreSQL: numbering per customer (`credit-review-<customerId>-<seq>`), the application
// figures, the inputs gathered for the scorecard (own payment history, bureau report, last application), the scored
// result and the decision. The review workflow writes through these functions; the API reads them.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { CreditPolicy, RiskClass } from '../rules/credit-policy.js';
import {
  paymentBehaviourOf,
  type CreditFinancials,
  type ScorecardInput,
  type ScorecardResult,
  type TradeReference,
} from '../rules/credit-scorecard.js';
import { workflowIds } from '../../temporal/ids.js';
import { reportFor, type BureauReport } from './bureau.js';
import { customerExposure } from './exposure.js';
import { openTaxId } from '../../customers/store/sealed-tax-id.js';

export type ReviewTrigger = 'application' | 'periodic' | 'early';

/** What a credit application (or the last one, for a periodic review) tells about the company. */
export interface CreditApplication {
  requestedLimit: number;
  currency: string;
  financials: CreditFinancials;
  tradeReferences: TradeReference[];
  /** A score the applicant supplied from a bureau (0..100); when present no bureau pull is made. */
  bureauScore?: number;
  collateral?: { description: string; value: number };
  industry?: { code?: string; risk: 'low' | 'medium' | 'high' };
}

export class ReviewNotCommitted extends Error {
  constructor(readonly workflowId: string) {
    super(`credit review ${workflowId} is not committed (yet)`);
    this.name = 'ReviewNotCommitted';
  }
}

/**
 * Creates the next review of a customer. With a `requestKey` (a workflow step key) a retry returns the review the
 * first attempt created. Reviews of one customer are numbered under a per-customer advisory lock.
 */
export async function createReview(
  tx: EntityManager,
  input: {
    customerId: string;
    trigger: ReviewTrigger;
    reasons: string[];
    currency: string;
    requestedLimit: number | null;
    application: CreditApplication | null;
    requestedBy: string;
    requestKey?: string;
  },
): Promise<{ workflowId: string; seq: number; created: boolean }> {
  await tx.execute(`SELECT pg_advisory_xact_lock(hashtext('credit-review:' || ?::text))`, [input.customerId]);
  if (input.requestKey) {
    const [existing] = await tx.execute<{ workflow_id: string; seq: number }[]>(
      'SELECT workflow_id, seq FROM credit_review WHERE request_key = ?',
      [input.requestKey],
    );
    if (existing) return { workflowId: existing.workflow_id, seq: existing.seq, created: false };
  }
  const [next] = await tx.execute<{ seq: number }[]>(
    'SELECT coalesce(max(seq), 0) + 1 AS seq FROM credit_review WHERE customer_id = ?',
    [input.customerId],
  );
  const seq = Number(next!.seq);
  const workflowId = workflowIds.creditReview(input.customerId, seq);
  await tx.execute(
    `INSERT INTO credit_review (workflow_id, customer_id, seq, trigger, reasons, request_key, currency, requested_limit, application, requested_by)
     VALUES (?, ?, ?, ?, ?::text[], ?, ?, ?, ?::jsonb, ?)`,
    [
      workflowId,
      input.customerId,
      seq,
      input.trigger,
      `{${input.reasons.map((r) => `"${r.replace(/"/g, '')}"`).join(',')}}`,
      input.requestKey ?? null,
      input.currency,
      input.requestedLimit,
      input.application ? JSON.stringify(input.application) : null,
      input.requestedBy,
    ],
  );
  return { workflowId, seq, created: true };
}

/** A review of the customer still running (open or awaiting approval), if any. */
export async function runningReview(em: EntityManager, customerId: string): Promise<string | null> {
  const [row] = await em.execute<{ workflow_id: string }[]>(
    `SELECT workflow_id FROM credit_review WHERE customer_id = ? AND status IN ('open', 'awaiting_approval') ORDER BY seq DESC LIMIT 1`,
    [customerId],
  );
  return row?.workflow_id ?? null;
}

export interface GatheredInputs {
  input: ScorecardInput;
  bureau: (BureauReport & { reused: boolean; source: 'bureau' | 'application' }) | null;
  currentLimit: number | null;
  applicationFrom: string | null;
}

/** Days paid after the due date, averaged over invoices paid in the last year (null: none paid yet). */
async function averageDaysLate(em: EntityManager, customerId: string, asOf: string): Promise<number | null> {
  const [row] = await em.execute<{ days: string | null }[]>(
    `SELECT avg(closed_at::date - due_date) AS days FROM invoice
      WHERE customer_id = ? AND status = 'paid' AND closed_at IS NOT NULL AND closed_at >= ?::date - interval '1 year'`,
    [customerId, asOf],
  );
  return row?.days === null || row?.days === undefined ? null : Number(row.days);
}

/**
 * Everything the scorecard needs for review `workflowId`: the application (this review's, or the customer's last
 * one for a periodic or early review), the customer's own payment history, and a bureau score (the applicant's, a
 * fresh stored report, or a new pull stored once per review).
 */
export async function gatherInputs(
  em: EntityManager,
  input: { workflowId: string; policy: CreditPolicy; asOf: string; now: Date },
): Promise<GatheredInputs> {
  const [review] = await em.execute<
    { customer_id: string; application: CreditApplication | null; currency: string; requested_limit: string | null }[]
  >('SELECT customer_id, application, currency, requested_limit FROM credit_review WHERE workflow_id = ?', [
    input.workflowId,
  ]);
  if (!review) throw new ReviewNotCommitted(input.workflowId);
  const [customer] = await em.execute<
    {
      legal_name: string;
      tax_id: string | null;
      tax_country: string | null;
      billing_address: { country: string };
      credit_limit: string | null;
      currency: string;
    }[]
  >('SELECT legal_name, tax_id, tax_country, billing_address, credit_limit, currency FROM customer WHERE id = ?', [
    review.customer_id,
  ]);
  let application = review.application;
  let applicationFrom: string | null = application ? input.workflowId : null;
  if (!application) {
    const [last] = await em.execute<{ workflow_id: string; application: CreditApplication }[]>(
      'SELECT workflow_id, application FROM credit_review WHERE customer_id = ? AND application IS NOT NULL ORDER BY seq DESC LIMIT 1',
      [review.customer_id],
    );
    application = last?.application ?? null;
    applicationFrom = last?.workflow_id ?? null;
  }
  const currentLimit =
    customer?.credit_limit === null || customer?.credit_limit === undefined ? null : Number(customer.credit_limit);
  // A periodic or early review re-decides the limit in force (or the last request; without either, today's exposure).
  const requestedLimit =
    review.requested_limit !== null
      ? Number(review.requested_limit)
      : (currentLimit ??
        application?.requestedLimit ??
        (await customerExposure(em, review.customer_id, review.currency)).total);
  const days = await averageDaysLate(em, review.customer_id, input.asOf);

  let bureau: GatheredInputs['bureau'] = null;
  if (review.application?.bureauScore !== undefined) {
    bureau = {
      provider: 'application',
      reference: input.workflowId,
      score: review.application.bureauScore,
      pulledAt: input.now.toISOString(),
      data: {},
      reused: false,
      source: 'application',
    };
  } else if (customer) {
    const { report, reused } = await reportFor(em, {
      subject: {
        customerId: review.customer_id,
        legalName: customer.legal_name,
        country: customer.tax_country ?? customer.billing_address.country,
        taxId: customer.tax_id ? openTaxId(customer.tax_id) : null,
      },
      provider: input.policy.bureauProvider,
      maxAge: input.policy.bureauMaxAge,
      now: input.now,
      pulledFor: `${input.workflowId}:bureau`,
    });
    bureau = { ...report, reused, source: 'bureau' };
  }
  return {
    input: {
      currency: review.currency,
      requestedLimit,
      financials: application?.financials ?? {},
      tradeReferences: application?.tradeReferences ?? [],
      paymentHistory: paymentBehaviourOf(days, input.policy.paymentHistory),
      bureauScore: bureau?.score ?? null,
      collateralValue: application?.collateral?.value ?? 0,
      industryRisk: application?.industry?.risk ?? null,
      asOf: input.asOf,
    },
    bureau,
    currentLimit,
    applicationFrom,
  };
}

/** Stores the scored result and where approval goes; idempotent (it overwrites with the same values). */
export async function recordScore(
  em: EntityManager,
  input: {
    workflowId: string;
    scorecard: ScorecardResult;
    bureau: GatheredInputs['bureau'];
    approver: string;
    taskId: string | null;
  },
): Promise<void> {
  await em.execute(
    `UPDATE credit_review SET scorecard = ?::jsonb, bureau = ?::jsonb, policy_version = ?, risk_class = ?, recommended_limit = ?, approver = ?, task_id = ?,
            requested_limit = coalesce(requested_limit, ?), status = CASE WHEN status = 'open' AND ?::uuid IS NOT NULL THEN 'awaiting_approval' ELSE status END
      WHERE workflow_id = ?`,
    [
      JSON.stringify(input.scorecard),
      input.bureau ? JSON.stringify(input.bureau) : null,
      input.scorecard.policyVersion,
      input.scorecard.riskClass,
      input.scorecard.recommendedLimit.amount,
      input.approver,
      input.taskId,
      input.scorecard.inputs.requestedLimit,
      input.taskId,
      input.workflowId,
    ],
  );
}

export interface ReviewView {
  workflowId: string;
  customerId: string;
  seq: number;
  trigger: ReviewTrigger;
  reasons: string[];
  status: 'open' | 'awaiting_approval' | 'decided' | 'failed';
  currency: string;
  requestedLimit: number | null;
  application: CreditApplication | null;
  bureau: GatheredInputs['bureau'];
  scorecard: ScorecardResult | null;
  policyVersion: string | null;
  riskClass: RiskClass | null;
  recommendedLimit: number | null;
  approver: string | null;
  taskId: string | null;
  outcome: 'approved' | 'rejected' | null;
  approvedLimit: number | null;
  previousLimit: number | null;
  decidedBy: string | null;
  decisionComment: string | null;
  nextReviewDate: string | null;
  requestedBy: string;
  startedAt: string;
  decidedAt: string | null;
}

const REVIEW_COLUMNS = `workflow_id, customer_id, seq, trigger, reasons, status, currency, requested_limit, application, bureau, scorecard, policy_version,
  risk_class, recommended_limit, approver, task_id, outcome, approved_limit, previous_limit, decided_by, decision_comment,
  to_char(next_review_date, 'YYYY-MM-DD') AS next_review_date, requested_by, started_at, decided_at`;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toView(r: Record<string, unknown>): ReviewView {
  return {
    workflowId: String(r.workflow_id),
    customerId: String(r.customer_id),
    seq: Number(r.seq),
    trigger: r.trigger as ReviewTrigger,
    reasons: (r.reasons as string[]) ?? [],
    status: r.status as ReviewView['status'],
    currency: String(r.currency),
    requestedLimit: num(r.requested_limit),
    application: (r.application as CreditApplication | null) ?? null,
    bureau: (r.bureau as ReviewView['bureau']) ?? null,
    scorecard: (r.scorecard as ScorecardResult | null) ?? null,
    policyVersion: (r.policy_version as string | null) ?? null,
    riskClass: (r.risk_class as RiskClass | null) ?? null,
    recommendedLimit: num(r.recommended_limit),
    approver: (r.approver as string | null) ?? null,
    taskId: (r.task_id as string | null) ?? null,
    outcome: (r.outcome as ReviewView['outcome']) ?? null,
    approvedLimit: num(r.approved_limit),
    previousLimit: num(r.previous_limit),
    decidedBy: (r.decided_by as string | null) ?? null,
    decisionComment: (r.decision_comment as string | null) ?? null,
    nextReviewDate: (r.next_review_date as string | null) ?? null,
    requestedBy: String(r.requested_by),
    startedAt: new Date(r.started_at as string).toISOString(),
    decidedAt: r.decided_at ? new Date(r.decided_at as string).toISOString() : null,
  };
}

export async function findReview(em: EntityManager, workflowId: string): Promise<ReviewView | null> {
  const [row] = await em.execute<Record<string, unknown>[]>(
    `SELECT ${REVIEW_COLUMNS} FROM credit_review WHERE workflow_id = ?`,
    [workflowId],
  );
  return row ? toView(row) : null;
}

/** Newest first; `beforeSeq` is the keyset cursor. */
export async function listReviews(
  em: EntityManager,
  customerId: string,
  limit: number,
  beforeSeq?: number,
  options: { decidedOnly?: boolean } = {},
): Promise<ReviewView[]> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `SELECT ${REVIEW_COLUMNS} FROM credit_review WHERE customer_id = ? AND (?::int IS NULL OR seq < ?::int) ${options.decidedOnly ? `AND status = 'decided'` : ''}
      ORDER BY seq DESC LIMIT ?`,
    [customerId, beforeSeq ?? null, beforeSeq ?? null, limit],
  );
  return rows.map(toView);
}
