// Worker interceptor counting activity executions and failures and timing their schedule-to-start wait (the time a
// task sat in the queue: the signal to add workers) and run time, per activity type.
import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { workerMetrics } from './worker-metrics.js';

export class ActivityMetricsInterceptor implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: Context) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const info = this.ctx.info;
    const activity = info.activityType;
    const waited = (Date.now() - info.currentAttemptScheduledTimestampMs) / 1000;
    if (waited >= 0) workerMetrics.activityScheduleToStart.observe({ activity }, waited);
    // Both outcomes exist from the first execution on, so failure rates read 0 rather than "no data".
    workerMetrics.activityExecutions.inc({ activity, outcome: 'failed' }, 0);
    const end = workerMetrics.activityDuration.startTimer({ activity });
    try {
      const result = await next(input);
      workerMetrics.activityExecutions.inc({ activity, outcome: 'completed' });
      return result;
    } catch (error) {
      workerMetrics.activityExecutions.inc({ activity, outcome: 'failed' });
      throw error;
    } finally {
      end();
    }
  }
}
