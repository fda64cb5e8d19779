// The customer record in PostgreSQL: row <-> profile mapping, match keys, insert and versioned update.
// Plain SQL (not the ORM's unit of work) so an update is one statement guarded by the expected version.
import type { EntityManager } from '@mikro-orm/postgresql';
import { normalizeEmail, type CustomerStatus } from '../rules/customer.js';
import { addressKey, nameCore, nameKey, phoneKey, postcodeKey } from '../../payments/rules/matching.js';
import type { Money } from '../../shared/money.js';
import { openTaxId, sealTaxId, taxKeyHash } from './sealed-tax-id.js';
import { pgArray } from '../../db/pg-array.js';

import type { PostalAddress } from '../../db/entities/customer.js';

export type { PostalAddress };

export interface Contact {
  name: string;
  email?: string;
  phone?: string;
  role: 'billing' | 'accounts_payable' | 'purchasing' | 'management' | 'other';
  preferredChannel?: 'email' | 'phone' | 'portal' | 'post';
}

export interface Communication {
  language: string;
  channel: 'email' | 'portal' | 'post';
  statementFrequency: 'none' | 'weekly' | 'monthly' | 'quarterly';
}

export const DEFAULT_COMMUNICATION: Communication = { language: 'en', channel: 'email', statementFrequency: 'monthly' };

/** The fields a clerk edits. */
export interface EditableProfile {
  legalName: string;
  displayName: string | null;
  taxId: { country: string; value: string } | null;
  email: string;
  currency: string;
  billingAddress: PostalAddress;
  contacts: Contact[];
  communication: Communication;
  termsCode: string;
  creditLimit: Money | null;
  riskSegment: 'low' | 'medium' | 'high' | null;
  externalRef: string | null;
  tags: string[];
}

export interface CustomerProfile extends EditableProfile {
  id: string;
  status: CustomerStatus;
  hold: { reason: string; by: string; at: string } | null;
  delinquency: { since: string; reasons: { code: string; detail: string }[] } | null;
  mergedInto: string | null;
  closedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

interface CustomerRow {
  id: string;
  legal_name: string;
  display_name: string | null;
  tax_id: string | null;
  tax_country: string | null;
  email: string;
  currency: string;
  billing_address: PostalAddress;
  contacts: Contact[];
  communication: Communication;
  terms_code: string;
  credit_limit: string | null;
  risk_segment: EditableProfile['riskSegment'];
  external_ref: string | null;
  tags: string[];
  status: CustomerStatus;
  hold: CustomerProfile['hold'];
  delinquency: CustomerProfile['delinquency'];
  merged_into: string | null;
  closed_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export const CUSTOMER_COLUMNS =
  'id, legal_name, display_name, tax_id, tax_country, email, currency, billing_address, contacts, communication, terms_code, credit_limit, risk_segment, external_ref, tags, status, hold, delinquency, merged_into, closed_at, version, created_at, updated_at';

export function rowToProfile(row: CustomerRow): CustomerProfile {
  return {
    id: row.id,
    legalName: row.legal_name,
    displayName: row.display_name,
    taxId: row.tax_id && row.tax_country ? { country: row.tax_country, value: openTaxId(row.tax_id) } : null,
    email: row.email,
    currency: row.currency,
    billingAddress: row.billing_address,
    contacts: row.contacts,
    communication: row.communication,
    termsCode: row.terms_code,
    creditLimit: row.credit_limit === null ? null : { amount: Number(row.credit_limit), currency: row.currency },
    riskSegment: row.risk_segment,
    externalRef: row.external_ref,
    tags: row.tags,
    status: row.status,
    hold: row.hold,
    delinquency: row.delinquency,
    mergedInto: row.merged_into,
    closedAt: row.closed_at ? new Date(row.closed_at).toISOString() : null,
    version: row.version,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export async function findCustomer(
  em: EntityManager,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<CustomerProfile | null> {
  const [row] = await em.execute<CustomerRow[]>(
    `SELECT ${CUSTOMER_COLUMNS} FROM customer WHERE id = ?${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return row ? rowToProfile(row) : null;
}

export interface MatchKeys {
  nameKey: string;
  nameCore: string;
  addressKey: string;
  postcodeKey: string;
  /** Keyed hash of the comparable tax id (src/customers/store/sealed-tax-id.ts), never the id itself. */
  taxKey: string | null;
  emails: string[];
  phones: string[];
}

/** The keys duplicate detection compares: names of both kinds, every e-mail and phone of the record. */
export function matchKeysOf(
  profile: Pick<EditableProfile, 'legalName' | 'displayName' | 'taxId' | 'email' | 'billingAddress' | 'contacts'>,
): MatchKeys {
  const emails = new Set([
    normalizeEmail(profile.email),
    ...profile.contacts.flatMap((c) => (c.email ? [normalizeEmail(c.email)] : [])),
  ]);
  const phones = new Set(
    profile.contacts.flatMap((c) => (c.phone ? [phoneKey(c.phone)] : [])).filter((p): p is string => p !== null),
  );
  return {
    nameKey: nameKey(profile.legalName),
    nameCore: nameCore(profile.legalName),
    addressKey: addressKey(profile.billingAddress),
    postcodeKey: postcodeKey(profile.billingAddress),
    taxKey: profile.taxId ? taxKeyHash(profile.taxId.country, profile.taxId.value) : null,
    emails: [...emails].sort(),
    phones: [...phones].sort(),
  };
}

/** Column values of the editable profile (normalized), including the match keys. */
function columnsOf(profile: EditableProfile): Record<string, unknown> {
  const keys = matchKeysOf(profile);
  return {
    legal_name: profile.legalName,
    display_name: profile.displayName,
    tax_id: profile.taxId ? sealTaxId(profile.taxId.value) : null,
    tax_country: profile.taxId?.country ?? null,
    tax_key: keys.taxKey,
    email: profile.email,
    currency: profile.currency,
    billing_address: JSON.stringify(profile.billingAddress),
    contacts: JSON.stringify(profile.contacts),
    communication: JSON.stringify(profile.communication),
    terms_code: profile.termsCode,
    credit_limit: profile.creditLimit?.amount ?? null,
    risk_segment: profile.riskSegment,
    external_ref: profile.externalRef,
    tags: pgArray(profile.tags),
    name_key: keys.nameKey,
    name_core: keys.nameCore,
    address_key: keys.addressKey,
    postcode_key: keys.postcodeKey,
    match_emails: pgArray(keys.emails),
    match_phones: pgArray(keys.phones),
  };
}

const JSON_COLUMNS = new Set(['billing_address', 'contacts', 'communication']);
const placeholder = (column: string) =>
  JSON_COLUMNS.has(column) ? '?::jsonb' : column === 'tags' || column.startsWith('match_') ? '?::text[]' : '?';

export async function insertCustomerRow(
  em: EntityManager,
  id: string,
  profile: EditableProfile,
): Promise<CustomerProfile> {
  const columns = columnsOf(profile);
  const names = Object.keys(columns);
  const [row] = await em.execute<CustomerRow[]>(
    `INSERT INTO customer (id, status, ${names.join(', ')}) VALUES (?, 'active', ${names.map(placeholder).join(', ')}) RETURNING ${CUSTOMER_COLUMNS}`,
    [id, ...Object.values(columns)],
  );
  return rowToProfile(row!);
}

/**
 * Writes the whole editable profile (and optionally status/hold) if the row still has `expectedVersion`; returns
 * null when another writer got there first (the caller answers 412).
 */
export async function updateCustomerRow(
  em: EntityManager,
  id: string,
  expectedVersion: number,
  profile: EditableProfile,
  extra: { status?: CustomerStatus; hold?: CustomerProfile['hold'] } = {},
): Promise<CustomerProfile | null> {
  const columns: Record<string, unknown> = columnsOf(profile);
  if (extra.status !== undefined) columns.status = extra.status;
  if (extra.hold !== undefined) columns.hold = extra.hold === null ? null : JSON.stringify(extra.hold);
  const sets = Object.keys(columns).map((c) => `${c} = ${c === 'hold' ? '?::jsonb' : placeholder(c)}`);
  const [row] = await em.execute<CustomerRow[]>(
    `UPDATE customer SET ${sets.join(', ')}, version = version + 1, updated_at = now() WHERE id = ? AND version = ? RETURNING ${CUSTOMER_COLUMNS}`,
    [...Object.values(columns), id, expectedVersion],
  );
  return row ? rowToProfile(row) : null;
}

/** The editable part of a stored profile. */
export function editableOf(p: CustomerProfile): EditableProfile {
  return {
    legalName: p.legalName,
    displayName: p.displayName,
    taxId: p.taxId,
    email: p.email,
    currency: p.currency,
    billingAddress: p.billingAddress,
    contacts: p.contacts,
    communication: p.communication,
    termsCode: p.termsCode,
    creditLimit: p.creditLimit,
    riskSegment: p.riskSegment,
    externalRef: p.externalRef,
    tags: p.tags,
  };
}
