// The statement run, started daily by the `statement-run` Schedule (src/reports/schedules.ts): walks the customers a
// page at a time, and sends every customer the statement of the last completed period of its statement frequency
// that was not sent yet (monthly by default). Sending is keyed by customer and period, so runs on later days, a
// second run on the same day or a retried activity send nothing twice, and a day missed during an outage is caught up
// by the next run. Long runs continue as new with their cursor.
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DocumentActivities } from '../../activities/documents/documents.js';
import type { ReportActivities } from '../../activities/reports/reports.js';

const { findDueStatements } = proxyActivities<ReportActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});
const { sendStatement } = proxyActivities<DocumentActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes', nonRetryableErrorTypes: ['CustomerNotFound'] },
});

export interface StatementRunInput {
  /** The day the run is for (YYYY-MM-DD); default: the day the workflow started (the scheduled day). */
  asOf?: string;
  /** Customers per page; statements of one page are sent concurrently. */
  pageSize?: number;
  /** Carried over continue-as-new: where the walk stopped, and what was sent so far. */
  afterCustomerId?: string | null;
  sent?: number;
}

export async function statementRunWorkflow(input: StatementRunInput = {}): Promise<{ asOf: string; sent: number }> {
  const asOf = input.asOf ?? new Date(workflowInfo().startTime).toISOString().slice(0, 10);
  const pageSize = input.pageSize ?? 50;
  let after = input.afterCustomerId ?? null;
  let sent = input.sent ?? 0;
  for (;;) {
    const page = await findDueStatements({ asOf, afterCustomerId: after, pageSize });
    await Promise.all(
      page.due.map((d) => sendStatement({ customerId: d.customerId, from: d.period.from, to: d.period.to })),
    );
    sent += page.due.length;
    if (page.next === null) return { asOf, sent };
    after = page.next;
    if (workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof statementRunWorkflow>({ asOf, pageSize, afterCustomerId: after, sent });
    }
  }
}
