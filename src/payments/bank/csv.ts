// CSV bank exports to normalized bank transactions. One header row names the columns (case-insensitive):
//   booking_date (YYYY-MM-DD), amount (decimal, "." separator; negative = debit unless credit_debit says),
//   currency, and optionally value_date, credit_debit (credit|debit|CRDT|DBIT), reference, counterparty_name,
//   counterparty_iban, transaction_id (the bank's reference), end_to_end_id.
import { parse } from 'csv-parse/sync';
import { parseDecimalAmount } from '../../shared/decimal-amount.js';
import { isCurrencyCode } from '../../shared/iso.js';
import { isIsoDate } from '../../shared/journal.js';
import { STATEMENT_LIMITS, StatementError, type BankTransaction, type ParsedStatement } from './types.js';

const REQUIRED = ['booking_date', 'amount', 'currency'] as const;
const KNOWN = new Set([
  ...REQUIRED,
  'value_date',
  'credit_debit',
  'reference',
  'counterparty_name',
  'counterparty_iban',
  'transaction_id',
  'end_to_end_id',
]);

export function parseCsvStatement(csv: string, options: { accountCurrency?: string } = {}): ParsedStatement {
  if (Buffer.byteLength(csv) > STATEMENT_LIMITS.maxBytes)
    throw new StatementError(413, '/', `the file exceeds ${STATEMENT_LIMITS.maxBytes} bytes`);
  let records: Record<string, string>[];
  try {
    records = parse(csv, {
      bom: true,
      columns: (header: string[]) =>
        header.map((h) =>
          h
            .trim()
            .toLowerCase()
            .replace(/[\s-]+/g, '_'),
        ),
      skip_empty_lines: true,
      trim: true,
      max_record_size: STATEMENT_LIMITS.maxLineLength,
      relax_column_count: false,
    });
  } catch (error) {
    const e = error as { message: string; lines?: number };
    throw new StatementError(400, e.lines ? `/rows/${Math.max(0, e.lines - 2)}` : '/', `malformed CSV: ${e.message}`);
  }
  if (records.length === 0)
    throw new StatementError(
      422,
      '/rows',
      'the file holds no transactions (a header row and at least one row are needed)',
    );
  if (records.length > STATEMENT_LIMITS.maxTransactions)
    throw new StatementError(413, '/rows', `more than ${STATEMENT_LIMITS.maxTransactions} transactions in one file`);
  const columns = Object.keys(records[0]!);
  for (const required of REQUIRED)
    if (!columns.includes(required)) throw new StatementError(422, `/columns/${required}`, 'is a required column');
  const unknown = columns.find((c) => !KNOWN.has(c));
  if (unknown)
    throw new StatementError(422, `/columns/${unknown}`, `is not a known column (known: ${[...KNOWN].join(', ')})`);

  const transactions = records.map((row, n): BankTransaction => {
    const at = `/rows/${n}`;
    const currency = row.currency!.toUpperCase();
    if (!isCurrencyCode(currency))
      throw new StatementError(422, `${at}/currency`, `"${row.currency}" is not an ISO 4217 currency`);
    if (options.accountCurrency && currency !== options.accountCurrency)
      throw new StatementError(
        422,
        `${at}/currency`,
        `is ${currency} but the account is in ${options.accountCurrency}`,
      );
    if (!isIsoDate(row.booking_date!)) throw new StatementError(422, `${at}/booking_date`, 'must be a date YYYY-MM-DD');
    if (row.value_date && !isIsoDate(row.value_date))
      throw new StatementError(422, `${at}/value_date`, 'must be a date YYYY-MM-DD');
    const parsed = parseDecimalAmount(row.amount!, currency);
    if (!parsed.ok) throw new StatementError(422, `${at}/amount`, parsed.reason);
    if (parsed.minorUnits === 0) throw new StatementError(422, `${at}/amount`, 'must not be zero');
    let creditDebit: 'credit' | 'debit' = parsed.minorUnits > 0 ? 'credit' : 'debit';
    if (row.credit_debit) {
      const indicator = row.credit_debit.toLowerCase();
      if (!['credit', 'debit', 'crdt', 'dbit'].includes(indicator))
        throw new StatementError(422, `${at}/credit_debit`, 'must be credit, debit, CRDT or DBIT');
      if (parsed.minorUnits < 0)
        throw new StatementError(422, `${at}/amount`, 'must be positive when credit_debit gives the direction');
      creditDebit = indicator.startsWith('c') ? 'credit' : 'debit';
    }
    return {
      position: n,
      creditDebit,
      amount: Math.abs(parsed.minorUnits),
      currency,
      bookingDate: row.booking_date!,
      valueDate: row.value_date || null,
      endToEndId: row.end_to_end_id || null,
      acctSvcrRef: row.transaction_id || null,
      remittance: row.reference ?? '',
      counterpartyName: row.counterparty_name || null,
      counterpartyIban: row.counterparty_iban?.replace(/\s+/g, '').toUpperCase() || null,
    };
  });
  return {
    format: 'csv',
    statementRef: null,
    accountIban: null,
    currency: options.accountCurrency ?? null,
    transactions,
  };
}
