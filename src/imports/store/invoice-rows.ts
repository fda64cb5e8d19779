// Turning a batch of valid invoice and opening-balance rows into documents to write, with one query for all their
// customers (locked FOR SHARE, as issuing one invoice does) and one for all their payment terms templates; the checks
// and pricing are the same pure ones the API's issuing runs (`checkInvoiceRequest`), so an imported invoice is
// refused for exactly the reasons (and with the same words) a single one would be.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { openingStatus, type InvoiceImportRow, type OpeningBalanceRow, type RowProblem } from '../rules/import-rows.js';
import { seriesFor } from '../../invoices/rules/invoice.js';
import type { PaymentTerms } from '../../customers/rules/terms.js';
import {
  checkInvoiceRequest,
  InvoiceRequestError,
  termsCodeOf,
  type CustomerFacts,
} from '../../invoices/store/issue.js';
import type { InvoiceDocument } from './invoice-writer.js';

export type Prepared = { ok: true; doc: InvoiceDocument } | { ok: false; problems: RowProblem[] };

/** The ledger key of an imported invoice's issue entry: its external reference, so it can be posted once only. */
export const importedIssueKey = (externalRef: string) => `import:invoice:${externalRef}:issue`;
export const openingBalanceKey = (externalRef: string) => `opening-balance:${externalRef}`;

type CustomerRef = InvoiceImportRow['customer'];
type Customers = { byId: Map<string, CustomerFacts>; byRef: Map<string, CustomerFacts> };

/** Every customer the rows name, by id and by external reference (a live customer wins over merged ones with the same reference). */
async function loadCustomers(tx: EntityManager, refs: readonly CustomerRef[]): Promise<Customers> {
  const ids = [...new Set(refs.flatMap((r) => ('id' in r ? [r.id] : [])))];
  const externals = [...new Set(refs.flatMap((r) => ('externalRef' in r ? [r.externalRef] : [])))];
  const rows = await tx.execute<(CustomerFacts & { external_ref: string | null })[]>(
    `SELECT id, external_ref, currency, status, merged_into, terms_code FROM customer
      WHERE id = ANY(SELECT jsonb_array_elements_text(?::jsonb)::uuid) OR external_ref = ANY(SELECT jsonb_array_elements_text(?::jsonb))
      ORDER BY id FOR SHARE`,
    [JSON.stringify(ids), JSON.stringify(externals)],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const byRef = new Map<string, CustomerFacts>();
  for (const r of rows)
    if (r.external_ref !== null && (!byRef.has(r.external_ref) || !r.merged_into)) byRef.set(r.external_ref, r);
  return { byId, byRef };
}

/** The row's customer, or the problem that rejects it (the words of the one-by-one import). */
function customerOf(
  customers: Customers,
  ref: CustomerRef,
): { ok: true; customer: CustomerFacts } | { ok: false; problems: RowProblem[] } {
  const byId = 'id' in ref;
  const field = byId ? 'customerId' : 'customerExternalRef';
  const customer = byId ? customers.byId.get(ref.id) : customers.byRef.get(ref.externalRef);
  if (!customer) return { ok: false, problems: [{ field, reason: 'no customer has this reference' }] };
  if (customer.status === 'closed') return { ok: false, problems: [{ field, reason: 'the customer is closed' }] };
  return { ok: true, customer };
}

/** Pointers of the issuing checks' refusals, as the import's column names. */
function fieldOf(pointer: string): string {
  if (pointer.startsWith('/customerId')) return 'customer';
  if (pointer.endsWith('/unitPrice/currency')) return 'currency';
  if (pointer.endsWith('/unitPrice/amount') || pointer === '/lines') return 'amount';
  if (pointer.endsWith('/taxRate')) return 'taxRate';
  return pointer.replace(/^\//, '');
}

export async function prepareInvoiceRows(
  tx: EntityManager,
  rows: readonly InvoiceImportRow[],
  ctx: { today: string; actor: string },
): Promise<Prepared[]> {
  const customers = await loadCustomers(
    tx,
    rows.map((r) => r.customer),
  );
  const codes = new Set<string>();
  for (const row of rows) {
    const found = customerOf(customers, row.customer);
    if (found.ok) codes.add(termsCodeOf({ terms: row.terms ?? undefined }, found.customer));
  }
  const templates = await tx.execute<{ code: string; terms: PaymentTerms }[]>(
    'SELECT code, terms FROM payment_terms_template WHERE code = ANY(SELECT jsonb_array_elements_text(?::jsonb))',
    [JSON.stringify([...codes])],
  );
  const termsOf = new Map(templates.map((t) => [t.code, t.terms]));
  return rows.map((row): Prepared => {
    const found = customerOf(customers, row.customer);
    if (!found.ok) return found;
    const request = {
      customerId: found.customer.id,
      lines: [
        {
          description: row.description,
          quantity: 1,
          unitPrice: { amount: row.amount, currency: row.currency },
          ...(row.taxRate ? { taxRate: row.taxRate } : {}),
        },
      ],
      issueDate: row.issueDate,
      ...(row.dueDate ? { dueDate: row.dueDate } : {}),
      ...(row.terms ? { terms: row.terms } : {}),
      externalRef: row.externalRef,
    };
    try {
      const p = checkInvoiceRequest(request, found.customer, termsOf.get(termsCodeOf(request, found.customer)), ctx);
      const { totals } = p;
      const discount = p.schedule.discount;
      return {
        ok: true,
        doc: {
          id: p.id,
          customerId: p.customerId,
          currency: p.currency,
          series: seriesFor('INV', p.issueDate),
          issueDate: p.issueDate,
          dueDate: p.dueDate,
          termsCode: p.termsCode,
          terms: p.terms,
          instalments: p.schedule.instalments,
          subtotal: totals.subtotal,
          tax: totals.tax,
          total: totals.total,
          open: totals.total,
          status: 'issued',
          discount: discount
            ? { deadline: discount.deadline, rateBp: discount.rateBp, amount: discount.amount.amount }
            : null,
          externalRef: row.externalRef,
          sentOn: null,
          overdueSince: null,
          createdBy: ctx.actor,
          entry: {
            idempotencyKey: importedIssueKey(row.externalRef),
            kind: 'invoice_issued',
            effectiveDate: p.issueDate,
            description: (number) => `Invoice ${number}`,
            lines: (number) => [
              {
                account: 'accounts_receivable',
                customerId: p.customerId,
                debit: totals.total,
                credit: 0,
                currency: p.currency,
                memo: number,
              },
              ...(totals.subtotal > 0
                ? [
                    {
                      account: 'revenue' as const,
                      debit: 0,
                      credit: totals.subtotal,
                      currency: p.currency,
                      memo: number,
                    },
                  ]
                : []),
              ...(totals.tax > 0
                ? [
                    {
                      account: 'tax_payable' as const,
                      debit: 0,
                      credit: totals.tax,
                      currency: p.currency,
                      memo: number,
                    },
                  ]
                : []),
            ],
          },
          lines: totals.lines,
          event: (number, entryId) => ({
            number,
            issueDate: p.issueDate,
            dueDate: p.dueDate,
            total: { amount: totals.total, currency: p.currency },
            externalRef: row.externalRef,
            journalEntryId: entryId,
          }),
        },
      };
    } catch (error) {
      if (error instanceof InvoiceRequestError)
        return { ok: false, problems: error.errors.map((e) => ({ field: fieldOf(e.pointer), reason: e.detail })) };
      throw error;
    }
  });
}

/**
 * Opening balances: the receivable arrives at go-live (`asOf`) against a suspense account the general ledger clears
 * with its own opening entry; the document keeps its original dates, total and open amount.
 */
export async function prepareOpeningBalanceRows(
  tx: EntityManager,
  rows: readonly OpeningBalanceRow[],
  ctx: { asOf: string; actor: string },
): Promise<Prepared[]> {
  const customers = await loadCustomers(
    tx,
    rows.map((r) => r.customer),
  );
  return rows.map((row): Prepared => {
    const found = customerOf(customers, row.customer);
    if (!found.ok) return found;
    const customer = found.customer;
    if (customer.currency !== row.currency)
      return {
        ok: false,
        problems: [{ field: 'currency', reason: `must be the customer's currency ${customer.currency}` }],
      };
    const { status, overdueSince } = openingStatus(row, ctx.asOf);
    const id = randomUUID();
    return {
      ok: true,
      doc: {
        id,
        customerId: customer.id,
        currency: row.currency,
        series: `OB-${ctx.asOf.slice(0, 4)}`,
        issueDate: row.issueDate,
        dueDate: row.dueDate,
        termsCode: null,
        terms: null,
        instalments: [],
        subtotal: row.total,
        tax: 0,
        total: row.total,
        open: row.openAmount,
        status,
        discount: null,
        externalRef: row.externalRef,
        sentOn: row.issueDate,
        overdueSince,
        createdBy: ctx.actor,
        entry: {
          idempotencyKey: openingBalanceKey(row.externalRef),
          kind: 'opening_balance',
          effectiveDate: ctx.asOf,
          description: (number) =>
            `Opening balance ${row.externalRef} (${number}), issued ${row.issueDate}, due ${row.dueDate}`,
          lines: () => [
            {
              account: 'accounts_receivable',
              customerId: customer.id,
              debit: row.openAmount,
              credit: 0,
              currency: row.currency,
              memo: row.externalRef,
            },
            {
              account: 'opening_balance_suspense',
              debit: 0,
              credit: row.openAmount,
              currency: row.currency,
              memo: row.externalRef,
            },
          ],
        },
        lines: [
          {
            lineNo: 1,
            description: `Opening balance of ${row.externalRef}`,
            quantityMilli: 1000,
            unitPrice: row.total,
            taxRatePpm: 0,
            net: row.total,
            tax: 0,
          },
        ],
        event: (number, entryId) => ({
          number,
          issueDate: row.issueDate,
          dueDate: row.dueDate,
          total: { amount: row.total, currency: row.currency },
          open: { amount: row.openAmount, currency: row.currency },
          externalRef: row.externalRef,
          openingBalance: true,
          journalEntryId: entryId,
        }),
      },
    };
  });
}
