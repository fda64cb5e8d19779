// The report workflows on the time-skipping server with real activities (cloned PostgreSQL, real SMTP): the monthly
// KPI snapshot and the statement run (statement PDF e-mailed once per customer and period, stored, caught up later).
// The Schedules that start them in production are exercised against the dev server in test/api/reports.test.ts.
import { previousMonth } from '../../src/reports/rules/kpis.js';
import { listKpiSnapshots } from '../../src/reports/store/snapshots.js';
import { listDocuments } from '../../src/documents/store/documents.js';
import type { kpiSnapshotWorkflow } from '../../workflows/reports/kpi-snapshot.js';
import type { statementRunWorkflow } from '../../workflows/documents/statement-run.js';
import { insertCustomer } from '../support/customers.js';
import { insertOpenInvoice } from '../support/invoice-rows.js';
import { pdfText } from '../support/pdf-text.js';
import { useWorkflowTestKit } from '../support/workflow-kit.js';

const kit = useWorkflowTestKit('reports');

it('snapshots the KPIs of a period once, however often it runs', async () => {
  const customer = await insertCustomer(kit.real.db.orm, { currency: 'USD' });
  await insertOpenInvoice(kit.real.db.orm, {
    customerId: customer.id,
    currency: 'USD',
    amount: 50_000,
    issueDate: '2026-05-10',
    dueDate: '2026-06-09',
  });
  await kit.withWorker(async (taskQueue) => {
    const run = (id: string) =>
      kit.env.client.workflow.execute<typeof kpiSnapshotWorkflow>('kpiSnapshotWorkflow', {
        workflowId: id,
        taskQueue,
        args: [{ period: { from: '2026-05-01', to: '2026-05-31' } }],
      });
    const handle = await kit.env.client.workflow.start<typeof kpiSnapshotWorkflow>('kpiSnapshotWorkflow', {
      workflowId: 'kpi-snapshot-test-1',
      taskQueue,
      args: [{ period: { from: '2026-05-01', to: '2026-05-31' } }],
    });
    expect(await handle.result()).toMatchObject({ from: '2026-05-01', to: '2026-05-31', created: expect.any(Number) });
    await kit.recordHistory(handle, 'kpi-snapshot.json');
    expect(await run('kpi-snapshot-test-2')).toMatchObject({ created: 0 });
  });
  const snapshots = await listKpiSnapshots(kit.real.db.orm.em.fork(), { currency: 'USD', limit: 10 });
  expect(snapshots).toEqual([
    expect.objectContaining({
      periodFrom: '2026-05-01',
      periodTo: '2026-05-31',
      takenBy: 'system:kpi-snapshot-test-1',
    }),
  ]);
  // 50,000 invoiced in May and all of it still open: DSO = 31 days, all current at the end of May.
  expect(snapshots[0]!.figures).toMatchObject({
    dsoSimple: { value: 31 },
    bestPossibleDso: { value: 31 },
    inputs: { grossCreditSales: 50_000, endingAr: 50_000 },
  });
});

it('without a period, snapshots the month before the one it runs in', async () => {
  await kit.withWorker(async (taskQueue) => {
    const handle = await kit.env.client.workflow.start<typeof kpiSnapshotWorkflow>('kpiSnapshotWorkflow', {
      workflowId: 'kpi-snapshot-test-3',
      taskQueue,
      args: [{}],
    });
    const result = await handle.result();
    const started = (await handle.describe()).startTime.toISOString().slice(0, 10);
    expect(result).toMatchObject(previousMonth(started));
  });
});

it('e-mails each due customer the statement PDF of the last completed period once, and skips who has nothing to show', async () => {
  const orm = kit.real.db.orm;
  const monthly = await insertCustomer(orm, { currency: 'EUR', legalName: 'Monthly GmbH' });
  const weekly = await insertCustomer(orm, { currency: 'EUR', legalName: 'Weekly SARL' });
  const silent = await insertCustomer(orm, { currency: 'EUR', legalName: 'No Statements BV' });
  const empty = await insertCustomer(orm, { currency: 'EUR', legalName: 'Nothing Owed Ltd' });
  await orm.em
    .fork()
    .execute(
      `UPDATE customer SET communication = jsonb_set(communication, '{statementFrequency}', '"weekly"') WHERE id = ?`,
      [weekly.id],
    );
  await orm.em
    .fork()
    .execute(
      `UPDATE customer SET communication = jsonb_set(communication, '{statementFrequency}', '"none"') WHERE id = ?`,
      [silent.id],
    );
  for (const c of [monthly, weekly, silent]) {
    await insertOpenInvoice(orm, {
      customerId: c.id,
      currency: 'EUR',
      amount: 12_345,
      issueDate: '2026-10-05',
      dueDate: '2026-11-04',
    });
  }
  await kit.withWorker(async (taskQueue) => {
    const start = (id: string) =>
      kit.env.client.workflow.start<typeof statementRunWorkflow>('statementRunWorkflow', {
        workflowId: id,
        taskQueue,
        args: [{ asOf: '2026-11-23', pageSize: 2 }],
      });
    const handle = await start('statement-run-test-1');
    // Monthly and weekly are due; `none` and the customer without any balance or activity are not (customers of the
    // other tests in this file may be due too).
    expect(await handle.result()).toEqual({ asOf: '2026-11-23', sent: expect.any(Number) });
    await kit.recordHistory(handle, 'statement-run.json');
    // The same day again: everything was sent, nothing goes out twice.
    expect(await (await start('statement-run-test-2')).result()).toEqual({ asOf: '2026-11-23', sent: 0 });
  });
  const monthlyMail = await kit.real.mail.waitFor((m) => m.to.includes(monthly.email));
  expect(monthlyMail.subject).toBe('Your statement from Example Corp, 2026-10-01 to 2026-10-31');
  expect(monthlyMail.text).toContain('Balance at 2026-10-31: EUR 123.45');
  expect(monthlyMail.attachments).toHaveLength(1);
  expect(monthlyMail.attachments[0]!.contentType).toBe('application/pdf');
  const text = await pdfText(monthlyMail.attachments[0]!.content);
  expect(text).toContain('Statement of account 2026-10-01 to 2026-10-31');
  expect(text).toContain('Monthly GmbH');
  expect(text).toContain('EUR 123.45');
  const weeklyMail = await kit.real.mail.waitFor((m) => m.to.includes(weekly.email));
  expect(weeklyMail.subject).toContain('2026-11-16 to 2026-11-22');
  const mails = kit.real.mail.messages.filter((m) =>
    [monthly, weekly, silent, empty].some((c) => m.to.includes(c.email)),
  );
  expect(mails).toHaveLength(2);
  const stored = await listDocuments(orm.em.fork(), { customerId: monthly.id, limit: 10 });
  expect(stored).toEqual([
    expect.objectContaining({
      kind: 'statement',
      periodFrom: '2026-10-01',
      periodTo: '2026-10-31',
      mediaType: 'application/pdf',
      ref: `statement:${monthly.id}:2026-10-01:2026-10-31`,
    }),
  ]);
  expect(stored[0]!.contentSha256).toMatch(/^[0-9a-f]{64}$/);
});
