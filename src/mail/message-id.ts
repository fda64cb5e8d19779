// The Message-ID of a mail sent at most once per idempotency key: a re-send after a crash carries the same id, which
// receiving systems use to drop the duplicate. Activities and the portal both send such mail.
import { createHash } from 'node:crypto';

export function messageIdFor(idempotencyKey: string): string {
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@ar-engine>`;
}
