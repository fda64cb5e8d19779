// Staff and portal users. A portal user (role `customer`) belongs to exactly one customer (a CHECK in the table).
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Identity } from '../identity.js';
import { hashPassword, verifyPassword } from '../passwords.js';
import type { Role } from '../roles.js';

export type UserStatus = 'invited' | 'active' | 'disabled';

export interface UserRecord {
  id: string;
  email: string;
  displayName: string | null;
  role: Role;
  customerId: string | null;
  status: UserStatus;
  preferences: Record<string, unknown>;
  createdBy: string;
  createdAt: Date;
  lastSignInAt: Date | null;
}

interface UserRow {
  id: string;
  email: string;
  display_name: string | null;
  role: Role;
  customer_id: string | null;
  password_hash: string | null;
  status: UserStatus;
  preferences: Record<string, unknown>;
  created_by: string;
  created_at: Date;
  last_sign_in_at: Date | null;
}

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  email: r.email,
  displayName: r.display_name,
  role: r.role,
  customerId: r.customer_id,
  status: r.status,
  preferences: r.preferences ?? {},
  createdBy: r.created_by,
  createdAt: new Date(r.created_at),
  lastSignInAt: r.last_sign_in_at ? new Date(r.last_sign_in_at) : null,
});

export const normalizeUserEmail = (email: string): string => email.trim().toLowerCase();

export function identityOfUser(user: UserRecord): Identity {
  return {
    kind: 'user',
    subject: user.id,
    actor: user.email,
    roles: [user.role],
    ...(user.customerId ? { customerId: user.customerId } : {}),
  };
}

export class EmailTakenError extends Error {
  constructor(readonly email: string) {
    super(`a user with e-mail ${email} exists`);
    this.name = 'EmailTakenError';
  }
}

export interface NewUser {
  email: string;
  role: Role;
  customerId?: string | null;
  displayName?: string | null;
  password?: string;
  status?: UserStatus;
  by: string;
}

export async function createUser(em: EntityManager, input: NewUser): Promise<UserRecord> {
  const email = normalizeUserEmail(input.email);
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  const rows = await em.execute<UserRow[]>(
    `INSERT INTO app_user (id, email, display_name, role, customer_id, password_hash, status, created_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING RETURNING *`,
    [
      randomUUID(),
      email,
      input.displayName ?? null,
      input.role,
      input.customerId ?? null,
      passwordHash,
      input.status ?? (passwordHash ? 'active' : 'invited'),
      input.by,
    ],
  );
  if (!rows[0]) throw new EmailTakenError(email);
  return toUser(rows[0]);
}

export async function findUser(em: EntityManager, id: string): Promise<UserRecord | undefined> {
  const [row] = await em.execute<UserRow[]>('SELECT * FROM app_user WHERE id = ?', [id]);
  return row ? toUser(row) : undefined;
}

export async function findUserByEmail(em: EntityManager, email: string): Promise<UserRecord | undefined> {
  const [row] = await em.execute<UserRow[]>('SELECT * FROM app_user WHERE email = ?', [normalizeUserEmail(email)]);
  return row ? toUser(row) : undefined;
}

export async function listUsers(
  em: EntityManager,
  filter: { customerId?: string; role?: Role } = {},
): Promise<UserRecord[]> {
  const rows = await em.execute<UserRow[]>(
    `SELECT * FROM app_user WHERE (?::uuid IS NULL OR customer_id = ?::uuid) AND (?::text IS NULL OR role = ?::text) ORDER BY created_at, id LIMIT 500`,
    [filter.customerId ?? null, filter.customerId ?? null, filter.role ?? null, filter.role ?? null],
  );
  return rows.map(toUser);
}

/** The active user with this e-mail and password, or undefined (unknown e-mail, wrong password, not active). */
export async function authenticateUser(
  em: EntityManager,
  email: string,
  password: string,
): Promise<UserRecord | undefined> {
  const [row] = await em.execute<UserRow[]>('SELECT * FROM app_user WHERE email = ?', [normalizeUserEmail(email)]);
  const ok = await verifyPassword(row?.password_hash, password);
  if (!row || !ok || row.status !== 'active') return undefined;
  await em.execute('UPDATE app_user SET last_sign_in_at = now() WHERE id = ?', [row.id]);
  return toUser(row);
}

export async function setPassword(em: EntityManager, userId: string, password: string): Promise<void> {
  await em.execute(
    `UPDATE app_user SET password_hash = ?, status = 'active', updated_at = now() WHERE id = ? AND status <> 'disabled'`,
    [await hashPassword(password), userId],
  );
}

export async function setUserStatus(
  em: EntityManager,
  userId: string,
  status: UserStatus,
): Promise<UserRecord | undefined> {
  const [row] = await em.execute<UserRow[]>(
    'UPDATE app_user SET status = ?, updated_at = now() WHERE id = ? RETURNING *',
    [status, userId],
  );
  return row ? toUser(row) : undefined;
}

export async function updatePreferences(
  em: EntityManager,
  userId: string,
  preferences: Record<string, unknown>,
): Promise<UserRecord | undefined> {
  const [row] = await em.execute<UserRow[]>(
    `UPDATE app_user SET preferences = preferences || ?::jsonb, updated_at = now() WHERE id = ? RETURNING *`,
    [JSON.stringify(preferences), userId],
  );
  return row ? toUser(row) : undefined;
}
