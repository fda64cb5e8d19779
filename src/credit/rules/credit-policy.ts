// Credit policy as data: the scorecard (rules, points and weights of the 5 C's), risk classes with their limit
// rules and review frequencies, the approval authority matrix, bureau freshness and the hold rules. A policy has a
// version label; each review records the whole policy it decided with, so a later reader sees why.
import {
  approvalCeilingProblems,
  ceilingsFor,
  DEFAULT_APPROVAL_CEILINGS,
  DEFAULT_CREDIT_NOTE_APPROVAL_ABOVE,
  type ApprovalCeilings,
  type ApprovalThresholds,
} from '../../tasks/rules/approval-authority.js';
import { isDuration } from '../../shared/duration.js';
import { isQueueName, MANAGER_QUEUE } from '../../tasks/rules/task-duties.js';

export const FIVE_CS = ['character', 'capacity', 'capital', 'collateral', 'conditions'] as const;
export type CreditC = (typeof FIVE_CS)[number];

/** The measured inputs a rule can look at (see `scorecardMetrics`). Ratios are in basis points (2.2 = 22000). */
export const CREDIT_METRICS = [
  'paymentHistory', // own history: early | on_time | late | none
  'tradeReferences', // worst reported behaviour of the trade references: early | on_time | late | none
  'bureauScore', // 0..100
  'yearsInBusiness',
  'currentRatioBp', // current assets / current liabilities
  'cashFlowCoverageBp', // operating cash flow / current liabilities
  'debtToAssetsBp', // total liabilities / total assets
  'netWorthToRequestedBp', // net worth / requested limit
  'collateralCoverageBp', // collateral value / requested limit
  'industryRisk', // low | medium | high
] as const;
export type CreditMetric = (typeof CREDIT_METRICS)[number];

/** One band of a rule. Numeric bounds are inclusive (atLeast/atMost) or strict (above/below); `equals` matches a label. */
export interface ScoreBand {
  label: string;
  points: number;
  equals?: string;
  above?: number;
  atLeast?: number;
  below?: number;
  atMost?: number;
}

/** A rule scores one metric for one C; the first matching band gives the points, none matching gives 0. */
export interface ScoreRule {
  id: string;
  c: CreditC;
  metric: CreditMetric;
  bands: ScoreBand[];
}

export type RiskClass = 'low' | 'medium' | 'high';

export interface RiskClassRule {
  riskClass: RiskClass;
  /** Lowest weighted score (points x weight percent) for this class; the last class should have null (any score). */
  minWeightedScore: number | null;
  /** The recommended limit is at most this share of the requested limit (basis points). */
  limitOfRequestedBp: number;
  /** ... and at most this share of the net worth (basis points); unknown or negative net worth gives no unsecured limit. */
  limitOfNetWorthBp: number;
  /** ISO-8601 duration until the next periodic review. */
  reviewEvery: string;
}

/** Approval levels by the amount of the new limit (minor units). `upTo: null` is the top level. */
export interface AuthorityLevel {
  upTo: number | null;
  /** `auto` approves without a person; otherwise the role whose queue gets the approval task. */
  approver: 'auto' | 'credit_manager' | 'finance_director';
}

export interface CreditPolicy {
  version: string;
  scorecard: { weights: Record<CreditC, number>; rules: ScoreRule[] };
  riskClasses: RiskClassRule[];
  /** Per currency (ISO 4217), `*` for any other currency. */
  authority: Record<string, AuthorityLevel[]>;
  /**
   * The most each role may approve alone, per currency, on every approval task (credit limits, overrides of held
   * invoices, write-offs); above the highest, two different people of the top role (src/tasks/rules/approval-authority.ts).
   * Absent in policies recorded before ceilings existed: the defaults apply.
   */
  approvalCeilings?: ApprovalCeilings;
  /** A credit note above this (minor units per currency, `*` for others) waits for an approval task; absent: defaults. */
  creditNoteApprovalAbove?: ApprovalThresholds;
  /** The registered bureau provider to pull reports from (`builtin`: the deterministic provider). */
  bureauProvider: string;
  /** A bureau report younger than this is reused instead of pulled again. */
  bureauMaxAge: string;
  /** Time for the approver to decide an approval task (SLA). */
  approvalSla: string;
  /** Time for a credit override of a held invoice (SLA). */
  overrideSla: string;
  /**
   * Where a credit override, credit approval or credit note approval still open at its deadline (the SLA above) moves
   * once. Absent in policies recorded before deadlines escalated: the finance director's queue.
   */
  taskEscalationQueue?: string;
  /** An invoice that would take exposure this far above the limit (basis points of the limit) triggers an early review. */
  earlyReviewOverLimitBp: number;
  /** Days beyond terms rising by at least this many days since the last review triggers an early review. */
  earlyReviewDbtRiseDays: number;
  /** Broken promises rising by at least this many since the last review triggers an early review (0 disables). */
  earlyReviewBrokenPromises: number;
  /** Rising days beyond terms starts an early review at most once per this duration (absent in older policies: P30D). */
  earlyReviewMinInterval?: string;
  /** Own payment history: paid on average this many days before the due date counts as early, after this many as late. */
  paymentHistory: { earlyByDays: number; lateByDays: number };
}

const behaviour = (early: number, onTime: number, late: number): ScoreBand[] => [
  { label: 'pays early', equals: 'early', points: early },
  { label: 'pays on time', equals: 'on_time', points: onTime },
  { label: 'pays late', equals: 'late', points: late },
];

/** The point rules used in practice (payment history, years in business, current ratio, debt/assets) plus the other C's. */
export const DEFAULT_CREDIT_POLICY: CreditPolicy = {
  version: 'credit-2026.1',
  scorecard: {
    weights: { character: 30, capacity: 25, capital: 25, collateral: 10, conditions: 10 },
    rules: [
      { id: 'payment-history', c: 'character', metric: 'paymentHistory', bands: behaviour(10, 5, -5) },
      { id: 'trade-references', c: 'character', metric: 'tradeReferences', bands: behaviour(5, 3, -5) },
      {
        id: 'bureau-score',
        c: 'character',
        metric: 'bureauScore',
        bands: [
          { label: 'bureau score 80 or more', atLeast: 80, points: 10 },
          { label: 'bureau score 60-79', atLeast: 60, points: 5 },
          { label: 'bureau score below 40', below: 40, points: -10 },
        ],
      },
      {
        id: 'years-in-business',
        c: 'character',
        metric: 'yearsInBusiness',
        bands: [
          { label: 'under 3 years', below: 3, points: 0 },
          { label: '3-10 years', atMost: 10, points: 5 },
          { label: 'over 10 years', above: 10, points: 10 },
        ],
      },
      {
        id: 'current-ratio',
        c: 'capacity',
        metric: 'currentRatioBp',
        bands: [
          { label: 'current ratio above 2.2', above: 22000, points: 10 },
          { label: 'current ratio 1.5-2.2', atLeast: 15000, points: 5 },
        ],
      },
      {
        id: 'cash-flow-coverage',
        c: 'capacity',
        metric: 'cashFlowCoverageBp',
        bands: [
          { label: 'cash flow covers 40% or more of current liabilities', atLeast: 4000, points: 5 },
          { label: 'cash flow covers under 10% of current liabilities', below: 1000, points: -5 },
        ],
      },
      {
        id: 'debt-to-assets',
        c: 'capital',
        metric: 'debtToAssetsBp',
        bands: [
          { label: 'debt/assets under 30%', below: 3000, points: 10 },
          { label: 'debt/assets above 50%', above: 5000, points: -5 },
        ],
      },
      {
        id: 'net-worth',
        c: 'capital',
        metric: 'netWorthToRequestedBp',
        bands: [
          { label: 'net worth 10x the requested limit or more', atLeast: 100000, points: 10 },
          { label: 'net worth 3x the requested limit or more', atLeast: 30000, points: 5 },
          { label: 'net worth below the requested limit', below: 10000, points: -5 },
        ],
      },
      {
        id: 'collateral',
        c: 'collateral',
        metric: 'collateralCoverageBp',
        bands: [
          { label: 'collateral covers the requested limit', atLeast: 10000, points: 10 },
          { label: 'collateral covers half the requested limit', atLeast: 5000, points: 5 },
        ],
      },
      {
        id: 'industry',
        c: 'conditions',
        metric: 'industryRisk',
        bands: [
          { label: 'low-risk industry', equals: 'low', points: 5 },
          { label: 'high-risk industry', equals: 'high', points: -5 },
        ],
      },
    ],
  },
  riskClasses: [
    {
      riskClass: 'low',
      minWeightedScore: 1000,
      limitOfRequestedBp: 10000,
      limitOfNetWorthBp: 1000,
      reviewEvery: 'P1Y',
    },
    {
      riskClass: 'medium',
      minWeightedScore: 400,
      limitOfRequestedBp: 7500,
      limitOfNetWorthBp: 500,
      reviewEvery: 'P3M',
    },
    { riskClass: 'high', minWeightedScore: null, limitOfRequestedBp: 2500, limitOfNetWorthBp: 200, reviewEvery: 'P1M' },
  ],
  authority: {
    '*': [
      { upTo: 1_000_000, approver: 'auto' },
      { upTo: 5_000_000, approver: 'credit_manager' },
      { upTo: null, approver: 'finance_director' },
    ],
    // Currencies without minor units carry the same thresholds in whole units.
    JPY: [
      { upTo: 10_000, approver: 'auto' },
      { upTo: 50_000, approver: 'credit_manager' },
      { upTo: null, approver: 'finance_director' },
    ],
  },
  approvalCeilings: DEFAULT_APPROVAL_CEILINGS,
  creditNoteApprovalAbove: DEFAULT_CREDIT_NOTE_APPROVAL_ABOVE,
  bureauProvider: 'builtin',
  bureauMaxAge: 'P6M',
  approvalSla: 'P2D',
  overrideSla: 'P1D',
  taskEscalationQueue: MANAGER_QUEUE,
  earlyReviewOverLimitBp: 2000,
  earlyReviewDbtRiseDays: 15,
  earlyReviewBrokenPromises: 1,
  earlyReviewMinInterval: 'P30D',
  paymentHistory: { earlyByDays: 2, lateByDays: 3 },
};

/** Every problem of a policy (empty when valid); start-up and workflows refuse an invalid policy. */
export function creditPolicyProblems(policy: CreditPolicy): string[] {
  const problems: string[] = [];
  for (const d of ['bureauMaxAge', 'approvalSla', 'overrideSla'] as const)
    if (!isDuration(policy[d])) problems.push(`${d} must be an ISO-8601 duration`);
  if (policy.taskEscalationQueue !== undefined && !isQueueName(policy.taskEscalationQueue))
    problems.push('taskEscalationQueue must be a queue name (lower-case letters, digits, . _ -)');
  if (policy.earlyReviewMinInterval !== undefined && !isDuration(policy.earlyReviewMinInterval))
    problems.push('earlyReviewMinInterval must be an ISO-8601 duration');
  for (const c of FIVE_CS) {
    const w = policy.scorecard.weights[c];
    if (!Number.isInteger(w) || w < 0) problems.push(`scorecard.weights.${c} must be a whole non-negative percentage`);
  }
  policy.scorecard.rules.forEach((rule, i) => {
    if (!FIVE_CS.includes(rule.c)) problems.push(`scorecard.rules[${i}].c is not one of the 5 C's`);
    if (!CREDIT_METRICS.includes(rule.metric))
      problems.push(`scorecard.rules[${i}].metric "${rule.metric}" is unknown`);
  });
  if (!policy.riskClasses.length || policy.riskClasses[policy.riskClasses.length - 1]!.minWeightedScore !== null) {
    problems.push('riskClasses must end with a class whose minWeightedScore is null');
  }
  for (const rc of policy.riskClasses)
    if (!isDuration(rc.reviewEvery))
      problems.push(`riskClasses.${rc.riskClass}.reviewEvery must be an ISO-8601 duration`);
  for (const [currency, levels] of Object.entries(policy.authority)) {
    if (!levels.length || levels[levels.length - 1]!.upTo !== null)
      problems.push(`authority.${currency} must end with a level whose upTo is null`);
    for (let i = 1; i < levels.length; i++) {
      const prev = levels[i - 1]!.upTo;
      const cur = levels[i]!.upTo;
      if (prev === null || (cur !== null && cur <= prev)) problems.push(`authority.${currency} levels must rise`);
    }
  }
  if (!policy.authority['*']) problems.push('authority needs a "*" entry for other currencies');
  // The matrix must not route a limit to someone who may not approve it: each person's level stays within their
  // ceiling. Policies recorded before ceilings were policy data (in running reviews' histories) are not re-judged.
  const ceilings = policy.approvalCeilings;
  if (ceilings) problems.push(...approvalCeilingProblems(ceilings));
  for (const [currency, above] of Object.entries(policy.creditNoteApprovalAbove ?? {})) {
    if (!Number.isSafeInteger(above) || above < 0)
      problems.push(`creditNoteApprovalAbove.${currency} must be whole minor units, 0 or more`);
  }
  for (const [currency, levels] of ceilings ? Object.entries(policy.authority) : []) {
    const table = new Map(ceilingsFor(ceilings!, currency));
    for (const level of levels) {
      if (level.approver === 'auto' || level.upTo === null) continue;
      const ceiling = table.get(level.approver);
      if (ceiling === undefined || level.upTo > ceiling)
        problems.push(
          `authority.${currency} routes up to ${level.upTo} to ${level.approver}, above its approval ceiling (${ceiling ?? 'none'})`,
        );
    }
  }
  return problems;
}

/** The ceilings in force under a policy (the defaults for policies recorded before ceilings were policy data). */
export function approvalCeilingsOf(policy: Pick<CreditPolicy, 'approvalCeilings'>): ApprovalCeilings {
  return policy.approvalCeilings ?? DEFAULT_APPROVAL_CEILINGS;
}

/** Above what a credit note waits for an approval, under a policy. */
export function creditNoteApprovalAboveOf(policy: Pick<CreditPolicy, 'creditNoteApprovalAbove'>): ApprovalThresholds {
  return policy.creditNoteApprovalAbove ?? DEFAULT_CREDIT_NOTE_APPROVAL_ABOVE;
}

/** The inbox queue of an approver role: `credit_manager` -> `credit-manager`. */
export function approvalQueue(approver: Exclude<AuthorityLevel['approver'], 'auto'>): string {
  return approver.replace('_', '-');
}

/** Where credit tasks still open at their deadline move to, under a policy. */
export function taskEscalationQueueOf(policy: Pick<CreditPolicy, 'taskEscalationQueue'>): string {
  return policy.taskEscalationQueue ?? MANAGER_QUEUE;
}

/** The queue of credit override tasks (held invoices). */
export const CREDIT_OVERRIDE_QUEUE = 'credit';

export function validateCreditPolicy(policy: CreditPolicy): void {
  const problems = creditPolicyProblems(policy);
  if (problems.length) throw new Error(`invalid credit policy ${policy.version}: ${problems.join('; ')}`);
}
