// Policy data of the dispute workflow: who acknowledges, where each category is routed, how long a resolution may take
// in business time, how long the customer has to answer a question, and the calendar those clocks run on. It travels
// as workflow input, so each dispute's history records the policy that decided it. Durations are ISO-8601; the
// business-time ones (resolutionSla, infoReplyWithin) count only business days (P10D = ten business days), and a
// staging policy may say PT30S.
import {
  calendarProblems,
  DEFAULT_CALENDAR,
  businessDurationMs,
  type BusinessCalendar,
} from '../../shared/business-days.js';
import { DISPUTE_CATEGORIES, type DisputeCategory } from './dispute.js';
import { isDuration } from '../../shared/duration.js';
import type { FieldProblem } from '../../shared/field-problem.js';

export interface DisputePolicy {
  version: string;
  acknowledgement: {
    /** True: a person confirms the acknowledgement (a task with `sla`); false: the engine acknowledges at once. */
    needsPerson: boolean;
    /** Calendar-time SLA of the acknowledgement task (24 hours by default). */
    sla: string;
    queue: string;
  };
  /** Business time to resolve a dispute; the clock pauses while the customer is asked for information. */
  resolutionSla: string;
  /** Business time the customer has to answer a request for information before the task returns to the handler. */
  infoReplyWithin: string;
  /** Department queue per category. */
  routing: Record<DisputeCategory, string>;
  /** Where a dispute's task goes when the resolution SLA is breached. */
  managerQueue: string;
  /** Who is e-mailed on a breach. */
  managerEmail: string;
  calendar: BusinessCalendar;
  /** Calendar time after the end of an instalment's due day before a missing payment counts as missed. */
  instalmentGrace: string;
}

export const DEFAULT_DISPUTE_POLICY: DisputePolicy = {
  version: 'default-1',
  acknowledgement: { needsPerson: false, sla: 'PT24H', queue: 'disputes-intake' },
  resolutionSla: 'P10D',
  infoReplyWithin: 'P5D',
  routing: {
    pricing: 'disputes-billing',
    quantity: 'disputes-fulfilment',
    quality: 'disputes-quality',
    delivery: 'disputes-fulfilment',
    documentation: 'disputes-billing',
    other: 'disputes-general',
  },
  managerQueue: 'disputes-managers',
  managerEmail: 'disputes-managers@example.com',
  calendar: DEFAULT_CALENDAR,
  instalmentGrace: 'P0D',
};

const QUEUE = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** Every problem with a policy as (pointer, detail); empty when valid. */
export function disputePolicyProblems(policy: DisputePolicy): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const calendarDuration = (pointer: string, value: string) => {
    if (!isDuration(value)) problems.push({ pointer, detail: 'must be an ISO-8601 duration such as P1D or PT30S' });
  };
  const businessDuration = (pointer: string, value: string) => {
    if (!isDuration(value))
      return problems.push({ pointer, detail: 'must be an ISO-8601 duration such as P10D or PT30S' });
    try {
      if (businessDurationMs(value) <= 0) problems.push({ pointer, detail: 'must be longer than zero' });
    } catch {
      problems.push({ pointer, detail: 'business time counts days, hours, minutes and seconds, not months or years' });
    }
    return undefined;
  };
  const queue = (pointer: string, value: string) => {
    if (!QUEUE.test(value))
      problems.push({ pointer, detail: 'must be a queue name (lower-case letters, digits, . _ -)' });
  };
  if (!policy.version) problems.push({ pointer: '/version', detail: 'must not be empty' });
  calendarDuration('/acknowledgement/sla', policy.acknowledgement.sla);
  queue('/acknowledgement/queue', policy.acknowledgement.queue);
  businessDuration('/resolutionSla', policy.resolutionSla);
  businessDuration('/infoReplyWithin', policy.infoReplyWithin);
  calendarDuration('/instalmentGrace', policy.instalmentGrace);
  for (const category of DISPUTE_CATEGORIES) {
    const target = policy.routing[category];
    if (target === undefined)
      problems.push({ pointer: `/routing/${category}`, detail: 'every category needs a queue' });
    else queue(`/routing/${category}`, target);
  }
  queue('/managerQueue', policy.managerQueue);
  if (!/^[^@\s]+@[^@\s]+$/.test(policy.managerEmail))
    problems.push({ pointer: '/managerEmail', detail: 'must be an e-mail address' });
  problems.push(...calendarProblems(policy.calendar).map((p) => ({ ...p, pointer: `/calendar${p.pointer}` })));
  return problems;
}

/** Parses `pricing=disputes-billing,quality=disputes-quality` over the default routing (unknown categories refused). */
export function parseRouting(text: string, base: Record<DisputeCategory, string>): Record<DisputeCategory, string> {
  const routing = { ...base };
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [category, queue] = pair.split('=').map((s) => s.trim());
    if (!category || !queue || !(DISPUTE_CATEGORIES as readonly string[]).includes(category)) {
      throw new RangeError(`"${pair}" is not category=queue with a category among ${DISPUTE_CATEGORIES.join(', ')}`);
    }
    routing[category as DisputeCategory] = queue;
  }
  return routing;
}

export function queueFor(category: DisputeCategory, policy: DisputePolicy): string {
  return policy.routing[category];
}
