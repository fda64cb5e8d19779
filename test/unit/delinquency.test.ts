import {
  applyProfileChanges,
  applySnapshot,
  delinquencyAfter,
  delinquencyChanged,
  openAccount,
  upgradeState,
} from '../../src/customers/rules/account.js';
import { deriveStatus, diffFields } from '../../src/customers/rules/customer.js';
import {
  assessDelinquency,
  NO_FACTS,
  validateDelinquencyPolicy,
  type AccountFacts,
  type DelinquencyPolicy,
} from '../../src/collections/rules/delinquency.js';

const policy: DelinquencyPolicy = { overdueAfter: 'P30D', brokenPromisesAtLeast: 1 };
const facts = (f: Partial<AccountFacts>): AccountFacts => ({ ...NO_FACTS, ...f });

describe('delinquency policy', () => {
  it.each<[string, Partial<AccountFacts>, DelinquencyPolicy, string, string[]]>([
    ['nothing open', {}, policy, '2026-11-20', []],
    [
      'due 30 days ago: still within the policy',
      { oldestOpenDueDate: '2026-10-21', openInvoiceCount: 1 },
      policy,
      '2026-11-20',
      [],
    ],
    [
      'due 31 days ago: delinquent',
      { oldestOpenDueDate: '2026-10-20', openInvoiceCount: 1, overdueInvoiceCount: 1 },
      policy,
      '2026-11-20',
      ['invoice_overdue'],
    ],
    [
      'a stricter policy flags earlier',
      { oldestOpenDueDate: '2026-11-10' },
      { ...policy, overdueAfter: 'P7D' },
      '2026-11-20',
      ['invoice_overdue'],
    ],
    [
      'calendar months as the threshold',
      { oldestOpenDueDate: '2026-01-31' },
      { ...policy, overdueAfter: 'P1M' },
      '2026-02-28',
      [],
    ],
    [
      'calendar months, one day later',
      { oldestOpenDueDate: '2026-01-31' },
      { ...policy, overdueAfter: 'P1M' },
      '2026-03-01',
      ['invoice_overdue'],
    ],
    ['a broken promise', { brokenPromises: 1 }, policy, '2026-11-20', ['broken_promise']],
    ['broken promises rule disabled', { brokenPromises: 3 }, { ...policy, brokenPromisesAtLeast: 0 }, '2026-11-20', []],
    [
      'both causes',
      { oldestOpenDueDate: '2026-01-01', brokenPromises: 2 },
      policy,
      '2026-11-20',
      ['invoice_overdue', 'broken_promise'],
    ],
  ])('%s', (_label, f, p, today, codes) => {
    const assessment = assessDelinquency(facts(f), p, today);
    expect(assessment.reasons.map((r) => r.code)).toEqual(codes);
    expect(assessment.delinquent).toBe(codes.length > 0);
  });

  it('words reasons without a running day count, so they change only when the facts do', () => {
    const f = facts({ oldestOpenDueDate: '2026-09-01', overdueInvoiceCount: 2 });
    expect(assessDelinquency(f, policy, '2026-11-20')).toEqual(assessDelinquency(f, policy, '2026-11-21'));
    expect(assessDelinquency(f, policy, '2026-11-20').reasons[0]!.detail).toContain('P30D');
  });

  it('validates thresholds', () => {
    expect(() => validateDelinquencyPolicy({ overdueAfter: '30 days', brokenPromisesAtLeast: 1 })).toThrow('ISO-8601');
    expect(() => validateDelinquencyPolicy({ overdueAfter: 'P30D', brokenPromisesAtLeast: -1 })).toThrow(
      'non-negative',
    );
  });
});

describe('account state with profile and delinquency', () => {
  const now = new Date('2026-11-20T10:00:00Z');
  const opened = () => openAccount({ customerId: 'c1', currency: 'EUR', now, policy: { refreshEvery: 'P1D' } });

  it.each([
    [{ closed: true, onHold: true, delinquent: true }, 'closed'],
    [{ closed: false, onHold: true, delinquent: true }, 'on_hold'],
    [{ closed: false, onHold: false, delinquent: true }, 'delinquent'],
    [{ closed: false, onHold: false, delinquent: false }, 'active'],
  ] as const)('status of %j is %s', (input, status) => expect(deriveStatus(input)).toBe(status));

  it('flags, keeps `since` while the cause stays, and clears', () => {
    let state = opened();
    const first = delinquencyAfter(
      state,
      { delinquent: true, reasons: [{ code: 'invoice_overdue', detail: 'x' }] },
      now,
    );
    expect(delinquencyChanged(state, first)).toBe(true);
    state = applyProfileChanges(
      state,
      { changes: [{ field: 'delinquency', from: null, to: first }], by: 'policy' },
      now,
    );
    expect(state.status).toBe('delinquent');
    const later = delinquencyAfter(
      state,
      { delinquent: true, reasons: [{ code: 'invoice_overdue', detail: 'x' }] },
      new Date('2026-12-01'),
    );
    expect(later!.since).toBe(now.toISOString());
    expect(delinquencyChanged(state, later)).toBe(false);
    const cleared = delinquencyAfter(state, { delinquent: false, reasons: [] }, now);
    state = applyProfileChanges(
      state,
      { changes: [{ field: 'delinquency', from: first, to: cleared }], by: 'policy' },
      now,
    );
    expect(state.status).toBe('active');
    expect(state.changes.map((c) => [c.field, c.by])).toEqual([
      ['delinquency', 'policy'],
      ['status', 'policy'],
      ['delinquency', 'policy'],
      ['status', 'policy'],
    ]);
  });

  it('a hold wins over delinquency and its release shows the account delinquent again', () => {
    let state = applyProfileChanges(
      opened(),
      { changes: [{ field: 'delinquency', from: null, to: { since: 'x', reasons: [] } }], by: 'policy' },
      now,
    );
    state = applyProfileChanges(
      state,
      { changes: [{ field: 'hold', from: null, to: { reason: 'dispute', by: 'clerk', at: 'x' } }], by: 'clerk' },
      now,
    );
    expect(state.status).toBe('on_hold');
    state = applyProfileChanges(state, { changes: [{ field: 'hold', from: {}, to: null }], by: 'clerk' }, now);
    expect(state.status).toBe('delinquent');
  });

  it('tracks terms and credit limit, and flags exposure above the limit', () => {
    let state = applyProfileChanges(
      opened(),
      {
        changes: [
          { field: 'creditLimit', from: null, to: { amount: 1000, currency: 'EUR' } },
          { field: 'termsCode', from: 'NET30', to: 'NET60' },
        ],
        by: 'clerk',
        version: 2,
      },
      now,
    );
    expect(state).toMatchObject({
      termsCode: 'NET60',
      creditLimit: { amount: 1000 },
      profileVersion: 2,
      overCreditLimit: false,
    });
    state = applySnapshot(
      state,
      { exists: true, status: 'active', currency: 'EUR', profileVersion: 2, facts: facts({ openAmount: 1500 }) },
      now,
      { refreshEvery: 'P1D' },
    );
    expect(state.overCreditLimit).toBe(true);
  });

  it('upgrades a state carried over from the first workflow version', () => {
    const {
      termsCode: _t,
      creditLimit: _c,
      hold: _h,
      delinquency: _d,
      facts: _f,
      overCreditLimit: _o,
      ...v1
    } = opened();
    expect(upgradeState(v1)).toMatchObject({ hold: null, delinquency: null, facts: NO_FACTS, termsCode: null });
  });

  it('diffs fields deeply, ignoring key order and untouched fields', () => {
    expect(diffFields({ a: { x: 1, y: 2 }, b: 'same', c: 1 }, { a: { y: 2, x: 1 }, b: 'same', c: 2 })).toEqual([
      { field: 'c', from: 1, to: 2 },
    ]);
  });
});
