import {
  creditSplit,
  divideHalfEven,
  formatDocumentNumber,
  invoiceLineProblems,
  lineNet,
  lineTax,
  ppmToTaxRate,
  priceInvoice,
  quantityToMilli,
  seriesFor,
  taxRateToPpm,
} from '../../src/invoices/rules/invoice.js';
import { overdueAt, reminderAt, DEFAULT_INVOICE_POLICY } from '../../src/invoices/rules/invoice-policy.js';
import { statusAfterBalanceChange } from '../../src/invoices/rules/invoice-status.js';

describe('half-even division', () => {
  it.each([
    [25n, 10n, 2n],
    [35n, 10n, 4n],
    [26n, 10n, 3n],
    [24n, 10n, 2n],
    [0n, 7n, 0n],
    [15n, 10n, 2n],
  ])('%d / %d = %d', (a, b, expected) => {
    expect(divideHalfEven(a, b)).toBe(expected);
  });
});

describe('quantities and tax rates as exact integers', () => {
  it.each([
    [1, 1000],
    [2.5, 2500],
    [0.001, 1],
    [12.345, 12345],
    [0, 0],
    [0.001 * 1001, 1001], // 1.0010000000000001: a float a client computed, one thousandth apart from nothing
    [999_999_999.999, 999_999_999_999],
  ])('quantity %p is %d thousandths', (q, milli) => {
    expect(quantityToMilli(q)).toBe(milli);
  });
  it.each([[1.2345], [1.0004], [-1], [Number.NaN], [1e-5], [Infinity]])('quantity %p is refused', (q) => {
    expect(quantityToMilli(q)).toBeUndefined();
  });
  it.each([
    ['19', 190_000],
    ['7.7', 77_000],
    ['8.875', 88_750],
    ['0', 0],
    ['100', 1_000_000],
  ])('tax rate %s %% is %d ppm and prints back', (rate, ppm) => {
    expect(taxRateToPpm(rate)).toBe(ppm);
    expect(ppmToTaxRate(ppm)).toBe(rate);
  });
  it.each([['100.01'], ['19%'], ['0.12345'], ['-1'], ['1e2'], ['']])('tax rate %p is refused', (rate) => {
    expect(taxRateToPpm(rate)).toBeUndefined();
  });
});

describe('line net and tax round half-even per line', () => {
  it.each([
    // quantity (milli), unit price, net
    [1000, 1999, 1999],
    [2500, 333, 832], // 832.5 -> 832 (even)
    [1500, 333, 500], // 499.5 -> 500 (even)
    [3, 1, 0], // 0.003 -> 0
    [333, 3, 1], // 0.999 -> 1
  ])('%d/1000 x %d = %d', (milli, price, net) => {
    expect(lineNet(milli, price)).toBe(net);
  });
  it.each([
    // net, ppm, tax
    [1050, 190_000, 200], // 199.5 -> 200
    [1250, 190_000, 238], // 237.5 -> 238
    [1150, 190_000, 218], // 218.5 -> 218
    [10_000, 88_750, 888], // 887.5 -> 888
    [9_999_999_999_999, 190_000, 1_900_000_000_000], // 1,899,999,999,999.81 -> exact in BigInt
  ])('tax of %d at %d ppm = %d', (net, ppm, tax) => {
    expect(lineTax(net, ppm)).toBe(tax);
  });
});

describe('pricing an invoice', () => {
  it('sums rounded lines exactly (the published example: 3 x 33.33 at 19 % plus 1 x 0.05 at 7 %)', () => {
    const totals = priceInvoice(
      [
        { description: 'Consulting', quantity: 3, unitPrice: { amount: 3333, currency: 'EUR' }, taxRate: '19' },
        { description: 'Stamp', quantity: 1, unitPrice: { amount: 5, currency: 'EUR' }, taxRate: '7' },
      ],
      'EUR',
    );
    // 9999 net at 19 % = 1899.81 -> 1900; 5 at 7 % = 0.35 -> 0
    expect(totals).toMatchObject({ subtotal: 10_004, tax: 1900, total: 11_904 });
    expect(totals.lines.map((l) => [l.net, l.tax])).toEqual([
      [9999, 1900],
      [5, 0],
    ]);
  });

  it('names every bad field by JSON pointer', () => {
    const problems = invoiceLineProblems(
      [
        { description: 'a', quantity: 0, unitPrice: { amount: 100, currency: 'EUR' } },
        { description: 'b', quantity: 1.0001, unitPrice: { amount: -1, currency: 'USD' }, taxRate: '101' },
      ],
      'EUR',
    );
    expect(problems.map((p) => p.pointer)).toEqual([
      '/lines/0/quantity',
      '/lines/1/quantity',
      '/lines/1/unitPrice/amount',
      '/lines/1/unitPrice/currency',
      '/lines/1/taxRate',
    ]);
    expect(invoiceLineProblems([], 'EUR').map((p) => p.pointer)).toEqual(['/lines']);
  });
});

describe('credit split between revenue and tax', () => {
  it.each([
    [{ subtotal: 10_000, tax: 1900 }, 11_900, { net: 10_000, tax: 1900 }],
    [{ subtotal: 10_000, tax: 1900 }, 5950, { net: 5000, tax: 950 }],
    [{ subtotal: 10_000, tax: 1900 }, 1, { net: 1, tax: 0 }],
    [{ subtotal: 10_000, tax: 0 }, 123, { net: 123, tax: 0 }],
    [{ subtotal: 333, tax: 63 }, 100, { net: 84, tax: 16 }],
  ])('%o credited %d splits as %o', (invoice, amount, split) => {
    const result = creditSplit({ ...invoice, currency: 'EUR' }, amount);
    expect(result).toEqual(split);
    expect(result.net + result.tax).toBe(amount);
  });
});

describe('numbering', () => {
  it.each([
    ['INV', '2026-03-01', 123, 'INV-2026-000123'],
    ['CN', '2027-01-01', 1, 'CN-2027-000001'],
    ['INV', '2026-12-31', 1_234_567, 'INV-2026-1234567'],
  ] as const)('%s %s #%d = %s', (prefix, date, n, number) => {
    expect(formatDocumentNumber(seriesFor(prefix, date), n)).toBe(number);
  });
});

describe('invoice policy instants', () => {
  it.each([
    ['2026-12-10', { ...DEFAULT_INVOICE_POLICY }, '2026-12-07T00:00:00.000Z', '2026-12-11T00:00:00.000Z'],
    [
      '2026-03-01',
      { reminderBefore: 'P1M', overdueAfter: 'P2D', version: 't' },
      '2026-02-01T00:00:00.000Z',
      '2026-03-04T00:00:00.000Z',
    ],
    [
      '2026-12-10',
      { reminderBefore: 'PT30S', overdueAfter: 'PT10S', version: 'staging' },
      '2026-12-09T23:59:30.000Z',
      '2026-12-11T00:00:10.000Z',
    ],
  ])('due %s with %o: reminder %s, overdue %s', (due, policy, reminder, overdue) => {
    expect(reminderAt(due, policy).toISOString()).toBe(reminder);
    expect(overdueAt(due, policy).toISOString()).toBe(overdue);
  });
});

describe('status after a balance change', () => {
  it.each([
    ['sent', 0, false, 'payment', false, 'paid'],
    ['sent', 500, false, 'payment', false, 'partially_paid'],
    ['overdue', 500, true, 'payment', false, 'overdue'],
    ['sent', 500, false, 'credit_note', false, 'sent'],
    ['sent', 0, false, 'credit_note', true, 'cancelled'],
    ['partially_paid', 0, false, 'credit_note', false, 'paid'],
    ['overdue', 0, true, 'write_off', false, 'written_off'],
    ['disputed', 10, false, 'payment', false, 'disputed'],
  ] as const)(
    '%s -> open %d (overdue %p) by %s (cancel %p) = %s',
    (status, openAmount, overdue, cause, cancellation, expected) => {
      expect(statusAfterBalanceChange({ status, openAmount, overdue, cause, cancellation })).toBe(expected);
    },
  );
});

describe('invoice policy configuration', () => {
  it('defaults to P3D / P0D / daily reconcile and labels other policies by their values', async () => {
    const { loadConfig } = await import('../../src/config/config.js');
    expect(loadConfig({}).policy.invoice).toEqual(DEFAULT_INVOICE_POLICY);
    expect(loadConfig({ INVOICE_REMINDER_BEFORE: 'PT30S' }).policy.invoice).toEqual({
      reminderBefore: 'PT30S',
      overdueAfter: 'P0D',
      reconcileEvery: 'P1D',
      version: 'env:PT30S/P0D/P1D',
    });
    expect(loadConfig({ INVOICE_RECONCILE_EVERY: 'PT1H' }).policy.invoice).toMatchObject({
      reconcileEvery: 'PT1H',
      version: 'env:P3D/P0D/PT1H',
    });
    expect(() => loadConfig({ INVOICE_OVERDUE_AFTER: '3 days' })).toThrow(
      /INVOICE_OVERDUE_AFTER must be an ISO-8601 duration/,
    );
    expect(() => loadConfig({ INVOICE_RECONCILE_EVERY: 'daily' })).toThrow(
      /INVOICE_RECONCILE_EVERY must be an ISO-8601 duration/,
    );
  });
});
