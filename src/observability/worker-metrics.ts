// Metrics the worker's activities update. Module-level (activities are plain functions), in a registry of their own
// that the worker's `/metrics` serves next to the Temporal SDK's runtime metrics.
import { Counter, Histogram, Registry } from 'prom-client';

export const workerRegistry = new Registry();

export const workerMetrics = {
  activityExecutions: new Counter({
    name: 'ar_activity_executions_total',
    help: 'Activity executions finished by this worker, by activity type and outcome (completed, failed).',
    labelNames: ['activity', 'outcome'] as const,
    registers: [workerRegistry],
  }),
  activityScheduleToStart: new Histogram({
    name: 'ar_activity_schedule_to_start_seconds',
    help: 'Time an activity attempt waited in the task queue before this worker started it.',
    labelNames: ['activity'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [workerRegistry],
  }),
  activityDuration: new Histogram({
    name: 'ar_activity_duration_seconds',
    help: 'Activity attempt run time on this worker.',
    labelNames: ['activity'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [workerRegistry],
  }),
  webhookAttempts: new Counter({
    name: 'ar_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome (delivered, retry, dead).',
    labelNames: ['outcome'] as const,
    registers: [workerRegistry],
  }),
  webhookDeadLettered: new Counter({
    name: 'ar_webhook_dead_lettered_total',
    help: 'Webhook deliveries that used up their retry window (dead-lettered).',
    registers: [workerRegistry],
  }),
};
