import {
  DEFAULT_MATCH_POLICY,
  findCombination,
  findInvoiceNumbers,
  matchPayment,
  referencePatternProblem,
  settle,
  type OpenInvoice,
  type PaymentToMatch,
} from '../../src/payments/rules/cash-matching.js';

const invoice = (
  number: string,
  openAmount: number,
  dueDate: string,
  extra: Partial<OpenInvoice> = {},
): OpenInvoice => ({
  id: `id-${number}`,
  number,
  customerId: 'c1',
  currency: 'EUR',
  issueDate: '2026-10-01',
  dueDate,
  openAmount,
  ...extra,
});

const A = invoice('INV-1001', 10_000, '2026-11-01');
const B = invoice('INV-1002', 25_000, '2026-11-15');
const C = invoice('INV-1003', 5_000, '2026-12-01');
const D = invoice('INV-1004', 7_500, '2026-12-15', { discountDeadline: '2026-11-20', discountAmount: 150 });
const OPEN = [C, A, D, B]; // unsorted on purpose: the matcher orders by due date

const pay = (amount: number, extra: Partial<PaymentToMatch> = {}): PaymentToMatch => ({
  amount,
  currency: 'EUR',
  receivedOn: '2026-11-25',
  reference: '',
  ...extra,
});
const summary = (p: PaymentToMatch, invoices = OPEN, policy = DEFAULT_MATCH_POLICY) => {
  const result = matchPayment(p, invoices, policy);
  return {
    lines: result.allocations.map(
      (a) => `${a.invoiceNumber}:${a.amount}${a.discount ? `-${a.discount}` : ''}:${a.rule}`,
    ),
    remainder: result.remainder,
  };
};

describe('cash matching rules, in order', () => {
  it.each<[string, PaymentToMatch, string[], number]>([
    [
      'remittance lines first, each capped at the open amount',
      pay(40_000, {
        remittance: [
          { invoiceNumber: 'INV-1002', amount: 20_000 },
          { invoiceNumber: 'inv-1003', amount: 9_000 },
        ],
      }),
      [
        'INV-1002:20000:remittance',
        'INV-1003:5000:remittance',
        'INV-1001:10000:oldest_first',
        'INV-1004:5000:oldest_first',
      ],
      0,
    ],
    [
      'invoice numbers in the reference text, in the order written',
      pay(12_000, { reference: 'Payment for inv-1003 and INV-1001 thanks' }),
      ['INV-1003:5000:reference', 'INV-1001:7000:reference'],
      0,
    ],
    ['exact amount to one invoice', pay(25_000), ['INV-1002:25000:exact_amount'], 0],
    [
      'exact amount to a combination of invoices, oldest preferred',
      pay(15_000),
      ['INV-1001:10000:amount_combination', 'INV-1003:5000:amount_combination'],
      0,
    ],
    [
      'oldest first for what no rule matched',
      pay(12_345),
      ['INV-1001:10000:oldest_first', 'INV-1002:2345:oldest_first'],
      0,
    ],
    [
      'overpayment leaves a remainder',
      pay(50_000),
      [
        'INV-1001:10000:oldest_first',
        'INV-1002:25000:oldest_first',
        'INV-1003:5000:oldest_first',
        'INV-1004:7500:oldest_first',
      ],
      2_500,
    ],
    ['other currencies are never matched', pay(10_000, { currency: 'USD', reference: 'INV-1001' }), [], 10_000],
  ])('%s', (_name, payment, lines, remainder) => {
    expect(summary(payment)).toEqual({ lines, remainder });
  });

  it('leaves everything unapplied when oldest-first is off and no rule matches', () => {
    expect(summary(pay(12_345), OPEN, { ...DEFAULT_MATCH_POLICY, oldestFirst: false })).toEqual({
      lines: [],
      remainder: 12_345,
    });
  });

  it('reports remittance and reference numbers that name nothing payable', () => {
    const result = matchPayment(
      pay(1_000, { reference: 'INV-9999', remittance: [{ invoiceNumber: 'INV-0000', amount: 500 }] }),
      OPEN,
      { ...DEFAULT_MATCH_POLICY, oldestFirst: false },
    );
    expect(result.unmatched.map((u) => u.invoiceNumber)).toEqual(['INV-0000', 'INV-9999']);
    expect(result.remainder).toBe(1_000);
  });

  it('never allocates one invoice twice, even when remittance and reference both name it', () => {
    const result = matchPayment(
      pay(10_000, { reference: 'INV-1001', remittance: [{ invoiceNumber: 'INV-1001', amount: 4_000 }] }),
      OPEN,
      { ...DEFAULT_MATCH_POLICY, oldestFirst: false },
    );
    expect(result.allocations).toEqual([
      expect.objectContaining({ invoiceNumber: 'INV-1001', amount: 4_000, rule: 'remittance' }),
    ]);
    expect(result.remainder).toBe(6_000);
  });
});

describe('disputed invoices', () => {
  it('are paid only when the payer names them, never by the amount or oldest-first rules', () => {
    const disputed = invoice('INV-1000', 3_000, '2026-10-01', { autoMatch: false });
    expect(summary(pay(3_000), [disputed, ...OPEN])).toEqual({ lines: ['INV-1001:3000:oldest_first'], remainder: 0 });
    expect(summary(pay(3_000, { reference: 'INV-1000' }), [disputed, ...OPEN])).toEqual({
      lines: ['INV-1000:3000:reference'],
      remainder: 0,
    });
  });
});

describe('early-payment discount', () => {
  it.each<[string, string, number, { amount: number; discount: number }]>([
    ['settles in full on the deadline day', '2026-11-20', 7_350, { amount: 7_350, discount: 150 }],
    [
      'settles and leaves the excess when paying the full amount early',
      '2026-11-20',
      7_500,
      { amount: 7_350, discount: 150 },
    ],
    [
      'is a partial payment when the cash does not reach the discounted amount',
      '2026-11-20',
      7_000,
      { amount: 7_000, discount: 0 },
    ],
    ['is gone the day after the deadline', '2026-11-21', 7_350, { amount: 7_350, discount: 0 }],
  ])('%s', (_name, receivedOn, available, expected) => {
    expect(settle(D, available, receivedOn)).toEqual(expected);
  });

  it('matches the discounted amount exactly', () => {
    expect(summary(pay(7_350, { receivedOn: '2026-11-19' }))).toEqual({
      lines: ['INV-1004:7350-150:exact_amount'],
      remainder: 0,
    });
  });
});

describe('combination search', () => {
  it.each<[number[], number, number[] | undefined]>([
    [[10, 20, 30], 50, [1, 2]],
    [[10, 20, 30], 40, [0, 2]],
    [[10, 20, 30], 60, [0, 1, 2]],
    [[10, 20, 30], 20, undefined], // a single invoice is the exact-amount rule, not a combination
    [[10, 20, 30], 70, undefined],
  ])('%j to %d -> %j', (amounts, target, expected) => {
    expect(findCombination(amounts, target, 10_000)).toEqual(expected);
  });

  it('gives up within its step budget', () => {
    const amounts = Array.from({ length: 40 }, (_, i) => 2 * (i + 1)); // only even sums exist
    expect(findCombination(amounts, 10_001, 1_000)).toBeUndefined();
  });

  it('considers only the capped number of oldest candidates', () => {
    const many = Array.from({ length: 30 }, (_, i) =>
      invoice(`INV-${2000 + i}`, 100 + i, `2026-01-${String(i + 1).padStart(2, '0')}`),
    );
    // 128 + 129 exist only among the last ten invoices: outside a cap of 20.
    const policy = { ...DEFAULT_MATCH_POLICY, oldestFirst: false, maxCombinationCandidates: 20 };
    expect(summary(pay(128 + 129), many, policy).lines).toEqual([]);
    expect(summary(pay(128 + 129), many, { ...policy, maxCombinationCandidates: 30 }).lines).toEqual([
      'INV-2028:128:amount_combination',
      'INV-2029:129:amount_combination',
    ]);
  });
});

describe('reference text', () => {
  it('finds each invoice number once, upper-cased', () => {
    expect(findInvoiceNumbers('inv-7 INV-7, INV-2026-0042; INV-', DEFAULT_MATCH_POLICY.referencePattern)).toEqual([
      'INV-7',
      'INV-2026-0042',
    ]);
  });
  it.each([
    ['INV-\\d+', undefined],
    ['(', expect.stringContaining('Invalid')],
    ['x*', 'must not match the empty string'],
  ])('pattern %s -> %s', (pattern, problem) => {
    expect(referencePatternProblem(pattern)).toEqual(problem);
  });
});

describe('remittance lines that do not fit', () => {
  const noAutoMatch = { ...DEFAULT_MATCH_POLICY, oldestFirst: false };
  it.each([
    ['an unknown number', { invoiceNumber: 'INV-9999', amount: 1_000 }, /no open invoice/],
    [
      'a line in another currency',
      { invoiceNumber: A.number, amount: 1_000, currency: 'USD' },
      /line is in USD, the payment in EUR/,
    ],
  ])('never applies %s and reports it, keeping the cash as remainder', (_name, line, reason) => {
    const result = matchPayment(pay(1_234, { remittance: [line] }), OPEN, noAutoMatch);
    expect(result.allocations).toEqual([]);
    expect(result.remainder).toBe(1_234);
    expect(result.unmatched).toEqual([{ invoiceNumber: line.invoiceNumber, reason: expect.stringMatching(reason) }]);
  });

  it('applies no more than is open when a line is larger, leaving the excess as remainder', () => {
    const result = matchPayment(
      pay(16_000, { remittance: [{ invoiceNumber: A.number, amount: 16_000 }] }),
      [A],
      noAutoMatch,
    );
    expect(result.allocations).toEqual([
      expect.objectContaining({ invoiceNumber: A.number, amount: 10_000, rule: 'remittance' }),
    ]);
    expect(result.remainder).toBe(6_000);
  });
});
