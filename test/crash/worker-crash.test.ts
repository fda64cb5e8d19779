// A worker killed with SIGKILL while a workflow waits on a timer: a new worker picks the workflow up, the timer's
// work runs, and nothing that already happened happens twice.
import { workflowIds } from '../../src/temporal/ids.js';
import { accountStateQuery } from '../../workflows/customers/messages.js';
import { customerFixture, eventually } from '../support/engine.js';
import { useEngineWithWorkerProcesses } from '../support/processes.js';

const { engine, startWorker } = useEngineWithWorkerProcesses({ ACCOUNT_REFRESH_EVERY: 'PT6S' });

it('completes a timer that was pending when the worker was SIGKILLed', async () => {
  const first = await startWorker();
  const created = await engine().app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ email: 'crash@acme.example' }),
  });
  expect(created.statusCode).toBe(201);
  const customerId = created.json().id as string;
  await engine().mail.waitFor((m) => m.to.includes('crash@acme.example'));
  const handle = engine().temporal.workflow.getHandle(workflowIds.customerAccount(customerId));
  const before = await handle.query(accountStateQuery);
  expect(before.refreshCount).toBe(0);

  expect(await first.kill('SIGKILL')).toBeNull(); // killed by a signal, not a clean exit
  // Let the 6-second refresh timer come due while no worker is alive.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(before.nextRefreshAt) - Date.now()) + 500));

  await startWorker();
  const after = await eventually(
    async () => {
      const state = await handle.query(accountStateQuery);
      return state.refreshCount >= 1 ? state : undefined;
    },
    45_000,
    250,
  );
  expect(Date.parse(after.lastRefreshedAt!)).toBeGreaterThanOrEqual(Date.parse(before.nextRefreshAt));
  expect(after.status).toBe('active');
  expect((await handle.describe()).status.name).toBe('RUNNING');
  expect(engine().mail.messages.filter((m) => m.to.includes('crash@acme.example'))).toHaveLength(1);
});
