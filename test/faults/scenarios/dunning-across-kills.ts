// Collections under worker kills: a seconds-scale dunning ladder (a staging policy) runs for one customer while the
// worker is SIGKILLed twice between contacts. Each contact goes out exactly once (distinct Message-IDs, one recorded
// contact per e-mail, one outbound message per contact), in escalation order, and a missed contact date is caught up
// with one contact, never a burst.
import { putPolicyVersion, setCustomerPolicy } from '../../../src/collections/store/policies.js';
import { DEFAULT_DUNNING_POLICY, type DunningPolicyBody } from '../../../src/collections/rules/dunning-policy.js';
import { addDays } from '../../../src/shared/calendar-date.js';
import { workflowIds } from '../../../src/temporal/ids.js';
import { invoiceOverdueSignal } from '../../../workflows/collections/messages.js';
import type { collectionWorkflow } from '../../../workflows/collections/collection.js';
import { consultingLines, issueInvoiceDirectly } from '../../support/invoices.js';
import { beginScenario, createCustomer, finishScenario } from '../support/business.js';
import { sleep, waitFor, type Stand } from '../support/stand.js';

const staging: DunningPolicyBody = {
  ...DEFAULT_DUNNING_POLICY,
  name: 'Staging ladder in seconds',
  levels: [
    {
      ...DEFAULT_DUNNING_POLICY.levels[0]!,
      trigger: { pastDueFor: 'PT1S', overdueAbove: null, match: 'any' },
      contactEvery: 'PT8S',
    },
    {
      ...DEFAULT_DUNNING_POLICY.levels[1]!,
      trigger: { pastDueFor: 'PT40S', overdueAbove: null, match: 'any' },
      contactEvery: 'PT8S',
      actions: [],
    },
    {
      ...DEFAULT_DUNNING_POLICY.levels[3]!,
      trigger: { pastDueFor: 'PT80S', overdueAbove: null, match: 'any' },
      contactEvery: 'PT1H',
      channels: ['email'],
      actions: [],
    },
  ],
  writeOff: { after: 'PT1H', sla: 'P5D' },
};
const ORDER = ['Payment reminder', 'Payment demand', 'Legal collection'];

export async function dunningContactsAcrossWorkerKills(stand: Stand): Promise<void> {
  const run = beginScenario(stand, '10. worker SIGKILLed between dunning contacts of a seconds-scale ladder');
  const email = `dunning+${Date.now()}@customer.example`;
  const customerId = await createCustomer(stand, { email, currency: 'EUR' });
  const em = stand.orm.em.fork();
  const code = `staging-seconds-${Date.now()}`;
  const policy = await putPolicyVersion(em, code, staging, 'faults');
  await setCustomerPolicy(em, customerId, code, 'faults');
  const today = new Date().toISOString().slice(0, 10);
  const issued = await issueInvoiceDirectly(
    stand.orm,
    { customerId, lines: consultingLines('EUR'), dueDate: addDays(today, -1) },
    addDays(today, -30),
  );
  const overdueAt = new Date().toISOString();
  await em.execute(`UPDATE invoice SET status = 'overdue', overdue_since = ?, overdue_at = ? WHERE id = ?`, [
    today,
    overdueAt,
    issued.id,
  ]);
  // What the invoice workflow's overdue step does (activities/collections/collection-start.ts).
  await stand.temporal.workflow.signalWithStart<typeof collectionWorkflow, [{ invoiceId: string; overdueAt: string }]>(
    'collectionWorkflow',
    {
      workflowId: workflowIds.collection(customerId),
      taskQueue: stand.taskQueue,
      args: [{ customerId, policy: policy.policy }],
      signal: invoiceOverdueSignal,
      signalArgs: [{ invoiceId: issued.id, overdueAt }],
    },
  );
  // Dunning e-mails only (the account's own notices, e.g. its opening, go to the same address).
  const mine = () =>
    stand.mail.messages.filter((m) => m.to.includes(email) && ORDER.some((k) => m.subject.startsWith(k)));
  // Two kills between contacts, each keeping the worker down across at least one contact date (every 8 s).
  for (let kill = 1; kill <= 2; kill++) {
    const seen = mine().length;
    await stand.mail.waitFor(() => mine().length > seen, 120_000);
    await stand.killWorker();
    await sleep(12_000);
    await stand.startWorker();
  }
  await stand.mail.waitFor((m) => m.to.includes(email) && m.subject.startsWith('Legal collection'), 240_000);
  const received = mine();
  const levels = received.map((m) => ORDER.findIndex((k) => m.subject.startsWith(k)));
  expect(levels).toEqual([...levels].sort((a, b) => a - b));
  expect([levels[0], levels.at(-1)]).toEqual([0, 2]);
  expect(new Set(received.map((m) => m.messageId)).size).toBe(received.length);
  const contacts = await waitFor(
    'one recorded contact per e-mail',
    async () => {
      const [row] = await stand.sql<{ n: string }>(
        `SELECT count(*) AS n FROM collection_contact WHERE customer_id = ? AND channel = 'email'`,
        [customerId],
      );
      return Number(row!.n) === received.length ? Number(row!.n) : undefined;
    },
    30_000,
  );
  const [outbound] = await stand.sql<{ n: string }>(
    `SELECT count(*) AS n FROM outbound_message WHERE customer_id = ? AND template LIKE 'dunning-%'`,
    [customerId],
  );
  expect(Number(outbound!.n)).toBe(contacts);
  // 80 s of ladder at one contact per 8 s: at most 5 reminders + 5 demands + 1 legal notice; the outages sent no burst.
  expect(received.length).toBeLessThanOrEqual(11);
  await finishScenario(stand, run, {
    operations: received.length + 2,
    notes: `${received.length} contacts e-mailed, each once`,
  });
}
