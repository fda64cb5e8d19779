// The Temporal Schedules of reporting, created at worker start (idempotently: an existing schedule is updated to the
// current definition, so a new task queue or time reaches it on the next deploy).
// - `kpi-snapshot`: 02:00 UTC on the 1st of each month, snapshots the month just ended.
// - `statement-run`: 06:00 UTC every day, sends the statements that are due (the run itself decides who is due, from
//   each customer's statement frequency; see workflows/documents/statement-run.ts).
// A Schedule rather than a timer in every account workflow: one run decides for all customers with a few set-based
// queries, changing the rule needs no patch of the hot entity workflow, and the catch-up window plus the per-period
// idempotency key make an outage a delay, not a missed statement.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';

/** Schedule ids carry the task queue, so engines sharing one namespace (tests, tenants) keep their own schedules. */
export function reportScheduleIds(taskQueue: string) {
  return { kpiSnapshot: `${taskQueue}:kpi-snapshot`, statementRun: `${taskQueue}:statement-run` };
}

function definitions(taskQueue: string): ScheduleOptions[] {
  const ids = reportScheduleIds(taskQueue);
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '7 days' };
  return [
    {
      scheduleId: ids.kpiSnapshot,
      spec: { calendars: [{ dayOfMonth: 1, hour: 2, minute: 0 }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'kpiSnapshotWorkflow',
        workflowId: `${ids.kpiSnapshot}-run`,
        taskQueue,
        args: [{}],
      },
      policies,
    },
    {
      scheduleId: ids.statementRun,
      spec: {
        calendars: [
          { hour: 6, minute: 0, dayOfMonth: { start: 1, end: 31 }, month: { start: 'JANUARY', end: 'DECEMBER' } },
        ],
      },
      action: {
        type: 'startWorkflow',
        workflowType: 'statementRunWorkflow',
        workflowId: `${ids.statementRun}-run`,
        taskQueue,
        args: [{}],
      },
      policies,
    },
  ];
}

/** Creates the schedules, or brings existing ones to the current definition. Returns their ids. */
export async function ensureReportSchedules(client: Client, taskQueue: string): Promise<string[]> {
  const ids: string[] = [];
  for (const options of definitions(taskQueue)) {
    try {
      await client.schedule.create(options);
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning) && (error as Error)?.name !== 'ScheduleAlreadyRunning')
        throw error;
      await client.schedule.getHandle(options.scheduleId).update((previous) => ({
        ...previous,
        spec: options.spec,
        action: options.action as typeof previous.action,
        policies: { ...previous.policies, ...options.policies, catchupWindow: 7 * 86_400_000 },
      }));
    }
    ids.push(options.scheduleId);
  }
  return ids;
}

/** Deletes the schedules of a task queue (tests, decommissioning); missing ones are ignored. */
export async function deleteReportSchedules(client: Client, taskQueue: string): Promise<void> {
  for (const scheduleId of Object.values(reportScheduleIds(taskQueue))) {
    await client.schedule
      .getHandle(scheduleId)
      .delete()
      .catch(() => undefined);
  }
}
