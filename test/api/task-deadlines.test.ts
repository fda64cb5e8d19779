// A task's deadline through the real API, worker, PostgreSQL and Temporal with a staging policy in seconds: a credit
// note approval nobody decided within its SLA moves to the finance director's queue, shows there in the director's
// inbox (GET /tasks) with the escalation in its trail, leaves the credit manager's inbox, and is decided there.
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { eur, staffRequests, type Headers } from '../support/staff-requests.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({ env: { CREDIT_POLICY: JSON.stringify({ approvalSla: 'PT4S' }) } });
});
afterAll(async () => {
  await engine?.close();
});

const { as, get, post } = staffRequests(() => engine);

it('moves a credit note approval still open at its deadline to the finance director, whose inbox shows it', async () => {
  const clerk = await as('ar_clerk', 'clara');
  const customer = await post(
    '/customers',
    customerFixture({ legalName: 'Deadline Customer', email: 'ap-deadline@example.com' }),
  );
  const issued = await post(
    '/invoices',
    {
      customerId: customer.json().id,
      lines: [{ description: 'Generator', quantity: 1, unitPrice: eur(5_000_000), taxRate: '0' }],
    },
    clerk,
  );
  expect(issued.statusCode).toBe(201);
  const invoiceId = issued.json().id as string;
  const requested = await post(
    `/invoices/${invoiceId}/credit-notes`,
    { amount: eur(1_500_000), reason: 'price agreed after delivery' },
    clerk,
  );
  expect(requested.statusCode).toBe(202);
  expect(requested.json()).toMatchObject({ queue: 'credit-manager' });

  const director = await as('finance_director', 'fiona');
  const manager = await as('credit_manager', 'cm-1');
  const inbox = async (headers: Headers) =>
    (await get(`/tasks?queue=finance-director&type=credit_note_approval&subjectId=${invoiceId}`, headers)).json()
      .items as { id: string; queue: string; escalatedAt: string | null; sla: { state: string } }[];
  const escalated = await eventually(async () => (await inbox(director))[0], 60_000);
  expect(escalated).toMatchObject({ queue: 'finance-director', sla: { state: 'breached' } });
  expect(escalated.escalatedAt).not.toBeNull();
  const detail = (await get(`/tasks/${escalated.id}`, director)).json() as {
    activity: { kind: string; body: string | null }[];
  };
  expect(detail.activity.filter((a) => a.kind === 'escalated')).toEqual([
    expect.objectContaining({
      body: expect.stringMatching(
        /^deadline passed at .+ credit note approval task in queue credit-manager was not completed in time$/,
      ),
    }),
  ]);
  // It is the director's to decide now: the credit manager's inbox no longer lists it.
  expect(await inbox(manager)).toEqual([]);

  expect((await post(`/tasks/${escalated.id}/claim`, {}, director)).statusCode).toBe(200);
  expect(
    (
      await post(
        `/tasks/${escalated.id}/complete`,
        { outcome: 'reject', comment: 'no credit after delivery' },
        director,
      )
    ).statusCode,
  ).toBe(200);
  const handle = engine.temporal.workflow.getHandle(requested.json().workflowId);
  expect(await handle.result()).toMatchObject({ status: 'rejected', decidedBy: 'fiona' });
});
