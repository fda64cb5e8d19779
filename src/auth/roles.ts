// Who may call the engine. Staff roles follow the AR team's jobs; `customer` is a portal user bound to one customer.
export const STAFF_ROLES = [
  'admin',
  'ar_clerk',
  'collector',
  'dispute_handler',
  'credit_manager',
  'finance_director',
  'auditor',
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export const ROLES = [...STAFF_ROLES, 'customer'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
