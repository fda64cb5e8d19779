// Dispute rules as tables: what a new dispute may cover, the resolution validator, the status after a dispute, the
// policy checks and its configuration.
import { loadConfig } from '../../src/config/config.js';
import {
  checkNewDispute,
  expectedPaidBy,
  instalmentProblems,
  linesOverlap,
  resolutionProblems,
  statusAfterDispute,
  type InvoiceFacts,
  type ResolutionContext,
} from '../../src/disputes/rules/dispute.js';
import {
  DEFAULT_DISPUTE_POLICY,
  disputePolicyProblems,
  parseRouting,
} from '../../src/disputes/rules/dispute-policy.js';

const invoice: InvoiceFacts = {
  status: 'sent',
  currency: 'EUR',
  openAmount: 148_150,
  lineTotals: { 1: 142_800, 2: 5_350 },
};
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const pointers = (r: ReturnType<typeof checkNewDispute>) =>
  'problems' in r ? [r.status, ...r.problems.map((p) => p.pointer)] : r.amount;

describe('checkNewDispute', () => {
  it.each([
    ['whole invoice: the open amount', { category: 'pricing', reason: 'x' }, invoice, [], 148_150],
    ['one line: its gross amount', { category: 'quantity', reason: 'x', lines: [1] }, invoice, [], 142_800],
    [
      'lines capped at the open amount',
      { category: 'quantity', reason: 'x', lines: [1, 2] },
      { ...invoice, openAmount: 100_000 },
      [],
      100_000,
    ],
    [
      'an explicit amount wins',
      { category: 'pricing', reason: 'x', amount: eur(10_000), lines: [1] },
      invoice,
      [],
      10_000,
    ],
    [
      'the amount may equal the open balance',
      { category: 'pricing', reason: 'x', amount: eur(148_150) },
      invoice,
      [],
      148_150,
    ],
    [
      'above the open balance',
      { category: 'pricing', reason: 'x', amount: eur(148_151) },
      invoice,
      [],
      [422, '/amount/amount'],
    ],
    [
      'unknown category and blank reason',
      { category: 'weather', reason: ' ' },
      invoice,
      [],
      [422, '/category', '/reason'],
    ],
    [
      'unknown and repeated lines',
      { category: 'quantity', reason: 'x', lines: [3, 1, 1] },
      invoice,
      [],
      [422, '/lines/0', '/lines/2'],
    ],
    [
      'a paid invoice',
      { category: 'pricing', reason: 'x' },
      { ...invoice, status: 'paid' as const, openAmount: 0 },
      [],
      [409, '/invoiceId'],
    ],
    [
      'a written-off invoice',
      { category: 'pricing', reason: 'x' },
      { ...invoice, status: 'written_off' as const, openAmount: 0 },
      [],
      [409, '/invoiceId'],
    ],
    [
      'the same line again',
      { category: 'pricing', reason: 'x', lines: [1] },
      invoice,
      [{ id: 'd1', lines: [1] }],
      [409, '/lines'],
    ],
    [
      'the whole invoice while a line is disputed',
      { category: 'pricing', reason: 'x' },
      invoice,
      [{ id: 'd1', lines: [2] }],
      [409, '/invoiceId'],
    ],
    [
      'another line while one is disputed',
      { category: 'pricing', reason: 'x', lines: [2] },
      { ...invoice, status: 'disputed' as const },
      [{ id: 'd1', lines: [1] }],
      5_350,
    ],
  ] as const)('%s', (_name, request, facts, active, expected) => {
    expect(pointers(checkNewDispute(request as never, facts as InvoiceFacts, active as never))).toEqual(expected);
  });

  it.each([
    [null, [1], true],
    [[1, 2], null, true],
    [[1, 2], [2, 3], true],
    [[1], [2], false],
  ] as const)('linesOverlap(%j, %j) = %s', (a, b, expected) => {
    expect(linesOverlap(a as number[] | null, b as number[] | null)).toBe(expected);
  });
});

const context: ResolutionContext = {
  currency: 'EUR',
  openAmount: 148_150,
  disputedAmount: 30_000,
  today: '2026-11-23',
  maxInstalments: 3,
};
const rootCause = { category: 'pricing', note: 'Quote not applied' };

describe('resolutionProblems (the task validator)', () => {
  it.each([
    ['credit_full', { rootCause }, []],
    ['upheld', { rootCause: { category: 'no_fault', note: 'ok' } }, []],
    ['upheld', {}, ['/data/rootCause']],
    ['upheld', { rootCause: { category: 'bad', note: '' } }, ['/data/rootCause/category', '/data/rootCause/note']],
    ['approve', { rootCause }, ['/outcome']],
    ['credit_partial', { rootCause, amount: eur(30_000) }, []],
    ['credit_partial', { rootCause, amount: eur(30_001) }, ['/data/amount/amount']],
    ['credit_partial', { rootCause, amount: { amount: 10, currency: 'USD' } }, ['/data/amount/currency']],
    ['credit_partial', { rootCause, amount: eur(1.5) }, ['/data/amount/amount']],
    ['credit_partial', { rootCause }, ['/data/amount']],
    ['request_info', { question: 'Which delivery note?' }, []],
    ['request_info', { question: '  ' }, ['/data/question']],
    ['rebill', { rootCause, lines: [{ description: 'Fixed', quantity: 1, unitPrice: eur(100), taxRate: '19' }] }, []],
    [
      'rebill',
      { rootCause, lines: [{ description: 'Fixed', quantity: 1, unitPrice: eur(100), taxRate: 19 }] },
      ['/data/lines'],
    ],
    [
      'rebill',
      { rootCause, lines: [{ description: 'Fixed', quantity: 0.0001, unitPrice: eur(100) }] },
      ['/data/lines/0/quantity'],
    ],
    ['rebill', { rootCause, lines: [] }, ['/data/lines']],
    [
      'rebill',
      { rootCause, lines: [{ description: 'Fixed', quantity: 1, unitPrice: eur(100) }], dueDate: '2026-11-22' },
      ['/data/dueDate'],
    ],
    [
      'payment_plan',
      {
        rootCause,
        instalments: [
          { dueDate: '2026-12-01', amount: eur(100_000) },
          { dueDate: '2027-01-01', amount: eur(48_150) },
        ],
      },
      [],
    ],
  ] as const)('%s %j -> %j', (outcome, data, expected) => {
    expect(resolutionProblems(outcome, data as Record<string, unknown>, context).map((p) => p.pointer)).toEqual(
      expected,
    );
  });
});

describe('instalmentProblems', () => {
  it.each([
    [[], ['/data/instalments']],
    [
      [1, 2, 3, 4].map((n) => ({ dueDate: `2026-12-0${n}`, amount: eur(37_037 + (n === 1 ? 2 : 0)) })),
      ['/data/instalments'],
    ], // more than 3
    [[{ dueDate: '2026-11-22', amount: eur(148_150) }], ['/data/instalments/0/dueDate']],
    [
      [
        { dueDate: '2026-12-02', amount: eur(100_000) },
        { dueDate: '2026-12-01', amount: eur(48_150) },
      ],
      ['/data/instalments/1/dueDate'],
    ],
    [
      [
        { dueDate: '2026-12-02', amount: eur(100_000) },
        { dueDate: '2026-12-09', amount: eur(48_149) },
      ],
      ['/data/instalments'],
    ],
    [[{ dueDate: '2026-11-23', amount: eur(148_150) }], []],
  ])('%j -> %j', (instalments, expected) => {
    expect(instalmentProblems(instalments, context).map((p) => p.pointer)).toEqual(expected);
  });

  it('expects the running sum by each instalment', () => {
    const plan = [
      { dueDate: '2026-12-01', amount: eur(100) },
      { dueDate: '2027-01-01', amount: eur(50) },
    ];
    expect([expectedPaidBy(plan, 0), expectedPaidBy(plan, 1)]).toEqual([100, 150]);
  });
});

describe('statusAfterDispute', () => {
  it.each([
    [{ overdueSince: '2026-11-01', paidAmount: 10, remindedAt: 'x', sentAt: 'x' }, 'overdue'],
    [{ overdueSince: null, paidAmount: 10, remindedAt: 'x', sentAt: 'x' }, 'partially_paid'],
    [{ overdueSince: null, paidAmount: 0, remindedAt: 'x', sentAt: 'x' }, 'due'],
    [{ overdueSince: null, paidAmount: 0, remindedAt: null, sentAt: 'x' }, 'sent'],
    [{ overdueSince: null, paidAmount: 0, remindedAt: null, sentAt: null }, 'issued'],
  ] as const)('%j -> %s', (facts, expected) => {
    expect(statusAfterDispute({ status: 'disputed', ...facts })).toBe(expected);
  });

  it('leaves a closed invoice closed', () => {
    expect(
      statusAfterDispute({
        status: 'cancelled',
        overdueSince: '2026-11-01',
        paidAmount: 0,
        remindedAt: null,
        sentAt: null,
      }),
    ).toBe('cancelled');
  });
});

describe('dispute policy', () => {
  it('the default policy is valid and routes every category', () => {
    expect(disputePolicyProblems(DEFAULT_DISPUTE_POLICY)).toEqual([]);
  });

  it.each([
    [{ resolutionSla: 'P1M' }, '/resolutionSla'],
    [{ resolutionSla: 'PT0S' }, '/resolutionSla'],
    [{ infoReplyWithin: 'soon' }, '/infoReplyWithin'],
    [{ managerQueue: 'Managers!' }, '/managerQueue'],
    [{ calendar: { weekendDays: [0, 6], holidays: ['2026-13-01'] } }, '/calendar/holidays/0'],
  ])('%j is refused at %s', (override, pointer) => {
    expect(disputePolicyProblems({ ...DEFAULT_DISPUTE_POLICY, ...override }).map((p) => p.pointer)).toEqual([pointer]);
  });

  it('routing overrides parse over the defaults; unknown categories are refused', () => {
    expect(parseRouting('pricing=finance, quality = qa', DEFAULT_DISPUTE_POLICY.routing)).toMatchObject({
      pricing: 'finance',
      quality: 'qa',
      delivery: 'disputes-fulfilment',
    });
    expect(() => parseRouting('weather=ops', DEFAULT_DISPUTE_POLICY.routing)).toThrow(RangeError);
  });

  it('comes from the environment; a staging policy can use seconds and holidays', () => {
    const config = loadConfig({
      DISPUTE_RESOLUTION_SLA: 'PT30S',
      DISPUTE_HOLIDAYS: '2026-12-25, 2027-01-01',
      DISPUTE_ACK_NEEDS_PERSON: 'true',
      DISPUTE_ROUTING: 'other=ops',
    });
    expect(config.policy.dispute).toMatchObject({
      resolutionSla: 'PT30S',
      acknowledgement: { needsPerson: true, sla: 'PT24H' },
      calendar: { weekendDays: [0, 6], holidays: ['2026-12-25', '2027-01-01'] },
      routing: { other: 'ops', pricing: 'disputes-billing' },
    });
    expect(() => loadConfig({ DISPUTE_RESOLUTION_SLA: 'P1M' })).toThrow('DISPUTE_RESOLUTION_SLA');
    expect(() => loadConfig({ DISPUTE_HOLIDAYS: 'christmas' })).toThrow('DISPUTE_HOLIDAYS');
    expect(() => loadConfig({ DISPUTE_ROUTING: 'weather=ops' })).toThrow('DISPUTE_ROUTING');
  });
});
