// Policy data of the per-payment cash-application workflow. It travels as workflow input, so the history records
// which policy decided each payment. Durations are ISO-8601 (PT48H in production, seconds in tests).
import { DEFAULT_MATCH_POLICY, referencePatternProblem, type MatchPolicy } from './cash-matching.js';
import { isDuration } from '../../shared/duration.js';
import { isQueueName, MANAGER_QUEUE } from '../../tasks/rules/task-duties.js';
import type { FieldProblem } from '../../shared/field-problem.js';

export interface CashApplicationPolicy {
  /** Unapplied cash or credit older than this (from receipt) raises a research task. */
  researchAfter: string;
  /** How long the research task may stay open before it is late (its SLA, and its deadline). */
  researchSla: string;
  /**
   * Where a research task still open at its deadline moves once. Optional: policies recorded before deadlines
   * escalated carry none and get the manager's queue.
   */
  researchEscalateTo?: string;
  match: MatchPolicy;
  /**
   * How long after its workflow starts a payment row may still be invisible: the API starts the workflow inside the
   * transaction that inserts the payment, so the first attempt can run before that commit. Past this, the insert rolled
   * back. Optional: histories started before it existed carry no value and get the default.
   */
  recordVisibleWithin?: string;
}

export const DEFAULT_CASH_APPLICATION_POLICY: CashApplicationPolicy = {
  researchAfter: 'PT48H',
  researchSla: 'P1D',
  researchEscalateTo: MANAGER_QUEUE,
  match: DEFAULT_MATCH_POLICY,
  recordVisibleWithin: 'PT2M',
};

/** Every problem with a policy, as (pointer, detail); empty when valid. */
export function cashApplicationPolicyProblems(policy: CashApplicationPolicy): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!isDuration(policy.researchAfter))
    problems.push({ pointer: '/researchAfter', detail: 'must be an ISO-8601 duration' });
  if (!isDuration(policy.researchSla))
    problems.push({ pointer: '/researchSla', detail: 'must be an ISO-8601 duration' });
  if (policy.researchEscalateTo !== undefined && !isQueueName(policy.researchEscalateTo))
    problems.push({
      pointer: '/researchEscalateTo',
      detail: 'must be a queue name (lower-case letters, digits, . _ -)',
    });
  if (policy.recordVisibleWithin !== undefined && !isDuration(policy.recordVisibleWithin))
    problems.push({ pointer: '/recordVisibleWithin', detail: 'must be an ISO-8601 duration' });
  const pattern = referencePatternProblem(policy.match.referencePattern);
  if (pattern) problems.push({ pointer: '/match/referencePattern', detail: pattern });
  const positive = (pointer: string, value: number, max: number) => {
    if (!Number.isInteger(value) || value < 0 || value > max)
      problems.push({ pointer, detail: `must be an integer from 0 to ${max}` });
  };
  positive('/match/maxCombinationCandidates', policy.match.maxCombinationCandidates, 30);
  positive('/match/maxCombinationSteps', policy.match.maxCombinationSteps, 10_000_000);
  return problems;
}
