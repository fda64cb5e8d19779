// Payment terms templates (terms as data) and which template a customer was on at a given time.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PaymentTerms } from '../rules/terms.js';

export interface StoredTermsTemplate {
  code: string;
  name: string;
  terms: PaymentTerms;
  version: number;
  updatedAt: string;
  updatedBy: string;
}

interface TemplateRow {
  code: string;
  name: string;
  terms: PaymentTerms;
  version: number;
  updated_at: Date;
  updated_by: string;
}

const toTemplate = (r: TemplateRow): StoredTermsTemplate => ({
  code: r.code,
  name: r.name,
  terms: r.terms,
  version: r.version,
  updatedAt: new Date(r.updated_at).toISOString(),
  updatedBy: r.updated_by,
});

export async function listTermsTemplates(
  em: EntityManager,
  limit: number,
  afterCode?: string,
): Promise<StoredTermsTemplate[]> {
  const rows = await em.execute<TemplateRow[]>(
    'SELECT code, name, terms, version, updated_at, updated_by FROM payment_terms_template WHERE (?::text IS NULL OR code > ?) ORDER BY code LIMIT ?',
    [afterCode ?? null, afterCode ?? null, limit],
  );
  return rows.map(toTemplate);
}

export async function findTermsTemplate(em: EntityManager, code: string): Promise<StoredTermsTemplate | null> {
  const [row] = await em.execute<TemplateRow[]>(
    'SELECT code, name, terms, version, updated_at, updated_by FROM payment_terms_template WHERE code = ?',
    [code],
  );
  return row ? toTemplate(row) : null;
}

/** Inserts a template; null when the code is taken. */
export async function insertTermsTemplate(
  em: EntityManager,
  input: { code: string; name: string; terms: PaymentTerms; by: string },
): Promise<StoredTermsTemplate | null> {
  const [row] = await em.execute<TemplateRow[]>(
    `INSERT INTO payment_terms_template (code, name, terms, updated_by) VALUES (?, ?, ?::jsonb, ?) ON CONFLICT (code) DO NOTHING
     RETURNING code, name, terms, version, updated_at, updated_by`,
    [input.code, input.name, JSON.stringify(input.terms), input.by],
  );
  return row ? toTemplate(row) : null;
}

/** Replaces a template if it still has `expectedVersion` (when given); null when the version moved on. */
export async function replaceTermsTemplate(
  em: EntityManager,
  input: { code: string; name: string; terms: PaymentTerms; by: string; expectedVersion?: number },
): Promise<StoredTermsTemplate | null> {
  const [row] = await em.execute<TemplateRow[]>(
    `UPDATE payment_terms_template SET name = ?, terms = ?::jsonb, updated_by = ?, version = version + 1, updated_at = now()
      WHERE code = ? AND (?::int IS NULL OR version = ?::int) RETURNING code, name, terms, version, updated_at, updated_by`,
    [
      input.name,
      JSON.stringify(input.terms),
      input.by,
      input.code,
      input.expectedVersion ?? null,
      input.expectedVersion ?? null,
    ],
  );
  return row ? toTemplate(row) : null;
}

/** Records that a customer is on `code` from now on (the template's terms as they are now are kept with it). */
export async function recordTermsAssignment(
  em: EntityManager,
  customerId: string,
  code: string,
  by: string,
): Promise<void> {
  await em.execute(
    `INSERT INTO customer_terms_assignment (customer_id, terms_code, terms, template_version, assigned_by)
     SELECT ?, code, terms, version, ? FROM payment_terms_template WHERE code = ?`,
    [customerId, by, code],
  );
}

export interface TermsAssignment {
  termsCode: string;
  terms: PaymentTerms;
  templateVersion: number;
  effectiveFrom: string;
  assignedBy: string;
}

/**
 * The terms a customer was on at instant `at`: an invoice issued at `at` takes these. Later changes have a later
 * `effective_from`, so they never reach back to invoices issued before them.
 */
export async function termsInForce(em: EntityManager, customerId: string, at: Date): Promise<TermsAssignment | null> {
  const [row] = await em.execute<
    { terms_code: string; terms: PaymentTerms; template_version: number; effective_from: Date; assigned_by: string }[]
  >(
    `SELECT terms_code, terms, template_version, effective_from, assigned_by FROM customer_terms_assignment
      WHERE customer_id = ? AND effective_from <= ? ORDER BY effective_from DESC, id DESC LIMIT 1`,
    [customerId, at],
  );
  return row
    ? {
        termsCode: row.terms_code,
        terms: row.terms,
        templateVersion: row.template_version,
        effectiveFrom: new Date(row.effective_from).toISOString(),
        assignedBy: row.assigned_by,
      }
    : null;
}

export async function termsAssignments(em: EntityManager, customerId: string): Promise<TermsAssignment[]> {
  const rows = await em.execute<
    { terms_code: string; terms: PaymentTerms; template_version: number; effective_from: Date; assigned_by: string }[]
  >(
    'SELECT terms_code, terms, template_version, effective_from, assigned_by FROM customer_terms_assignment WHERE customer_id = ? ORDER BY effective_from, id',
    [customerId],
  );
  return rows.map((row) => ({
    termsCode: row.terms_code,
    terms: row.terms,
    templateVersion: row.template_version,
    effectiveFrom: new Date(row.effective_from).toISOString(),
    assignedBy: row.assigned_by,
  }));
}
