// Queries of the credit review workflow `credit-review-<customerId>-<n>`; the API imports these definitions only.
import { defineQuery } from '@temporalio/workflow';
import type { ScorecardResult } from '../../src/credit/rules/credit-scorecard.js';

export interface CreditReviewState {
  workflowId: string;
  customerId: string;
  seq: number;
  trigger: 'application' | 'periodic' | 'early';
  reasons: string[];
  phase: 'gathering' | 'awaiting_approval' | 'deciding' | 'decided';
  policyVersion: string;
  scorecard: ScorecardResult | null;
  approver: 'auto' | 'credit_manager' | 'finance_director' | null;
  taskId: string | null;
  decision: {
    outcome: 'approved' | 'rejected';
    limit: number | null;
    decidedBy: string;
    comment: string | null;
    nextReviewDate: string;
  } | null;
}

export const creditReviewStateQuery = defineQuery<CreditReviewState>('creditReviewState');
