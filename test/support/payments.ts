// Helpers for payment tests that run against the real app: invoices issued through POST /invoices (so the invoice
// workflow runs and receives the payment signals), invoice rows read back, payments awaited until applied.
import type { Orm } from '../../src/db/orm.js';
import { eventually, type TestEngine } from './engine.js';

export interface IssuedInvoice {
  id: string;
  number: string;
  customerId: string;
  total: number;
}

export async function issueInvoice(
  engine: Pick<TestEngine, 'app'>,
  input: { customerId: string; total: number; currency?: string; terms?: string; issueDate?: string; dueDate?: string },
): Promise<IssuedInvoice> {
  const res = await engine.app.inject({
    method: 'POST',
    url: '/invoices',
    payload: {
      customerId: input.customerId,
      lines: [
        { description: 'Services', quantity: 1, unitPrice: { amount: input.total, currency: input.currency ?? 'USD' } },
      ],
      ...(input.terms ? { terms: input.terms } : {}),
      ...(input.issueDate ? { issueDate: input.issueDate } : {}),
      ...(input.dueDate ? { dueDate: input.dueDate } : {}),
    },
  });
  if (res.statusCode !== 201) throw new Error(`POST /invoices answered ${res.statusCode}: ${res.body}`);
  const body = res.json();
  return { id: body.id, number: body.number, customerId: input.customerId, total: body.total.amount };
}

export async function invoiceRow(orm: Orm, id: string): Promise<{ openAmount: number; status: string }> {
  const [row] = await orm.em
    .fork()
    .execute<{ open_amount: string; status: string }[]>('SELECT open_amount, status FROM invoice WHERE id = ?', [id]);
  return { openAmount: Number(row!.open_amount), status: row!.status };
}

/** GET /payments/:id once cash application has committed (status no longer `received`). */
export async function appliedPayment(engine: Pick<TestEngine, 'app'>, paymentId: string, timeoutMs = 30_000) {
  return eventually(async () => {
    const payment = (await engine.app.inject({ method: 'GET', url: `/payments/${paymentId}` })).json();
    return payment.status !== 'received' ? payment : undefined;
  }, timeoutMs);
}
