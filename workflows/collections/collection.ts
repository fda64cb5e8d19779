// The collection of one customer, `collection-<customerId>`: started (signal-with-start) when an invoice turns overdue,
// it escalates level by level on durable timers, contacts the customer at the current level's frequency, charges each
// level's late fee once per invoice, runs the level's actions, honours promises to pay, proposes a write-off after the
// last level, and ends when nothing is overdue. Every decision reads the documents' aggregates through one activity,
// so payments and disputes only need to say "look again". The policy (and its version) is input, recorded in history.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { CollectionActivities } from '../../activities/collections/collection.js';
import { withChargedFees } from '../../src/collections/rules/dunning-fees.js';
import { addDuration } from '../../src/shared/duration.js';
import type { DunningPolicy } from '../../src/collections/rules/dunning-policy.js';
import {
  contactDue,
  invoicesDueForFee,
  nextEscalationAt,
  promiseDeadline,
  promiseKept,
  promiseProblems,
  selectLevel,
} from '../../src/collections/rules/dunning.js';
import { countFromHandOver, isSubDayLadder } from '../../src/collections/rules/ladder-clock.js';
import { outcomeProblems, type FieldProblem, type TaskCompletion } from '../../src/tasks/rules/tasks.js';
import type { CollectionFacts } from '../../src/collections/store/facts.js';
import {
  collectionAccountChangedSignal,
  collectionStateQuery,
  invoiceDisputeSignal,
  invoiceOverdueSignal,
  migratePolicyUpdate,
  recordPromiseUpdate,
  type CollectionHistoryEntry,
  type CollectionView,
  type PromiseToPayRecorded,
} from './messages.js';
import { MANAGER_QUEUE } from '../../src/tasks/rules/task-duties.js';
import { escalateAtDeadline } from '../tasks/task-deadlines.js';
import { installTaskInbox, type OpenTask, type TaskInboxState } from '../tasks/task-inbox.js';
import { DURABLE_STEP } from '../shared/activity-options.js';

const acts = proxyActivities<CollectionActivities>(DURABLE_STEP);

/** Task types the collection opens and the outcomes a person may complete them with. */
export const COLLECTION_TASK_OUTCOMES: Record<string, readonly string[]> = {
  collection_call: ['contacted', 'no_answer', 'left_message', 'wrong_contact'],
  dunning_letter: ['sent', 'not_sent'],
  dunning_sms: ['sent', 'not_sent'],
  write_off_proposal: ['approve', 'reject'],
};

const HISTORY_KEPT = 60;

export interface CollectionState {
  customerId: string;
  policy: DunningPolicy;
  level: number;
  levelSince: string | null;
  /** A broken promise keeps the account at least at this level until nothing is overdue. */
  floor: number;
  lastContactSlot: string | null;
  contacts: number;
  /** Counts level entries (keys of the entry's tasks, events and actions). */
  steps: number;
  promise: PromiseToPayRecorded | null;
  writeOff: { taskId: string; invoiceIds: string[]; proposedAt: string } | null;
  writeOffRound: number;
  facts: Pick<CollectionFacts, 'overdue' | 'disputed' | 'oldestOverdueAt' | 'overdueAmount'> & {
    currency: string | null;
    customerName: string | null;
  };
  nextAction: string | null;
  nextActionAt: string | null;
  /** When the workflow wakes by itself next (contacts go on while a write-off proposal waits for its decision). */
  wakeAt: string | null;
  closed: boolean;
  revision: number;
  history: CollectionHistoryEntry[];
  tasks?: TaskInboxState;
}

export interface CollectionInput {
  customerId: string;
  policy: DunningPolicy;
  /** Present when the workflow continued as new. */
  state?: CollectionState;
}

function initialState(input: CollectionInput): CollectionState {
  return {
    customerId: input.customerId,
    policy: input.policy,
    level: -1,
    levelSince: null,
    floor: -1,
    lastContactSlot: null,
    contacts: 0,
    steps: 0,
    promise: null,
    writeOff: null,
    writeOffRound: 0,
    facts: { overdue: [], disputed: [], oldestOverdueAt: null, overdueAmount: 0, currency: null, customerName: null },
    nextAction: null,
    nextActionAt: null,
    wakeAt: null,
    closed: false,
    revision: 0,
    history: [],
  };
}

export async function collectionWorkflow(input: CollectionInput): Promise<CollectionView> {
  const state: CollectionState = input.state ? { ...input.state } : initialState(input);
  let dirty = true;
  let writeOffDecision: TaskCompletion | undefined;
  const now = () => new Date();
  const levelName = (i: number) => state.policy.levels[i]?.name ?? null;
  const note = (kind: CollectionHistoryEntry['kind'], detail: string) => {
    state.history = [...state.history, { at: now().toISOString(), kind, level: levelName(state.level), detail }].slice(
      -HISTORY_KEPT,
    );
  };

  const inbox = installTaskInbox(
    {
      validate(task: OpenTask, completion: TaskCompletion): FieldProblem[] {
        return outcomeProblems(COLLECTION_TASK_OUTCOMES[task.type] ?? [], completion);
      },
    },
    input.state?.tasks,
  );

  setHandler(collectionStateQuery, () => view(state));
  setHandler(invoiceOverdueSignal, () => void (dirty = true));
  setHandler(invoiceDisputeSignal, () => void (dirty = true));
  setHandler(collectionAccountChangedSignal, () => void (dirty = true));

  setHandler(
    recordPromiseUpdate,
    async (request) => {
      const covered = request.invoiceIds?.length
        ? state.facts.overdue.filter((i) => request.invoiceIds!.includes(i.invoiceId))
        : state.facts.overdue;
      const recorded: PromiseToPayRecorded = {
        promiseId: request.promiseId,
        amount: request.amount,
        currency: state.facts.currency ?? covered[0]?.currency ?? 'XXX',
        promisedDate: request.date,
        invoiceIds: covered.map((i) => i.invoiceId),
        baselineAmount: covered.reduce((a, i) => a + i.openAmount, 0),
        deadlineAt: promiseDeadline(request.date, state.policy.promise.grace).toISOString(),
      };
      await acts.savePromise({
        id: recorded.promiseId,
        customerId: state.customerId,
        amount: recorded.amount,
        currency: recorded.currency,
        promisedDate: recorded.promisedDate,
        invoiceIds: recorded.invoiceIds,
        baselineAmount: recorded.baselineAmount,
        deadlineAt: recorded.deadlineAt,
        createdBy: request.by,
        createdAt: now().toISOString(),
      });
      state.promise = recorded;
      note('promise_recorded', `${recorded.amount} by ${recorded.promisedDate} (${request.by})`);
      dirty = true;
      return recorded;
    },
    {
      validator: (request) => {
        if (state.closed)
          throw ApplicationFailure.create({
            type: 'PromiseRefused',
            message: 'nothing is overdue any more',
            details: [[{ pointer: '/amount', detail: 'nothing is overdue to promise against' }]],
            nonRetryable: true,
          });
        const problems = promiseProblems(request, {
          now: now(),
          policy: state.policy,
          overdue: state.facts.overdue,
          openPromises: state.promise ? 1 : 0,
        });
        if (problems.length) {
          throw ApplicationFailure.create({
            type: 'PromiseRefused',
            message: problems.map((p) => `${p.pointer} ${p.detail}`).join('; '),
            details: [problems],
            nonRetryable: true,
          });
        }
      },
    },
  );

  setHandler(
    migratePolicyUpdate,
    ({ policy, by }) => {
      const from = { code: state.policy.code, version: state.policy.version };
      const current = levelName(state.level);
      state.policy = policy;
      // The account keeps its level where the new policy has a level of that name; otherwise the facts decide anew.
      state.level = current === null ? -1 : policy.levels.findIndex((l) => l.name === current);
      state.floor = Math.min(state.floor, policy.levels.length - 1);
      note('policy_migrated', `${from.code}@${from.version} -> ${policy.code}@${policy.version} by ${by}`);
      dirty = true;
      return { from, to: { code: policy.code, version: policy.version } };
    },
    {
      validator: ({ policy }) => {
        if (state.closed)
          throw ApplicationFailure.create({
            type: 'MigrationRefused',
            message: 'the collection has ended',
            nonRetryable: true,
          });
        if (policy.code === state.policy.code && policy.version === state.policy.version) {
          throw ApplicationFailure.create({
            type: 'MigrationRefused',
            message: `the collection already runs ${policy.code}@${policy.version}`,
            nonRetryable: true,
          });
        }
      },
    },
  );

  if (state.writeOff) watchWriteOff(state.writeOff.taskId);
  // Every task's deadline moves it once to the manager's queue; tasks carried over continue-as-new keep theirs.
  const escalateLate = (task: OpenTask) =>
    escalateAtDeadline(inbox, task, { dueAt: task.slaDueAt, escalateTo: state.policy.managerQueue ?? MANAGER_QUEUE });
  for (const task of inbox.openTasks()) escalateLate(task);
  if (!input.state) note('started', `policy ${state.policy.code}@${state.policy.version}`);

  function watchWriteOff(taskId: string) {
    void inbox.waitFor(taskId).then((done) => {
      if (state.writeOff?.taskId === taskId)
        writeOffDecision = done ?? {
          taskId,
          outcome: 'reject',
          data: {},
          by: 'system',
          byManager: false,
          comment: 'task closed',
        };
    });
  }

  async function saveCase(status: 'active' | 'closed') {
    state.revision = now().getTime() * 1000 + (((state.revision % 1000) + 1) % 1000);
    await acts.saveCollectionCase({
      customerId: state.customerId,
      workflowId: workflowInfo().workflowId,
      status,
      policyCode: state.policy.code,
      policyVersion: state.policy.version,
      level: state.level,
      levelName: levelName(state.level),
      currency: state.facts.currency ?? 'XXX',
      overdueAmount: state.facts.overdueAmount,
      oldestOverdueAt: state.facts.oldestOverdueAt,
      nextAction: status === 'closed' ? null : state.nextAction,
      nextActionAt: status === 'closed' ? null : state.nextActionAt,
      pausedUntil: state.promise?.deadlineAt ?? null,
      contacts: state.contacts,
      revision: state.revision,
    });
  }

  /** Enters level `target`: the event, the level's fee on each overdue invoice, its actions; the contact follows. */
  async function enterLevel(target: number, reason: string, facts: CollectionFacts) {
    const from = levelName(state.level);
    const level = state.policy.levels[target]!;
    const at = now().toISOString();
    state.steps += 1;
    const step = state.steps;
    state.level = target;
    state.levelSince = at;
    state.lastContactSlot = null;
    note('escalated', `${from ?? 'none'} -> ${level.name} (${reason})`);
    await acts.recordEscalation({
      customerId: state.customerId,
      from,
      to: level.name,
      step,
      at,
      actions: level.actions,
      reason,
    });
    await chargeFees(facts);
    for (const action of level.actions) {
      if (action === 'collector_task') {
        const task = await inbox.open({
          key: `collector-${step}`,
          type: 'collection_call',
          queue: state.policy.collectorQueue,
          title: `Call ${facts.customer.name}: ${facts.overdueAmount} ${facts.customer.currency} overdue (${level.name})`,
          subjectType: 'customer',
          subjectId: state.customerId,
          customerId: state.customerId,
          sla: null,
          slaDueAt: addDuration(now(), state.policy.collectorTaskSla).toISOString(),
          payload: {
            level: level.name,
            overdueAmount: facts.overdueAmount,
            currency: facts.customer.currency,
            invoices: facts.overdue.map((i) => i.number),
          },
        });
        escalateLate(task);
        note('action', `collector task ${task.taskId}`);
      } else if (action === 'credit_hold') {
        const held = await acts.placeCollectionHold({ customerId: state.customerId, level: level.name, step });
        note('action', held.changed ? 'account put on credit hold' : 'account already on hold');
      } else if (action === 'agency_handover') {
        await acts.recordAgencyHandover({
          customerId: state.customerId,
          level: level.name,
          step,
          at,
          invoiceIds: facts.overdue.map((i) => i.invoiceId),
        });
        note('action', 'handed over to the collection agency');
      }
    }
  }

  /**
   * The current level's late fee on each overdue invoice that is itself old enough for the level; on entering the
   * level and with each contact (invoices age into it). The store charges each (invoice, level) once.
   */
  async function chargeFees(facts: CollectionFacts) {
    const level = state.policy.levels[state.level]!;
    if (!level.lateFee) return;
    const due = invoicesDueForFee(level, facts.overdue, now());
    if (due.length === 0) return;
    const charged = await acts.chargeLateFees({
      customerId: state.customerId,
      level: level.name,
      rule: level.lateFee,
      policy: { code: state.policy.code, version: state.policy.version },
      asOf: now().toISOString(),
      invoiceIds: due.map((i) => i.invoiceId),
    });
    const posted = charged.filter((x) => x.charged && x.fee);
    for (const c of posted) note('fee', `${c.fee!.total} ${c.fee!.currency} on ${c.invoiceId}`);
    // A fee just posted counts at once (promise cap and baseline include it), not only from the next read of the facts.
    if (posted.length > 0) {
      state.facts = {
        ...state.facts,
        ...withChargedFees(
          state.facts,
          posted.map((c) => ({ invoiceId: c.invoiceId, amount: c.fee!.total })),
        ),
      };
    }
  }

  /** One contact at the current level for `slot` (letters and texts become tasks for a person to send). */
  async function contact(slot: Date, skipped: number, facts: CollectionFacts) {
    const level = state.policy.levels[state.level]!;
    const slotIso = slot.toISOString();
    const channels: { channel: 'email' | 'letter' | 'sms'; taskId?: string }[] = [];
    for (const channel of level.channels) {
      if (channel === 'email') {
        channels.push({ channel });
        continue;
      }
      const task = await inbox.open({
        key: `${channel}-${level.name}-${slot.getTime()}`,
        type: `dunning_${channel}`,
        queue: state.policy.collectorQueue,
        title: `Send the ${level.name.replace(/_/g, ' ')} ${channel === 'sms' ? 'text message' : 'letter'} to ${facts.customer.name}`,
        subjectType: 'customer',
        subjectId: state.customerId,
        customerId: state.customerId,
        sla: null,
        slaDueAt: addDuration(now(), state.policy.collectorTaskSla).toISOString(),
        payload: { level: level.name, template: level.template, invoices: facts.overdue.map((i) => i.number) },
      });
      escalateLate(task);
      channels.push({ channel, taskId: task.taskId });
    }
    await acts.sendDunningContact({
      customerId: state.customerId,
      level: level.name,
      template: level.template,
      slot: slotIso,
      channels,
      asOf: now().toISOString(),
    });
    state.lastContactSlot = slotIso;
    state.contacts += 1;
    note(
      'contact',
      `${level.channels.join('+')} ${level.template}${skipped ? ` (caught up: ${skipped} earlier date(s) passed while stopped, one contact sent)` : ''}`,
    );
  }

  async function resolvePromise(facts: CollectionFacts): Promise<void> {
    const p = state.promise;
    if (!p) return;
    const open = facts.openPromises.find((x) => x.id === p.promiseId);
    const coveredOpen = open?.coveredOpen ?? 0;
    if (!open || promiseKept(p, coveredOpen)) {
      await acts.resolvePromiseRecord({
        customerId: state.customerId,
        promiseId: p.promiseId,
        status: 'kept',
        at: now().toISOString(),
      });
      state.promise = null;
      note('promise_kept', `${p.amount} promised by ${p.promisedDate}`);
    } else if (now().getTime() >= Date.parse(p.deadlineAt)) {
      await acts.resolvePromiseRecord({
        customerId: state.customerId,
        promiseId: p.promiseId,
        status: 'broken',
        at: now().toISOString(),
      });
      state.promise = null;
      // Escalation resumes one level higher than where the promise found the account.
      state.floor = Math.min(Math.max(state.level, state.floor) + 1, state.policy.levels.length - 1);
      note(
        'promise_broken',
        `${p.amount} promised by ${p.promisedDate}; escalation resumes at ${levelName(state.floor)}`,
      );
    }
  }

  /** One evaluation: read the facts, settle promises, move the level, contact, propose a write-off. Returns false when done. */
  async function evaluate(): Promise<boolean> {
    const facts = await acts.loadCollectionFacts({ customerId: state.customerId });
    state.facts = {
      overdue: facts.overdue,
      disputed: facts.disputed,
      oldestOverdueAt: facts.oldestOverdueAt,
      overdueAmount: facts.overdueAmount,
      currency: facts.customer.currency,
      customerName: facts.customer.name,
    };
    await resolvePromise(facts);
    if (facts.overdue.length === 0) return false;
    // A ladder of steps shorter than a day (staging) counts them from each invoice's hand-over to collections; the
    // view keeps the due-date age.
    const ladder =
      isSubDayLadder(state.policy) && facts.overdue.some((i) => i.handedOverAt) ? countFromHandOver(facts) : facts;

    if (writeOffDecision && state.writeOff) {
      const decision = writeOffDecision;
      const proposal = state.writeOff;
      writeOffDecision = undefined;
      state.writeOff = null;
      state.writeOffRound += 1;
      if (decision.outcome === 'approve') {
        const done = await acts.writeOffInvoices({
          customerId: state.customerId,
          invoiceIds: proposal.invoiceIds,
          approvedBy: decision.by,
          taskId: proposal.taskId,
          at: now().toISOString(),
          round: state.writeOffRound,
        });
        note(
          'write_off_approved',
          `${done.writtenOff.length} invoice(s), ${done.amount} written off by ${decision.by}`,
        );
        return evaluate();
      }
      // Rejected: collecting goes on at the last level; a new proposal follows after another write-off period.
      state.levelSince = now().toISOString();
      note('write_off_rejected', `by ${decision.by}${decision.comment ? `: ${decision.comment}` : ''}`);
    }

    const at = now();
    const paused = state.promise !== null;
    const target = selectLevel(state.policy, ladder, at, state.floor);
    if (target > state.level && !paused)
      await enterLevel(target, state.floor >= target ? 'promise broken' : 'overdue facts', ladder);
    else if (target < state.level) {
      // Paid down: back to the level the facts call for; the contact cadence continues from the last contact.
      note('de_escalated', `${levelName(state.level)} -> ${levelName(target) ?? 'none'}`);
      state.level = target;
      state.levelSince = at.toISOString();
    }

    const level = state.level >= 0 ? state.policy.levels[state.level]! : undefined;
    let nextContact: Date | undefined;
    if (level && !paused) {
      const decision = contactDue(state.lastContactSlot, level.contactEvery, at);
      if (decision.due) {
        // A contact right after entering the level already ran the entry's fees.
        if (state.lastContactSlot !== null) await chargeFees(ladder);
        await contact(decision.slot, decision.skipped, facts);
      }
      nextContact = addDuration(new Date(state.lastContactSlot ?? at.toISOString()), level.contactEvery);
    }

    const last = state.policy.levels.length - 1;
    let writeOffAt: Date | undefined;
    if (state.level === last && !paused && !state.writeOff && state.levelSince) {
      writeOffAt = addDuration(new Date(state.levelSince), state.policy.writeOff.after);
      if (writeOffAt.getTime() <= now().getTime()) {
        const invoiceIds = facts.overdue.map((i) => i.invoiceId);
        const task = await inbox.open({
          key: `write-off-${state.writeOffRound}`,
          type: 'write_off_proposal',
          queue: state.policy.collectorQueue,
          title: `Write off ${facts.overdueAmount} ${facts.customer.currency} of ${facts.customer.name}?`,
          subjectType: 'customer',
          subjectId: state.customerId,
          customerId: state.customerId,
          sla: null,
          slaDueAt: addDuration(now(), state.policy.writeOff.sla).toISOString(),
          // `amount` is what the approval ceilings are measured against (src/tasks/rules/approval-authority.ts).
          payload: {
            invoices: facts.overdue.map((i) => ({
              id: i.invoiceId,
              number: i.number,
              openAmount: i.openAmount,
              currency: i.currency,
            })),
            overdueAmount: facts.overdueAmount,
            amount: { amount: facts.overdueAmount, currency: facts.customer.currency },
          },
          context: { invoiceIds },
        });
        state.writeOff = { taskId: task.taskId, invoiceIds, proposedAt: now().toISOString() };
        note('write_off_proposed', `task ${task.taskId} for ${invoiceIds.length} invoice(s)`);
        watchWriteOff(task.taskId);
        escalateLate(task);
        writeOffAt = undefined;
      }
    }

    const escalateAt = paused ? undefined : nextEscalationAt(state.policy, ladder, state.level, now());
    const candidates: [string, Date | undefined][] = [
      [`contact (${level?.name})`, nextContact],
      [`escalate to ${levelName(state.level + 1)}`, escalateAt],
      ['check the promise to pay', state.promise ? new Date(state.promise.deadlineAt) : undefined],
      ['propose a write-off', writeOffAt],
    ];
    const next = candidates
      .filter((c): c is [string, Date] => c[1] !== undefined)
      .sort((a, b) => a[1].getTime() - b[1].getTime())[0];
    state.wakeAt = next?.[1].toISOString() ?? null;
    if (state.writeOff) {
      state.nextAction = 'decide the write-off proposal';
      state.nextActionAt = state.writeOff.proposedAt;
    } else {
      state.nextAction = next?.[0] ?? null;
      state.nextActionAt = next?.[1].toISOString() ?? null;
    }
    await saveCase('active');
    return true;
  }

  for (;;) {
    dirty = false;
    if (!(await evaluate())) {
      // Re-check once more if news arrived while the last read ran; otherwise the collection is over.
      if (dirty) continue;
      break;
    }
    const wakeAt = state.wakeAt ? Date.parse(state.wakeAt) : undefined;
    const woken = () => dirty || writeOffDecision !== undefined || workflowInfo().continueAsNewSuggested;
    if (wakeAt === undefined) await condition(woken);
    else if (wakeAt > Date.now()) await condition(woken, wakeAt - Date.now());
    if (workflowInfo().continueAsNewSuggested && !dirty) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof collectionWorkflow>({
        customerId: state.customerId,
        policy: state.policy,
        state: { ...state, tasks: inbox.snapshot() },
      });
    }
  }

  // Nothing overdue: open tasks of this collection are moot; the promise (if any) was settled by resolvePromise.
  for (const task of inbox.openTasks()) await inbox.cancel(task.taskId, 'nothing is overdue any more');
  state.closed = true;
  state.nextAction = null;
  state.nextActionAt = null;
  note('closed', 'nothing is overdue');
  await saveCase('closed');
  await condition(allHandlersFinished);
  return view(state);
}

function view(state: CollectionState): CollectionView {
  return {
    customerId: state.customerId,
    policy: { code: state.policy.code, version: state.policy.version },
    phase: state.closed
      ? 'closed'
      : state.writeOff
        ? 'awaiting_write_off'
        : state.promise
          ? 'paused_by_promise'
          : 'collecting',
    level: state.level,
    levelName: state.level >= 0 ? state.policy.levels[state.level]!.name : null,
    levelSince: state.levelSince,
    currency: state.facts.currency,
    overdueAmount: state.facts.overdueAmount,
    overdueInvoices: state.facts.overdue.map((i) => ({
      invoiceId: i.invoiceId,
      number: i.number,
      openAmount: i.openAmount,
      overdueAt: i.overdueAt,
    })),
    disputedInvoiceIds: state.facts.disputed.map((i) => i.invoiceId),
    contacts: state.contacts,
    nextAction: state.nextAction,
    nextActionAt: state.nextActionAt,
    promise: state.promise,
    writeOffTaskId: state.writeOff?.taskId ?? null,
    brokenPromiseFloor: state.floor,
    history: state.history,
  };
}
