// Side effects of the report schedules: the monthly KPI snapshot and the pages of the statement run.
import { dueStatements, type DueStatementsPage } from '../../src/documents/store/statement-run.js';
import { takeKpiSnapshot } from '../../src/reports/store/snapshots.js';
import type { ActivityDeps } from '../deps.js';

export function createReportActivities(deps: ActivityDeps) {
  return {
    /** Stores the period's KPIs once per currency; a retry (or a second run for the period) writes nothing. */
    async snapshotKpis(input: {
      from: string;
      to: string;
      workflowId: string;
    }): Promise<{ currencies: string[]; created: number }> {
      return takeKpiSnapshot(deps.orm.em.fork(), {
        from: input.from,
        to: input.to,
        takenBy: `system:${input.workflowId}`,
      });
    },

    /** One page of customers due a statement as of a day (read-only). */
    async findDueStatements(input: {
      asOf: string;
      afterCustomerId: string | null;
      pageSize: number;
    }): Promise<DueStatementsPage> {
      return dueStatements(deps.orm.em.fork(), input);
    },
  };
}

export type ReportActivities = ReturnType<typeof createReportActivities>;
