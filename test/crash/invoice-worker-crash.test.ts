// The invoice workflow's courtesy-reminder timer survives a worker killed with SIGKILL: a new worker sends the
// reminder once, the delivery e-mail is not sent again, and the status moves to `due`.
import { addDays } from '../../src/shared/calendar-date.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { invoiceStateQuery } from '../../workflows/invoices/messages.js';
import { customerFixture, eventually } from '../support/engine.js';
import { useEngineWithWorkerProcesses } from '../support/processes.js';

const today = new Date().toISOString().slice(0, 10);
const dueDate = addDays(today, 2);
// Reminder 75 s after this file loads (time for the engine, a worker process and delivery on a busy machine): "before"
// is the seconds from now until the due day starts (midnight UTC) minus 75.
const reminderBefore = `PT${Math.floor((Date.parse(`${dueDate}T00:00:00Z`) - Date.now()) / 1000) - 75}S`;

const { engine, startWorker } = useEngineWithWorkerProcesses({ INVOICE_REMINDER_BEFORE: reminderBefore });

it('sends the courtesy reminder that came due while no worker was alive, once', async () => {
  const first = await startWorker();
  const customer = await engine().app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ email: 'crash-invoice@acme.example' }),
  });
  const issued = await engine().app.inject({
    method: 'POST',
    url: '/invoices',
    payload: {
      customerId: customer.json().id,
      dueDate,
      lines: [{ description: 'Audit', quantity: 1, unitPrice: { amount: 50_000, currency: 'EUR' } }],
    },
  });
  expect(issued.statusCode).toBe(201);
  const { id, number } = issued.json();
  await engine().mail.waitFor((m) => m.subject.startsWith(`Invoice ${number}`));
  const handle = engine().temporal.workflow.getHandle(workflowIds.invoice(id));
  const before = await eventually(async () => {
    const s = await handle.query(invoiceStateQuery);
    return s.phase === 'remind' ? s : undefined;
  });

  expect(Date.parse(before.reminderAt)).toBeGreaterThan(Date.now()); // the timer is still pending when the worker dies
  expect(await first.kill('SIGKILL')).toBeNull();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(before.reminderAt) - Date.now()) + 1000));
  expect(engine().mail.messages.filter((m) => m.subject.startsWith('Reminder'))).toHaveLength(0);

  await startWorker();
  const reminder = await engine().mail.waitFor(
    (m) => m.subject === `Reminder: invoice ${number} is due on ${dueDate}`,
    45_000,
  );
  expect(reminder.text).toContain('The amount still open is EUR 500.00');
  const after = await eventually(
    async () => {
      const s = await handle.query(invoiceStateQuery);
      return s.phase === 'overdue' ? s : undefined;
    },
    45_000,
    250,
  );
  expect(after).toMatchObject({ status: 'due', remindedAt: expect.any(String) });
  expect((await engine().app.inject({ method: 'GET', url: `/invoices/${id}` })).json()).toMatchObject({
    status: 'due',
    remindedAt: expect.any(String),
  });
  const mine = engine().mail.messages.filter((m) => m.to.includes('crash-invoice@acme.example'));
  expect(mine.filter((m) => m.subject.startsWith(`Invoice ${number}`))).toHaveLength(1);
  expect(mine.filter((m) => m.subject.startsWith('Reminder'))).toHaveLength(1);
}, 240_000);
