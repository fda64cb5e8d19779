// ISO 20022 camt.053 (BankToCustomerStatement) to normalized bank transactions.
// Hostile input is refused before parsing: DOCTYPE/ENTITY declarations (entity expansion, "billion laughs"), oversized
// bodies, malformed or truncated XML. Amounts are parsed from their decimal text exactly (no floats).
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseDecimalAmount } from '../../shared/decimal-amount.js';
import { isCurrencyCode } from '../../shared/iso.js';
import { isIsoDate } from '../../shared/journal.js';
import { STATEMENT_LIMITS, StatementError, type BankTransaction, type ParsedStatement } from './types.js';

type Node = Record<string, unknown>;

const ARRAYS = new Set(['Stmt', 'Ntry', 'NtryDtls', 'TxDtls', 'Ustrd']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  trimValues: true,
  isArray: (name) => ARRAYS.has(name),
});

const text = (value: unknown): string | null => {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && '#text' in (value as Node)) return String((value as Node)['#text']);
  return null;
};
const node = (value: unknown): Node => (value && typeof value === 'object' ? (value as Node) : {});
const list = (value: unknown): Node[] =>
  Array.isArray(value) ? value.map(node) : value === undefined ? [] : [node(value)];

/** `Dt` or `DtTm` (date part) of a date choice element. */
function dateOf(choice: unknown): string | null {
  const c = node(choice);
  const value = text(c.Dt) ?? text(c.DtTm)?.slice(0, 10) ?? null;
  return value && isIsoDate(value) ? value : null;
}

function amountOf(amt: unknown, pointer: string, accountCurrency: string | null): { amount: number; currency: string } {
  const raw = text(amt);
  const currency = text(node(amt)['@_Ccy']);
  if (raw === null || currency === null) throw new StatementError(422, pointer, 'needs an amount with a Ccy attribute');
  if (!isCurrencyCode(currency))
    throw new StatementError(422, `${pointer}/@Ccy`, `"${currency}" is not an ISO 4217 currency`);
  if (accountCurrency && currency !== accountCurrency)
    throw new StatementError(422, `${pointer}/@Ccy`, `is ${currency} but the account is in ${accountCurrency}`);
  const parsed = parseDecimalAmount(raw, currency);
  if (!parsed.ok) throw new StatementError(422, pointer, parsed.reason);
  if (parsed.minorUnits <= 0) throw new StatementError(422, pointer, 'must be positive (the direction is CdtDbtInd)');
  return { amount: parsed.minorUnits, currency };
}

/** Rejects what must never reach an XML parser, then checks well-formedness (a truncated file fails here). */
export function assertSafeXml(xml: string): void {
  if (Buffer.byteLength(xml) > STATEMENT_LIMITS.maxBytes)
    throw new StatementError(413, '/', `the file exceeds ${STATEMENT_LIMITS.maxBytes} bytes`);
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml))
    throw new StatementError(400, '/', 'DOCTYPE and ENTITY declarations are not accepted');
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    throw new StatementError(
      400,
      '/',
      `malformed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
    );
}

export function parseCamt053(xml: string): ParsedStatement {
  assertSafeXml(xml);
  let parsed: unknown;
  try {
    parsed = parser.parse(xml);
  } catch (error) {
    // The parser's own limits (e.g. "Maximum nested tags exceeded") are the file's fault, not the server's.
    throw new StatementError(400, '/', `the XML cannot be read: ${(error as Error).message}`);
  }
  const doc = node(parsed);
  const root = node(doc.Document);
  const statementRoot = root.BkToCstmrStmt;
  if (!statementRoot)
    throw new StatementError(422, '/Document/BkToCstmrStmt', 'is missing: not a camt.053 BankToCustomerStatement');
  const statements = list(node(statementRoot).Stmt);
  if (statements.length === 0)
    throw new StatementError(422, '/Document/BkToCstmrStmt/Stmt', 'the file holds no statement');

  const transactions: BankTransaction[] = [];
  let accountIban: string | null = null;
  let currency: string | null = null;
  let statementRef: string | null = null;
  statements.forEach((stmt, s) => {
    const at = `/Document/BkToCstmrStmt/Stmt/${s}`;
    const acct = node(stmt.Acct);
    const iban = text(node(acct.Id).IBAN) ?? text(node(node(acct.Id).Othr).Id);
    const ccy = text(acct.Ccy);
    if (ccy !== null && !isCurrencyCode(ccy))
      throw new StatementError(422, `${at}/Acct/Ccy`, `"${ccy}" is not an ISO 4217 currency`);
    if (accountIban !== null && iban !== accountIban)
      throw new StatementError(422, `${at}/Acct/Id`, 'all statements of one file must be for the same account');
    accountIban = iban;
    currency = ccy ?? currency;
    statementRef = statementRef ?? text(stmt.Id);

    list(stmt.Ntry).forEach((entry, e) => {
      const ep = `${at}/Ntry/${e}`;
      const status = text(node(entry.Sts).Cd) ?? text(entry.Sts);
      if (status !== null && status !== 'BOOK') return; // pending or informational entries are not money received yet
      const indicator = text(entry.CdtDbtInd);
      if (indicator !== 'CRDT' && indicator !== 'DBIT')
        throw new StatementError(422, `${ep}/CdtDbtInd`, 'must be CRDT or DBIT');
      const bookingDate = dateOf(entry.BookgDt);
      if (!bookingDate) throw new StatementError(422, `${ep}/BookgDt`, 'needs a valid Dt or DtTm');
      const entryAmount = amountOf(entry.Amt, `${ep}/Amt`, ccy);
      const details = list(entry.NtryDtls).flatMap((d) => list(d.TxDtls));
      const batch = details.length > 1;
      const parts = details.length ? details : [{}];
      let batchTotal = 0;
      parts.forEach((tx, t) => {
        const tp = `${ep}/NtryDtls/TxDtls/${t}`;
        const txAmt = tx.Amt ?? node(node(tx.AmtDtls).TxAmt).Amt;
        const { amount } = batch ? amountOf(txAmt, `${tp}/Amt`, entryAmount.currency) : entryAmount;
        batchTotal += amount;
        const refs = node(tx.Refs);
        const parties = node(tx.RltdPties);
        const payer = indicator === 'CRDT' ? node(parties.Dbtr) : node(parties.Cdtr);
        const payerAccount = indicator === 'CRDT' ? node(parties.DbtrAcct) : node(parties.CdtrAcct);
        const rmt = node(tx.RmtInf);
        const structured = list(rmt.Strd)
          .map((sd) => text(node(node(sd.CdtrRefInf)).Ref))
          .filter((r): r is string => !!r);
        const endToEnd = text(refs.EndToEndId);
        transactions.push({
          position: transactions.length,
          creditDebit: indicator === 'CRDT' ? 'credit' : 'debit',
          amount,
          currency: entryAmount.currency,
          bookingDate,
          valueDate: dateOf(entry.ValDt),
          endToEndId: endToEnd && endToEnd !== 'NOTPROVIDED' ? endToEnd : null,
          // A batch entry shares one bank reference; its transactions are told apart by their position in the batch.
          acctSvcrRef:
            text(refs.AcctSvcrRef) ??
            (text(entry.AcctSvcrRef) && batch ? `${text(entry.AcctSvcrRef)}/${t}` : text(entry.AcctSvcrRef)),
          remittance: [...((rmt.Ustrd as unknown[] | undefined) ?? []).map(text), ...structured]
            .filter((v, i, all): v is string => !!v && all.indexOf(v) === i)
            .join(' '),
          counterpartyName: text(payer.Nm) ?? text(node(payer.Pty).Nm),
          counterpartyIban: text(node(payerAccount.Id).IBAN),
        });
        if (transactions.length > STATEMENT_LIMITS.maxTransactions)
          throw new StatementError(413, ep, `more than ${STATEMENT_LIMITS.maxTransactions} transactions in one file`);
      });
      if (batch && batchTotal !== entryAmount.amount)
        throw new StatementError(
          422,
          `${ep}/Amt`,
          `the entry amount differs from the sum of its ${parts.length} transactions`,
        );
    });
  });
  return { format: 'camt053', statementRef, accountIban, currency, transactions };
}
