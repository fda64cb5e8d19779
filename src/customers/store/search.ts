// GET /customers: set-based search over the customer book with keyset pagination by name. Every filter is answered
// by an index: trigram GIN for names, GIN for e-mails and tags, btree for tax id hashes and status, and the maintained
// per-customer balances (customer_ledger_balance) for balance ranges.
import type { EntityManager } from '@mikro-orm/postgresql';
import { normalizeEmail, normalizeTaxId, type CustomerStatus } from '../rules/customer.js';
import { countryCodes } from '../../shared/iso.js';
import { fold } from '../../payments/rules/matching.js';
import { CREDIT_CODE, RECEIVABLE_CODE } from './balances.js';
import { CUSTOMER_COLUMNS, rowToProfile, type CustomerProfile } from './customers.js';
import { taxKeyHash } from './sealed-tax-id.js';
import { pgArray } from '../../db/pg-array.js';

export interface CustomerSearch {
  q?: string;
  taxId?: string;
  taxCountry?: string;
  email?: string;
  status?: CustomerStatus;
  tag?: string;
  currency?: string;
  /** Receivable balance range in minor units of each customer's currency, inclusive. */
  balanceMin?: number;
  balanceMax?: number;
  limit: number;
  after?: [string, string];
}

export interface CustomerListRow {
  profile: CustomerProfile;
  receivable: number;
  credit: number;
  sortKey: [string, string];
}

export async function searchCustomers(em: EntityManager, s: CustomerSearch): Promise<CustomerListRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (s.q)
    add(
      `lower(c.legal_name || ' ' || coalesce(c.display_name, '')) LIKE ?`,
      `%${fold(s.q).replace(/[\\%_]/g, (m) => `\\${m}`)}%`,
    );
  if (s.taxId) {
    // Tax ids are sealed: only their keyed hashes compare. Without a country (given or as a prefix), the id is
    // looked up under every country, a few hundred hashes answered by the tax_key index.
    const normalized = normalizeTaxId(s.taxId);
    const countries = new Set<string>();
    if (s.taxCountry) countries.add(s.taxCountry);
    const prefix = /^[A-Z]{2}/.exec(normalized)?.[0];
    if (prefix) countries.add(prefix === 'EL' ? 'GR' : prefix);
    const keys = [...(countries.size ? countries : countryCodes())].map((country) => taxKeyHash(country, normalized));
    add('c.tax_key = ANY(?::text[])', pgArray(keys));
  }
  if (s.email) add('c.match_emails @> ARRAY[?]::text[]', normalizeEmail(s.email));
  if (s.status === 'delinquent')
    add(`(c.status = 'delinquent' OR (c.delinquency IS NOT NULL AND c.status <> 'closed'))`);
  else if (s.status) add('c.status = ?', s.status);
  if (s.tag) add('c.tags @> ARRAY[?]::text[]', s.tag);
  if (s.currency) add('c.currency = ?', s.currency);
  if (s.balanceMin !== undefined || s.balanceMax !== undefined) {
    const min = s.balanceMin ?? Number.MIN_SAFE_INTEGER;
    const max = s.balanceMax ?? Number.MAX_SAFE_INTEGER;
    if (min <= 0 && max >= 0) add('coalesce(r.balance, 0) BETWEEN ? AND ?', min, max);
    // A range without zero is answered from the balance index alone (customers without postings have zero).
    else
      add(
        'c.id IN (SELECT customer_id FROM customer_ledger_balance WHERE account_code = ? AND balance BETWEEN ? AND ? AND currency = c.currency)',
        RECEIVABLE_CODE,
        min,
        max,
      );
  }
  if (s.after) add('(lower(c.legal_name), c.id) > (?, ?::uuid)', s.after[0], s.after[1]);
  const rows = await em.execute<
    (Record<string, unknown> & { receivable: string | null; credit: string | null; sort_name: string })[]
  >(
    `SELECT ${CUSTOMER_COLUMNS.split(', ')
      .map((c) => `c.${c}`)
      .join(', ')}, r.balance AS receivable, cr.balance AS credit, lower(c.legal_name) AS sort_name
       FROM customer c
       LEFT JOIN customer_ledger_balance r ON r.customer_id = c.id AND r.account_code = ? AND r.currency = c.currency
       LEFT JOIN customer_ledger_balance cr ON cr.customer_id = c.id AND cr.account_code = ? AND cr.currency = c.currency
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY lower(c.legal_name), c.id LIMIT ?`,
    [RECEIVABLE_CODE, CREDIT_CODE, ...params, s.limit],
  );
  return rows.map((row) => ({
    profile: rowToProfile(row as never),
    receivable: Number(row.receivable ?? 0),
    credit: -Number(row.credit ?? 0),
    sortKey: [row.sort_name, row.id as string],
  }));
}
