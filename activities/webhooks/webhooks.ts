// Side effects of the webhook dispatcher: fan new outbox events out into deliveries, find the lane heads that are due,
// and make one HTTP attempt per delivery. Each is safe to retry: fan-out moves the cursor in the transaction that
// creates the deliveries, and an attempt is recorded only if the delivery's attempt count is still the one it read.
import type { WebhookPolicy } from '../../src/webhooks/rules/webhook-policy.js';
import {
  attemptDelivery,
  dueDeliveries,
  fanOut,
  type AttemptOutcome,
  type DueDeliveries,
} from '../../src/webhooks/store/dispatch.js';
import { workerMetrics } from '../../src/observability/worker-metrics.js';
import type { ActivityDeps } from '../deps.js';

/** Events fanned out per activity call (the activity loops until the stream is drained or this many times over). */
const FAN_OUT_BATCH = 500;
const FAN_OUT_ROUNDS = 20;

export function createWebhookActivities(deps: ActivityDeps) {
  return {
    async fanOutWebhookEvents(input: { subscriptionId: string }): Promise<{ active: boolean; created: number }> {
      let created = 0;
      for (let round = 0; round < FAN_OUT_ROUNDS; round++) {
        const result = await fanOut(deps.orm.em.fork(), input.subscriptionId, FAN_OUT_BATCH);
        if (!result.active) return { active: false, created };
        created += result.created;
        if (result.read < FAN_OUT_BATCH) break;
      }
      return { active: true, created };
    },

    async dueWebhookDeliveries(input: { subscriptionId: string; now: string; max: number }): Promise<DueDeliveries> {
      return dueDeliveries(deps.orm.em.fork(), input.subscriptionId, new Date(input.now), input.max);
    },

    async attemptWebhookDelivery(input: {
      deliveryId: string;
      now: string;
      policy: WebhookPolicy;
    }): Promise<AttemptOutcome> {
      const outcome = await attemptDelivery(deps.orm.em.fork(), {
        deliveryId: input.deliveryId,
        now: new Date(input.now),
        policy: input.policy,
      });
      if (outcome.attemptNo !== null) {
        workerMetrics.webhookAttempts.inc({ outcome: outcome.status === 'pending' ? 'retry' : outcome.status });
        if (outcome.status === 'dead') workerMetrics.webhookDeadLettered.inc();
      }
      return outcome;
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
