// Writing a set of imported invoices (regular or opening balances) with a fixed number of statements however many
// there are: numbers for each series in one upsert, then every journal entry, journal line, invoice, invoice line and
// `invoice.issued` event in one multi-row INSERT each (jsonb_to_recordset of one JSON parameter, so a batch of any
// size is one round trip per table and never hits the bind-parameter limit). The ledger's own guarantees still hold:
// each entry is checked balanced here and again by the deferred constraint triggers at commit, the balance and
// open-item statement triggers see the lines as one set, and each entry's idempotency key is derived from the
// row's external reference, so a batch that is run again after a crash cannot post any receivable a second time.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { accountFor, DEFAULT_CHART } from '../../reports/rules/chart.js';
import { formatDocumentNumber } from '../../invoices/rules/invoice.js';
import { assertBalanced, isIsoDate, type JournalLineInput } from '../../shared/journal.js';

/** One invoice to write; what depends on its number (taken at write time) is built from it. */
export interface InvoiceDocument {
  id: string;
  customerId: string;
  currency: string;
  series: string;
  issueDate: string;
  dueDate: string;
  termsCode: string | null;
  terms: unknown;
  instalments: unknown[];
  subtotal: number;
  tax: number;
  total: number;
  open: number;
  status: string;
  discount: { deadline: string; rateBp: number; amount: number } | null;
  externalRef: string;
  /** Delivered before go-live (opening balances): the date it was sent. */
  sentOn: string | null;
  overdueSince: string | null;
  createdBy: string;
  entry: {
    idempotencyKey: string;
    kind: string;
    effectiveDate: string;
    description: (number: string) => string;
    lines: (number: string) => JournalLineInput[];
  };
  lines: {
    lineNo: number;
    description: string;
    quantityMilli: number;
    unitPrice: number;
    taxRatePpm: number;
    net: number;
    tax: number;
  }[];
  event: (number: string, entryId: string) => Record<string, unknown>;
}

export interface WrittenInvoice {
  id: string;
  number: string;
  entryId: string;
}

/**
 * Takes `count` numbers of each series in one statement (series in order, so concurrent writers lock them in the same
 * order). The series rows stay locked until commit and a rollback returns the numbers: series stay gap-free.
 */
async function takeNumbers(tx: EntityManager, counts: Map<string, number>): Promise<Map<string, number>> {
  const wanted = [...counts]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([series, count]) => ({ series, count }));
  const rows = await tx.execute<{ series: string; next_number: string }[]>(
    `INSERT INTO document_series AS s (series, next_number)
     SELECT w.series, w.count + 1 FROM jsonb_to_recordset(?::jsonb) AS w (series text, count integer) ORDER BY w.series
     ON CONFLICT (series) DO UPDATE SET next_number = s.next_number + EXCLUDED.next_number - 1, updated_at = now()
     RETURNING s.series, s.next_number`,
    [JSON.stringify(wanted)],
  );
  const first = new Map<string, number>();
  for (const row of rows) first.set(row.series, Number(row.next_number) - counts.get(row.series)!);
  return first;
}

/** Writes every document in the caller's transaction; throws (and so rolls back with it) if any statement fails. */
export async function writeInvoiceDocuments(
  tx: EntityManager,
  docs: readonly InvoiceDocument[],
): Promise<WrittenInvoice[]> {
  if (!docs.length) return [];
  const counts = new Map<string, number>();
  for (const doc of docs) counts.set(doc.series, (counts.get(doc.series) ?? 0) + 1);
  const firstOf = await takeNumbers(tx, counts);
  const taken = new Map<string, number>();
  const numbered = docs.map((doc) => {
    const sequence = firstOf.get(doc.series)! + (taken.get(doc.series) ?? 0);
    taken.set(doc.series, (taken.get(doc.series) ?? 0) + 1);
    return { doc, sequence, number: formatDocumentNumber(doc.series, sequence) };
  });

  const entries: Record<string, unknown>[] = [];
  const journalLines: Record<string, unknown>[] = [];
  const entryOf = new Map<string, string>();
  for (const { doc, number } of numbered) {
    const entryId = randomUUID();
    entryOf.set(doc.id, entryId);
    const lines = doc.entry.lines(number);
    assertBalanced(lines);
    if (!isIsoDate(doc.entry.effectiveDate))
      throw new RangeError(`effectiveDate must be YYYY-MM-DD, got ${doc.entry.effectiveDate}`);
    entries.push({
      id: entryId,
      key: doc.entry.idempotencyKey,
      kind: doc.entry.kind,
      effective: doc.entry.effectiveDate,
      source: doc.id,
      description: doc.entry.description(number),
    });
    lines.forEach((line, index) =>
      journalLines.push({
        entry: entryId,
        no: index + 1,
        account: accountFor(line.account, DEFAULT_CHART).code,
        customer: line.customerId ?? null,
        debit: line.debit,
        credit: line.credit,
        currency: line.currency,
        memo: line.memo ?? null,
      }),
    );
  }
  const posted = await tx.execute<{ id: string }[]>(
    `INSERT INTO journal_entry (id, idempotency_key, kind, effective_date, source_type, source_id, description)
     SELECT e.id, e.key, e.kind, e.effective, 'invoice', e.source, e.description
       FROM jsonb_to_recordset(?::jsonb) AS e (id uuid, key text, kind text, effective date, source text, description text)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    [JSON.stringify(entries)],
  );
  // The external references were locked and looked up in this transaction, so an existing key means the books and the
  // invoices disagree: refuse the whole batch rather than write an invoice without its own entry.
  if (posted.length !== entries.length)
    throw new Error(`import: ${entries.length - posted.length} issue entries of this batch were already posted`);
  await tx.execute(
    `INSERT INTO journal_line (entry_id, line_no, account_code, customer_id, debit, credit, currency, memo)
     SELECT l.entry, l.no, l.account, l.customer, l.debit, l.credit, l.currency, l.memo
       FROM jsonb_to_recordset(?::jsonb) AS l (entry uuid, no integer, account text, customer uuid, debit bigint, credit bigint, currency char(3), memo text)`,
    [JSON.stringify(journalLines)],
  );

  const invoices = numbered.map(({ doc, sequence, number }) => ({
    id: doc.id,
    number,
    series: doc.series,
    seq: sequence,
    customer: doc.customerId,
    currency: doc.currency,
    issue: doc.issueDate,
    due: doc.dueDate,
    terms_code: doc.termsCode,
    terms: doc.terms,
    instalments: doc.instalments,
    subtotal: doc.subtotal,
    tax: doc.tax,
    total: doc.total,
    open: doc.open,
    status: doc.status,
    discount_deadline: doc.discount?.deadline ?? null,
    discount_rate_bp: doc.discount?.rateBp ?? null,
    discount_amount: doc.discount?.amount ?? null,
    external_ref: doc.externalRef,
    entry: entryOf.get(doc.id)!,
    sent_on: doc.sentOn,
    overdue_since: doc.overdueSince,
    created_by: doc.createdBy,
  }));
  await tx.execute(
    `INSERT INTO invoice (id, number, series, sequence_no, customer_id, currency, issue_date, due_date, terms_code, terms, instalments,
       subtotal_amount, tax_amount, total_amount, open_amount, status, discount_deadline, discount_rate_bp, discount_amount, external_ref,
       issue_entry_id, sent_at, overdue_since, created_by)
     SELECT i.id, i.number, i.series, i.seq, i.customer, i.currency, i.issue, i.due, i.terms_code, i.terms, coalesce(i.instalments, '[]'),
            i.subtotal, i.tax, i.total, i.open, i.status, i.discount_deadline, i.discount_rate_bp, i.discount_amount, i.external_ref,
            i.entry, i.sent_on::timestamptz, i.overdue_since, i.created_by
       FROM jsonb_to_recordset(?::jsonb) AS i (id uuid, number text, series text, seq integer, customer uuid, currency char(3), issue date, due date,
            terms_code text, terms jsonb, instalments jsonb, subtotal bigint, tax bigint, total bigint, open bigint, status text, discount_deadline date,
            discount_rate_bp integer, discount_amount bigint, external_ref text, entry uuid, sent_on date, overdue_since date, created_by text)`,
    [JSON.stringify(invoices)],
  );
  const lines = numbered.flatMap(({ doc }) => doc.lines.map((l) => ({ invoice: doc.id, ...l })));
  await tx.execute(
    `INSERT INTO invoice_line (invoice_id, line_no, description, quantity_milli, unit_price, tax_rate_ppm, net_amount, tax_amount)
     SELECT l.invoice, l."lineNo", l.description, l."quantityMilli", l."unitPrice", l."taxRatePpm", l.net, l.tax
       FROM jsonb_to_recordset(?::jsonb) AS l (invoice uuid, "lineNo" integer, description text, "quantityMilli" bigint, "unitPrice" bigint, "taxRatePpm" integer, net bigint, tax bigint)`,
    [JSON.stringify(lines)],
  );
  const events = numbered.map(({ doc, number }) => ({
    entity: doc.id,
    customer: doc.customerId,
    actor: doc.createdBy,
    data: doc.event(number, entryOf.get(doc.id)!),
  }));
  await tx.execute(
    `INSERT INTO domain_event (id, type, entity_type, entity_id, customer_id, data, actor)
     SELECT gen_random_uuid(), 'invoice.issued', 'invoice', v.x->>'entity', (v.x->>'customer')::uuid, v.x->'data', v.x->>'actor'
       FROM jsonb_array_elements(?::jsonb) WITH ORDINALITY AS v (x, n) ORDER BY v.n`,
    [JSON.stringify(events)],
  );
  return numbered.map(({ doc, number }) => ({ id: doc.id, number, entryId: entryOf.get(doc.id)! }));
}
