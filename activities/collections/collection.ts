// Side effects of the collection workflow `collection-<customerId>` and its start on behalf of the invoice workflow.
// Every write is keyed by the workflow id and its step (contact slot, invoice + level for fees, invoice for
// write-offs), so a retried or replayed activity e-mails, charges and posts nothing twice.
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { saveCase, type CaseState } from '../../src/collections/store/cases.js';
import { recordContact } from '../../src/collections/store/contacts.js';
import { collectionFacts, CustomerMissingError, type CollectionFacts } from '../../src/collections/store/facts.js';
import { chargeLateFee, type ChargedFee } from '../../src/collections/store/late-fees.js';
import { insertPromise, resolvePromise, type NewPromise } from '../../src/collections/store/promises.js';
import { writeOffInvoice } from '../../src/collections/store/write-off.js';
import { HoldRefused, placeHold } from '../../src/credit/store/holds.js';
import type { LateFeeRule } from '../../src/collections/rules/dunning-policy.js';
import { daysPastDue } from '../../src/invoices/rules/invoice-age.js';
import { formatMoney } from '../../src/shared/money.js';
import { recordEvent } from '../../src/events/store/outbox.js';
import { notifyAccountsOfChange } from '../../src/customers/account-notify.js';
import { signalIfRunning } from '../../src/payments/notify.js';
import { stepKey, workflowIds } from '../../src/temporal/ids.js';
import { accountProfileChangedSignal, refreshAccountSignal } from '../../workflows/customers/messages.js';
import { invoiceBalanceChangedSignal } from '../../workflows/invoices/messages.js';
import { startCustomerCollection, type CollectionStart } from './collection-start.js';
import type { ActivityDeps } from '../deps.js';
import { sendTemplatedEmail } from '../mail/mail.js';

function workflowIdOf(): string {
  const id = Context.current().info.workflowExecution?.workflowId;
  if (!id) throw new Error('collection activities run on behalf of a workflow');
  return id;
}

export interface ContactInput {
  customerId: string;
  level: string;
  template: string;
  /** The contact slot (workflow time); with the workflow id it is the contact's idempotency key. */
  slot: string;
  channels: { channel: 'email' | 'letter' | 'sms'; taskId?: string }[];
}

export function createCollectionActivities(deps: ActivityDeps) {
  return {
    /** Called by the invoice workflows recorded before `overdue-one-step`; newer ones start it with the overdue flip. */
    async startCollection(input: {
      invoiceId: string;
      customerId: string;
      overdueAt: string;
    }): Promise<CollectionStart> {
      return startCustomerCollection(deps, input);
    },

    async loadCollectionFacts(input: { customerId: string }): Promise<CollectionFacts> {
      try {
        return await collectionFacts(deps.orm.em.fork(), input.customerId);
      } catch (error) {
        if (error instanceof CustomerMissingError)
          throw ApplicationFailure.nonRetryable(error.message, 'CustomerMissing');
        throw error;
      }
    },

    /**
     * One dunning contact: the e-mail (rendered from the level's template) and a contact row per channel; letters
     * and text messages are tasks the workflow opened, recorded here with their task id.
     */
    async sendDunningContact(
      input: ContactInput & { asOf: string },
    ): Promise<{ sent: string[]; alreadySent: boolean }> {
      const workflowId = workflowIdOf();
      const em = deps.orm.em.fork();
      const facts = await collectionFacts(em, input.customerId);
      if (facts.overdue.length === 0) return { sent: [], alreadySent: false };
      const asOf = new Date(input.asOf);
      const m = (amount: number, currency: string) => formatMoney({ amount, currency });
      const byCurrency = new Map<string, number>();
      for (const i of facts.overdue) byCurrency.set(i.currency, (byCurrency.get(i.currency) ?? 0) + i.openAmount);
      const data = {
        customerName: facts.customer.name,
        level: input.level,
        invoices: facts.overdue.map((i) => ({
          number: i.number,
          dueDate: i.dueDate,
          openAmount: m(i.openAmount, i.currency),
          daysOverdue: daysPastDue(i.overdueAt, asOf),
        })),
        total: [...byCurrency].map(([currency, amount]) => m(amount, currency)).join(' + '),
      };
      const invoiceIds = facts.overdue.map((i) => i.invoiceId);
      const sent: string[] = [];
      let alreadySent = false;
      for (const { channel, taskId } of input.channels) {
        const key = stepKey(workflowId, `contact:${input.level}:${channel}:${input.slot}`);
        let messageId: string | null = null;
        if (channel === 'email') {
          const mail = await sendTemplatedEmail(deps, {
            idempotencyKey: key,
            template: input.template,
            to: facts.customer.email,
            customerId: input.customerId,
            data,
          });
          messageId = mail.messageId;
          alreadySent ||= mail.alreadySent;
        }
        await recordContact(em, {
          customerId: input.customerId,
          at: new Date(input.slot),
          channel,
          template: input.template,
          level: input.level,
          outcome: channel === 'email' ? 'sent' : 'task_created',
          by: `system:${workflowId}`,
          invoiceIds,
          messageId,
          taskId: taskId ?? null,
          workflowId,
          idempotencyKey: key,
        });
        sent.push(channel);
      }
      return { sent, alreadySent };
    },

    /** The level's late fee on each listed invoice, once per invoice and level. */
    async chargeLateFees(input: {
      customerId: string;
      level: string;
      rule: LateFeeRule;
      policy: { code: string; version: number };
      asOf: string;
      invoiceIds: string[];
    }): Promise<ChargedFee[]> {
      const workflowId = workflowIdOf();
      const results: ChargedFee[] = [];
      for (const invoiceId of input.invoiceIds) {
        results.push(
          await chargeLateFee(deps.orm.em.fork(), {
            invoiceId,
            level: input.level,
            rule: input.rule,
            policy: input.policy,
            asOf: input.asOf,
            idempotencyKey: stepKey(workflowId, `late-fee:${invoiceId}:${input.level}`),
            by: `system:${workflowId}`,
          }),
        );
      }
      return results;
    },

    /** The escalation as a domain event (`collection.escalated`), once per step. */
    async recordEscalation(input: {
      customerId: string;
      from: string | null;
      to: string;
      step: number;
      at: string;
      actions: string[];
      reason: string;
    }): Promise<void> {
      const workflowId = workflowIdOf();
      await recordEvent(deps.orm.em.fork(), {
        type: 'collection.escalated',
        entityType: 'collection',
        entityId: workflowId,
        customerId: input.customerId,
        actor: `system:${workflowId}`,
        data: { from: input.from, to: input.to, at: input.at, actions: input.actions, reason: input.reason },
        dedupeKey: stepKey(workflowId, `escalated:${input.step}`),
      });
    },

    /** Policy action: credit hold of the account (via the credit area's `placeHold`), then the account workflow hears of it. */
    async placeCollectionHold(input: {
      customerId: string;
      level: string;
      step: number;
    }): Promise<{ changed: boolean }> {
      const workflowId = workflowIdOf();
      const by = `system:${workflowId}`;
      try {
        const result = await deps.orm.em.fork().transactional((tx) =>
          placeHold(tx, {
            customerId: input.customerId,
            reason: `collections: ${input.level}`,
            by,
            source: 'collections',
            requestId: stepKey(workflowId, `hold:${input.step}`),
          }),
        );
        if (result.changed) {
          await signalIfRunning(
            Context.current().client,
            workflowIds.customerAccount(input.customerId),
            accountProfileChangedSignal,
            [{ changes: result.changes, by, version: result.version }],
            log,
          );
        }
        return { changed: result.changed };
      } catch (error) {
        if (error instanceof HoldRefused) return { changed: false };
        throw error;
      }
    },

    /** Policy action: the debt goes to a collection agency; recorded as a contact of channel `agency`. */
    async recordAgencyHandover(input: {
      customerId: string;
      level: string;
      step: number;
      at: string;
      invoiceIds: string[];
    }): Promise<void> {
      const workflowId = workflowIdOf();
      await recordContact(deps.orm.em.fork(), {
        customerId: input.customerId,
        at: new Date(input.at),
        channel: 'agency',
        level: input.level,
        outcome: 'handed_over',
        by: `system:${workflowId}`,
        invoiceIds: input.invoiceIds,
        workflowId,
        idempotencyKey: stepKey(workflowId, `agency:${input.step}`),
      });
    },

    async savePromise(input: NewPromise): Promise<void> {
      await insertPromise(deps.orm.em.fork(), input);
    },

    /** Kept or broken; a broken promise also makes the account workflow refresh its facts (it counts broken promises). */
    async resolvePromiseRecord(input: {
      customerId: string;
      promiseId: string;
      status: 'kept' | 'broken' | 'cancelled';
      at: string;
    }): Promise<boolean> {
      const workflowId = workflowIdOf();
      const changed = await resolvePromise(deps.orm.em.fork(), {
        id: input.promiseId,
        status: input.status,
        at: input.at,
        by: `system:${workflowId}`,
      });
      if (input.status === 'broken') {
        await signalIfRunning(
          Context.current().client,
          workflowIds.customerAccount(input.customerId),
          refreshAccountSignal,
          [{ reason: 'promise_broken' }],
          log,
        );
      }
      return changed;
    },

    /** An approved write-off proposal: each invoice still open and undisputed is written off; its workflow hears of it. */
    async writeOffInvoices(input: {
      customerId: string;
      invoiceIds: string[];
      approvedBy: string;
      taskId: string | null;
      at: string;
      round: number;
    }): Promise<{ writtenOff: string[]; amount: number }> {
      const workflowId = workflowIdOf();
      const writtenOff: string[] = [];
      for (const invoiceId of input.invoiceIds) {
        const applied = await writeOffInvoice(deps.orm.em.fork(), {
          invoiceId,
          idempotencyKey: stepKey(workflowId, `write-off:${input.round}:${invoiceId}`),
          approvedBy: input.approvedBy,
          taskId: input.taskId,
          effectiveDate: input.at.slice(0, 10),
        });
        if (!applied) continue;
        writtenOff.push(invoiceId);
        await signalIfRunning(
          Context.current().client,
          workflowIds.invoice(invoiceId),
          invoiceBalanceChangedSignal,
          [applied.signal],
          log,
        );
      }
      if (writtenOff.length)
        await notifyAccountsOfChange(Context.current().client, [input.customerId], 'invoice_written_off', log);
      const [row] = await deps.orm.em
        .fork()
        .execute<
          { total: string | null }[]
        >(`SELECT sum(amount) AS total FROM write_off WHERE customer_id = ? AND invoice_id = ANY (?::uuid[])`, [input.customerId, `{${writtenOff.join(',')}}`]);
      return { writtenOff, amount: Number(row?.total ?? 0) };
    },

    /** Mirrors the workflow's state into `collection_case` for the worklist (older revisions never overwrite newer). */
    async saveCollectionCase(input: CaseState): Promise<void> {
      await saveCase(deps.orm.em.fork(), input);
    },
  };
}

export type CollectionActivities = ReturnType<typeof createCollectionActivities>;
