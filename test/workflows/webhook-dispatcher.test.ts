// The webhook dispatcher on the time-skipping server with the production schedule (first retry after a minute,
// doubling to 12 hours, three days in all): a receiver that is down for a day gets its event when it recovers, and a
// receiver that never recovers has its delivery dead-lettered after three days, in seconds of wall time.
import { randomUUID } from 'node:crypto';
import { DEFAULT_WEBHOOK_POLICY, attemptSchedule } from '../../src/webhooks/rules/webhook-policy.js';
import { recordEvent } from '../../src/events/store/outbox.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { insertSubscription } from '../../src/webhooks/store/subscriptions.js';
import type { webhookDispatcherWorkflow } from '../../workflows/webhooks/webhook-dispatcher.js';
import { stopWebhookDispatcherSignal, webhookDispatcherStatusQuery } from '../../workflows/webhooks/messages.js';
import { eventually } from '../support/engine.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { useWorkflowTestKit } from '../support/workflow-kit.js';

const kit = useWorkflowTestKit('webhooks');
// The production retry schedule; the outbox is polled every 6 hours here so that skipping days stays cheap (retries
// wake the dispatcher on their own schedule, whatever the poll interval).
const POLICY = { ...DEFAULT_WEBHOOK_POLICY, pollEvery: 'PT6H' };
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

async function deliveryOf(eventEntity: string) {
  const [row] = await kit.real.db.orm.em
    .fork()
    .execute<
      { status: string; attempts: number }[]
    >(`SELECT status, attempts FROM webhook_delivery WHERE entity_key = ?`, [`customer:${eventEntity}`]);
  return row;
}

it('retries with exponential backoff while the receiver is down and delivers each event once after it recovers', async () => {
  receiver.secret = 'whsec_test_secret_for_the_dispatcher';
  const subscription = await kit.real.db.orm.em.fork().transactional((tx) =>
    insertSubscription(tx, {
      url: receiver.url,
      eventTypes: ['customer.*'],
      secret: receiver.secret,
      description: null,
      createdBy: 'test',
    }),
  );
  const first = randomUUID();
  const second = randomUUID();
  await kit.real.db.orm.em.fork().transactional(async (tx) => {
    await recordEvent(tx, { type: 'customer.created', entityType: 'customer', entityId: first, data: { n: 1 } });
    await recordEvent(tx, { type: 'customer.created', entityType: 'customer', entityId: second, data: { n: 2 } });
  });
  receiver.failFirst = Infinity; // down

  await kit.withWorker(async (taskQueue) => {
    const handle = await kit.env.client.workflow.start<typeof webhookDispatcherWorkflow>('webhookDispatcherWorkflow', {
      workflowId: workflowIds.webhookDispatcher(subscription.id),
      taskQueue,
      args: [{ subscriptionId: subscription.id, policy: POLICY }],
    });
    await eventually(async () => ((await deliveryOf(first))?.attempts === 1 ? true : undefined));
    const wallStart = performance.now();
    await kit.env.sleep('1 day');
    // Attempts so far follow the schedule: 1, 2, 4 ... minutes after the first (those within the first day).
    const withinADay = attemptSchedule(DEFAULT_WEBHOOK_POLICY, new Date(0)).filter(
      (t) => t.getTime() <= 86_400_000,
    ).length;
    expect((await deliveryOf(first))!.attempts).toBe(withinADay);
    expect((await deliveryOf(first))!.status).toBe('pending');
    receiver.failFirst = 0; // back
    await kit.env.sleep('13 hours');
    await eventually(async () =>
      (await deliveryOf(first))?.status === 'delivered' && (await deliveryOf(second))?.status === 'delivered'
        ? true
        : undefined,
    );
    expect(receiver.accepted.map((x) => x.entityId).sort()).toEqual([first, second].sort());
    expect(receiver.requests.every((x) => x.signatureValid)).toBe(true);
    const status = await handle.query(webhookDispatcherStatusQuery);
    expect(status).toMatchObject({ delivered: 2, deadLettered: 0 });
    console.log(`a day and 13 hours of retries passed in ${Math.round(performance.now() - wallStart)} ms of wall time`);
    await handle.signal(stopWebhookDispatcherSignal, { by: 'test' });
    expect((await handle.result()).stopped).toBe(true);
    await kit.recordHistory(handle, 'webhook-dispatcher.json');
  });
});

it('dead-letters a delivery whose receiver never answers 2xx, after three days', async () => {
  const failing = await startWebhookReceiver({ failFirst: Infinity });
  failing.secret = 'whsec_failing_receiver_secret_value';
  try {
    const subscription = await kit.real.db.orm.em.fork().transactional((tx) =>
      insertSubscription(tx, {
        url: failing.url,
        eventTypes: ['customer.created'],
        secret: failing.secret,
        description: null,
        createdBy: 'test',
      }),
    );
    const entity = randomUUID();
    await kit.real.db.orm.em
      .fork()
      .transactional((tx) => recordEvent(tx, { type: 'customer.created', entityType: 'customer', entityId: entity }));
    await kit.withWorker(async (taskQueue) => {
      const handle = await kit.env.client.workflow.start<typeof webhookDispatcherWorkflow>(
        'webhookDispatcherWorkflow',
        {
          workflowId: workflowIds.webhookDispatcher(subscription.id),
          taskQueue,
          args: [{ subscriptionId: subscription.id, policy: POLICY }],
        },
      );
      await eventually(async () => ((await deliveryOf(entity))?.attempts === 1 ? true : undefined));
      for (let day = 0; day < 4; day++) await kit.env.sleep('1 day');
      const dead = await eventually(async () =>
        (await deliveryOf(entity))?.status === 'dead' ? deliveryOf(entity) : undefined,
      );
      expect(dead!.attempts).toBe(attemptSchedule(DEFAULT_WEBHOOK_POLICY, new Date(0)).length);
      expect(failing.requests.filter((x) => x.entityId === entity)).toHaveLength(dead!.attempts);
      expect((await handle.query(webhookDispatcherStatusQuery)).deadLettered).toBe(1);
      await handle.signal(stopWebhookDispatcherSignal, { by: 'test' });
      await handle.result();
    });
  } finally {
    await failing.close();
  }
});
