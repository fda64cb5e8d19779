// Messages of the webhook dispatcher `webhook-<subscriptionId>`.
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** Look at the outbox and the lanes now (a dead delivery was put back for a manual retry, new events...). */
export const wakeWebhookDispatcherSignal = defineSignal<[{ reason: string }]>('wakeWebhookDispatcher');
/** The subscription was deleted: finish the attempts in flight and end. */
export const stopWebhookDispatcherSignal = defineSignal<[{ by: string }]>('stopWebhookDispatcher');

export interface WebhookDispatcherStatus {
  cycles: number;
  fannedOut: number;
  delivered: number;
  deadLettered: number;
  failedAttempts: number;
  lastCycleAt: string | null;
  stopped: boolean;
}
export const webhookDispatcherStatusQuery = defineQuery<WebhookDispatcherStatus>('webhookDispatcherStatus');
