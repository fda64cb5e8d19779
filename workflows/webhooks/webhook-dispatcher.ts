// The webhook dispatcher `webhook-<subscriptionId>`: one long-lived workflow per subscription. Each cycle it fans new
// outbox events out into deliveries, attempts the lane heads that are due (one per entity, so each entity's events
// arrive in order; up to `maxParallel` entities at once), then sleeps until the next retry falls due, the poll
// interval passes, or a signal wakes it. Deliveries, attempts and the outbox cursor live in PostgreSQL, so the
// workflow carries no state of its own across continue-as-new. Policy (backoff, window, timeouts) is input.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { WebhookActivities } from '../../activities/webhooks/webhooks.js';
import { durationMs } from '../../src/shared/duration.js';
import type { WebhookPolicy } from '../../src/webhooks/rules/webhook-policy.js';
import {
  stopWebhookDispatcherSignal,
  wakeWebhookDispatcherSignal,
  webhookDispatcherStatusQuery,
  type WebhookDispatcherStatus,
} from './messages.js';
import { RECORD_STEP } from '../shared/activity-options.js';

const { fanOutWebhookEvents, dueWebhookDeliveries } = proxyActivities<WebhookActivities>(RECORD_STEP);

export interface WebhookDispatcherInput {
  subscriptionId: string;
  policy: WebhookPolicy;
  status?: WebhookDispatcherStatus;
}

export async function webhookDispatcherWorkflow(input: WebhookDispatcherInput): Promise<WebhookDispatcherStatus> {
  const status: WebhookDispatcherStatus = input.status ?? {
    cycles: 0,
    fannedOut: 0,
    delivered: 0,
    deadLettered: 0,
    failedAttempts: 0,
    lastCycleAt: null,
    stopped: false,
  };
  let woken = false;
  setHandler(webhookDispatcherStatusQuery, () => status);
  setHandler(wakeWebhookDispatcherSignal, () => {
    woken = true;
  });
  setHandler(stopWebhookDispatcherSignal, () => {
    status.stopped = true;
  });

  // The HTTP call gets the policy's timeout plus room to record the attempt; infrastructure errors retry the call.
  const { attemptWebhookDelivery } = proxyActivities<WebhookActivities>({
    startToCloseTimeout: durationMs(input.policy.requestTimeout) + 30_000,
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });
  const pollMs = durationMs(input.policy.pollEvery);

  while (!status.stopped) {
    woken = false;
    const deliveredBefore = status.delivered;
    const fanned = await fanOutWebhookEvents({ subscriptionId: input.subscriptionId });
    if (!fanned.active) {
      status.stopped = true;
      break;
    }
    status.fannedOut += fanned.created;
    const lanes = await dueWebhookDeliveries({
      subscriptionId: input.subscriptionId,
      now: new Date().toISOString(),
      max: input.policy.maxParallel,
    });
    // The earliest retry this cycle knows of: lane heads not due yet, and the retries the attempts below schedule.
    let nextDueAt = lanes.nextDueAt ? Date.parse(lanes.nextDueAt) : Infinity;
    if (lanes.due.length) {
      const now = new Date().toISOString();
      const outcomes = await Promise.all(
        lanes.due.map((deliveryId) => attemptWebhookDelivery({ deliveryId, now, policy: input.policy })),
      );
      for (const o of outcomes) {
        if (o.status === 'delivered') status.delivered++;
        else if (o.status === 'dead') status.deadLettered++;
        if (o.attemptNo !== null && o.status !== 'delivered') status.failedAttempts++;
        if (o.nextAttemptAt) nextDueAt = Math.min(nextDueAt, Date.parse(o.nextAttemptAt));
      }
    }
    status.cycles++;
    status.lastCycleAt = new Date().toISOString();
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof webhookDispatcherWorkflow>({ ...input, status });
    }
    // More heads due right away (more lanes than maxParallel, or a lane whose head was just delivered): go again.
    if (lanes.due.length >= input.policy.maxParallel || status.delivered > deliveredBefore) continue;
    const untilNextDue = Number.isFinite(nextDueAt) ? Math.max(0, nextDueAt - Date.now()) : pollMs;
    await condition(() => woken || status.stopped, Math.max(1, Math.min(pollMs, untilNextDue)));
  }
  await condition(allHandlersFinished);
  return status;
}
