// The task inbox through the real app: listing by SLA, claim/release/assign conflicts, and completion through the
// owning workflow's update (a fixture workflow on the shared dev server), with validator refusals and double
// completion answered as problems that change nothing.
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createTaskActivities } from '../../activities/tasks/tasks.js';
import { createMailer } from '../../src/mail/mailer.js';
import { createTask, findTask } from '../../src/tasks/store/tasks.js';
import { eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import type { taskOwnerWorkflow } from '../workflows/fixtures/task-owner.js';

let engine: TestEngine;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
const fixtureQueue = `task-owner-${process.pid}`;

beforeAll(async () => {
  engine = await startTestEngine({ withWorker: false });
  connection = await NativeConnection.connect({ address: engine.temporalAddress });
  const mailer = createMailer(engine.config.mail.smtpUrl);
  worker = await Worker.create({
    connection,
    taskQueue: fixtureQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: new URL('../workflows/fixtures/task-owner.ts', import.meta.url).pathname,
      logger: { error() {}, warn() {}, info() {}, debug() {}, trace() {}, log() {} },
    }),
    activities: createTaskActivities({
      orm: engine.db.orm,
      mailer,
      mail: { from: 'ar@test', companyName: 'Test', publicUrl: 'http://localhost' },
      clock: () => new Date(),
    }),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await engine?.close();
});

const as = (role: Parameters<TestEngine['headersFor']>[0], actor: string) =>
  engine.headersFor(role, undefined, { actor });

async function ownedTask(subjectId: string, maxAmount = 10_000, type?: string): Promise<string> {
  const workflowId = `task-owner-${subjectId}`;
  await engine.temporal.workflow.start<typeof taskOwnerWorkflow>('taskOwnerWorkflow', {
    taskQueue: fixtureQueue,
    workflowId,
    args: [{ subjectId, maxAmount, type }],
  });
  return eventually(async () => {
    const [row] = await engine.db.orm.em
      .fork()
      .execute<{ id: string }[]>('SELECT id FROM task WHERE workflow_id = ?', [workflowId]);
    return row?.id;
  });
}

async function plainTask(key: string, queue: string, slaInHours: number | null): Promise<string> {
  const { taskId } = await createTask(engine.db.orm.em.fork(), {
    uniqueKey: `test:${key}`,
    type: 'collection_call',
    queue,
    title: `Review ${key}`,
    subjectType: 'test',
    subjectId: key,
    slaDueAt: slaInHours === null ? null : new Date(Date.now() + slaInHours * 3600_000),
  });
  return taskId;
}

it('lists the inbox oldest SLA deadline first, filters, pages and shows the SLA state', async () => {
  const late = await plainTask('late', 'review-q', -2);
  const soon = await plainTask('soon', 'review-q', 1);
  const later = await plainTask('later', 'review-q', 48);
  const none = await plainTask('none', 'review-q', null);
  await plainTask('other', 'other-q', 1);

  const first = await engine.app.inject({ method: 'GET', url: '/tasks?queue=review-q&limit=2' });
  expect(first.statusCode).toBe(200);
  expect(first.json().items.map((t: { id: string }) => t.id)).toEqual([late, soon]);
  expect(first.json().items[0].sla.state).toBe('breached');
  const second = await engine.app.inject({
    method: 'GET',
    url: `/tasks?queue=review-q&limit=2&cursor=${first.json().nextCursor}`,
  });
  expect(second.json().items.map((t: { id: string }) => t.id)).toEqual([later, none]);
  expect(second.json().items.map((t: { sla: { state: string } }) => t.sla.state)).toEqual(['on_track', 'none']);
  expect(second.json().nextCursor).toBeNull();

  const breached = await engine.app.inject({ method: 'GET', url: '/tasks?breached=true' });
  expect(breached.json().items.map((t: { id: string }) => t.id)).toEqual([late]);
  const bad = await engine.app.inject({ method: 'GET', url: '/tasks?status=pending' });
  expect(bad.statusCode).toBe(400);
  expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(
    (await engine.app.inject({ method: 'GET', url: '/tasks/00000000-0000-4000-8000-000000000000' })).statusCode,
  ).toBe(404);
});

it('lets one person claim a task, refuses others, and records hand-overs and comments', async () => {
  const taskId = await plainTask('claims', 'review-q', 24);
  const alice = await as('collector', 'alice');
  const bob = await as('collector', 'bob');
  const manager = await as('finance_director', 'carol');

  const claimed = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${taskId}/claim`,
    headers: { ...alice, 'if-match': `"${taskId}.1"` },
  });
  expect(claimed.statusCode).toBe(200);
  expect(claimed.json()).toMatchObject({ status: 'claimed', assignee: 'alice', version: 2 });
  expect(claimed.headers.etag).toBe(`"${taskId}.2"`);
  expect((await engine.app.inject({ method: 'POST', url: `/tasks/${taskId}/claim`, headers: alice })).statusCode).toBe(
    200,
  ); // repeat: no-op

  const stolen = await engine.app.inject({ method: 'POST', url: `/tasks/${taskId}/claim`, headers: bob });
  expect(stolen.statusCode).toBe(409);
  expect(stolen.json().detail).toContain('alice');
  expect((await engine.app.inject({ method: 'POST', url: `/tasks/${taskId}/release`, headers: bob })).statusCode).toBe(
    403,
  );
  const stale = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${taskId}/release`,
    headers: { ...alice, 'if-match': `"${taskId}.1"` },
  });
  expect(stale.statusCode).toBe(412);
  const auditor = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${taskId}/claim`,
    headers: await as('auditor', 'dave'),
  });
  expect(auditor.statusCode).toBe(403);

  const reassigned = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${taskId}/assign`,
    headers: manager,
    payload: { assignee: 'bob', note: 'bob knows this customer' },
  });
  expect(reassigned.json()).toMatchObject({ status: 'claimed', assignee: 'bob' });
  const comment = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${taskId}/comments`,
    headers: bob,
    payload: { body: 'Called the customer.' },
  });
  expect(comment.statusCode).toBe(201);
  expect(
    (await engine.app.inject({ method: 'POST', url: `/tasks/${taskId}/comments`, headers: bob, payload: { body: '' } }))
      .statusCode,
  ).toBe(400);

  const detail = (await engine.app.inject({ method: 'GET', url: `/tasks/${taskId}` })).json();
  expect(detail.activity.map((a: { kind: string; actor: string }) => `${a.kind}:${a.actor}`)).toEqual([
    'created:system',
    'claimed:alice',
    'assigned:carol',
    'commented:bob',
  ]);
  expect(detail.activity[2].data).toEqual({ from: 'alice', to: 'bob' });
});

it('completes a task through its workflow: refusals are 422 and change nothing, the claimant completes once, a repeat is 409', async () => {
  const taskId = await ownedTask('complete-1', 5_000);
  const alice = await as('dispute_handler', 'alice');
  const bob = await as('dispute_handler', 'bob');

  const unclaimed = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${taskId}/complete`,
    headers: alice,
    payload: { outcome: 'approve', data: { amount: 100 } },
  });
  expect(unclaimed.statusCode).toBe(409);
  await engine.app.inject({ method: 'POST', url: `/tasks/${taskId}/claim`, headers: alice });
  const notClaimant = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${taskId}/complete`,
    headers: bob,
    payload: { outcome: 'approve', data: { amount: 100 } },
  });
  expect(notClaimant.statusCode).toBe(403);

  const wrongOutcome = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${taskId}/complete`,
    headers: alice,
    payload: { outcome: 'maybe' },
  });
  expect(wrongOutcome.statusCode).toBe(422);
  expect(wrongOutcome.json().errors).toEqual([
    { pointer: '/outcome', in: 'body', detail: 'must be one of approve, reject for this task' },
  ]);
  const tooMuch = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${taskId}/complete`,
    headers: alice,
    payload: { outcome: 'approve', data: { amount: 5_001 } },
  });
  expect(tooMuch.statusCode).toBe(422);
  expect(tooMuch.json().errors[0]).toMatchObject({ pointer: '/data/amount' });
  expect(await findTask(engine.db.orm.em.fork(), taskId)).toMatchObject({ status: 'claimed', outcome: null });

  const done = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${taskId}/complete`,
    headers: alice,
    payload: { outcome: 'approve', data: { amount: 5_000 }, comment: 'ok' },
  });
  expect(done.statusCode).toBe(200);
  expect(done.json()).toMatchObject({ taskId, outcome: 'approve', completedBy: 'alice' });
  const again = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${taskId}/complete`,
    headers: alice,
    payload: { outcome: 'reject' },
  });
  expect(again.statusCode).toBe(409);

  const result = await engine.temporal.workflow.getHandle('task-owner-complete-1').result();
  expect(result.completion).toMatchObject({ outcome: 'approve', data: { amount: 5_000 }, by: 'alice', comment: 'ok' });
  const stored = (await engine.app.inject({ method: 'GET', url: `/tasks/${taskId}` })).json();
  expect(stored).toMatchObject({
    status: 'completed',
    outcome: { outcome: 'approve', by: 'alice' },
    sla: { state: 'met' },
  });
});

it('lets a manager complete a task of their duty nobody claimed; an administrator works no task; a task without a workflow cannot be completed by hand', async () => {
  const taskId = await ownedTask('manager-1', 10_000, 'write_off_proposal');
  // Administrators read every task but decide none: administering the system is not a credit or write-off duty.
  const byAdmin = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${taskId}/complete`,
    headers: await as('admin', 'root'),
    payload: { outcome: 'reject' },
  });
  expect(byAdmin.statusCode).toBe(403);
  expect(byAdmin.json().detail).toContain('is worked by finance_director');
  expect(
    (await engine.app.inject({ method: 'POST', url: `/tasks/${taskId}/claim`, headers: await as('admin', 'root') }))
      .statusCode,
  ).toBe(403);
  expect(
    (await engine.app.inject({ method: 'GET', url: `/tasks/${taskId}`, headers: await as('admin', 'root') }))
      .statusCode,
  ).toBe(200);
  expect(await findTask(engine.db.orm.em.fork(), taskId)).toMatchObject({
    status: 'open',
    assignee: null,
    outcome: null,
  });
  const byManager = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${taskId}/complete`,
    headers: await as('finance_director', 'carol'),
    payload: { outcome: 'reject' },
  });
  expect(byManager.statusCode).toBe(200);

  const orphan = await plainTask('orphan', 'review-q', 1);
  const collector = await as('collector', 'colin');
  expect(
    (await engine.app.inject({ method: 'POST', url: `/tasks/${orphan}/claim`, headers: collector })).statusCode,
  ).toBe(200);
  const refused = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${orphan}/complete`,
    headers: collector,
    payload: { outcome: 'done' },
  });
  expect(refused.statusCode).toBe(422);
});

describe('duties: a task is worked only by the roles its type and queue name', () => {
  async function typedTask(key: string, type: string, queue: string): Promise<string> {
    const { taskId } = await createTask(engine.db.orm.em.fork(), {
      uniqueKey: `duty:${key}`,
      type,
      queue,
      title: `Decide ${key}`,
      subjectType: 'test',
      subjectId: key,
      slaDueAt: null,
      payload: { amount: 20_000_000 },
    });
    return taskId;
  }

  // role x task type (x queue): may the role claim it? The three frauds an auditor tries first are rows here.
  const table: [string, string, string, boolean][] = [
    ['credit_approval', 'finance-director', 'credit_manager', false],
    ['credit_approval', 'finance-director', 'finance_director', true],
    ['credit_approval', 'credit-manager', 'credit_manager', true],
    ['credit_override', 'credit', 'ar_clerk', false],
    ['credit_override', 'credit', 'credit_manager', true],
    ['write_off_proposal', 'collections', 'collector', false],
    ['write_off_proposal', 'collections', 'finance_director', true],
    ['dispute_resolution', 'disputes', 'collector', false],
    ['dispute_resolution', 'disputes', 'dispute_handler', true],
    ['unapplied_cash_research', 'cash-application', 'ar_clerk', true],
    ['unapplied_cash_research', 'cash-application', 'dispute_handler', false],
    ['dunning_letter', 'collections', 'collector', true],
    ['dunning_letter', 'collections', 'credit_manager', false],
    // Administrators oversee (read) every task and work none.
    ['credit_override', 'credit', 'admin', false],
    ['write_off_proposal', 'collections', 'admin', false],
    ['dispute_resolution', 'disputes', 'admin', false],
    ['credit_override', 'finance-director', 'credit_manager', false],
    ['credit_override', 'finance-director', 'finance_director', true],
  ];
  it.each(table)('%s in %s claimed by %s: allowed %s', async (type, queue, role, allowed) => {
    const taskId = await typedTask(`${type}-${queue}-${role}`, type, queue);
    const headers = await as(role as Parameters<TestEngine['headersFor']>[0], `${role}-1`);
    const claim = await engine.app.inject({ method: 'POST', url: `/tasks/${taskId}/claim`, headers });
    const complete = await engine.app.inject({
      method: 'POST',
      url: `/tasks/${taskId}/complete`,
      headers,
      payload: { outcome: 'approve' },
    });
    const inbox = (await engine.app.inject({ method: 'GET', url: `/tasks?type=${type}&limit=200`, headers })).json();
    const read = await engine.app.inject({ method: 'GET', url: `/tasks/${taskId}`, headers });
    if (allowed) {
      expect(claim.statusCode).toBe(200);
      expect(inbox.items.map((t: { id: string }) => t.id)).toContain(taskId);
      expect(read.statusCode).toBe(200);
    } else {
      // Refused, naming who may, and nothing changed: still open, nobody assigned, not in the caller's inbox.
      expect(claim.statusCode).toBe(roleOversees(role) ? 403 : 404);
      expect(complete.statusCode).toBe(roleOversees(role) ? 403 : 404);
      if (claim.statusCode === 403) expect(claim.json().detail).toContain(' is worked by ');
      expect(await findTask(engine.db.orm.em.fork(), taskId)).toMatchObject({
        status: 'open',
        assignee: null,
        outcome: null,
      });
      if (!roleOversees(role)) {
        expect(inbox.items.map((t: { id: string }) => t.id)).not.toContain(taskId);
        expect(read.statusCode).toBe(404);
      }
    }
  });

  const roleOversees = (role: string) => ['admin', 'finance_director', 'auditor'].includes(role);

  it('refuses a credit manager the approval the authority matrix routed to the finance director, with 403 naming who decides', async () => {
    const taskId = await typedTask('routed-up', 'credit_approval', 'finance-director');
    const manager = await as('credit_manager', 'cm-1');
    const listed = (
      await engine.app.inject({ method: 'GET', url: '/tasks?type=credit_approval&limit=200', headers: manager })
    ).json();
    expect(listed.items.map((t: { id: string }) => t.id)).not.toContain(taskId);
    const claim = await engine.app.inject({ method: 'POST', url: `/tasks/${taskId}/claim`, headers: manager });
    expect(claim.statusCode).toBe(404);
    const director = await as('finance_director', 'fd-1');
    expect(
      (await engine.app.inject({ method: 'POST', url: `/tasks/${taskId}/claim`, headers: director })).statusCode,
    ).toBe(200);
  });
});
