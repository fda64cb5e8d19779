// The credit scorecard: a weighted score over the 5 C's from policy rules, a risk class, a recommended limit, the next
// review date and a rationale. Pure: the same inputs and policy always give the same result, and the result carries
// every input, metric, rule, band, point and weight, so a decision can be explained and re-checked later.
import { addDuration } from '../../shared/duration.js';
import {
  FIVE_CS,
  type CreditC,
  type CreditMetric,
  type CreditPolicy,
  type RiskClass,
  type ScoreBand,
} from './credit-policy.js';
import type { Money } from '../../shared/money.js';

export type PaymentBehaviour = 'early' | 'on_time' | 'late' | 'none';

/** Figures from the applicant's financial statements, in minor units of the application currency. */
export interface CreditFinancials {
  revenue?: number;
  netIncome?: number;
  currentAssets?: number;
  currentLiabilities?: number;
  totalAssets?: number;
  totalLiabilities?: number;
  /** When absent: total assets - total liabilities. */
  netWorth?: number;
  operatingCashFlow?: number;
  yearsInBusiness?: number;
}

export interface TradeReference {
  name: string;
  behaviour: Exclude<PaymentBehaviour, 'none'>;
  contact?: string;
  creditLimit?: number;
  yearsKnown?: number;
}

export interface ScorecardInput {
  currency: string;
  requestedLimit: number;
  financials: CreditFinancials;
  tradeReferences: TradeReference[];
  /** The customer's own payment behaviour with us (`none` for a new customer). */
  paymentHistory: PaymentBehaviour;
  /** 0..100; null when no bureau report is available. */
  bureauScore: number | null;
  /** Value of collateral (guarantees, deposits) in minor units; 0 when none. */
  collateralValue: number;
  industryRisk: 'low' | 'medium' | 'high' | null;
  /** Day of the review (YYYY-MM-DD); the next review date counts from it. */
  asOf: string;
}

export type MetricValue = number | string | null;

export interface ScoreLine {
  ruleId: string;
  c: CreditC;
  metric: CreditMetric;
  value: MetricValue;
  /** The band that matched; null when none did (0 points) or the metric is unknown. */
  band: string | null;
  points: number;
  /** The weight (percent) of the rule's C. */
  weight: number;
}

export interface ScorecardResult {
  policyVersion: string;
  inputs: ScorecardInput;
  metrics: Record<CreditMetric, MetricValue>;
  lines: ScoreLine[];
  components: Record<CreditC, { points: number; weight: number; weighted: number }>;
  /** Sum over the C's of points x weight percent (an integer; 1000 = 10.00 weighted points). */
  weightedScore: number;
  riskClass: RiskClass;
  recommendedLimit: Money;
  reviewEvery: string;
  nextReviewDate: string;
  rationale: string[];
}

/** Integer ratio in basis points, or null when the denominator is missing or not positive. */
export function ratioBp(numerator: number | undefined, denominator: number | undefined): number | null {
  if (numerator === undefined || denominator === undefined || denominator <= 0) return null;
  return Math.round((numerator * 10_000) / denominator);
}

export function netWorthOf(f: CreditFinancials): number | null {
  if (f.netWorth !== undefined) return f.netWorth;
  if (f.totalAssets !== undefined && f.totalLiabilities !== undefined) return f.totalAssets - f.totalLiabilities;
  return null;
}

/** The worst behaviour among the trade references (`none` without references). */
export function referencesBehaviour(refs: readonly TradeReference[]): PaymentBehaviour {
  if (!refs.length) return 'none';
  if (refs.some((r) => r.behaviour === 'late')) return 'late';
  if (refs.some((r) => r.behaviour === 'on_time')) return 'on_time';
  return 'early';
}

/** Own payment behaviour from the average days paid after the due date (negative: before), per policy thresholds. */
export function paymentBehaviourOf(
  averageDaysLate: number | null,
  policy: CreditPolicy['paymentHistory'],
): PaymentBehaviour {
  if (averageDaysLate === null) return 'none';
  if (averageDaysLate <= -policy.earlyByDays) return 'early';
  if (averageDaysLate > policy.lateByDays) return 'late';
  return 'on_time';
}

export function scorecardMetrics(input: ScorecardInput): Record<CreditMetric, MetricValue> {
  const f = input.financials;
  const netWorth = netWorthOf(f);
  return {
    paymentHistory: input.paymentHistory,
    tradeReferences: referencesBehaviour(input.tradeReferences),
    bureauScore: input.bureauScore,
    yearsInBusiness: f.yearsInBusiness ?? null,
    currentRatioBp: ratioBp(f.currentAssets, f.currentLiabilities),
    cashFlowCoverageBp: ratioBp(f.operatingCashFlow, f.currentLiabilities),
    debtToAssetsBp: ratioBp(f.totalLiabilities, f.totalAssets),
    netWorthToRequestedBp: netWorth === null ? null : ratioBp(netWorth, input.requestedLimit),
    collateralCoverageBp: ratioBp(input.collateralValue, input.requestedLimit),
    industryRisk: input.industryRisk,
  };
}

export function bandMatches(band: ScoreBand, value: MetricValue): boolean {
  if (value === null) return false;
  if (band.equals !== undefined) return value === band.equals;
  if (typeof value !== 'number') return false;
  if (band.above !== undefined && !(value > band.above)) return false;
  if (band.atLeast !== undefined && !(value >= band.atLeast)) return false;
  if (band.below !== undefined && !(value < band.below)) return false;
  if (band.atMost !== undefined && !(value <= band.atMost)) return false;
  return true;
}

function riskClassRule(policy: CreditPolicy, weightedScore: number) {
  return (
    policy.riskClasses.find((rc) => rc.minWeightedScore === null || weightedScore >= rc.minWeightedScore) ??
    policy.riskClasses[policy.riskClasses.length - 1]!
  );
}

const share = (amount: number, bp: number) => Math.floor((amount * bp) / 10_000);

const formatScore = (weighted: number) => (weighted / 100).toFixed(2);

export function scoreCredit(input: ScorecardInput, policy: CreditPolicy): ScorecardResult {
  const metrics = scorecardMetrics(input);
  const weights = policy.scorecard.weights;
  const lines: ScoreLine[] = policy.scorecard.rules.map((rule) => {
    const value = metrics[rule.metric];
    const band = rule.bands.find((b) => bandMatches(b, value)) ?? null;
    return {
      ruleId: rule.id,
      c: rule.c,
      metric: rule.metric,
      value,
      band: band?.label ?? null,
      points: band?.points ?? 0,
      weight: weights[rule.c],
    };
  });
  const components = Object.fromEntries(
    FIVE_CS.map((c) => {
      const points = lines.filter((l) => l.c === c).reduce((sum, l) => sum + l.points, 0);
      return [c, { points, weight: weights[c], weighted: points * weights[c] }];
    }),
  ) as ScorecardResult['components'];
  const weightedScore = FIVE_CS.reduce((sum, c) => sum + components[c].weighted, 0);
  const rule = riskClassRule(policy, weightedScore);

  // Unsecured part: a share of the request, capped by a share of net worth; the collateral secures up to the request.
  const netWorth = netWorthOf(input.financials);
  const byRequest = share(input.requestedLimit, rule.limitOfRequestedBp);
  const byNetWorth = netWorth === null || netWorth <= 0 ? 0 : share(netWorth, rule.limitOfNetWorthBp);
  const unsecured = Math.min(byRequest, byNetWorth);
  const secured = Math.min(input.collateralValue, input.requestedLimit);
  const recommended = Math.max(0, Math.min(input.requestedLimit, Math.max(unsecured, secured)));
  const nextReviewDate = addDuration(new Date(`${input.asOf}T00:00:00Z`), rule.reviewEvery)
    .toISOString()
    .slice(0, 10);

  const rationale = [
    `Policy ${policy.version}: weighted score ${formatScore(weightedScore)} -> ${rule.riskClass} risk.`,
    ...FIVE_CS.map(
      (c) =>
        `${c}: ${components[c].points} points x ${components[c].weight}%${describe(lines.filter((l) => l.c === c))}`,
    ),
    `Limit: requested ${input.requestedLimit}, ${rule.limitOfRequestedBp / 100}% of request = ${byRequest}, ` +
      `${netWorth === null ? 'net worth unknown' : `${rule.limitOfNetWorthBp / 100}% of net worth ${netWorth} = ${byNetWorth}`}, collateral secures ${secured}; recommended ${recommended} ${input.currency}.`,
    `Next review ${nextReviewDate} (${rule.riskClass} risk reviews every ${rule.reviewEvery}).`,
  ];
  return {
    policyVersion: policy.version,
    inputs: input,
    metrics,
    lines,
    components,
    weightedScore,
    riskClass: rule.riskClass,
    recommendedLimit: { amount: recommended, currency: input.currency },
    reviewEvery: rule.reviewEvery,
    nextReviewDate,
    rationale,
  };
}

function describe(lines: ScoreLine[]): string {
  const fired = lines.filter((l) => l.band !== null);
  if (!fired.length) return ' (no rule matched)';
  return ` (${fired.map((l) => `${l.band} ${l.points >= 0 ? '+' : ''}${l.points}`).join(', ')})`;
}
