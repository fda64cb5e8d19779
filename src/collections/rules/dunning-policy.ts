// A dunning policy as data: the ordered escalation levels (reminder -> demand -> final notice -> legal in the seeded
// SOP, but the names are data), the pre-due courtesy reminder, promise-to-pay limits and the write-off proposal. Every
// duration is an ISO-8601 string, so a staging policy can run the whole ladder in seconds (PT5S). Stored versioned;
// each collection workflow records the version it runs in its history.
import { addDuration, isDuration } from '../../shared/duration.js';
import { isQueueName } from '../../tasks/rules/task-duties.js';
import type { FieldProblem } from '../../shared/field-problem.js';

export const DUNNING_CHANNELS = ['email', 'letter', 'sms'] as const;
export type DunningChannel = (typeof DUNNING_CHANNELS)[number];

export const DUNNING_ACTIONS = ['collector_task', 'credit_hold', 'agency_handover'] as const;
export type DunningAction = (typeof DUNNING_ACTIONS)[number];

export const DAY_COUNT_BASES = [360, 365] as const;
export type DayCountBasis = (typeof DAY_COUNT_BASES)[number];

export interface LateFeeRule {
  /** A fixed charge in minor units of the invoice's currency (e.g. 4000 = 40.00 EUR compensation), or 0. */
  fixed: number;
  /** Simple interest on the unpaid principal for the days the invoice is past due; null for none. */
  interest: { annualRateBp: number; basis: DayCountBasis } | null;
}

export interface LevelTrigger {
  /** How long the oldest overdue invoice has been past due (ISO duration), or null. */
  pastDueFor: string | null;
  /** Overdue total (minor units, customer currency) strictly above which the level applies, or null. */
  overdueAbove: number | null;
  /** With both conditions set: `any` (either suffices) or `all` (both must hold). */
  match: 'any' | 'all';
}

export interface DunningLevel {
  name: string;
  trigger: LevelTrigger;
  /** Contact frequency while at this level (the first contact goes out on entering it). */
  contactEvery: string;
  channels: DunningChannel[];
  /** Handlebars template name under src/templates/ (`<template>.subject.hbs` etc.). */
  template: string;
  lateFee: LateFeeRule | null;
  actions: DunningAction[];
}

export interface DunningPolicy {
  code: string;
  version: number;
  name: string;
  /** Courtesy reminder before the due date (confirm receipt); null sends none. */
  courtesyReminder: { before: string } | null;
  levels: DunningLevel[];
  promise: { maxAhead: string; grace: string; maxOpen: number };
  /** After the last level has run this long, a write-off proposal goes to the collector queue. */
  writeOff: { after: string; sla: string };
  /** Task inbox queue and SLA of the collector tasks the policy creates. */
  collectorQueue: string;
  collectorTaskSla: string;
  /**
   * Where a collector task (SLA above) or a write-off proposal (`writeOff.sla`) still open at its deadline moves once.
   * Optional: policies stored before deadlines escalated carry none and get the manager's queue.
   */
  managerQueue?: string;
}

/** The policy body as stored and sent (`PUT /policies/dunning/:code`): everything but code and version. */
export type DunningPolicyBody = Omit<DunningPolicy, 'code' | 'version'>;

/** Orders two durations by their length from a fixed instant (calendar units counted from 2001-01-01). */
const ANCHOR = new Date('2001-01-01T00:00:00Z');
export function durationOrder(a: string, b: string): number {
  return addDuration(ANCHOR, a).getTime() - addDuration(ANCHOR, b).getTime();
}

const TEMPLATE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const LEVEL_NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** Everything wrong with a policy body, each with the JSON pointer of the field; empty when valid. */
export function dunningPolicyProblems(body: DunningPolicyBody): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const duration = (pointer: string, value: string) => {
    if (!isDuration(value))
      problems.push({ pointer, detail: `"${value}" is not an ISO-8601 duration (e.g. P7D, PT5S)` });
    return isDuration(value);
  };
  if (body.courtesyReminder) duration('/courtesyReminder/before', body.courtesyReminder.before);
  duration('/promise/maxAhead', body.promise.maxAhead);
  duration('/promise/grace', body.promise.grace);
  duration('/writeOff/after', body.writeOff.after);
  duration('/writeOff/sla', body.writeOff.sla);
  duration('/collectorTaskSla', body.collectorTaskSla);
  if (body.managerQueue !== undefined && !isQueueName(body.managerQueue))
    problems.push({ pointer: '/managerQueue', detail: 'must be a queue name (lower-case letters, digits, . _ -)' });
  if (!Number.isInteger(body.promise.maxOpen) || body.promise.maxOpen < 1)
    problems.push({ pointer: '/promise/maxOpen', detail: 'must be a positive integer' });
  if (body.levels.length === 0) problems.push({ pointer: '/levels', detail: 'a policy needs at least one level' });

  const names = new Set<string>();
  let previous: { pastDueFor: string | null; overdueAbove: number | null } | undefined;
  body.levels.forEach((level, i) => {
    const at = `/levels/${i}`;
    if (!LEVEL_NAME.test(level.name))
      problems.push({ pointer: `${at}/name`, detail: 'must be lower_snake_case, e.g. final_notice' });
    if (names.has(level.name)) problems.push({ pointer: `${at}/name`, detail: `level "${level.name}" appears twice` });
    names.add(level.name);
    if (!TEMPLATE_NAME.test(level.template))
      problems.push({ pointer: `${at}/template`, detail: 'must be a template name like dunning-demand' });
    const everyOk = duration(`${at}/contactEvery`, level.contactEvery);
    if (everyOk && durationOrder(level.contactEvery, 'P0D') <= 0)
      problems.push({ pointer: `${at}/contactEvery`, detail: 'must be longer than zero' });
    if (level.channels.length === 0) problems.push({ pointer: `${at}/channels`, detail: 'name at least one channel' });
    if (new Set(level.channels).size !== level.channels.length)
      problems.push({ pointer: `${at}/channels`, detail: 'names a channel twice' });
    if (new Set(level.actions).size !== level.actions.length)
      problems.push({ pointer: `${at}/actions`, detail: 'names an action twice' });
    const { pastDueFor, overdueAbove } = level.trigger;
    if (pastDueFor === null && overdueAbove === null)
      problems.push({ pointer: `${at}/trigger`, detail: 'set pastDueFor, overdueAbove or both' });
    const pastDueOk = pastDueFor === null || duration(`${at}/trigger/pastDueFor`, pastDueFor);
    if (overdueAbove !== null && (!Number.isSafeInteger(overdueAbove) || overdueAbove < 0)) {
      problems.push({ pointer: `${at}/trigger/overdueAbove`, detail: 'must be a non-negative integer of minor units' });
    }
    if (level.lateFee) {
      const { fixed, interest } = level.lateFee;
      if (!Number.isSafeInteger(fixed) || fixed < 0)
        problems.push({ pointer: `${at}/lateFee/fixed`, detail: 'must be a non-negative integer of minor units' });
      if (
        interest &&
        (!Number.isInteger(interest.annualRateBp) || interest.annualRateBp <= 0 || interest.annualRateBp > 100_000)
      ) {
        problems.push({
          pointer: `${at}/lateFee/interest/annualRateBp`,
          detail: 'must be an integer of basis points between 1 and 100000',
        });
      }
      if (interest && !(DAY_COUNT_BASES as readonly number[]).includes(interest.basis))
        problems.push({ pointer: `${at}/lateFee/interest/basis`, detail: 'must be 360 or 365' });
      if (fixed === 0 && !interest)
        problems.push({
          pointer: `${at}/lateFee`,
          detail: 'a late fee needs a fixed amount or interest (or set lateFee to null)',
        });
    }
    // Levels escalate: each one must not trigger earlier (or at a lower amount) than the one before it.
    if (previous && pastDueOk) {
      if (
        previous.pastDueFor !== null &&
        pastDueFor !== null &&
        isDuration(previous.pastDueFor) &&
        durationOrder(pastDueFor, previous.pastDueFor) <= 0
      ) {
        problems.push({
          pointer: `${at}/trigger/pastDueFor`,
          detail: `levels are out of order: ${pastDueFor} is not later than the previous level's ${previous.pastDueFor}`,
        });
      }
      if (previous.pastDueFor !== null && pastDueFor === null && overdueAbove === null)
        problems.push({ pointer: `${at}/trigger`, detail: 'levels are out of order' });
      if (previous.overdueAbove !== null && overdueAbove !== null && overdueAbove < previous.overdueAbove) {
        problems.push({
          pointer: `${at}/trigger/overdueAbove`,
          detail: `levels are out of order: ${overdueAbove} is below the previous level's ${previous.overdueAbove}`,
        });
      }
    }
    previous = { pastDueFor, overdueAbove };
  });
  return problems;
}

/** The SOP of the domain notes: reminder, then 30+ days weekly, 60+ days daily, legal from 90 days, write-off at 120. */
export const DEFAULT_DUNNING_POLICY_CODE = 'standard';
export const DEFAULT_DUNNING_POLICY: DunningPolicyBody = {
  name: 'Standard collections (reminder, demand, final notice, legal)',
  courtesyReminder: { before: 'P3D' },
  levels: [
    {
      name: 'reminder',
      trigger: { pastDueFor: 'P7D', overdueAbove: null, match: 'any' },
      contactEvery: 'P14D',
      channels: ['email'],
      template: 'dunning-reminder',
      lateFee: null,
      actions: [],
    },
    {
      name: 'demand',
      trigger: { pastDueFor: 'P30D', overdueAbove: null, match: 'any' },
      contactEvery: 'P7D',
      channels: ['email'],
      template: 'dunning-demand',
      lateFee: { fixed: 4000, interest: null },
      actions: ['collector_task'],
    },
    {
      name: 'final_notice',
      trigger: { pastDueFor: 'P60D', overdueAbove: null, match: 'any' },
      contactEvery: 'P1D',
      channels: ['email', 'letter'],
      template: 'dunning-final-notice',
      lateFee: { fixed: 0, interest: { annualRateBp: 1200, basis: 365 } },
      actions: ['collector_task', 'credit_hold'],
    },
    {
      name: 'legal',
      trigger: { pastDueFor: 'P90D', overdueAbove: null, match: 'any' },
      contactEvery: 'P7D',
      channels: ['email', 'letter'],
      template: 'dunning-legal',
      lateFee: null,
      actions: ['agency_handover'],
    },
  ],
  promise: { maxAhead: 'P30D', grace: 'P3D', maxOpen: 1 },
  writeOff: { after: 'P30D', sla: 'P5D' },
  collectorQueue: 'collections',
  collectorTaskSla: 'P2D',
};
