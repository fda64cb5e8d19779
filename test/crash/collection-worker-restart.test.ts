// A seconds-scale dunning policy on the real dev server with the worker as a child process: the e-mails of the
// ladder arrive at the real SMTP catcher in escalation order, and killing the worker (SIGKILL) between two contacts
// sends each contact exactly once (a missed contact date is caught up with one contact, never a burst).
import { putPolicyVersion, setCustomerPolicy } from '../../src/collections/store/policies.js';
import { addDays } from '../../src/shared/calendar-date.js';
import { DEFAULT_DUNNING_POLICY, type DunningPolicyBody } from '../../src/collections/rules/dunning-policy.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { invoiceOverdueSignal } from '../../workflows/collections/messages.js';
import type { collectionWorkflow } from '../../workflows/collections/collection.js';
import { insertCustomer } from '../support/customers.js';
import { eventually } from '../support/engine.js';
import { consultingLines, issueInvoiceDirectly } from '../support/invoices.js';
import { useEngineWithWorkerProcesses } from '../support/processes.js';

const { engine, startWorker } = useEngineWithWorkerProcesses();

// The ladder counts from the invoice's due date (one age everywhere), so the seconds-scale steps are set just beyond
// the age the invoice already has when the test starts: reminder at once, demand 30 s later, legal 50 s later.
const dueDate = addDays(new Date().toISOString().slice(0, 10), -1);
const ageSeconds = () => Math.ceil((Date.now() - Date.parse(`${dueDate}T00:00:00Z`)) / 1000);
const stagingFrom = (age: number): DunningPolicyBody => ({
  ...DEFAULT_DUNNING_POLICY,
  name: 'Staging ladder in seconds',
  levels: [
    {
      ...DEFAULT_DUNNING_POLICY.levels[0]!,
      trigger: { pastDueFor: `PT${age + 1}S`, overdueAbove: null, match: 'any' },
      contactEvery: 'PT8S',
    },
    {
      ...DEFAULT_DUNNING_POLICY.levels[1]!,
      trigger: { pastDueFor: `PT${age + 30}S`, overdueAbove: null, match: 'any' },
      contactEvery: 'PT8S',
      actions: [],
    },
    {
      ...DEFAULT_DUNNING_POLICY.levels[3]!,
      trigger: { pastDueFor: `PT${age + 50}S`, overdueAbove: null, match: 'any' },
      contactEvery: 'PT1H',
      channels: ['email'],
      actions: [],
    },
  ],
  writeOff: { after: `PT${age + 3600}S`, sla: 'P5D' },
});
const ORDER = ['Payment reminder', 'Payment demand', 'Legal collection'];

it('sends the seconds-scale ladder in order, each contact once across a killed worker', async () => {
  const first = await startWorker();
  const customer = await insertCustomer(engine().db.orm, {
    currency: 'EUR',
    email: 'restart-collections@acme.example',
  });
  const em = engine().db.orm.em.fork();
  const policy = await putPolicyVersion(em, 'staging-seconds', stagingFrom(ageSeconds()), 'test');
  await setCustomerPolicy(em, customer.id, 'staging-seconds', 'test');
  const today = new Date().toISOString().slice(0, 10);
  const issued = await issueInvoiceDirectly(
    engine().db.orm,
    { customerId: customer.id, lines: consultingLines('EUR'), dueDate },
    addDays(today, -30),
  );
  const overdueAt = new Date().toISOString();
  await em.execute(`UPDATE invoice SET status = 'overdue', overdue_since = ?, overdue_at = ? WHERE id = ?`, [
    today,
    overdueAt,
    issued.id,
  ]);
  // What the invoice workflow's overdue step does (activities/collections/collection-start.ts).
  const handle = await engine().temporal.workflow.signalWithStart<
    typeof collectionWorkflow,
    [{ invoiceId: string; overdueAt: string }]
  >('collectionWorkflow', {
    workflowId: workflowIds.collection(customer.id),
    taskQueue: engine().config.temporal.taskQueue,
    args: [{ customerId: customer.id, policy: policy.policy }],
    signal: invoiceOverdueSignal,
    signalArgs: [{ invoiceId: issued.id, overdueAt }],
  });
  const mine = () => engine().mail.messages.filter((m) => m.to.includes(customer.email));

  await engine().mail.waitFor((m) => m.to.includes(customer.email) && m.subject.startsWith('Payment reminder'), 60_000);
  // Down across at least one contact date (every 8 s), then a new worker.
  await first.kill('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  await startWorker();

  await engine().mail.waitFor(
    (m) => m.to.includes(customer.email) && m.subject.startsWith('Legal collection'),
    120_000,
  );
  const received = mine();
  const kinds = received.map((m) => ORDER.find((k) => m.subject.startsWith(k))!);
  // In escalation order: never a lower level after a higher one.
  expect(kinds.map((k) => ORDER.indexOf(k))).toEqual([...kinds.map((k) => ORDER.indexOf(k))].sort((a, b) => a - b));
  expect(kinds[0]).toBe('Payment reminder');
  expect(kinds.at(-1)).toBe('Legal collection');
  // Each contact exactly once: distinct Message-IDs, one per recorded contact and per outbound message.
  expect(new Set(received.map((m) => m.messageId)).size).toBe(received.length);
  const contacts = await eventually(async () => {
    const rows = await engine()
      .db.orm.em.fork()
      .execute<
        { n: string }[]
      >(`SELECT count(*) AS n FROM collection_contact WHERE customer_id = ? AND channel = 'email'`, [customer.id]);
    return Number(rows[0]!.n) === received.length ? Number(rows[0]!.n) : undefined;
  });
  const outbound = await engine()
    .db.orm.em.fork()
    .execute<
      { n: string }[]
    >(`SELECT count(*) AS n FROM outbound_message WHERE customer_id = ? AND template LIKE 'dunning-%'`, [customer.id]);
  expect(Number(outbound[0]!.n)).toBe(contacts);
  // 50 s of ladder at 8 s: at most 4 reminders + 3 demands + 1 legal even without the outage; the outage sent no burst.
  expect(received.length).toBeLessThanOrEqual(8);
  await handle.terminate('test over');
}, 300_000);
