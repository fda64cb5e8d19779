// E-mails the API sends itself (portal invitations, magic links, gateway receipts): rendered from the shared mail
// templates, claimed in outbound_message under an idempotency key before the SMTP hand-off, so a retried request or
// a redelivered webhook sends one message.
import type { EntityManager } from '@mikro-orm/postgresql';
import { messageIdFor } from '../../mail/message-id.js';
import { renderMail } from '../../templates/render.js';
import type { Config } from '../../config/config.js';
import type { Mailer } from '../../mail/mailer.js';

export interface PortalMail {
  idempotencyKey: string;
  template: string;
  to: string;
  customerId?: string;
  data: Record<string, unknown>;
}

export async function sendPortalMail(
  em: EntityManager,
  mailer: Mailer,
  config: Config,
  mail: PortalMail,
): Promise<boolean> {
  const rendered = renderMail(mail.template, {
    companyName: config.mail.companyName,
    publicUrl: config.http.publicUrl,
    ...mail.data,
  });
  const messageId = messageIdFor(mail.idempotencyKey);
  await em.execute(
    `INSERT INTO outbound_message (idempotency_key, template, recipient, subject, message_id, status, customer_id)
     VALUES (?, ?, ?, ?, ?, 'sending', ?) ON CONFLICT (idempotency_key) DO NOTHING`,
    [mail.idempotencyKey, mail.template, mail.to, rendered.subject, messageId, mail.customerId ?? null],
  );
  const [row] = await em.execute<{ status: string }[]>(
    'SELECT status FROM outbound_message WHERE idempotency_key = ?',
    [mail.idempotencyKey],
  );
  if (row?.status === 'sent') return false;
  await mailer.send({ messageId, from: config.mail.from, to: mail.to, ...rendered });
  await em.execute(`UPDATE outbound_message SET status = 'sent', sent_at = now() WHERE idempotency_key = ?`, [
    mail.idempotencyKey,
  ]);
  return true;
}
