import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';

export const CreditReview = defineEntity({
  name: 'CreditReview',
  tableName: 'credit_review',
  properties: {
    workflowId: p.text().primary(),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('credit_review_customer_id_fkey')
        .columnType('uuid'),
    seq: p.integer(),
    trigger: p.text(),
    reasons: p.array().columnType('text[]').defaultRaw("'{}'"),
    requestKey: p.text().nullable(),
    status: p.text().defaultRaw("'open'"),
    currency: p.character().length(3),
    requestedLimit: p.bigint('number').nullable(),
    application: p.json().nullable(),
    bureau: p.json().nullable(),
    scorecard: p.json().nullable(),
    policyVersion: p.text().nullable(),
    riskClass: p.text().nullable(),
    recommendedLimit: p.bigint('number').nullable(),
    approver: p.text().nullable(),
    taskId: p.uuid().nullable(),
    outcome: p.text().nullable(),
    approvedLimit: p.bigint('number').nullable(),
    previousLimit: p.bigint('number').nullable(),
    decidedBy: p.text().nullable(),
    decisionComment: p.text().nullable(),
    nextReviewDate: p.date().nullable(),
    requestedBy: p.text(),
    startedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    decidedAt: p.datetime().columnType('timestamptz').nullable(),
  },
  indexes: [
    {
      name: 'credit_review_customer_idx',
      expression: 'CREATE INDEX credit_review_customer_idx ON public.credit_review USING btree (customer_id, seq DESC)',
    },
  ],
  uniques: [
    { name: 'credit_review_customer_id_seq_key', properties: ['customerId', 'seq'] },
    { name: 'credit_review_request_key_key', properties: ['requestKey'] },
  ],
  checks: [
    { name: 'credit_review_approved_limit_check', expression: 'approved_limit >= 0' },
    { name: 'credit_review_outcome_check', expression: "\"outcome\" in ('approved', 'rejected')" },
    { name: 'credit_review_requested_limit_check', expression: 'requested_limit >= 0' },
    { name: 'credit_review_risk_class_check', expression: "\"risk_class\" in ('low', 'medium', 'high')" },
    { name: 'credit_review_seq_check', expression: 'seq > 0' },
    {
      name: 'credit_review_status_check',
      expression: "\"status\" in ('open', 'awaiting_approval', 'decided', 'failed')",
    },
    { name: 'credit_review_trigger_check', expression: "\"trigger\" in ('application', 'periodic', 'early')" },
  ],
});
