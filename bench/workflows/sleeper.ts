// Floors for the memory and scale benchmarks, bundled only by their own workers (not part of the engine's workflows):
// a workflow that sleeps on one timer, and one that sleeps until an instant and then runs one activity.
import { proxyActivities, sleep } from '@temporalio/workflow';

export async function benchSleeperWorkflow(ms: number): Promise<void> {
  await sleep(ms);
}

const { benchTimerFired } = proxyActivities<{ benchTimerFired(id: string): Promise<void> }>({
  startToCloseTimeout: '1 minute',
});

export async function benchTimerWorkflow(id: string, fireAtMs: number): Promise<void> {
  const wait = fireAtMs - Date.now();
  if (wait > 0) await sleep(wait);
  await benchTimerFired(id);
}
