// Exposure = open AR + invoices awaiting release (held): what the customer would owe if everything went out. Held
// invoices post to the ledger at issue (see docs/credit.md), so both parts are open amounts of open invoices; they
// are reported separately so the credit screen shows what is waiting for an override.
import type { EntityManager } from '@mikro-orm/postgresql';
import { checkInvoiceCredit, type InvoiceCreditCheck, type InvoiceCreditHold } from '../rules/credit-decision.js';

export type { InvoiceCreditHold };
import { taskEscalationQueueOf, type CreditPolicy } from '../rules/credit-policy.js';
import { CLOSED_STATUSES } from '../../invoices/rules/invoice-status.js';

export interface Exposure {
  currency: string;
  openReceivables: number;
  awaitingRelease: number;
  total: number;
  heldInvoices: number;
}

export async function customerExposure(em: EntityManager, customerId: string, currency: string): Promise<Exposure> {
  const [row] = await em.execute<{ open_ar: string | null; held: string | null; held_count: string }[]>(
    `SELECT sum(open_amount) FILTER (WHERE status <> 'held') AS open_ar, sum(open_amount) FILTER (WHERE status = 'held') AS held,
            count(*) FILTER (WHERE status = 'held') AS held_count
       FROM invoice WHERE customer_id = ? AND open_amount > 0 AND status NOT IN (${CLOSED_STATUSES.map(() => '?').join(', ')})`,
    [customerId, ...CLOSED_STATUSES],
  );
  const openReceivables = Number(row?.open_ar ?? 0);
  const awaitingRelease = Number(row?.held ?? 0);
  return {
    currency,
    openReceivables,
    awaitingRelease,
    total: openReceivables + awaitingRelease,
    heldInvoices: Number(row?.held_count ?? 0),
  };
}

/**
 * The credit check of a new invoice, inside the issuing transaction. A per-customer advisory lock serializes
 * concurrent issues for one customer, so two invoices cannot both fit under the same remaining limit.
 */
export async function checkNewInvoiceCredit(
  tx: EntityManager,
  input: { customerId: string; amount: number },
  policy: CreditPolicy,
): Promise<{ check: InvoiceCreditCheck; hold: InvoiceCreditHold | null }> {
  await tx.execute(`SELECT pg_advisory_xact_lock(hashtext('credit-exposure:' || ?::text))`, [input.customerId]);
  const [customer] = await tx.execute<
    { currency: string; credit_limit: string | null; hold: InvoiceCreditHold['accountHold'] }[]
  >('SELECT currency, credit_limit, hold FROM customer WHERE id = ?', [input.customerId]);
  if (!customer) throw new Error(`customer ${input.customerId} does not exist`);
  const exposure = await customerExposure(tx, input.customerId, customer.currency);
  const limit = customer.credit_limit === null ? null : Number(customer.credit_limit);
  const check = checkInvoiceCredit(
    { amount: input.amount, exposure: exposure.total, limit, onHold: customer.hold !== null },
    policy,
  );
  if (!check.held) return { check, hold: null };
  return {
    check,
    hold: {
      reasons: check.reasons,
      limit,
      exposureBefore: check.exposureBefore,
      exposureAfter: check.exposureAfter,
      overLimitBy: check.overLimitBy,
      accountHold: customer.hold,
      policyVersion: policy.version,
      overrideSla: policy.overrideSla,
      escalateTo: taskEscalationQueueOf(policy),
      earlyReview: check.earlyReview,
    },
  };
}
