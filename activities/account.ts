// Side effects of the customer account workflow.
import { ApplicationFailure } from '@temporalio/activity';
import type { AccountSnapshot } from '../src/domain/account.js';
import { Customer } from '../src/db/entities/customer.js';
import { stepKey } from '../src/temporal/ids.js';
import type { ActivityDeps } from './deps.js';
import { sendTemplatedEmail, type EmailResult } from './mail.js';

export function createAccountActivities(deps: ActivityDeps) {
  return {
    /** Reads the facts the account workflow decides on from the record of truth. */
    async loadAccountSnapshot(customerId: string): Promise<AccountSnapshot> {
      const customer = await deps.orm.em.fork().findOne(Customer, { id: customerId });
      if (!customer) return { exists: false, status: 'closed', currency: '', profileVersion: 0 };
      return { exists: true, status: customer.status, currency: customer.currency, profileVersion: customer.version };
    },

    /** Tells the customer their account is open and how to reference it in payments. */
    async sendAccountOpenedNotice(input: { workflowId: string; customerId: string }): Promise<EmailResult> {
      const customer = await deps.orm.em.fork().findOne(Customer, { id: input.customerId });
      if (!customer) throw ApplicationFailure.nonRetryable(`customer ${input.customerId} does not exist`, 'CustomerNotFound');
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
