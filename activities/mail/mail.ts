// Sends a templated e-mail at most once per idempotency key (workflow id + step).
// The key is claimed in outbound_message before the SMTP hand-off and marked sent after it; a retry after a crash
// between the two re-sends with the same Message-ID, which receiving systems use to drop the duplicate.
// The customer's contact channel decides the form: for `portal` a document's e-mail is a notice linking to it
// (src/mail/channel.ts), so statement runs, dunning and invoice delivery all honour it in this one place.
import { isContactChannel, portalNoticeFor, type ContactChannel } from '../../src/mail/channel.js';
import type { OutgoingMail } from '../../src/mail/mailer.js';
import { messageIdFor } from '../../src/mail/message-id.js';
import type { ActivityDeps } from '../deps.js';
import { renderMail } from '../../src/templates/render.js';

export interface TemplatedEmail {
  idempotencyKey: string;
  template: string;
  to: string;
  customerId?: string;
  data: Record<string, unknown>;
  /** Documents sent with the message (the invoice itself on delivery). */
  attachments?: OutgoingMail['attachments'];
}

export interface EmailResult {
  messageId: string;
  alreadySent: boolean;
}

/** The customer's contact channel from its record (the one the portal preferences write); e-mail when unknown. */
async function channelOf(
  connection: ReturnType<ActivityDeps['orm']['em']['getConnection']>,
  customerId: string | undefined,
): Promise<ContactChannel> {
  if (!customerId) return 'email';
  const [row] = await connection.execute<{ channel: string | null }[]>(
    `SELECT communication->>'channel' AS channel FROM customer WHERE id = ?`,
    [customerId],
  );
  return isContactChannel(row?.channel) ? row.channel : 'email';
}

export async function sendTemplatedEmail(deps: ActivityDeps, email: TemplatedEmail): Promise<EmailResult> {
  const data = { companyName: deps.mail.companyName, publicUrl: deps.mail.publicUrl, ...email.data };
  const connection = deps.orm.em.getConnection();
  const written = renderMail(email.template, data);
  // A `portal` customer's documents stay in the portal: the e-mail becomes a notice with the link, nothing attached.
  const notice = portalNoticeFor(email.template, await channelOf(connection, email.customerId), data);
  const rendered = notice ? renderMail('portal-notice', { ...data, ...notice, subject: written.subject }) : written;
  const attachments = notice ? undefined : email.attachments;
  const messageId = messageIdFor(email.idempotencyKey);
  await connection.execute(
    `INSERT INTO outbound_message (idempotency_key, template, recipient, subject, message_id, status, customer_id)
     VALUES (?, ?, ?, ?, ?, 'sending', ?) ON CONFLICT (idempotency_key) DO NOTHING`,
    [
      email.idempotencyKey,
      notice ? 'portal-notice' : email.template,
      email.to,
      rendered.subject,
      messageId,
      email.customerId ?? null,
    ],
  );
  const [row] = await connection.execute<{ status: string }[]>(
    'SELECT status FROM outbound_message WHERE idempotency_key = ?',
    [email.idempotencyKey],
  );
  if (row?.status === 'sent') return { messageId, alreadySent: true };

  await deps.mailer.send({ messageId, from: deps.mail.from, to: email.to, ...rendered, attachments });
  await connection.execute(`UPDATE outbound_message SET status = 'sent', sent_at = now() WHERE idempotency_key = ?`, [
    email.idempotencyKey,
  ]);
  return { messageId, alreadySent: false };
}
