// The monthly KPI snapshot, started by the `kpi-snapshot` Schedule (src/reports/schedules.ts) early on the first day
// of each month: it stores the figures of the month that just ended, once per currency. Started by hand with a
// period, it snapshots that period instead (a back-fill).
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ReportActivities } from '../../activities/reports/reports.js';
import { previousMonth } from '../../src/reports/rules/kpis.js';

const { snapshotKpis } = proxyActivities<ReportActivities>({
  // Large ledgers take seconds to aggregate; the retry makes an outage of the database a delay, not a lost month.
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes' },
});

export interface KpiSnapshotInput {
  period?: { from: string; to: string };
}

export async function kpiSnapshotWorkflow(
  input: KpiSnapshotInput = {},
): Promise<{ from: string; to: string; currencies: string[]; created: number }> {
  // Workflow time is the (scheduled) start, so a run caught up after an outage still snapshots the month it was for.
  const period = input.period ?? previousMonth(new Date(workflowInfo().startTime).toISOString().slice(0, 10));
  const result = await snapshotKpis({ ...period, workflowId: workflowInfo().workflowId });
  return { ...period, ...result };
}
