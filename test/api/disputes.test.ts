// Disputes through the real API, worker, PostgreSQL, SMTP and Temporal dev server: bad input that changes nothing,
// claim/complete conflicts on the dispute's task, validator rejections, the customer's reply, withdrawal, lists.
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { consultingLines } from '../support/invoices.js';

let engine: TestEngine;
let customerId: string;
beforeAll(async () => {
  engine = await startTestEngine();
  const response = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ email: 'ap@dispute-co.example', legalName: 'Dispute Co' }),
  });
  expect(response.statusCode).toBe(201);
  customerId = response.json().id;
});
afterAll(async () => {
  await engine?.close();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  engine.app.inject({ method: 'POST', url, payload: payload as Record<string, unknown>, headers });
const get = (url: string, headers: Record<string, string> = {}) => engine.app.inject({ method: 'GET', url, headers });
const count = async (table: string) =>
  Number((await engine.db.orm.em.fork().execute<{ n: string }[]>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
const handler = (actor: string) => engine.headersFor('dispute_handler', undefined, { actor });

async function issueInvoice(): Promise<{ id: string; number: string }> {
  const response = await post('/invoices', { customerId, lines: consultingLines('EUR') });
  expect(response.statusCode).toBe(201);
  return response.json();
}

/** The dispute's open resolution task, once its workflow waits for it (GET /disputes/:id shows the live state). */
async function resolutionTask(disputeId: string): Promise<string> {
  return eventually(async () => {
    const [row] = await engine.db.orm.em
      .fork()
      .execute<
        { id: string }[]
      >(`SELECT id FROM task WHERE subject_id = ? AND type = 'dispute_resolution' AND status IN ('open', 'claimed') ORDER BY created_at DESC LIMIT 1`, [disputeId]);
    if (!row) return undefined;
    const live = (await get(`/disputes/${disputeId}`)).json().workflow;
    return live?.taskId === row.id ? row.id : undefined;
  });
}

const invoiceStatus = async (id: string) => (await get(`/invoices/${id}`)).json().status;

describe('POST /invoices/:id/disputes: bad input changes nothing', () => {
  it.each([
    ['an unknown category', { category: 'weather', reason: 'x' }, 422, '/category'],
    [
      'an amount above the open balance',
      { category: 'pricing', reason: 'too much', amount: { amount: 148_151, currency: 'EUR' } },
      422,
      '/amount/amount',
    ],
    [
      'another currency',
      { category: 'pricing', reason: 'wrong currency', amount: { amount: 100, currency: 'USD' } },
      422,
      '/amount/currency',
    ],
    ['a line the invoice does not have', { category: 'quantity', reason: 'line 9', lines: [9] }, 422, '/lines/0'],
    ['a blank reason', { category: 'pricing', reason: '   ' }, 422, '/reason'],
    ['an unknown field', { category: 'pricing', reason: 'x', priority: 'high' }, 400, '/priority'],
    [
      'a zero amount',
      { category: 'pricing', reason: 'x', amount: { amount: 0, currency: 'EUR' } },
      400,
      '/amount/amount',
    ], // refused by the schema's minimum,
  ])('%s', async (_name, body, status, pointer) => {
    const invoice = await issueInvoice();
    const before = await count('dispute');
    const response = await post(`/invoices/${invoice.id}/disputes`, body);
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(response.json().errors)).toContain(`"${pointer}`);
    expect(await count('dispute')).toBe(before);
    expect(await invoiceStatus(invoice.id)).not.toBe('disputed');
  });

  it('an unknown invoice is 404, a cancelled one 409', async () => {
    expect(
      (await post('/invoices/00000000-0000-4000-8000-000000000000/disputes', { category: 'pricing', reason: 'x' }))
        .statusCode,
    ).toBe(404);
    const invoice = await issueInvoice();
    expect((await post(`/invoices/${invoice.id}/cancel`, { reason: 'issued by mistake' })).statusCode).toBe(201);
    const response = await post(`/invoices/${invoice.id}/disputes`, { category: 'pricing', reason: 'x' });
    expect(response.statusCode).toBe(409);
    expect(response.json().errors[0]).toMatchObject({
      pointer: '/invoiceId',
      detail: expect.stringContaining('cancelled'),
    });
  });

  it('a second open dispute on the same lines (or the whole invoice) is 409; other lines may be disputed', async () => {
    const invoice = await issueInvoice();
    const first = await post(`/invoices/${invoice.id}/disputes`, {
      category: 'quantity',
      reason: 'Only 8 hours worked',
      lines: [1],
    });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      status: 'open',
      lines: [1],
      amount: { amount: 142_800, currency: 'EUR' },
      invoiceNumber: invoice.number,
    });
    const again = await post(`/invoices/${invoice.id}/disputes`, {
      category: 'pricing',
      reason: 'Rate too high',
      lines: [1],
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().errors[0]).toMatchObject({
      pointer: '/lines',
      detail: expect.stringContaining(first.json().id),
    });
    expect(
      (await post(`/invoices/${invoice.id}/disputes`, { category: 'pricing', reason: 'All of it' })).statusCode,
    ).toBe(409);
    const other = await post(`/invoices/${invoice.id}/disputes`, {
      category: 'documentation',
      reason: 'No receipt for travel',
      lines: [2],
    });
    expect(other.statusCode).toBe(201);
    expect(await invoiceStatus(invoice.id)).toBe('disputed');
    const listed = (await get(`/invoices/${invoice.id}/disputes`)).json();
    expect(listed.items.map((d: { id: string }) => d.id).sort()).toEqual([first.json().id, other.json().id].sort());
  });
});

describe('deciding a dispute through its task', () => {
  it('claim and complete conflicts (409 twice, 403 not the claimant), validator rejections (422), then the decision posts a credit note', async () => {
    const invoice = await issueInvoice();
    const opened = await post(`/invoices/${invoice.id}/disputes`, {
      category: 'pricing',
      reason: 'Quote not applied',
      amount: { amount: 30_000, currency: 'EUR' },
    });
    expect(opened.statusCode).toBe(201);
    const dispute = opened.json();
    expect(opened.headers.location).toBe(`/disputes/${dispute.id}`);
    const taskId = await resolutionTask(dispute.id);
    const [alice, bob] = [await handler('alice'), await handler('bob')];
    const complete = (body: unknown, headers: Record<string, string>) =>
      post(`/tasks/${taskId}/complete`, body, headers);
    const notesBefore = await count('credit_note');
    const good = {
      outcome: 'credit_partial',
      data: {
        amount: { amount: 30_000, currency: 'EUR' },
        rootCause: { category: 'pricing', note: 'Quote 114 not applied' },
      },
    };

    expect((await complete(good, alice)).statusCode).toBe(409); // not claimed yet
    expect((await post(`/tasks/${taskId}/claim`, {}, alice)).statusCode).toBe(200);
    expect((await post(`/tasks/${taskId}/claim`, {}, bob)).statusCode).toBe(409); // claimed by alice
    expect((await complete(good, bob)).statusCode).toBe(403); // not the claimant

    const notAllowed = await complete({ outcome: 'approve', data: {} }, alice);
    expect(notAllowed.statusCode).toBe(422);
    expect(notAllowed.json().errors[0].pointer).toBe('/outcome');
    const tooMuch = await complete(
      {
        outcome: 'credit_partial',
        data: { amount: { amount: 30_001, currency: 'EUR' }, rootCause: good.data.rootCause },
      },
      alice,
    );
    expect(tooMuch.statusCode).toBe(422);
    expect(tooMuch.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/data/amount/amount']);
    const missing = await complete({ outcome: 'credit_partial', data: { rootCause: good.data.rootCause } }, alice);
    expect(missing.statusCode).toBe(422);
    expect(missing.json().errors[0].pointer).toBe('/data/amount');
    const badPlan = await complete(
      {
        outcome: 'payment_plan',
        data: {
          instalments: [{ dueDate: '2099-01-01', amount: { amount: 1, currency: 'EUR' } }],
          rootCause: good.data.rootCause,
        },
      },
      alice,
    );
    expect(badPlan.statusCode).toBe(422);
    expect(badPlan.json().errors[0].pointer).toBe('/data/instalments');
    expect(await count('credit_note')).toBe(notesBefore);

    const done = await complete(good, alice);
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ taskId, outcome: 'credit_partial', completedBy: 'alice' });
    expect((await complete(good, alice)).statusCode).toBe(409); // completed already

    const resolved = await eventually(async () => {
      const d = (await get(`/disputes/${dispute.id}`)).json();
      return d.status === 'resolved' ? d : undefined;
    });
    expect(resolved).toMatchObject({
      outcome: { kind: 'credit_partial', by: 'alice' },
      rootCause: { category: 'pricing' },
      effects: [{ kind: 'credit_note', amount: { amount: 30_000, currency: 'EUR' } }],
    });
    const doc = (await get(`/invoices/${invoice.id}`)).json();
    expect(doc).toMatchObject({ balance: { amount: 148_150 - 30_000 }, creditNotes: [{ total: { amount: 30_000 } }] });
    expect(doc.status).not.toBe('disputed');
    expect((await post(`/disputes/${dispute.id}/withdraw`, { reason: 'too late' })).statusCode).toBe(409);
    expect((await post(`/disputes/${dispute.id}/customer-reply`, { text: 'too late' })).statusCode).toBe(409);
  });

  it('request_info waits for the customer reply (409 before it is asked), then a new task opens; withdrawal returns the invoice to dunning', async () => {
    const invoice = await issueInvoice();
    const dispute = (
      await post(`/invoices/${invoice.id}/disputes`, { category: 'delivery', reason: 'Never arrived' })
    ).json();
    const taskId = await resolutionTask(dispute.id);
    expect((await post(`/disputes/${dispute.id}/customer-reply`, { text: 'unsolicited' })).statusCode).toBe(409);
    const alice = await handler('alice');
    expect((await post(`/tasks/${taskId}/claim`, {}, alice)).statusCode).toBe(200);
    expect((await post(`/tasks/${taskId}/complete`, { outcome: 'request_info', data: {} }, alice)).statusCode).toBe(
      422,
    );
    expect(
      (
        await post(
          `/tasks/${taskId}/complete`,
          { outcome: 'request_info', data: { question: 'Which address did you expect delivery to?' } },
          alice,
        )
      ).statusCode,
    ).toBe(200);
    const waiting = await eventually(async () => {
      const d = (await get(`/disputes/${dispute.id}`)).json();
      return d.status === 'awaiting_info' ? d : undefined;
    });
    expect(waiting.slaDueAt).toBeNull();
    await engine.mail.waitFor((m) => m.subject.includes('we need more information'));

    const replied = await post(`/disputes/${dispute.id}/customer-reply`, { text: 'Our warehouse at 5 Dock Rd' });
    expect(replied.statusCode).toBe(202);
    expect(replied.json().dispute).toMatchObject({
      status: 'open',
      correspondence: [{ kind: 'info_request' }, { kind: 'info_reply', text: 'Our warehouse at 5 Dock Rd' }],
    });
    const second = await eventually(async () => {
      const id = await resolutionTask(dispute.id);
      return id !== taskId ? id : undefined;
    });
    expect(second).toBeDefined();

    const withdrawn = await post(`/disputes/${dispute.id}/withdraw`, { reason: 'Found the parcel' });
    expect(withdrawn.statusCode).toBe(202);
    expect(withdrawn.json().dispute).toMatchObject({
      status: 'withdrawn',
      outcome: { kind: 'withdrawn', reason: 'Found the parcel' },
    });
    expect(await invoiceStatus(invoice.id)).not.toBe('disputed');
    await eventually(async () => {
      const [row] = await engine.db.orm.em
        .fork()
        .execute<{ status: string }[]>('SELECT status FROM task WHERE id = ?', [second]);
      return row?.status === 'cancelled' ? true : undefined;
    });
  });
});

describe('GET /disputes', () => {
  it('filters by status and pages with a cursor', async () => {
    const invoice = await issueInvoice();
    for (const line of [1, 2])
      expect(
        (await post(`/invoices/${invoice.id}/disputes`, { category: 'quality', reason: `line ${line}`, lines: [line] }))
          .statusCode,
      ).toBe(201);
    const first = (await get(`/disputes?invoiceId=${invoice.id}&status=open&limit=1`)).json();
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (
      await get(`/disputes?invoiceId=${invoice.id}&status=open&limit=1&cursor=${first.nextCursor}`)
    ).json();
    expect(second.items).toHaveLength(1);
    expect(second.items[0].id).not.toBe(first.items[0].id);
    expect(second.nextCursor).toBeNull();
    expect((await get('/disputes?status=closed')).statusCode).toBe(400);
    expect((await get('/disputes?cursor=nonsense')).statusCode).toBe(400);
    expect((await get('/disputes/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    const one = (await get(`/disputes/${first.items[0].id}`)).json();
    expect(one).toMatchObject({ id: first.items[0].id, category: 'quality', workflow: { phase: expect.any(String) } });
  });
});
