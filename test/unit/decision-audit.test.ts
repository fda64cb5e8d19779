// What the decision audit records about a decision's amount and the authority used, table-driven over the task types
// that carry an amount and the roles that hold a ceiling.
import { DEFAULT_APPROVAL_CEILINGS } from '../../src/tasks/rules/approval-authority.js';
import { auditedAmount, authorityUsed } from '../../src/tasks/rules/decision-audit.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe('auditedAmount', () => {
  it.each([
    [
      'a credit approval: the limit entered',
      { type: 'credit_approval', payload: { recommended: eur(3_000_000) } },
      { limit: 2_500_000 },
      eur(2_500_000),
    ],
    [
      'a credit approval: as recommended',
      { type: 'credit_approval', payload: { recommended: eur(3_000_000) } },
      {},
      eur(3_000_000),
    ],
    [
      'a credit override: the invoice amount',
      { type: 'credit_override', payload: { amount: eur(6_000_000) } },
      {},
      eur(6_000_000),
    ],
    [
      'a write-off: the overdue total',
      { type: 'write_off_proposal', payload: { overdueAmount: 420_000, invoices: [{ currency: 'EUR' }] } },
      {},
      eur(420_000),
    ],
    [
      'a dispute: the partial credit entered as money',
      { type: 'dispute_resolution', payload: { amount: eur(30_000) } },
      { amount: eur(20_000) },
      eur(20_000),
    ],
    [
      'a dispute: minor units in the task currency',
      { type: 'dispute_resolution', payload: { amount: eur(30_000) } },
      { amount: 10_000 },
      eur(10_000),
    ],
    [
      'a dispute upheld: the disputed amount',
      { type: 'dispute_resolution', payload: { amount: eur(30_000) } },
      {},
      eur(30_000),
    ],
    ['a collection call: none', { type: 'collection_call', payload: { overdueAmount: 5 } }, {}, undefined],
  ])('%s', (_label, task, data, expected) => {
    expect(auditedAmount(task, data)).toEqual(expected);
  });
});

describe('authorityUsed', () => {
  it.each([
    [
      'a credit manager within 50,000.00',
      ['credit_manager'],
      eur(4_000_000),
      undefined,
      { role: 'credit_manager', ceiling: eur(5_000_000), basis: 'ceiling' },
    ],
    [
      'the highest ceiling among several roles',
      ['credit_manager', 'finance_director'],
      eur(100),
      undefined,
      { role: 'finance_director', ceiling: eur(25_000_000), basis: 'ceiling' },
    ],
    [
      'yen ceilings in whole units',
      ['credit_manager'],
      { amount: 1_000, currency: 'JPY' },
      undefined,
      { role: 'credit_manager', ceiling: { amount: 50_000, currency: 'JPY' }, basis: 'ceiling' },
    ],
    ['a role without a ceiling', ['dispute_handler'], eur(100), undefined, null],
    ['no amount', ['finance_director'], undefined, undefined, null],
  ])('%s', (_label, roles, amount, approvals, expected) => {
    expect(authorityUsed(roles, amount, DEFAULT_APPROVAL_CEILINGS, approvals)).toEqual(expected);
  });

  it('names the highest ceiling and every approver when two people approved above it', () => {
    const approvals = [
      { by: 'fd-1', at: '2026-01-01T00:00:00.000Z' },
      { by: 'fd-2', at: '2026-01-01T00:05:00.000Z' },
    ];
    expect(authorityUsed(['finance_director'], eur(30_000_000), DEFAULT_APPROVAL_CEILINGS, approvals)).toEqual({
      role: 'finance_director',
      ceiling: eur(25_000_000),
      basis: 'two_approvals',
      approvals,
    });
  });
});
