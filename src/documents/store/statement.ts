// Customer statements: opening balance, the period's activity with a running balance, open items with their aging
// as of the period end, the closing balance and how to pay. Read from the ledger (receivable and customer-credit
// sub-ledgers, one currency: the customer's) and the open-items table, so a past period renders the same later.
// `renderStatement` is what the staff API, the portal and the statement run call.
import type { EntityManager } from '@mikro-orm/postgresql';
import { renderDocument } from '../../templates/render.js';
import { accountFor } from '../../reports/rules/chart.js';
import { ageItems, agingBuckets, bucketIndex, DEFAULT_AGING_BOUNDS } from '../../reports/rules/aging.js';
import { formatMoney } from '../../shared/money.js';
import { customerOpenItems, type OpenItem } from '../../reports/store/open-items.js';
import { portalUrl } from '../../portal/urls.js';
import { renderPdf, type PdfDocumentModel } from '../pdf.js';
import { daysBetween } from '../../shared/calendar-date.js';

export interface StatementOptions {
  companyName?: string;
  /** How to pay: bank details, payment link... shown under the balance. */
  paymentInstructions?: string;
  publicUrl?: string;
}

export interface StatementActivity {
  date: string;
  kind: string;
  description: string;
  reference: string | null;
  /** Increases what the customer owes (invoices, fees, refunds of credit). */
  charges: number;
  /** Decreases it (payments, credit notes, write-offs). */
  credits: number;
  balance: number;
}

export interface StatementData {
  customer: { id: string; name: string; email: string; currency: string; address: string[] };
  from: string;
  to: string;
  currency: string;
  openingBalance: number;
  activity: StatementActivity[];
  openItems: (OpenItem & { daysPastDue: number; bucket: string })[];
  aging: { key: string; label: string; amount: number }[];
  closingBalance: number;
  howToPay: string;
}

export class StatementCustomerNotFoundError extends Error {
  constructor(readonly customerId: string) {
    super(`customer ${customerId} does not exist`);
    this.name = 'StatementCustomerNotFoundError';
  }
}

const KIND_LABELS: Record<string, string> = {
  invoice_issued: 'Invoice',
  credit_note: 'Credit note',
  payment_received: 'Payment received',
  payment_applied: 'Payment',
  credit_applied: 'Credit applied',
  discount_allowed: 'Early-payment discount',
  late_fee: 'Late fee',
  write_off: 'Written off',
  bad_debt_recovery: 'Recovery',
  refund: 'Refund',
  reversal: 'Reversal',
  opening_balance: 'Opening balance',
  merge_transfer: 'Account merge',
};

export async function statementData(
  em: EntityManager,
  input: { customerId: string; from: string; to: string },
  options: StatementOptions = {},
): Promise<StatementData> {
  const [customer] = await em.execute<Record<string, unknown>[]>(
    'SELECT id, legal_name, display_name, email, currency, billing_address FROM customer WHERE id = ?',
    [input.customerId],
  );
  if (!customer) throw new StatementCustomerNotFoundError(input.customerId);
  const currency = String(customer.currency).trim();
  const accounts = [accountFor('accounts_receivable').code, accountFor('customer_credit').code];
  const [opening] = await em.execute<{ balance: string | null }[]>(
    `SELECT sum(debit - credit) AS balance FROM journal_line
      WHERE customer_id = ? AND account_code IN (?, ?) AND currency = ? AND effective_date < ?::date`,
    [input.customerId, ...accounts, currency, input.from],
  );
  const entries = await em.execute<Record<string, unknown>[]>(
    `SELECT e.id, to_char(e.effective_date, 'YYYY-MM-DD') AS date, e.kind, e.description, min(l.memo) AS memo,
            sum(l.debit - l.credit) AS net
       FROM journal_line l JOIN journal_entry e ON e.id = l.entry_id
      WHERE l.customer_id = ? AND l.account_code IN (?, ?) AND l.currency = ? AND l.effective_date BETWEEN ?::date AND ?::date
      GROUP BY e.id, e.effective_date, e.seq, e.kind, e.description
     HAVING sum(l.debit - l.credit) <> 0
      ORDER BY e.effective_date, e.seq`,
    [input.customerId, ...accounts, currency, input.from, input.to],
  );
  const openingBalance = Number(opening?.balance ?? 0);
  let balance = openingBalance;
  const activity = entries.map((e) => {
    const net = Number(e.net);
    balance += net;
    return {
      date: String(e.date),
      kind: String(e.kind),
      description: (e.description as string | null) ?? KIND_LABELS[String(e.kind)] ?? String(e.kind),
      reference: (e.memo as string | null) ?? null,
      charges: net > 0 ? net : 0,
      credits: net < 0 ? -net : 0,
      balance,
    };
  });
  const items = await customerOpenItems(em, { customerId: input.customerId, asOf: input.to, currency });
  const bounds = DEFAULT_AGING_BOUNDS;
  const buckets = agingBuckets(bounds);
  const basisOf = (item: OpenItem) => (item.itemType === 'invoice' ? (item.dueDate ?? item.postedOn) : item.postedOn);
  const sums = ageItems(
    items.map((i) => ({ amount: i.amount, basisDate: basisOf(i) })),
    input.to,
    bounds,
  );
  const address = customer.billing_address as Record<string, string | undefined> | null;
  return {
    customer: {
      id: String(customer.id),
      name: String(customer.display_name ?? customer.legal_name),
      email: String(customer.email),
      currency,
      address: address
        ? [
            address.line1,
            address.line2,
            [address.postalCode, address.city].filter(Boolean).join(' '),
            address.country,
          ].filter((l): l is string => Boolean(l))
        : [],
    },
    from: input.from,
    to: input.to,
    currency,
    openingBalance,
    activity,
    openItems: items.map((item) => {
      const days = daysBetween(basisOf(item), input.to);
      return { ...item, daysPastDue: Math.max(0, days), bucket: buckets[bucketIndex(days, bounds)]!.label };
    }),
    aging: buckets.map((b, i) => ({ key: b.key, label: b.label, amount: sums[i]! })),
    closingBalance: balance,
    howToPay:
      options.paymentInstructions ??
      `Pay by bank transfer to ${options.companyName ?? 'us'} quoting your customer reference ${String(customer.id)} and the invoice numbers you pay.` +
        (options.publicUrl ? ` You can also see and pay your invoices at ${portalUrl(options.publicUrl, 'pay')}.` : ''),
  };
}

function pdfModel(data: StatementData, companyName: string): PdfDocumentModel {
  const m = (amount: number) => formatMoney({ amount, currency: data.currency });
  return {
    title: `Statement of account ${data.from} to ${data.to}`,
    sender: companyName,
    date: data.to,
    facts: [
      ['Customer', data.customer.name],
      ['Customer reference', data.customer.id],
      ['Period', `${data.from} to ${data.to}`],
      ['Opening balance', m(data.openingBalance)],
      ['Closing balance', m(data.closingBalance)],
    ],
    sections: [
      {
        heading: 'Activity',
        table: {
          columns: [
            { label: 'Date', width: 1.1 },
            { label: 'Description', width: 3.2 },
            { label: 'Reference', width: 1.4 },
            { label: 'Charges', width: 1.3, align: 'right' },
            { label: 'Credits', width: 1.3, align: 'right' },
            { label: 'Balance', width: 1.4, align: 'right' },
          ],
          rows: [
            [data.from, 'Opening balance', '', '', '', m(data.openingBalance)],
            ...data.activity.map((a) => [
              a.date,
              a.description,
              a.reference ?? '',
              a.charges ? m(a.charges) : '',
              a.credits ? m(a.credits) : '',
              m(a.balance),
            ]),
          ],
          footer: [data.to, 'Closing balance', '', '', '', m(data.closingBalance)],
        },
      },
      {
        heading: `Open items as of ${data.to}`,
        table: {
          columns: [
            { label: 'Document', width: 2 },
            { label: 'Issued', width: 1.2 },
            { label: 'Due', width: 1.2 },
            { label: 'Days past due', width: 1.2, align: 'right' },
            { label: 'Aging', width: 1.3 },
            { label: 'Open amount', width: 1.5, align: 'right' },
          ],
          rows: data.openItems.map((i) => [
            i.itemType === 'credit' ? `Credit (${i.postedOn})` : i.reference,
            i.issueDate ?? i.postedOn,
            i.dueDate ?? '',
            String(i.daysPastDue),
            i.bucket,
            m(i.amount),
          ]),
        },
      },
      {
        heading: 'Aging',
        table: {
          columns: data.aging.map((a) => ({ label: a.label, width: 1, align: 'right' as const })),
          rows: [data.aging.map((a) => m(a.amount))],
        },
      },
      { heading: 'How to pay', paragraphs: [data.howToPay] },
    ],
  };
}

export type StatementFormat = 'html' | 'pdf';

export interface RenderedStatement {
  format: StatementFormat;
  mediaType: string;
  filename: string;
  body: Buffer;
  data: StatementData;
}

/** The statement of one customer for a period as HTML (handlebars) or PDF (the document pipeline's layout). */
export async function renderStatement(
  em: EntityManager,
  input: { customerId: string; from: string; to: string; format: StatementFormat },
  options: StatementOptions = {},
): Promise<RenderedStatement> {
  const data = await statementData(em, input, options);
  const companyName = options.companyName ?? 'Accounts Receivable';
  const filename = `statement-${data.customer.id.slice(0, 8)}-${data.from}-${data.to}.${input.format}`;
  if (input.format === 'pdf') {
    return {
      format: 'pdf',
      mediaType: 'application/pdf',
      filename,
      body: await renderPdf(pdfModel(data, companyName)),
      data,
    };
  }
  const m = (amount: number) => formatMoney({ amount, currency: data.currency });
  const html = renderDocument('statement', {
    companyName,
    customer: data.customer,
    from: data.from,
    to: data.to,
    openingBalance: m(data.openingBalance),
    closingBalance: m(data.closingBalance),
    // `on`, not `date`: `date` is a template helper.
    activity: data.activity.map((a) => ({
      ...a,
      on: a.date,
      reference: a.reference ?? '',
      charges: a.charges ? m(a.charges) : '',
      credits: a.credits ? m(a.credits) : '',
      balance: m(a.balance),
    })),
    openItems: data.openItems.map((i) => ({
      document: i.itemType === 'credit' ? `Credit (${i.postedOn})` : i.reference,
      issued: i.issueDate ?? i.postedOn,
      due: i.dueDate ?? '',
      daysPastDue: i.daysPastDue,
      bucket: i.bucket,
      amount: m(i.amount),
    })),
    aging: data.aging.map((a) => ({ label: a.label, amount: m(a.amount) })),
    howToPay: data.howToPay,
  });
  return { format: 'html', mediaType: 'text/html; charset=utf-8', filename, body: Buffer.from(html, 'utf8'), data };
}
