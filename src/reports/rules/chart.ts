// The chart of accounts the engine posts to. Codes are configuration data; the roles are fixed.
// Accounts receivable is one control account with a customer dimension on each line: the sub-ledger of a customer
// is its lines on the control account, so the control balance always equals the sum of the sub-ledgers.

export type AccountRole =
  | 'accounts_receivable'
  | 'revenue'
  | 'tax_payable'
  | 'cash'
  | 'unapplied_cash'
  | 'customer_credit'
  | 'discounts_allowed'
  | 'bad_debt_expense'
  | 'bad_debt_recovery'
  | 'late_fee_income'
  /** Counter-account of receivables brought over at go-live; cleared against the general ledger's own opening entry. */
  | 'opening_balance_suspense';

export type AccountType = 'asset' | 'liability' | 'income' | 'expense';

export interface LedgerAccount {
  code: string;
  role: AccountRole;
  name: string;
  type: AccountType;
  /** Lines on this account must name a customer (sub-ledger accounts). */
  requiresCustomer: boolean;
}

export const DEFAULT_CHART: readonly LedgerAccount[] = [
  { code: '1000', role: 'cash', name: 'Cash at bank', type: 'asset', requiresCustomer: false },
  {
    code: '1100',
    role: 'accounts_receivable',
    name: 'Accounts receivable (control)',
    type: 'asset',
    requiresCustomer: true,
  },
  {
    code: '2100',
    role: 'unapplied_cash',
    name: 'Unapplied cash (unidentified receipts)',
    type: 'liability',
    requiresCustomer: false,
  },
  {
    code: '2200',
    role: 'customer_credit',
    name: 'Customer credit balances',
    type: 'liability',
    requiresCustomer: true,
  },
  {
    code: '2900',
    role: 'opening_balance_suspense',
    name: 'Opening balance suspense (cleared against the general ledger at go-live)',
    type: 'liability',
    requiresCustomer: false,
  },
  { code: '2300', role: 'tax_payable', name: 'Sales tax payable', type: 'liability', requiresCustomer: false },
  { code: '4000', role: 'revenue', name: 'Revenue', type: 'income', requiresCustomer: false },
  { code: '4900', role: 'late_fee_income', name: 'Late fees and interest', type: 'income', requiresCustomer: false },
  { code: '4950', role: 'bad_debt_recovery', name: 'Bad-debt recovery', type: 'income', requiresCustomer: false },
  {
    code: '6100',
    role: 'discounts_allowed',
    name: 'Early-payment discounts allowed',
    type: 'expense',
    requiresCustomer: false,
  },
  { code: '6200', role: 'bad_debt_expense', name: 'Bad-debt expense', type: 'expense', requiresCustomer: false },
];

export function accountFor(role: AccountRole, chart: readonly LedgerAccount[] = DEFAULT_CHART): LedgerAccount {
  const account = chart.find((a) => a.role === role);
  if (!account) throw new Error(`chart of accounts has no ${role} account`);
  return account;
}
