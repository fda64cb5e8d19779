import { bankFixture as fixture } from '../support/bank-fixtures.js';
import { parseCamt053 } from '../../src/payments/bank/camt053.js';
import { parseCsvStatement } from '../../src/payments/bank/csv.js';
import { dedupeKeys } from '../../src/payments/bank/dedupe.js';
import { StatementError } from '../../src/payments/bank/types.js';
import { parseDecimalAmount } from '../../src/shared/decimal-amount.js';

function refusal(run: () => unknown): { status: number; pointer: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof StatementError)
      return { status: error.status, pointer: error.pointer, message: error.message };
    throw error;
  }
  throw new Error('expected a StatementError');
}

describe('decimal amounts to minor units, exactly', () => {
  it.each<[string, string, number | string]>([
    ['1234.50', 'USD', 123_450],
    ['0.07', 'USD', 7],
    ['-12', 'EUR', -1_200],
    ['1.10', 'USD', 110],
    ['19.990', 'USD', 1_999], // trailing zero beyond the exponent is fine
    ['1000', 'JPY', 1_000],
    ['1.234', 'KWD', 1_234],
    ['0.1', 'USD', 10], // 0.1 is not representable as a float; the text shift is exact
    ['90071992547409.91', 'USD', 9_007_199_254_740_991],
    ['1.005', 'USD', 'more decimals'],
    ['1.5', 'JPY', 'more decimals'],
    ['1,50', 'EUR', 'not a decimal'],
    ['1e3', 'USD', 'not a decimal'],
    ['', 'USD', 'not a decimal'],
    ['90071992547409.92', 'USD', 'too large'],
  ])('%s %s -> %s', (text, currency, expected) => {
    const parsed = parseDecimalAmount(text, currency);
    if (typeof expected === 'number') expect(parsed).toEqual({ ok: true, minorUnits: expected });
    else expect(parsed).toEqual({ ok: false, reason: expect.stringContaining(expected) });
  });
});

describe('camt.053', () => {
  it('normalizes booked entries: amounts, dates, references, counterparty, batch details', () => {
    const statement = parseCamt053(fixture('camt053-basic.xml'));
    expect(statement).toMatchObject({
      format: 'camt053',
      statementRef: 'STMT-2026-11-20',
      accountIban: 'DE89370400440532013000',
      currency: 'USD',
    });
    expect(statement.transactions).toEqual([
      {
        position: 0,
        creditDebit: 'credit',
        amount: 123_450,
        currency: 'USD',
        bookingDate: '2026-11-20',
        valueDate: '2026-11-21',
        endToEndId: 'E2E-ACME-77',
        acctSvcrRef: 'BANKREF-0001',
        remittance: 'Payment INV-CAMT-0001 thank you',
        counterpartyName: 'Acme Corp',
        counterpartyIban: 'GB29NWBK60161331926819',
      },
      expect.objectContaining({
        position: 1,
        creditDebit: 'debit',
        amount: 8_000,
        acctSvcrRef: 'BANKREF-0002',
        remittance: 'Bank fees November',
      }),
      // A batch entry becomes one transaction per detail, each with its own amount; NOTPROVIDED is no reference.
      expect.objectContaining({
        position: 2,
        amount: 10_025,
        endToEndId: null,
        acctSvcrRef: 'BANKREF-0003/0',
        remittance: 'INV-CAMT-0002',
        bookingDate: '2026-11-20',
      }),
      expect.objectContaining({
        position: 3,
        amount: 19_975,
        acctSvcrRef: 'BANKREF-0003/1',
        remittance: 'RF18539007547034',
      }),
    ]); // the pending (PDNG) entry is not money received yet
  });

  it.each<[string, string | (() => string), number, string, RegExp]>([
    ['entity declarations (billion laughs)', 'camt053-billion-laughs.xml', 400, '/', /DOCTYPE and ENTITY/],
    ['a truncated file', 'camt053-truncated.xml', 400, '/', /malformed XML at line/],
    [
      'an entry in another currency than the account',
      'camt053-wrong-currency.xml',
      422,
      '/Document/BkToCstmrStmt/Stmt/0/Ntry/0/Amt/@Ccy',
      /EUR but the account is in USD/,
    ],
    [
      'a document that is not a statement',
      () => '<Document><Foo/></Document>',
      422,
      '/Document/BkToCstmrStmt',
      /not a camt.053/,
    ],
    [
      'a batch whose details do not add up',
      () => fixture('camt053-basic.xml').replace('199.75', '199.70'),
      422,
      '/Document/BkToCstmrStmt/Stmt/0/Ntry/2/Amt',
      /differs from the sum/,
    ],
    [
      'a fractional cent',
      () => fixture('camt053-basic.xml').replace('1234.50', '1234.505'),
      422,
      '/Document/BkToCstmrStmt/Stmt/0/Ntry/0/Amt',
      /more decimals/,
    ],
    [
      'a missing direction',
      () => fixture('camt053-basic.xml').replace('<CdtDbtInd>DBIT</CdtDbtInd>', ''),
      422,
      '/Document/BkToCstmrStmt/Stmt/0/Ntry/1/CdtDbtInd',
      /CRDT or DBIT/,
    ],
    [
      'an invalid booking date',
      () => fixture('camt053-basic.xml').replace('<BookgDt><Dt>2026-11-20</Dt>', '<BookgDt><Dt>2026-02-30</Dt>'),
      422,
      '/Document/BkToCstmrStmt/Stmt/0/Ntry/0/BookgDt',
      /valid Dt/,
    ],
    ['an oversized body', () => `<Document>${' '.repeat(5 * 1024 * 1024)}</Document>`, 413, '/', /exceeds/],
  ])('refuses %s', (_name, source, status, pointer, message) => {
    const xml = typeof source === 'string' ? fixture(source) : source();
    expect(refusal(() => parseCamt053(xml))).toEqual({ status, pointer, message: expect.stringMatching(message) });
  });
});

describe('CSV exports', () => {
  it('normalizes rows: sign gives the direction, IBAN without spaces, optional columns', () => {
    const statement = parseCsvStatement(fixture('statement.csv'), { accountCurrency: 'USD' });
    expect(statement.transactions.map((t) => [t.creditDebit, t.amount, t.acctSvcrRef, t.counterpartyIban])).toEqual([
      ['credit', 123_450, 'TX-1', 'GB29NWBK60161331926819'],
      ['debit', 8_000, 'TX-2', null],
      ['credit', 7_500, null, null],
      ['credit', 7_500, null, null],
    ]);
  });

  it('keeps identical rows apart and gives the same keys when the file is read again', () => {
    const first = dedupeKeys(parseCsvStatement(fixture('statement.csv')));
    const again = dedupeKeys(parseCsvStatement(fixture('statement.csv')));
    expect(new Set(first).size).toBe(4);
    expect(again).toEqual(first);
    expect(first[0]).toBe('bank:unknown-account:ref:TX-1');
  });

  it.each<[string, string, number, string]>([
    ['a missing required column', 'booking_date,amount\n2026-11-20,1.00\n', 422, '/columns/currency'],
    ['an unknown column', 'booking_date,amount,currency,colour\n2026-11-20,1.00,USD,red\n', 422, '/columns/colour'],
    [
      'a row in another currency',
      'booking_date,amount,currency\n2026-11-20,1.00,USD\n2026-11-20,1.00,EUR\n',
      422,
      '/rows/1/currency',
    ],
    ['a malformed amount', 'booking_date,amount,currency\n2026-11-20,"1,00",USD\n', 422, '/rows/0/amount'],
    ['a zero amount', 'booking_date,amount,currency\n2026-11-20,0.00,USD\n', 422, '/rows/0/amount'],
    ['a bad date', 'booking_date,amount,currency\n20.11.2026,1.00,USD\n', 422, '/rows/0/booking_date'],
    ['a ragged row', 'booking_date,amount,currency\n2026-11-20,1.00\n', 400, '/rows/0'],
    [
      'an overlong line',
      `booking_date,amount,currency,reference\n2026-11-20,1.00,USD,${'x'.repeat(5000)}\n`,
      400,
      '/rows/0',
    ],
    ['a header without rows', 'booking_date,amount,currency\n', 422, '/rows'],
  ])('refuses %s', (_name, csv, status, pointer) => {
    expect(refusal(() => parseCsvStatement(csv, { accountCurrency: 'USD' }))).toMatchObject({ status, pointer });
  });
});
