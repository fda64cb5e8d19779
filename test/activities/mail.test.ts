// The mail activity against real PostgreSQL and a real SMTP server: one key, one e-mail, however often it runs.
import { OutboundMessage } from '../../src/db/entities/outbound-message.js';
import { sendTemplatedEmail } from '../../activities/mail/mail.js';
import { messageIdFor } from '../../src/mail/message-id.js';
import { realActivityDeps, type RealActivityDeps } from '../support/activity-deps.js';
import { insertCustomer } from '../support/customers.js';

let real: RealActivityDeps;
beforeAll(async () => {
  real = await realActivityDeps();
});
afterAll(async () => {
  await real?.close();
});

it('sends once per idempotency key; retries after the send, even concurrent ones, send nothing', async () => {
  const customer = await insertCustomer(real.db.orm, { email: 'once@initech.example' });
  const email = {
    idempotencyKey: `customer-${customer.id}:account-opened-notice`,
    template: 'account-opened',
    to: customer.email,
    customerId: customer.id,
    data: { customerName: 'Initech', customerId: customer.id, currency: 'USD', email: customer.email },
  };
  const first = await sendTemplatedEmail(real.deps, email);
  const retries = await Promise.all([sendTemplatedEmail(real.deps, email), sendTemplatedEmail(real.deps, email)]);
  expect(first).toEqual({ messageId: messageIdFor(email.idempotencyKey), alreadySent: false });
  expect(retries.every((r) => r.alreadySent)).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const received = real.mail.messages.filter((m) => m.to.includes('once@initech.example'));
  expect(received).toHaveLength(1);
  expect(received[0]!.messageId).toBe(first.messageId);
  const row = await real.db.orm.em.fork().findOneOrFail(OutboundMessage, { idempotencyKey: email.idempotencyKey });
  expect(row.status).toBe('sent');
  expect(row.sentAt).toBeInstanceOf(Date);
});

it('refuses to render a template with missing data instead of sending a broken e-mail', async () => {
  await expect(
    sendTemplatedEmail(real.deps, {
      idempotencyKey: 'k-missing',
      template: 'account-opened',
      to: 'x@example.test',
      data: { customerName: 'X' },
    }),
  ).rejects.toThrow(/not defined/);
  expect(await real.db.orm.em.fork().count(OutboundMessage, { idempotencyKey: 'k-missing' })).toBe(0);
});
