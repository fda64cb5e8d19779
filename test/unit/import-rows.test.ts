import {
  openingStatus,
  parseCustomerRow,
  parseInvoiceRow,
  parseOpeningBalanceRow,
} from '../../src/imports/rules/import-rows.js';
import { csvLine } from '../../src/ledger/csv.js';

const invoice = {
  externalRef: 'E-1',
  customerExternalRef: 'C-1',
  currency: 'EUR',
  issueDate: '2026-10-01',
  dueDate: '2026-10-31',
  amount: '1000',
  taxRate: '19',
};

describe('invoice rows', () => {
  test.each([
    [{}, true, []],
    [
      { amount: '12.50' },
      false,
      [{ field: 'amount', reason: 'must be a whole number of minor units (e.g. 12050 for 120.50)' }],
    ],
    [{ amount: '0' }, false, [{ field: 'amount', reason: 'must be at least 1' }]],
    [{ issueDate: '2026-02-30' }, false, [{ field: 'issueDate', reason: 'must be a calendar date YYYY-MM-DD' }]],
    [{ dueDate: '2026-09-01' }, false, [{ field: 'dueDate', reason: 'must not be before issueDate' }]],
    [{ currency: 'EURO' }, false, [{ field: 'currency', reason: 'is longer than 3 characters' }]],
    [{ currency: 'XYZ' }, false, [{ field: 'currency', reason: '"XYZ" is not an ISO 4217 currency code' }]],
    [
      { taxRate: '101' },
      false,
      [{ field: 'taxRate', reason: 'must be a percentage from 0 to 100 with at most 4 decimals' }],
    ],
    [{ customerExternalRef: '' }, false, [{ field: 'customerExternalRef', reason: 'is required (or customerId)' }]],
    [{ customerId: 'not-a-uuid' }, false, [{ field: 'customerId', reason: 'must be a UUID' }]],
    [
      { externalRef: ' ', amount: 'x' },
      false,
      [
        { field: 'externalRef', reason: 'is required' },
        { field: 'amount', reason: 'must be a whole number of minor units (e.g. 12050 for 120.50)' },
      ],
    ],
  ])('%j -> ok %s %j', (change, ok, problems) => {
    const parsed = parseInvoiceRow({ ...invoice, ...change });
    expect(parsed.ok).toBe(ok);
    if (!parsed.ok) expect(parsed.problems).toEqual(problems);
  });

  test('JSON lines give numbers as numbers; the dueDate is optional', () => {
    const parsed = parseInvoiceRow({ ...invoice, amount: 1000, dueDate: undefined });
    expect(parsed).toEqual({
      ok: true,
      row: expect.objectContaining({
        amount: 1000,
        dueDate: null,
        customer: { externalRef: 'C-1' },
        description: 'Imported invoice',
      }),
    });
  });
});

describe('customer rows', () => {
  const customer = {
    externalRef: 'C-1',
    legalName: 'Acme',
    email: 'ap@acme.example',
    currency: 'EUR',
    line1: '1 Main St',
    city: 'Berlin',
    postalCode: '10115',
    country: 'DE',
  };
  test.each([
    [{}, []],
    [{ email: 'nope' }, [{ field: 'email', reason: 'is not an e-mail address' }]],
    [{ country: 'XX' }, [{ field: 'country', reason: '"XX" is not an ISO 3166-1 alpha-2 country code' }]],
    [{ taxId: 'DE123' }, [{ field: 'taxCountry', reason: 'taxCountry and taxId go together' }]],
    [{ creditLimit: '-5' }, [{ field: 'creditLimit', reason: 'must be at least 0' }]],
  ])('%j -> %j', (change, problems) => {
    const parsed = parseCustomerRow({ ...customer, ...change });
    expect(parsed.ok ? [] : parsed.problems).toEqual(problems);
  });

  test('nested JSON (like POST /customers) and flat CSV give the same row', () => {
    const nested = parseCustomerRow({
      externalRef: 'C-1',
      legalName: 'Acme',
      email: 'ap@acme.example',
      currency: 'EUR',
      billingAddress: { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
      taxId: { country: 'DE', value: '123' },
      creditLimit: { amount: 500, currency: 'EUR' },
      tags: ['a', 'b'],
    });
    const flat = parseCustomerRow({ ...customer, taxCountry: 'DE', taxId: '123', creditLimit: '500', tags: 'a; b' });
    expect(nested).toEqual(flat);
    expect(flat.ok && flat.row.tags).toEqual(['a', 'b']);
  });
});

describe('opening balances', () => {
  const row = {
    externalRef: 'OLD-1',
    customerExternalRef: 'C-1',
    currency: 'EUR',
    issueDate: '2026-08-01',
    dueDate: '2026-08-31',
    total: '1000',
    openAmount: '400',
  };
  test('open amount above the total is refused', () => {
    expect(parseOpeningBalanceRow({ ...row, openAmount: '1001' })).toEqual({
      ok: false,
      problems: [{ field: 'openAmount', reason: 'must not exceed total 1000' }],
    });
  });
  test.each([
    [
      '2026-11-01',
      { total: 1000, openAmount: 400, dueDate: '2026-08-31' },
      { status: 'overdue', overdueSince: '2026-09-01' },
    ],
    [
      '2026-08-31',
      { total: 1000, openAmount: 400, dueDate: '2026-08-31' },
      { status: 'partially_paid', overdueSince: null },
    ],
    ['2026-08-31', { total: 1000, openAmount: 1000, dueDate: '2026-08-31' }, { status: 'sent', overdueSince: null }],
    [
      '2027-01-01',
      { total: 1000, openAmount: 1000, dueDate: '2026-12-31' },
      { status: 'overdue', overdueSince: '2027-01-01' },
    ],
  ])('as of %s: %j -> %j', (asOf, input, expected) => {
    expect(openingStatus(input, asOf)).toEqual(expected);
  });
});

describe('CSV export fields', () => {
  test.each([
    [['a', 1, null, undefined], 'a,1,,\r\n'],
    [['x,y', 'say "hi"', 'two\nlines'], '"x,y","say ""hi""","two\nlines"\r\n'],
    // Spreadsheet formula injection is quoted.
    [['=SUM(A1)', '-5'], '"=SUM(A1)","-5"\r\n'],
  ])('%j', (values, expected) => {
    expect(csvLine(values)).toBe(expected);
  });
});
