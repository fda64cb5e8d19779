import { DEFAULT_INVOICE_POLICY } from '../../src/invoices/rules/invoice-policy.js';
import {
  afterDelivery,
  applyBalanceChange,
  applyInvoiceSnapshot,
  initialInvoiceState,
  isInvoiceClosed,
  looksSettled,
  MAX_BALANCE_EVENTS,
  phaseDueAt,
  resumedInvoiceState,
} from '../../src/invoices/rules/invoice-workflow-state.js';
import { statusAfterReopen } from '../../src/invoices/rules/invoice-status.js';

const start = () =>
  initialInvoiceState({
    invoiceId: 'i-1',
    customerId: 'c-1',
    currency: 'EUR',
    totalAmount: 11_900,
    dueDate: '2026-12-10',
    policy: DEFAULT_INVOICE_POLICY,
  });
const now = new Date('2026-11-10T12:00:00Z');

describe('invoice workflow state', () => {
  it('starts in delivery with the policy instants computed from the due date', () => {
    expect(start()).toMatchObject({
      phase: 'deliver',
      status: 'issued',
      openAmount: 11_900,
      reminderAt: '2026-12-07T00:00:00.000Z',
      overdueAt: '2026-12-11T00:00:00.000Z',
      policyVersion: 'default-1',
    });
    expect(phaseDueAt(start())).toBeUndefined();
  });

  it.each([
    ['2026-11-10T12:00:00Z', 'remind', false],
    ['2026-12-06T23:59:59Z', 'remind', false],
    ['2026-12-07T00:00:00Z', 'overdue', true],
    ['2026-12-12T00:00:00Z', 'overdue', true],
  ])('delivered at %s goes to %s (reminder skipped: %p)', (deliveredAt, phase, skipped) => {
    const state = afterDelivery(start(), new Date(deliveredAt));
    expect(state).toMatchObject({ phase, reminderSkipped: skipped, deliveredAt: new Date(deliveredAt).toISOString() });
    expect(phaseDueAt(state)?.toISOString()).toBe(
      phase === 'remind' ? '2026-12-07T00:00:00.000Z' : '2026-12-11T00:00:00.000Z',
    );
  });

  it('mirrors balance signals but only closes once the row confirms it', () => {
    let state = afterDelivery(start(), now);
    state = applyBalanceChange(
      state,
      { openAmount: 5000, cause: 'payment', source: 'payment:p1', status: 'partially_paid' },
      now,
    );
    expect(state).toMatchObject({ openAmount: 5000, status: 'partially_paid' });
    expect(looksSettled(state)).toBe(false);
    state = applyBalanceChange(state, { openAmount: 0, cause: 'payment', source: 'payment:p2' }, now);
    expect(state.status).toBe('paid');
    expect(looksSettled(state)).toBe(true);
    expect(isInvoiceClosed(state)).toBe(false);
    // The row says a later reversal reopened it: the workflow keeps going.
    const reopened = applyInvoiceSnapshot(state, { exists: true, status: 'partially_paid', openAmount: 300 }, now);
    expect([isInvoiceClosed(reopened), looksSettled(reopened)]).toEqual([false, false]);
    const closed = applyInvoiceSnapshot(state, { exists: true, status: 'paid', openAmount: 0 }, now);
    expect(closed).toMatchObject({ phase: 'closed', closedAt: now.toISOString() });
    expect(state.balanceEvents.map((e) => e.source)).toEqual(['payment:p1', 'payment:p2']);
  });

  it('closes when the row is missing (issue rolled back) or cancelled', () => {
    expect(applyInvoiceSnapshot(start(), { exists: false, status: 'cancelled', openAmount: 0 }, now)).toMatchObject({
      phase: 'closed',
      recordMissing: true,
    });
    expect(applyInvoiceSnapshot(start(), { exists: true, status: 'cancelled', openAmount: 0 }, now)).toMatchObject({
      phase: 'closed',
      status: 'cancelled',
      recordMissing: false,
    });
  });

  it('keeps a bounded log of balance changes', () => {
    let state = start();
    for (let n = 0; n < MAX_BALANCE_EVENTS + 5; n++)
      state = applyBalanceChange(state, { openAmount: 11_000 - n, cause: 'payment', source: `payment:${n}` }, now);
    expect(state.balanceEvents).toHaveLength(MAX_BALANCE_EVENTS);
    expect(state.balanceEvents.at(-1)?.source).toBe(`payment:${MAX_BALANCE_EVENTS + 4}`);
  });
});

describe('an existing invoice resuming its lifecycle (imported, or open again after a reversal)', () => {
  const policy = { reminderBefore: 'P3D', overdueAfter: 'P0D', version: 't' };
  const input = {
    invoiceId: 'i',
    customerId: 'c',
    currency: 'EUR',
    totalAmount: 10_000,
    dueDate: '2026-11-20',
    policy,
  };
  it('goes straight to the overdue step once the reminder instant has passed, the step due at once when past due', () => {
    const state = resumedInvoiceState(input, { openAmount: 10_000, status: 'sent' }, new Date('2026-12-01T10:00:00Z'));
    expect(state).toMatchObject({
      phase: 'overdue',
      openAmount: 10_000,
      status: 'sent',
      overdueAt: '2026-11-21T00:00:00.000Z',
    });
  });
  it('still reminds when the reminder is ahead, and follows the earliest unpaid instalment', () => {
    expect(
      resumedInvoiceState(input, { openAmount: 4_000, status: 'partially_paid' }, new Date('2026-11-01T00:00:00Z'))
        .phase,
    ).toBe('remind');
    const instalment = resumedInvoiceState(
      input,
      { openAmount: 10_000, status: 'sent', pastDueFrom: '2026-10-20' },
      new Date('2026-11-01T00:00:00Z'),
    );
    expect(instalment).toMatchObject({
      phase: 'overdue',
      pastDueFrom: '2026-10-20',
      overdueAt: '2026-10-21T00:00:00.000Z',
    });
  });
});

describe('statusAfterReopen', () => {
  it.each([
    [{ status: 'paid', openAmount: 500, totalAmount: 500, overdue: true }, 'overdue'],
    [{ status: 'paid', openAmount: 500, totalAmount: 500, overdue: false }, 'sent'],
    [{ status: 'paid', openAmount: 300, totalAmount: 500, overdue: false }, 'partially_paid'],
    [{ status: 'disputed', openAmount: 300, totalAmount: 500, overdue: true }, 'disputed'],
    [{ status: 'partially_paid', openAmount: 400, totalAmount: 500, overdue: false }, 'partially_paid'],
  ] as const)('%j -> %s', (input, expected) => {
    expect(statusAfterReopen(input)).toBe(expected);
  });
});
