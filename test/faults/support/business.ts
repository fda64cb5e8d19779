// Business operations the scenarios drive through the API as a client would (with Idempotency-Keys and retries on
// 5xx, since a client of a money API retries), and the common ending of every scenario: check the invariants, record
// the figures.
import { randomUUID } from 'node:crypto';
import { checkInvariants } from './invariants.js';
import { recordFigures } from './figures.js';
import { waitFor, type Stand } from './stand.js';
import { progress } from './figures.js';

export async function createCustomer(stand: Stand, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await stand.http('POST', '/customers', {
    idempotencyKey: randomUUID(),
    retryForMs: 60_000,
    body: {
      legalName: `Fault Customer ${randomUUID().slice(0, 8)}`,
      email: `ap+${randomUUID().slice(0, 8)}@customer.example`,
      currency: 'USD',
      billingAddress: { line1: '1 Main St', city: 'Austin', postalCode: '78701', country: 'US' },
      allowDuplicate: true,
      ...overrides,
    },
  });
  if (res.status !== 201) throw new Error(`POST /customers answered ${res.status}: ${res.text}`);
  return res.json.id as string;
}

export interface Invoice {
  id: string;
  number: string;
  customerId: string;
  total: number;
}

export async function issueInvoice(
  stand: Stand,
  input: { customerId: string; total: number; dueDate?: string; issueDate?: string; retryForMs?: number },
): Promise<Invoice> {
  const res = await stand.http('POST', '/invoices', {
    idempotencyKey: randomUUID(),
    retryForMs: input.retryForMs ?? 120_000,
    body: {
      customerId: input.customerId,
      lines: [{ description: 'Services', quantity: 1, unitPrice: { amount: input.total, currency: 'USD' } }],
      ...(input.issueDate ? { issueDate: input.issueDate } : {}),
      ...(input.dueDate ? { dueDate: input.dueDate } : {}),
    },
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`POST /invoices answered ${res.status}: ${res.text}`);
  return { id: res.json.id, number: res.json.number, customerId: input.customerId, total: res.json.total.amount };
}

export const paymentBody = (customerId: string, amount: number, invoice?: Invoice, reference = '') => ({
  customerId,
  method: 'ach',
  receivedAt: new Date().toISOString(),
  amount: { amount, currency: 'USD' },
  reference,
  ...(invoice
    ? {
        remittance: [
          { invoiceNumber: invoice.number, amount: { amount: Math.min(amount, invoice.total), currency: 'USD' } },
        ],
      }
    : {}),
});

export async function postPayment(stand: Stand, body: Record<string, unknown>, retryForMs = 120_000): Promise<string> {
  const res = await stand.http('POST', '/payments', { idempotencyKey: randomUUID(), retryForMs, body });
  if (res.status !== 201 && res.status !== 200) throw new Error(`POST /payments answered ${res.status}: ${res.text}`);
  return res.json.id as string;
}

/** Runs `work` over `items` with at most `concurrency` in flight (a client's connection pool). */
export async function inParallel<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}

/** Waits until cash application has finished for every payment (none left `received`). */
export async function allPaymentsSettled(stand: Stand, timeoutMs: number): Promise<void> {
  await waitFor(
    'every payment applied or parked',
    async () =>
      (await stand.sql<{ n: string }>(`SELECT count(*) AS n FROM payment WHERE status = 'received'`))[0]!.n === '0'
        ? true
        : undefined,
    timeoutMs,
    500,
  );
}

/**
 * Waits until every open invoice's delivery e-mail went out and was recorded (its outbound message `sent`). The
 * message, not `invoice.sent_at`, is the record: an invoice part-paid before delivery keeps its status and never
 * gets a `sent_at`.
 */
export async function allInvoicesDelivered(stand: Stand, timeoutMs: number): Promise<void> {
  await waitFor(
    'every invoice delivered',
    async () =>
      (
        await stand.sql<{ n: string }>(
          `SELECT count(*) AS n FROM invoice i WHERE i.status NOT IN ('paid', 'cancelled', 'written_off')
              AND NOT EXISTS (SELECT 1 FROM outbound_message m WHERE m.idempotency_key = 'invoice-' || i.id || ':delivery' AND m.status = 'sent')`,
        )
      )[0]!.n === '0'
        ? true
        : undefined,
    timeoutMs,
    500,
  );
}

export interface ScenarioRun {
  scenario: string;
  started: number;
  faultsBefore: number;
}

/** Marks the start of a scenario on a shared stand (its figures count from here). */
export function beginScenario(stand: Stand, scenario: string): ScenarioRun {
  progress(`${scenario}: starting`);
  return { scenario, started: performance.now(), faultsBefore: stand.faults };
}

/** Ends a scenario: the invariant check, the figures, and a failure listing every violation. */
export async function finishScenario(
  stand: Stand,
  run: ScenarioRun,
  input: { operations: number; notes?: string },
): Promise<void> {
  const report = await checkInvariants(stand.orm.em, stand.temporal);
  recordFigures({
    scenario: run.scenario,
    operations: input.operations,
    faultsInjected: stand.faults - run.faultsBefore,
    invariantViolations: report.violations.length,
    seconds: (performance.now() - run.started) / 1000,
    notes: input.notes,
  });
  progress(`${run.scenario}: checked ${JSON.stringify(report.checked)}`);
  expect(report.violations).toEqual([]);
}
