// Side effects of the customer account workflow.
import { ApplicationFailure } from '@temporalio/activity';
import type { AccountDelinquency, AccountSnapshot } from '../../src/customers/rules/account.js';
import { Customer } from '../../src/db/entities/customer.js';
import { accountFacts } from '../../src/customers/store/facts.js';
import { storedDecision } from '../../src/credit/store/decisions.js';
import { loadProfileSnapshot, writeDelinquency } from '../../src/customers/store/account.js';
import { stepKey } from '../../src/temporal/ids.js';
import type { ActivityDeps } from '../deps.js';
import { sendTemplatedEmail, type EmailResult } from '../mail/mail.js';

export function createAccountActivities(deps: ActivityDeps) {
  return {
    /** Reads the facts the account workflow decides on from the record of truth (first workflow version). */
    async loadAccountSnapshot(customerId: string): Promise<AccountSnapshot> {
      const customer = await deps.orm.em.fork().findOne(Customer, { id: customerId });
      if (!customer) return { exists: false, status: 'closed', currency: '', profileVersion: 0 };
      return { exists: true, status: customer.status, currency: customer.currency, profileVersion: customer.version };
    },

    /** The stored profile fields the process uses plus the aggregates of open documents as of a day. */
    async loadAccountFacts(input: { customerId: string; asOf: string }): Promise<AccountSnapshot> {
      const em = deps.orm.em.fork();
      const snapshot = await loadProfileSnapshot(em, input.customerId);
      if (!snapshot.exists) return snapshot;
      const decision = await storedDecision(em, input.customerId);
      const creditReview = decision
        ? { reviewId: decision.reviewId, nextReviewDate: decision.nextReviewDate, riskClass: decision.riskClass }
        : null;
      return { ...snapshot, facts: await accountFacts(em, input.customerId, input.asOf), creditReview };
    },

    /**
     * Writes the policy's delinquency decision to the customer record (status follows) with an audit entry. Writing
     * the same decision again changes nothing, so a retried activity is a no-op.
     */
    async recordDelinquency(input: {
      workflowId: string;
      step: string;
      customerId: string;
      delinquency: AccountDelinquency | null;
      by: string;
    }): Promise<{ version: number; changed: boolean }> {
      return deps.orm.em.fork().transactional((tx) =>
        writeDelinquency(tx, {
          customerId: input.customerId,
          delinquency: input.delinquency,
          by: input.by,
          requestId: stepKey(input.workflowId, input.step),
        }),
      );
    },

    /** Tells the customer their account is open and how to reference it in payments. */
    async sendAccountOpenedNotice(input: { workflowId: string; customerId: string }): Promise<EmailResult> {
      const customer = await deps.orm.em.fork().findOne(Customer, { id: input.customerId });
      if (!customer)
        throw ApplicationFailure.nonRetryable(`customer ${input.customerId} does not exist`, 'CustomerNotFound');
      return sendTemplatedEmail(deps, {
        idempotencyKey: stepKey(input.workflowId, 'account-opened-notice'),
        template: 'account-opened',
        to: customer.email,
        customerId: customer.id,
        data: {
          customerName: customer.displayName ?? customer.legalName,
          customerId: customer.id,
          currency: customer.currency,
          email: customer.email,
        },
      });
    },
  };
}

export type AccountActivities = ReturnType<typeof createAccountActivities>;
