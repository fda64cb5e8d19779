// Portal users come from a customer's contacts: staff invite one, the contact gets a one-time link to set a
// password. A magic link is the same kind of one-time link, for signing in without a password. Links are random,
// stored as hashes, expire (AUTH_INVITATION_TTL, AUTH_MAGIC_LINK_TTL) and work once.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { addDuration } from '../../shared/duration.js';
import { hashSecret, newSecret } from '../../auth/secrets.js';
import { createUser, findUser, findUserByEmail, normalizeUserEmail, type UserRecord } from '../../auth/store/users.js';

export type LinkPurpose = 'invitation' | 'magic_link';

export class InvitationRefusal extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    readonly pointer: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'InvitationRefusal';
  }
}

async function issueLink(
  em: EntityManager,
  userId: string,
  purpose: LinkPurpose,
  ttl: string,
  by: string,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newSecret();
  const expiresAt = addDuration(new Date(), ttl);
  await em.execute(
    `INSERT INTO one_time_link (id, user_id, purpose, token_hash, expires_at, created_by) VALUES (?, ?, ?, ?, ?, ?)`,
    [randomUUID(), userId, purpose, hashSecret(token), expiresAt, by],
  );
  return { token, expiresAt };
}

/** Invites a contact of the customer (by e-mail) as a portal user; re-inviting an invited user issues a new link. */
export async function inviteContact(
  em: EntityManager,
  input: { customerId: string; email: string; by: string; ttl: string },
): Promise<{ user: UserRecord; token: string; expiresAt: Date; name: string; customerName: string }> {
  const email = normalizeUserEmail(input.email);
  const [customer] = await em.execute<
    { id: string; name: string; email: string; contacts: { name: string; email?: string }[] | string }[]
  >('SELECT id, coalesce(display_name, legal_name) AS name, email, contacts FROM customer WHERE id = ?', [
    input.customerId,
  ]);
  if (!customer) throw new InvitationRefusal(404, '/customerId', `Customer ${input.customerId} does not exist.`);
  const contacts = typeof customer.contacts === 'string' ? JSON.parse(customer.contacts) : customer.contacts;
  const contact = contacts.find((c: { email?: string }) => c.email && normalizeUserEmail(c.email) === email);
  if (!contact && normalizeUserEmail(customer.email) !== email) {
    throw new InvitationRefusal(
      422,
      '/email',
      'is not the billing e-mail or a contact of this customer (add the contact first)',
    );
  }
  let user = await findUserByEmail(em, email);
  if (user && (user.role !== 'customer' || user.customerId !== input.customerId))
    throw new InvitationRefusal(409, '/email', 'already belongs to another user');
  if (user && user.status !== 'invited')
    throw new InvitationRefusal(409, '/email', `the portal user is already ${user.status}`);
  user ??= await createUser(em, {
    email,
    role: 'customer',
    customerId: input.customerId,
    displayName: contact?.name ?? null,
    status: 'invited',
    by: input.by,
  });
  const link = await issueLink(em, user.id, 'invitation', input.ttl, input.by);
  return { user, ...link, name: contact?.name ?? customer.name, customerName: customer.name };
}

/** A magic sign-in link for an active portal user, or undefined (the caller answers the same either way). */
export async function magicLinkFor(
  em: EntityManager,
  email: string,
  ttl: string,
): Promise<{ user: UserRecord; token: string; expiresAt: Date } | undefined> {
  const user = await findUserByEmail(em, email);
  if (!user || user.role !== 'customer' || user.status !== 'active') return undefined;
  return { user, ...(await issueLink(em, user.id, 'magic_link', ttl, 'portal')) };
}

/** Uses a link once; the user it was for, or undefined (unknown, used, expired, or the user is disabled). */
export async function consumeLink(
  em: EntityManager,
  token: string,
  purpose: LinkPurpose,
): Promise<UserRecord | undefined> {
  const [row] = await em.execute<{ user_id: string }[]>(
    `UPDATE one_time_link SET used_at = now() WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
    [hashSecret(token), purpose],
  );
  if (!row) return undefined;
  const user = await findUser(em, row.user_id);
  return user && user.status !== 'disabled' ? user : undefined;
}

/** Whether a link is still usable (for showing the set-password form before it is submitted). */
export async function linkIsUsable(em: EntityManager, token: string, purpose: LinkPurpose): Promise<boolean> {
  const rows = await em.execute<unknown[]>(
    `SELECT 1 FROM one_time_link WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > now()`,
    [hashSecret(token), purpose],
  );
  return rows.length > 0;
}
