// What became of each remittance line of a payment. The money is a fact and is always recorded; the remittance is only
// the payer's advice, so a line that does not fit (unknown number, closed invoice, another currency, more than is open)
// is reported here, next to the allocations, instead of refusing the receipt. The figures come from the allocations
// cash application made; the reason for a shortfall is read from the invoice the line names.
import type { EntityManager } from '@mikro-orm/postgresql';
import { isOpenStatus, type InvoiceStatus } from '../../invoices/rules/invoice-status.js';
import type { AllocationRecord, PaymentRecord } from './payments.js';

export type RemittanceOutcomeKind = 'pending' | 'applied' | 'partly_applied' | 'not_applied';

export interface RemittanceOutcome {
  invoiceNumber: string;
  stated: { amount: number; currency: string };
  /** Cash applied to the named invoice by this payment's cash application (payment currency). */
  applied: number;
  outcome: RemittanceOutcomeKind;
  /** Why less than stated was applied; null when the line was applied as written or application has not run. */
  detail: string | null;
}

export interface NamedInvoice {
  number: string;
  customerId: string;
  currency: string;
  status: InvoiceStatus;
}

type Payment = Pick<PaymentRecord, 'currency' | 'customerId' | 'remittance' | 'appliedAt' | 'unappliedAmount'>;

/** Why a line got nothing, in the words a clerk reads. */
function shortfall(
  payment: Payment,
  invoiceNumber: string,
  invoice: NamedInvoice | undefined,
  applied: number,
): string {
  if (!invoice) return `no invoice numbered ${invoiceNumber}`;
  if (invoice.currency !== payment.currency)
    return `invoice ${invoice.number} is in ${invoice.currency}, the payment in ${payment.currency}`;
  if (payment.customerId && invoice.customerId !== payment.customerId)
    return `invoice ${invoice.number} belongs to another customer than the payer`;
  if (applied > 0) return `only ${applied} was open on ${invoice.number} (or left of the payment)`;
  if (!isOpenStatus(invoice.status)) return `invoice ${invoice.number} was already ${invoice.status}`;
  return `nothing of the payment was left for ${invoice.number}`;
}

/** Pure: one outcome per remittance line, in the order the payer wrote them. */
export function remittanceOutcomes(
  payment: Payment,
  allocations: readonly Pick<AllocationRecord, 'invoiceNumber' | 'amount' | 'rule'>[],
  invoices: readonly NamedInvoice[],
): RemittanceOutcome[] {
  const byNumber = new Map(invoices.map((i) => [i.number.toUpperCase(), i]));
  const seen = new Set<string>();
  return payment.remittance.map((line) => {
    const key = line.invoiceNumber.toUpperCase();
    const stated = { amount: line.amount, currency: line.currency ?? payment.currency };
    const first = !seen.has(key);
    seen.add(key);
    if (!payment.appliedAt)
      return { invoiceNumber: line.invoiceNumber, stated, applied: 0, outcome: 'pending', detail: null };
    if (stated.currency !== payment.currency) {
      return {
        invoiceNumber: line.invoiceNumber,
        stated,
        applied: 0,
        outcome: 'not_applied',
        detail: `the line is in ${stated.currency}, the payment in ${payment.currency}`,
      };
    }
    if (!first)
      return {
        invoiceNumber: line.invoiceNumber,
        stated,
        applied: 0,
        outcome: 'not_applied',
        detail: 'names the same invoice as an earlier line',
      };
    const applied = allocations
      .filter((a) => a.rule === 'remittance' && a.invoiceNumber.toUpperCase() === key)
      .reduce((sum, a) => sum + a.amount, 0);
    if (applied >= line.amount)
      return { invoiceNumber: line.invoiceNumber, stated, applied, outcome: 'applied', detail: null };
    const detail = shortfall(payment, line.invoiceNumber, byNumber.get(key), applied);
    return {
      invoiceNumber: line.invoiceNumber,
      stated,
      applied,
      outcome: applied > 0 ? 'partly_applied' : 'not_applied',
      detail,
    };
  });
}

/** The invoices a payment's remittance names (any status, any currency), for the reasons above. */
export async function invoicesNamedBy(
  em: EntityManager,
  payment: Pick<PaymentRecord, 'remittance'>,
): Promise<NamedInvoice[]> {
  const numbers = [...new Set(payment.remittance.map((l) => l.invoiceNumber.toUpperCase()))];
  if (numbers.length === 0) return [];
  const rows = await em.execute<{ number: string; customer_id: string; currency: string; status: InvoiceStatus }[]>(
    `SELECT number, customer_id, currency, status FROM invoice WHERE upper(number) IN (${numbers.map(() => '?').join(', ')})`,
    numbers,
  );
  return rows.map((r) => ({ number: r.number, customerId: r.customer_id, currency: r.currency, status: r.status }));
}
