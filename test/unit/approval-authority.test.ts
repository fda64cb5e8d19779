// Authority by amount as a table: who may approve what alone, where a task above them goes, and when two approvals
// are needed; the amount a task approves, read from the payload each approval task carries.
import {
  approvalQueueFor,
  authorityVerdict,
  decidedAmount,
  DEFAULT_APPROVAL_CEILINGS as ceilings,
  DEFAULT_CREDIT_NOTE_APPROVAL_ABOVE,
  formatAmount,
  needsApproval,
  taskAmount,
} from '../../src/tasks/rules/approval-authority.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe('authority verdict', () => {
  it.each<[string, string[], number, string, string | null]>([
    ['a credit manager at the ceiling', ['credit_manager'], 5_000_000, 'within', null],
    ['a credit manager one cent above', ['credit_manager'], 5_000_001, 'above', 'finance-director'],
    ['a finance director within', ['finance_director'], 25_000_000, 'within', null],
    ['a finance director above every ceiling', ['finance_director'], 25_000_001, 'dual', null],
    ['a credit manager above every ceiling', ['credit_manager'], 30_000_000, 'above', 'finance-director'],
    ['an administrator (no approval authority)', ['admin'], 100, 'above', 'credit-manager'],
    ['both roles: the higher counts', ['credit_manager', 'finance_director'], 20_000_000, 'within', null],
  ])('%s', (_label, roles, amount, kind, queue) => {
    const verdict = authorityVerdict(roles, eur(amount), ceilings);
    expect(verdict.kind).toBe(kind);
    if (verdict.kind === 'above') expect(verdict.routeTo?.queue ?? null).toBe(queue);
  });

  it('names the ceiling in words', () => {
    const verdict = authorityVerdict(['credit_manager'], eur(30_000_000), ceilings);
    expect(verdict.kind === 'above' && verdict.detail).toBe(
      'credit_manager may approve up to 50,000.00 EUR; approving 300,000.00 EUR needs a higher authority. It is routed to the finance_director queue (finance-director).',
    );
    expect(formatAmount({ amount: 50_000, currency: 'JPY' })).toBe('50,000 JPY');
    expect(authorityVerdict(['credit_manager'], { amount: 50_001, currency: 'JPY' }, ceilings).kind).toBe('above');
    expect(authorityVerdict(['credit_manager'], undefined, ceilings).kind).toBe('within');
  });
});

describe('the amount a task approves', () => {
  it('reads overrides, credit approvals (the limit entered wins) and write-offs, old and new', () => {
    expect(taskAmount({ type: 'credit_override', payload: { amount: eur(148_150) } })).toEqual(eur(148_150));
    const approval = { type: 'credit_approval', payload: { recommended: eur(8_000_000) } };
    expect(decidedAmount(approval, {})).toEqual(eur(8_000_000));
    expect(decidedAmount(approval, { limit: 4_000_000 })).toEqual(eur(4_000_000));
    expect(
      taskAmount({ type: 'write_off_proposal', payload: { overdueAmount: 12_000, invoices: [{ currency: 'EUR' }] } }),
    ).toEqual(eur(12_000));
    expect(taskAmount({ type: 'dispute_resolution', payload: {} })).toBeUndefined();
  });
});

describe('credit notes above the approval threshold', () => {
  it.each<[number, string, boolean, string]>([
    [1_000_000, 'EUR', false, 'credit-manager'], // 10,000.00: issued at once
    [1_000_001, 'EUR', true, 'credit-manager'],
    [5_000_001, 'EUR', true, 'finance-director'],
    [30_000_000, 'USD', true, 'finance-director'], // above every ceiling: the top role's queue (two approvals)
    [10_001, 'JPY', true, 'credit-manager'],
  ])('%d %s needs approval: %s, in %s', (amount, currency, needed, queue) => {
    expect(needsApproval(DEFAULT_CREDIT_NOTE_APPROVAL_ABOVE, { amount, currency })).toBe(needed);
    expect(approvalQueueFor(ceilings, { amount, currency })).toBe(queue);
  });
});
