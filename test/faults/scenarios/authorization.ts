// Authorization against real records over HTTP: every staff route of the OpenAPI document called by each role the
// permission matrix (src/auth/route-access.ts) leaves out, with the ids of records that exist, and with request
// bodies that would change them; every portal route called by one customer's portal user with another customer's ids.
// Each answer is a 403 (or 404 for a portal lookup of someone else's record) that names none of the record's data,
// and nothing changes in the database.
import { randomUUID } from 'node:crypto';
import { ROLES, type Role } from '../../../src/auth/roles.js';
import { accessFor, isAllowed, PUBLIC } from '../../../src/auth/route-access.js';
import {
  allInvoicesDelivered,
  allPaymentsSettled,
  beginScenario,
  createCustomer,
  finishScenario,
  issueInvoice,
  paymentBody,
  postPayment,
} from '../support/business.js';
import type { Stand } from '../support/stand.js';

interface Operation {
  method: string;
  /** Fastify form, as the matrix keys it: /customers/:id */
  route: string;
  /** OpenAPI form: /customers/{id} */
  path: string;
}

/**
 * What a forbidden call could have changed: every row about customer B (its record, invoices, payments, ledger lines,
 * credit notes, disputes), and the number of customers, users, API keys and webhooks (nothing in the background
 * creates those, unlike journal entries that other customers' workflows keep posting).
 */
async function victimFingerprint(stand: Stand, customerId: string): Promise<Record<string, string>> {
  const digest = async (label: string, query: string) => {
    const [row] = await stand.sql<{ n: string; digest: string | null }>(
      `SELECT count(*) AS n, md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) AS digest FROM (${query}) t`,
      [customerId],
    );
    return [label, `${row!.n}:${row!.digest ?? ''}`] as const;
  };
  const tables = new Set(
    (
      await stand.sql<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
      )
    ).map((t) => t.table_name),
  );
  const queries: [string, string][] = [
    ['customer', 'SELECT * FROM customer WHERE id = ?'],
    ['invoice', 'SELECT * FROM invoice WHERE customer_id = ?'],
    ['payment', 'SELECT * FROM payment WHERE customer_id = ?'],
    ['journal_line', 'SELECT * FROM journal_line WHERE customer_id = ?'],
    ['credit_note', 'SELECT * FROM credit_note WHERE customer_id = ?'],
    ['dispute', 'SELECT * FROM dispute WHERE customer_id = ?'],
  ];
  const out: Record<string, string> = {};
  for (const [label, query] of queries) if (tables.has(label)) out[label] = (await digest(label, query))[1];
  for (const table of ['customer', 'app_user', 'api_key', 'webhook_subscription']) {
    if (tables.has(table))
      out[`${table} rows`] = (await stand.sql<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`))[0]!.n;
  }
  return out;
}

export async function authorizationBoundaries(stand: Stand): Promise<void> {
  const run = beginScenario(
    stand,
    "8. every route with each role outside the matrix, portal routes with another customer's ids",
  );
  // The records a forbidden caller aims at: customer B with an invoice and a payment.
  const legalName = `Victim Holdings ${randomUUID().slice(0, 6)}`;
  const email = `secret+${randomUUID().slice(0, 6)}@victim.example`;
  const customerB = await createCustomer(stand, { legalName, email });
  const customerA = await createCustomer(stand);
  const invoice = await issueInvoice(stand, { customerId: customerB, total: 77_777 });
  const paymentId = await postPayment(stand, paymentBody(customerB, 11_111, invoice, 'victim payment'));
  await allPaymentsSettled(stand, 120_000);
  await allInvoicesDelivered(stand, 120_000);
  const secrets = [legalName, email, invoice.number];

  const ids: Record<string, string> = {
    customers: customerB,
    invoices: invoice.id,
    payments: paymentId,
    'payment-terms': 'NET30',
  };
  // Each path parameter gets the id of B's record of the resource named just before it (/invoices/{id} -> invoice).
  const fill = (op: Operation) => {
    const segments = op.path.split('/');
    return segments
      .map((segment, i) => {
        const param = segment.match(/^\{(\w+)\}$/)?.[1];
        if (!param) return segment;
        if (param === 'code') return 'NET30';
        return ids[segments[i - 1] ?? ''] ?? randomUUID();
      })
      .join('/');
  };
  const bodies: Record<string, unknown> = {
    'POST /customers': {
      legalName: 'Intruder Ltd',
      email: 'x@intruder.example',
      currency: 'USD',
      billingAddress: { line1: '1 Way', city: 'Austin', postalCode: '78701', country: 'US' },
      allowDuplicate: true,
    },
    'PATCH /customers/:id': { legalName: 'Renamed by an intruder' },
    'POST /invoices': {
      customerId: customerB,
      lines: [{ description: 'Intrusion', quantity: 1, unitPrice: { amount: 1_000, currency: 'USD' } }],
    },
    'POST /invoices/:id/cancel': { reason: 'intruder' },
    'POST /invoices/:id/credit-notes': { reason: 'intruder', amount: { amount: 1_000, currency: 'USD' } },
    'POST /payments': paymentBody(customerB, 1_000, invoice, 'intruder'),
    'POST /payments/:id/allocations': {
      allocations: [{ invoiceId: invoice.id, amount: { amount: 1, currency: 'USD' } }],
    },
    'POST /customers/:id/hold': { reason: 'intruder' },
    'POST /customers/:id/close': { reason: 'intruder' },
    // Portal routes that take the victim's ids in the body rather than the path.
    'POST /portal/api/disputes': { invoiceId: invoice.id, category: 'pricing', reason: 'not mine to dispute' },
    'POST /portal/api/promises': {
      amount: 1_000,
      date: new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10),
      invoiceIds: [invoice.id],
    },
    'POST /portal/api/gateway-payments': { invoiceIds: [invoice.id], method: 'card' },
  };
  /** Portal routes whose body names the victim's records: refused like a path id (422 when validation names it). */
  const bodyIdRoutes = new Set([
    'POST /portal/api/disputes',
    'POST /portal/api/promises',
    'POST /portal/api/gateway-payments',
  ]);

  const document = (await stand.http('GET', '/docs/json')).json as { paths: Record<string, Record<string, unknown>> };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const method of Object.keys(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      operations.push({ method: method.toUpperCase(), path, route: path.replace(/\{(\w+)\}/g, ':$1') });
    }
  }
  const before = await victimFingerprint(stand, customerB);
  const findings: string[] = [];
  let calls = 0;
  let portalRoutes = 0;
  for (const op of operations) {
    const access = accessFor(op.method, op.route);
    if (!access) {
      findings.push(`${op.method} ${op.route} is not in the permission matrix`);
      continue;
    }
    if (access === PUBLIC) continue;
    const key = `${op.method} ${op.route}`;
    const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : (bodies[key] ?? {});
    const portal = op.route.startsWith('/portal/');
    if (portal) portalRoutes++;
    const callers: { role: Role; customerId?: string }[] = portal
      ? [
          { role: 'customer', customerId: customerA },
          ...ROLES.filter((r) => r !== 'customer' && !isAllowed(access, [r])).map((role) => ({ role })),
        ]
      : ROLES.filter((r) => !isAllowed(access, [r])).map((role) => ({
          role,
          customerId: role === 'customer' ? customerA : undefined,
        }));
    for (const caller of callers) {
      const res = await stand.http(op.method, fill(op), { role: caller.role, customerId: caller.customerId, body });
      calls++;
      if (portal && caller.role === 'customer' && bodyIdRoutes.has(key)) {
        // The stand runs without a card gateway: gateway payments answer 503 before looking at the invoices.
        const refusals = key === 'POST /portal/api/gateway-payments' ? [403, 404, 422, 503] : [403, 404, 422];
        if (!refusals.includes(res.status))
          findings.push(
            `${key} with another customer's invoice in the body: ${res.status}, expected ${refusals.join(', ')}`,
          );
      } else if (portal && caller.role === 'customer' && !op.route.includes(':')) {
        // A portal route without ids serves the caller's own customer: any answer but a 5xx, as long as it names
        // nothing of customer B (checked below).
        if (res.status >= 500) findings.push(`${key} as another customer's portal user: ${res.status}`);
      } else {
        // Portal form posts check their body and CSRF token before the record: a 400 there reaches nothing either.
        const allowedStatuses =
          portal && caller.role === 'customer' ? (op.method === 'GET' ? [403, 404] : [400, 403, 404]) : [403];
        if (!allowedStatuses.includes(res.status))
          findings.push(`${key} as ${caller.role}: ${res.status}, expected ${allowedStatuses.join(' or ')}`);
      }
      const leaked = secrets.filter((s) => res.text.includes(s));
      if (leaked.length) findings.push(`${key} as ${caller.role}: the answer names ${leaked.join(', ')}`);
    }
  }
  const after = await victimFingerprint(stand, customerB);
  const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
  expect(findings).toEqual([]);
  expect(changed).toEqual([]);
  await finishScenario(stand, run, {
    operations: calls,
    notes: `${operations.length} operations in the OpenAPI document, ${portalRoutes} portal routes`,
  });
}
