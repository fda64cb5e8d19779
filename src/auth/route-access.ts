// The permission matrix: which roles may call each route, keyed by `METHOD /path` exactly as Fastify registers it.
// One table so that docs/access.md, the start-up check (every route must be listed) and the role-matrix test read the
// same source. Routes marked PUBLIC need no token at all.
import { STAFF_ROLES, type Role } from './roles.js';

export const PUBLIC = 'public' as const;
type Access = readonly Role[] | typeof PUBLIC;

/** Every staff role, read-only access (the auditor sees everything and changes nothing). */
const STAFF_READ: readonly Role[] = STAFF_ROLES;
const CLERK: readonly Role[] = ['admin', 'ar_clerk'];
const CASH: readonly Role[] = ['admin', 'ar_clerk'];
const COLLECTIONS: readonly Role[] = ['admin', 'collector'];
const DISPUTES: readonly Role[] = ['admin', 'ar_clerk', 'dispute_handler'];
const CREDIT: readonly Role[] = ['admin', 'credit_manager', 'finance_director'];
/** Anyone who works a task inbox (the route itself checks the task's queue and claimant). */
const TASK_WORKERS: readonly Role[] = [
  'admin',
  'ar_clerk',
  'collector',
  'dispute_handler',
  'credit_manager',
  'finance_director',
];
const POLICY_ADMIN: readonly Role[] = ['admin'];
/** Webhook subscriptions (their secrets sign what leaves the engine). */
const INTEGRATION_ADMIN: readonly Role[] = ['admin'];
/** Identity administration (users, API keys) and the audit log. */
const IDENTITY_ADMIN: readonly Role[] = ['admin'];
const AUDIT_READ: readonly Role[] = ['admin', 'auditor'];
/** The decision audit: who decided what on which authority (finance directors answer for the approval ceilings). */
const DECISION_AUDIT_READ: readonly Role[] = ['admin', 'auditor', 'finance_director'];
/** Any signed-in caller, staff or portal user. */
const SIGNED_IN: readonly Role[] = [...STAFF_ROLES, 'customer'];
/** Portal users only; every portal route scopes itself to the caller's customer. */
const CUSTOMER: readonly Role[] = ['customer'];

export const ROUTE_ACCESS: Record<string, Access> = {
  'GET /health/live': PUBLIC,
  'GET /health/ready': PUBLIC,

  // --- identity and access ---
  'POST /auth/login': PUBLIC,
  'POST /auth/refresh': PUBLIC,
  'POST /auth/logout': SIGNED_IN,
  'GET /auth/me': SIGNED_IN,
  'GET /users': AUDIT_READ,
  'POST /users': IDENTITY_ADMIN,
  'GET /users/:id': AUDIT_READ,
  'POST /users/:id/disable': IDENTITY_ADMIN,
  'POST /users/:id/enable': IDENTITY_ADMIN,
  'GET /api-keys': AUDIT_READ,
  'POST /api-keys': IDENTITY_ADMIN,
  'POST /api-keys/:id/revoke': IDENTITY_ADMIN,
  'GET /audit-log': AUDIT_READ,

  // --- customer portal (pages, JSON API, gateway webhook) ---
  'POST /customers/:id/portal-users': CLERK,
  'GET /customers/:id/portal-users': STAFF_READ,
  'GET /portal/assets/portal.css': PUBLIC,
  'GET /portal/assets/pay.js': PUBLIC,
  'GET /portal/sign-in': PUBLIC,
  'POST /portal/sign-in': PUBLIC,
  'POST /portal/magic-link': PUBLIC,
  'GET /portal/magic': PUBLIC,
  'GET /portal/accept-invitation': PUBLIC,
  'POST /portal/accept-invitation': PUBLIC,
  /** Verified by the gateway's signature instead of a token. */
  'POST /payment-gateways/stripe/webhook': PUBLIC,
  'POST /portal/sign-out': CUSTOMER,
  'GET /portal': CUSTOMER,
  'GET /portal/invoices': CUSTOMER,
  'GET /portal/invoices/:id': CUSTOMER,
  'GET /portal/invoices/:id/pdf': CUSTOMER,
  'GET /portal/invoices/:id/dispute': CUSTOMER,
  'POST /portal/invoices/:id/dispute': CUSTOMER,
  'GET /portal/statements': CUSTOMER,
  'GET /portal/statements/download': CUSTOMER,
  'GET /portal/payments': CUSTOMER,
  'GET /portal/documents': CUSTOMER,
  'GET /portal/documents/:id': CUSTOMER,
  'GET /portal/disputes': CUSTOMER,
  'GET /portal/disputes/:id': CUSTOMER,
  'POST /portal/disputes/:id/reply': CUSTOMER,
  'GET /portal/promise': CUSTOMER,
  'POST /portal/promise': CUSTOMER,
  'GET /portal/pay': CUSTOMER,
  'POST /portal/pay': CUSTOMER,
  'GET /portal/pay/:id': CUSTOMER,
  'GET /portal/preferences': CUSTOMER,
  'POST /portal/preferences': CUSTOMER,
  'GET /portal/api/summary': CUSTOMER,
  'GET /portal/api/invoices': CUSTOMER,
  'GET /portal/api/invoices/:id': CUSTOMER,
  'GET /portal/api/invoices/:id/pdf': CUSTOMER,
  'GET /portal/api/statements': CUSTOMER,
  'GET /portal/api/payments': CUSTOMER,
  'GET /portal/api/payments/:id': CUSTOMER,
  'GET /portal/api/documents': CUSTOMER,
  'GET /portal/api/documents/:id': CUSTOMER,
  'GET /portal/api/disputes': CUSTOMER,
  'GET /portal/api/disputes/:id': CUSTOMER,
  'POST /portal/api/disputes': CUSTOMER,
  'POST /portal/api/disputes/:id/reply': CUSTOMER,
  'GET /portal/api/promises': CUSTOMER,
  'POST /portal/api/promises': CUSTOMER,
  'GET /portal/api/payment-methods': CUSTOMER,
  'POST /portal/api/gateway-payments': CUSTOMER,
  'GET /portal/api/gateway-payments/:id': CUSTOMER,
  'GET /portal/api/preferences': CUSTOMER,
  'PUT /portal/api/preferences': CUSTOMER,

  'POST /customers': CLERK,
  'GET /customers': STAFF_READ,
  'GET /customers/:id': STAFF_READ,
  'PATCH /customers/:id': CLERK,
  'POST /customers/:id/close': CLERK,
  'GET /customers/:id/history': STAFF_READ,
  'GET /customers/:id/terms': STAFF_READ,
  'GET /customers/duplicates': STAFF_READ,
  'POST /customers/:id/merge': CLERK,
  'GET /customers/:id/ledger': STAFF_READ,

  'GET /payment-terms': STAFF_READ,
  'POST /payment-terms': POLICY_ADMIN,
  'GET /payment-terms/:code': STAFF_READ,
  'PUT /payment-terms/:code': POLICY_ADMIN,

  'POST /invoices': CLERK,
  'GET /invoices': STAFF_READ,
  'GET /invoices/:id': STAFF_READ,
  'POST /invoices/:id/credit-notes': CLERK,
  'POST /invoices/:id/cancel': CLERK,
  'GET /credit-note-approvals/:id': STAFF_READ,

  'GET /ledger/check': STAFF_READ,
  'GET /journal-entries': STAFF_READ,

  'POST /payments': CASH,
  'GET /payments': STAFF_READ,
  'GET /payments/:id': STAFF_READ,
  'POST /payments/:id/allocations': CASH,
  'POST /payments/:id/reversal': CASH,
  'POST /bank-statements': CASH,

  // --- reports, statements and documents ---
  'GET /reports/aging': STAFF_READ,
  'GET /reports/kpis': STAFF_READ,
  'GET /reports/kpis/snapshots': STAFF_READ,
  'GET /customers/:id/statement': STAFF_READ,
  'GET /customers/:id/documents': STAFF_READ,
  'GET /documents/:id': STAFF_READ,

  // --- disputes ---
  'POST /invoices/:id/disputes': DISPUTES,
  'GET /invoices/:id/disputes': STAFF_READ,
  'GET /disputes': STAFF_READ,
  'GET /disputes/:id': STAFF_READ,
  'POST /disputes/:id/customer-reply': DISPUTES,
  'POST /disputes/:id/withdraw': DISPUTES,

  // --- collections ---
  'PUT /policies/dunning/:code': POLICY_ADMIN,
  'GET /policies/dunning/:code': STAFF_READ,
  'GET /policies/dunning-assignments': STAFF_READ,
  'PUT /policies/dunning-assignments/:segment': POLICY_ADMIN,
  'PUT /customers/:id/dunning-policy': COLLECTIONS,
  'GET /collections/worklist': STAFF_READ,
  'GET /collections/:customerId': STAFF_READ,
  'POST /collections/:customerId/contacts': COLLECTIONS,
  'POST /collections/:customerId/migrate-policy': COLLECTIONS,
  'POST /collections/:customerId/recoveries': CASH,
  'POST /customers/:id/promises': COLLECTIONS,
  'GET /customers/:id/promises': STAFF_READ,

  // --- human task inbox ---
  'GET /tasks': STAFF_READ,
  'GET /tasks/:id': STAFF_READ,
  'POST /tasks/:id/claim': TASK_WORKERS,
  'POST /tasks/:id/release': TASK_WORKERS,
  'POST /tasks/:id/assign': TASK_WORKERS,
  'POST /tasks/:id/complete': TASK_WORKERS,
  'POST /tasks/:id/comments': TASK_WORKERS,
  'GET /policies/approval-authority': STAFF_READ,
  'GET /audit': DECISION_AUDIT_READ,
  'GET /audit/:id': DECISION_AUDIT_READ,

  // --- credit management ---
  'POST /customers/:id/hold': CREDIT,
  'POST /customers/:id/release': CREDIT,
  'POST /customers/:id/credit-applications': CREDIT,
  'GET /customers/:id/credit-reviews': STAFF_READ,
  'GET /credit-reviews/:workflowId': STAFF_READ,
  'GET /customers/:id/credit': STAFF_READ,

  // --- integrations and operations ---
  'GET /events': STAFF_READ,
  'POST /webhooks': INTEGRATION_ADMIN,
  'GET /webhooks': INTEGRATION_ADMIN,
  'GET /webhooks/:id': INTEGRATION_ADMIN,
  'DELETE /webhooks/:id': INTEGRATION_ADMIN,
  'GET /webhooks/:id/deliveries': INTEGRATION_ADMIN,
  'POST /webhooks/:id/deliveries/:deliveryId/retry': INTEGRATION_ADMIN,
  'POST /imports/customers': CLERK,
  'POST /imports/invoices': CLERK,
  'POST /imports/opening-balances': CLERK,
  'GET /imports/:id': STAFF_READ,
  'GET /imports/:id/rejections': STAFF_READ,
  'GET /exports/journal': STAFF_READ,
  'GET /exports/open-items': STAFF_READ,
  'GET /credit-notes/:id': STAFF_READ,
  // Scraped by Prometheus inside the cluster; expose the API's /metrics only on the internal network.
  'GET /metrics': PUBLIC,
};

/** Groups other modules use when they add their routes to the table above. */
export const ACCESS_GROUPS = {
  STAFF_READ,
  CLERK,
  CASH,
  COLLECTIONS,
  DISPUTES,
  CREDIT,
  TASK_WORKERS,
  POLICY_ADMIN,
  IDENTITY_ADMIN,
  AUDIT_READ,
  DECISION_AUDIT_READ,
  SIGNED_IN,
  CUSTOMER,
};

export function routeKey(method: string, url: string): string {
  return `${method.toUpperCase()} ${url}`;
}

export function accessFor(method: string, url: string): Access | undefined {
  return ROUTE_ACCESS[routeKey(method, url)];
}

/** Whether a caller holding `roles` may call a route with this access (any one matching role suffices). */
export function isAllowed(access: Access, roles: readonly Role[]): boolean {
  return access === PUBLIC || roles.some((role) => access.includes(role));
}
