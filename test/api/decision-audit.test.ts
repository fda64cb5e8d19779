// The decision audit through the real API, worker, PostgreSQL and Temporal: a credit limit approval, a credit override
// routed up past a refused approval, a write-off approval from a seconds-scale ladder and a credit note approval are
// each decided by the right role, and GET /audit answers who decided, with which role and ceiling, on what amount, in
// which workflow run; attempted self-approvals and approvals above the ceiling are there as refused; only auditors,
// administrators and finance directors may read it.
import { recordDecision } from '../../src/tasks/store/decision-audit.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { eur, soundCreditApplication, staffRequests, type Headers } from '../support/staff-requests.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

const { as, get, post, put } = staffRequests(() => engine);

const auditor = () => as('auditor', 'audrey');
/** The audit entries of one task, newest first. */
const auditOf = async (taskId: string) => {
  const page = (await get(`/audit?limit=200`, await auditor())).json();
  return page.items.filter((d: { task: { id: string } }) => d.task.id === taskId);
};
const taskOf = (query: string) =>
  eventually(
    async () =>
      (await get(`/tasks?${query}`, await as('finance_director', 'looker'))).json().items[0] as
        | { id: string; workflowId: string }
        | undefined,
    60_000,
  );
/** The run that recorded a completion: the workflow's current (or last) run. */
const runOf = async (workflowId: string) => (await engine.temporal.workflow.getHandle(workflowId).describe()).runId;

async function approve(taskId: string, headers: Headers, data?: Record<string, unknown>) {
  expect((await post(`/tasks/${taskId}/claim`, {}, headers)).statusCode).toBe(200);
  const done = await post(
    `/tasks/${taskId}/complete`,
    { outcome: 'approve', ...(data ? { data } : {}), comment: 'within policy' },
    headers,
  );
  expect(done.statusCode).toBe(200);
}

it("records a credit limit approval with the approver, role, ceiling and workflow run, and the applicant's attempt as refused", async () => {
  const customerId = (
    await post('/customers', customerFixture({ legalName: 'Audit Limits GmbH', email: 'ap@audit-limits.example' }))
  ).json().id;
  const applicant = await as('credit_manager', 'cm-applicant');
  const applied = await post(
    `/customers/${customerId}/credit-applications`,
    soundCreditApplication(3_000_000),
    applicant,
  );
  expect(applied.statusCode).toBe(202);
  const task = await taskOf(`customerId=${customerId}&type=credit_approval`);
  expect((await post(`/tasks/${task!.id}/claim`, {}, applicant)).statusCode).toBe(403);
  const own = await post(`/tasks/${task!.id}/complete`, { outcome: 'approve' }, applicant);
  expect(own.statusCode).toBe(403);
  await approve(task!.id, await as('credit_manager', 'cm-colleague'), { limit: 2_500_000 });

  const [decision, refused, claimed] = await auditOf(task!.id);
  expect(decision).toMatchObject({
    outcome: 'approve',
    refusal: null,
    actor: {
      actor: 'cm-colleague',
      kind: 'token',
      id: 'cm-colleague',
      name: 'cm-colleague',
      roles: ['credit_manager'],
    },
    authority: { role: 'credit_manager', ceiling: eur(5_000_000), basis: 'ceiling' },
    amount: eur(2_500_000),
    policyVersion: engine.config.policy.credit.version,
    task: { id: task!.id, type: 'credit_approval', subjectType: 'customer', subjectId: customerId },
    customerId,
    workflow: { id: task!.workflowId, runId: await runOf(task!.workflowId) },
    comment: 'within policy',
    data: { limit: 2_500_000 },
  });
  expect(refused).toMatchObject({
    outcome: 'refused',
    refusal: { type: 'four-eyes', status: 403, attempted: 'approve' },
    actor: { actor: 'cm-applicant', roles: ['credit_manager'] },
    amount: eur(3_000_000),
  });
  expect(claimed).toMatchObject({
    outcome: 'refused',
    refusal: { type: 'four-eyes', attempted: 'claim' },
    actor: { actor: 'cm-applicant' },
  });
  expect((await get(`/audit/${decision.id}`, await auditor())).json()).toEqual(decision);
});

it("records a credit override refused above the credit manager's ceiling and then approved by the finance director", async () => {
  const customerId = (
    await post('/customers', customerFixture({ legalName: 'Audit Override SA', email: 'ap@audit-override.example' }))
  ).json().id;
  expect(
    (
      await post(
        `/customers/${customerId}/hold`,
        { reason: 'order above usual volume' },
        await as('credit_manager', 'hold-desk'),
      )
    ).statusCode,
  ).toBe(200);
  const issued = await post(
    '/invoices',
    { customerId, lines: [{ description: 'Turbine overhaul', quantity: 1, unitPrice: eur(6_000_000), taxRate: '0' }] },
    await as('ar_clerk', 'clara'),
  );
  expect(issued.json().status).toBe('held');
  const task = await taskOf(`subjectId=${issued.json().id}&type=credit_override`);
  const manager = await as('credit_manager', 'cm-1');
  expect((await post(`/tasks/${task!.id}/claim`, {}, manager)).statusCode).toBe(200);
  expect((await post(`/tasks/${task!.id}/complete`, { outcome: 'approve' }, manager)).statusCode).toBe(403);
  await eventually(async () =>
    (await get(`/tasks/${task!.id}`, await auditor())).json().queue === 'finance-director' ? true : undefined,
  );
  await approve(task!.id, await as('finance_director', 'fd-1'));

  const [decision, refused] = await auditOf(task!.id);
  expect(decision).toMatchObject({
    outcome: 'approve',
    actor: { actor: 'fd-1', roles: ['finance_director'] },
    authority: { role: 'finance_director', ceiling: eur(25_000_000), basis: 'ceiling' },
    amount: eur(6_000_000),
    task: { type: 'credit_override', subjectType: 'invoice', subjectId: issued.json().id },
    workflow: { id: `invoice-${issued.json().id}`, runId: await runOf(`invoice-${issued.json().id}`) },
  });
  expect(refused).toMatchObject({
    outcome: 'refused',
    refusal: { type: 'approval-authority', attempted: 'approve' },
    actor: { actor: 'cm-1' },
    authority: { role: 'credit_manager', ceiling: eur(5_000_000) },
    amount: eur(6_000_000),
  });
  expect(refused.refusal.detail).toContain('credit_manager may approve up to 50,000.00 EUR');
});

it('records an approval above the highest ceiling as decided by two finance directors, naming both', async () => {
  const customerId = (
    await post('/customers', customerFixture({ legalName: 'Audit Dual Approvals AG', email: 'ap@audit-dual.example' }))
  ).json().id;
  expect(
    (
      await post(
        `/customers/${customerId}/hold`,
        { reason: 'strategic order' },
        await as('credit_manager', 'hold-desk'),
      )
    ).statusCode,
  ).toBe(200);
  const issued = await post(
    '/invoices',
    { customerId, lines: [{ description: 'Wind farm', quantity: 1, unitPrice: eur(30_000_000), taxRate: '0' }] },
    await as('ar_clerk', 'clara'),
  );
  const task = await taskOf(`subjectId=${issued.json().id}&type=credit_override`);
  const first = await as('finance_director', 'fd-a');
  expect((await post(`/tasks/${task!.id}/claim`, {}, first)).statusCode).toBe(200);
  expect((await post(`/tasks/${task!.id}/complete`, { outcome: 'approve' }, first)).statusCode).toBe(202);
  // The same person again is four eyes: refused, and kept as an attempt.
  expect((await post(`/tasks/${task!.id}/complete`, { outcome: 'approve' }, first)).statusCode).toBe(403);
  await approve(task!.id, await as('finance_director', 'fd-b'));

  const [decision, again] = await auditOf(task!.id);
  expect(decision).toMatchObject({
    outcome: 'approve',
    actor: { actor: 'fd-b' },
    authority: {
      role: 'finance_director',
      ceiling: eur(25_000_000),
      basis: 'two_approvals',
      approvals: [{ by: 'fd-a' }, { by: 'fd-b' }],
    },
    amount: eur(30_000_000),
  });
  expect(again).toMatchObject({ outcome: 'refused', refusal: { type: 'four-eyes' }, actor: { actor: 'fd-a' } });
});

it('records a write-off a signed-in finance director approved at the end of a seconds-scale ladder, by user id and name', async () => {
  const ladder = {
    name: 'Write-off in seconds',
    courtesyReminder: null,
    levels: [
      {
        name: 'final_notice',
        trigger: { pastDueFor: 'PT1S', overdueAbove: null, match: 'any' },
        contactEvery: 'PT1H',
        channels: ['email'],
        template: 'dunning-final-notice',
        lateFee: null,
        actions: [],
      },
    ],
    promise: { maxAhead: 'P30D', grace: 'P3D', maxOpen: 1 },
    writeOff: { after: 'PT2S', sla: 'P5D' },
    collectorQueue: 'collections',
    collectorTaskSla: 'P2D',
  };
  expect((await put('/policies/dunning/audit-write-off', ladder)).statusCode).toBeLessThan(300);
  const customerId = (
    await post(
      '/customers',
      customerFixture({ legalName: 'Audit Write-off Ltd', email: 'ap@audit-write-off.example', termsCode: 'NET30' }),
    )
  ).json().id;
  expect((await put(`/customers/${customerId}/dunning-policy`, { policyCode: 'audit-write-off' })).statusCode).toBe(
    200,
  );
  const issueDate = new Date(Date.now() - 42 * 86_400_000).toISOString().slice(0, 10);
  expect(
    (
      await post(
        '/invoices',
        {
          customerId,
          issueDate,
          lines: [{ description: 'Pallets', quantity: 1, unitPrice: eur(420_000), taxRate: '0' }],
        },
        await as('ar_clerk', 'clara'),
      )
    ).statusCode,
  ).toBe(201);
  // A signed-in person this time: the audit names the user by id and display name.
  const password = 'correct horse battery staple';
  const user = await post('/users', {
    email: 'fiona@audit.example',
    role: 'finance_director',
    displayName: 'Fiona Finance',
    password,
  });
  expect(user.statusCode).toBe(201);
  const login = await post('/auth/login', { email: 'fiona@audit.example', password }, { authorization: 'none' });
  expect(login.statusCode).toBe(200);
  const task = await taskOf(`customerId=${customerId}&type=write_off_proposal`);
  await approve(task!.id, { authorization: `Bearer ${login.json().accessToken}` });

  const [decision] = await auditOf(task!.id);
  expect(decision).toMatchObject({
    outcome: 'approve',
    actor: {
      actor: 'fiona@audit.example',
      kind: 'user',
      id: user.json().id,
      name: 'Fiona Finance',
      roles: ['finance_director'],
    },
    authority: { role: 'finance_director', ceiling: eur(25_000_000), basis: 'ceiling' },
    amount: eur(420_000),
    task: { type: 'write_off_proposal', subjectType: 'customer', subjectId: customerId },
    customerId,
    workflow: { id: `collection-${customerId}`, runId: await runOf(`collection-${customerId}`) },
  });
});

it("records a credit note approval, and the requesting API key's own attempt as refused under its id and name", async () => {
  const created = await post('/api-keys', { name: 'erp-audit-notes', roles: ['ar_clerk', 'credit_manager'] });
  const key = { authorization: `Bearer ${created.json().key}` };
  const customerId = (
    await post('/customers', customerFixture({ legalName: 'Audit Notes BV', email: 'ap@audit-notes.example' }))
  ).json().id;
  const invoiceId = (
    await post(
      '/invoices',
      { customerId, lines: [{ description: 'Generator', quantity: 1, unitPrice: eur(5_000_000), taxRate: '0' }] },
      key,
    )
  ).json().id;
  const requested = await post(
    `/invoices/${invoiceId}/credit-notes`,
    { amount: eur(1_500_000), reason: 'price agreed after delivery' },
    key,
  );
  expect(requested.statusCode).toBe(202);
  const task = await taskOf(`subjectId=${invoiceId}&type=credit_note_approval`);
  expect((await post(`/tasks/${task!.id}/complete`, { outcome: 'approve' }, key)).statusCode).toBe(403);
  await approve(task!.id, await as('credit_manager', 'cm-notes'));

  const [decision, refused] = await auditOf(task!.id);
  expect(decision).toMatchObject({
    outcome: 'approve',
    actor: { actor: 'cm-notes', roles: ['credit_manager'] },
    authority: { role: 'credit_manager', ceiling: eur(5_000_000), basis: 'ceiling' },
    amount: eur(1_500_000),
    task: { type: 'credit_note_approval', subjectType: 'invoice', subjectId: invoiceId },
    workflow: { id: requested.json().workflowId, runId: await runOf(requested.json().workflowId) },
  });
  expect(refused).toMatchObject({
    outcome: 'refused',
    refusal: {
      type: 'four-eyes',
      detail: 'api-key:erp-audit-notes requested what this task approves; another person must decide it.',
    },
    actor: {
      actor: 'api-key:erp-audit-notes',
      kind: 'api_key',
      id: created.json().id,
      name: 'erp-audit-notes',
      roles: ['ar_clerk', 'credit_manager'],
    },
  });

  // Written once: the activity's retry after the commit (same workflow id + task id) adds nothing.
  const em = engine.db.orm.em.fork();
  await em.transactional((tx) =>
    recordDecision(tx, {
      key: `${task!.workflowId}:decision:${task!.id}`,
      taskId: task!.id,
      outcome: 'approve',
      data: {},
      by: 'cm-notes',
      workflowId: task!.workflowId,
      runId: null,
      decidedAt: new Date(),
    }),
  );
  expect((await auditOf(task!.id)).filter((d: { outcome: string }) => d.outcome === 'approve')).toHaveLength(1);
  // Nobody rewrites the record afterwards.
  await expect(
    em.execute(`UPDATE decision_audit SET actor = 'someone else' WHERE task_id = ?`, [task!.id]),
  ).rejects.toThrow(/append-only/);
  await expect(em.execute('DELETE FROM decision_audit WHERE task_id = ?', [task!.id])).rejects.toThrow(/append-only/);
});

it('records a dispute resolution with the amount credited and the dispute policy version; a handler holds no approval ceiling', async () => {
  const customerId = (
    await post('/customers', customerFixture({ legalName: 'Audit Disputes Oy', email: 'ap@audit-disputes.example' }))
  ).json().id;
  const invoiceId = (
    await post(
      '/invoices',
      { customerId, lines: [{ description: 'Consulting', quantity: 1, unitPrice: eur(100_000), taxRate: '0' }] },
      await as('ar_clerk', 'clara'),
    )
  ).json().id;
  const opened = await post(`/invoices/${invoiceId}/disputes`, {
    category: 'pricing',
    reason: 'Quote not applied',
    amount: eur(30_000),
  });
  expect(opened.statusCode).toBe(201);
  const task = await taskOf(`subjectId=${opened.json().id}&type=dispute_resolution`);
  const alice = await as('dispute_handler', 'alice');
  expect((await post(`/tasks/${task!.id}/claim`, {}, alice)).statusCode).toBe(200);
  const body = {
    outcome: 'credit_partial',
    data: { amount: eur(20_000), rootCause: { category: 'pricing', note: 'Quote 114 not applied' } },
  };
  const done = await eventually(async () => {
    const answer = await post(`/tasks/${task!.id}/complete`, body, alice);
    return answer.statusCode === 200 ? answer : undefined; // the workflow may still be registering the task
  });
  expect(done.statusCode).toBe(200);

  const [decision] = await auditOf(task!.id);
  expect(decision).toMatchObject({
    outcome: 'credit_partial',
    actor: { actor: 'alice', roles: ['dispute_handler'] },
    authority: null,
    amount: eur(20_000),
    policyVersion: engine.config.policy.dispute.version,
    task: { type: 'dispute_resolution', subjectType: 'dispute', subjectId: opened.json().id },
    workflow: { id: task!.workflowId, runId: await runOf(task!.workflowId) },
  });
});

it('filters by time, customer, task type, actor and outcome, pages with a cursor, and answers mistakes as problems', async () => {
  const refused = (await get('/audit?outcome=refused&limit=200', await auditor())).json();
  expect(refused.items.length).toBeGreaterThanOrEqual(5);
  expect(refused.items.every((d: { outcome: string }) => d.outcome === 'refused')).toBe(true);
  expect((await get('/audit?actor=erp-audit-notes', await auditor())).json().items).toHaveLength(1);
  expect((await get('/audit?actor=fd-1&taskType=credit_override', await auditor())).json().items).toHaveLength(1);
  const overrides = (await get('/audit?taskType=credit_override', await auditor())).json().items;
  const customerId = overrides[0].customerId;
  expect((await get(`/audit?customerId=${customerId}`, await auditor())).json().items).toHaveLength(2);
  expect(
    (
      await get(`/audit?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, await auditor())
    ).json().items,
  ).toHaveLength(0);
  expect(
    (
      await get(
        `/audit?to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&limit=200`,
        await auditor(),
      )
    ).json().items.length,
  ).toBeGreaterThanOrEqual(11);

  const all = (await get('/audit?limit=200', await auditor())).json().items.map((d: { id: string }) => d.id);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: { id: string }[]; nextCursor: string | null } = (
      await get(`/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`, await auditor())
    ).json();
    seen.push(...page.items.map((d) => d.id));
    cursor = page.nextCursor;
  } while (cursor);
  expect(seen).toEqual(all);

  for (const url of [
    '/audit?cursor=nonsense',
    `/audit?cursor=${Buffer.from(JSON.stringify(['x', 'y'])).toString('base64url')}`,
    '/audit?from=yesterday',
    '/audit?outcome=Approve!',
    '/audit?limit=0',
  ]) {
    const bad = await get(url, await auditor());
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.json().errors[0].pointer).toMatch(/^\/(cursor|from|outcome|limit)$/);
  }
  const missing = await get('/audit/00000000-0000-4000-8000-000000000000', await auditor());
  expect(missing.statusCode).toBe(404);
  expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
});

it('is read by auditors, administrators and finance directors only', async () => {
  for (const role of ['auditor', 'admin', 'finance_director'] as const)
    expect((await get('/audit', await as(role, `${role}-reader`))).statusCode).toBe(200);
  const one = (await get('/audit?limit=1', await auditor())).json().items[0].id;
  for (const role of ['ar_clerk', 'collector', 'dispute_handler', 'credit_manager'] as const) {
    for (const url of ['/audit', `/audit/${one}`]) {
      const denied = await get(url, await as(role, `${role}-reader`));
      expect(denied.statusCode).toBe(403);
      expect(denied.headers['content-type']).toMatch(/application\/problem\+json/);
    }
  }
});
