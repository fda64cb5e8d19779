// A workflow is started for a row only after the row commits, and a committed row always gets its workflow:
// recorded with the row, started by the request after the commit or, when the workflow service did not answer, by
// the relay. The client refuses a start inside an open transaction, so code that starts too early fails here and
// everywhere else in the suite, not once in a while under load.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.js';
import { workflowIds } from '../../src/temporal/ids.js';
import {
  pendingStarts,
  recordWorkflowStart,
  relayPendingStarts,
  startRecorded,
} from '../../src/temporal/start-after-commit.js';
import { workflowStarts } from '../../src/temporal/starters.js';
import { bearerHeaders } from '../support/auth.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

const accountStart = (customerId: string) =>
  workflowStarts.customerAccount(
    { client: engine.temporal, taskQueue: engine.config.temporal.taskQueue },
    {
      customerId,
      currency: 'EUR',
      policy: {
        refreshEvery: engine.config.policy.accountRefreshEvery,
        delinquency: engine.config.policy.accountDelinquency,
        credit: engine.config.policy.credit,
      },
    },
  );

async function workflowExists(workflowId: string): Promise<boolean> {
  try {
    await engine.temporal.workflow.getHandle(workflowId).describe();
    return true;
  } catch (error) {
    if ((error as Error).name === 'WorkflowNotFoundError') return false;
    throw error;
  }
}

it('refuses to start a workflow inside an open database transaction, and starts nothing', async () => {
  const customerId = randomUUID();
  const start = accountStart(customerId);
  await expect(
    engine.db.orm.em.fork().transactional(async () => {
      await engine.temporal.workflow.start(start.workflowType, {
        workflowId: start.workflowId,
        taskQueue: start.taskQueue,
        args: start.args,
      });
    }),
  ).rejects.toThrow(/inside an open database transaction/);
  expect(await workflowExists(start.workflowId)).toBe(false);
});

it('a rolled-back transaction leaves neither its recorded start nor a workflow', async () => {
  const customerId = randomUUID();
  await expect(
    engine.db.orm.em.fork().transactional(async (tx) => {
      await recordWorkflowStart(tx, accountStart(customerId));
      throw new Error('the request failed after recording');
    }),
  ).rejects.toThrow('the request failed after recording');
  await startRecorded(engine.db.orm.em, engine.temporal, [workflowIds.customerAccount(customerId)]);
  expect((await pendingStarts(engine.db.orm.em)).map((p) => p.workflowId)).not.toContain(
    workflowIds.customerAccount(customerId),
  );
  expect(await workflowExists(workflowIds.customerAccount(customerId))).toBe(false);
});

it('the request and the relay both carrying out one start give one workflow run', async () => {
  const created = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ legalName: `Twice ${randomUUID()}` }),
  });
  expect(created.statusCode).toBe(201);
  const workflowId = workflowIds.customerAccount(created.json().id);
  // The relay retries a start whose bookkeeping was lost: the workflow already exists, so nothing new starts.
  await engine.db.orm.em
    .fork()
    .execute('UPDATE workflow_start SET started_at = NULL, next_attempt_at = now() WHERE workflow_id = ?', [
      workflowId,
    ]);
  const relayed = await relayPendingStarts(engine.db.orm.em, engine.temporal, { limit: 100 });
  expect(relayed.failed).toBe(0);
  const runs: string[] = [];
  for await (const execution of engine.temporal.workflow.list({ query: `WorkflowId = "${workflowId}"` }))
    runs.push(execution.runId);
  expect(runs).toHaveLength(1);
});

describe('with the workflow service unreachable from the API', () => {
  let cutOff: FastifyInstance;
  let deadClient: Client;
  beforeAll(async () => {
    // An API process whose Temporal connection goes nowhere (port 9 is discard; nothing listens there).
    const connection = Connection.lazy({ address: '127.0.0.1:9', connectTimeout: 500 });
    deadClient = new Client({ connection, namespace: 'default' });
    cutOff = await buildApp({ config: engine.config, orm: engine.db.orm, temporal: deadClient }, { logger: false });
    await cutOff.ready();
  });
  afterAll(async () => {
    await cutOff?.close();
  });

  it('a customer created then is stored, and its account workflow is started by the relay once the service answers', async () => {
    const headers = await bearerHeaders(engine.config.auth.jwtSecret!, 'ar_clerk');
    const created = await cutOff.inject({
      method: 'POST',
      url: '/customers',
      headers,
      payload: customerFixture({ legalName: `Outage ${randomUUID()}` }),
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    // The healthy API (and its relay) sees the customer, and within the relay's grace its account comes alive.
    const account = await eventually(
      async () => {
        const read = await engine.app.inject({ method: 'GET', url: `/customers/${id}?include=account` });
        return read.json().account ?? undefined;
      },
      30_000,
      500,
    ).catch(async (error) => {
      throw new Error(`${String(error)}; pending: ${JSON.stringify(await pendingStarts(engine.db.orm.em))}`);
    });
    expect(account).toMatchObject({ customerId: id, closedAt: null });
    expect(await workflowExists(workflowIds.customerAccount(id))).toBe(true);
  }, 45_000);
});
