// Create and change a customer: validation beyond the schema (code lists, terms, credit limit currency), the
// duplicate check, the versioned write, the audit trail and the terms assignment, all in one transaction.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  checkCustomerCodes,
  deriveStatus,
  diffFields,
  normalizeEmail,
  normalizeTaxId,
  type FieldChange,
} from '../../src/customers/rules/customer.js';
import { isCountryCode } from '../../src/shared/iso.js';
import {
  findDuplicateCandidates,
  lockMatchKeys,
  probableDuplicates,
  type DuplicateCandidate,
} from '../../src/customers/store/duplicates.js';
import { acceptedPartners, recordDuplicateDecision } from '../../src/customers/store/duplicate-decisions.js';
import { recordHistory } from '../../src/customers/store/history.js';
import {
  DEFAULT_COMMUNICATION,
  editableOf,
  findCustomer,
  insertCustomerRow,
  matchKeysOf,
  updateCustomerRow,
  type CustomerProfile,
  type EditableProfile,
} from '../../src/customers/store/customers.js';
import { findTermsTemplate, recordTermsAssignment } from '../../src/customers/store/terms.js';
import { DEFAULT_TERMS_CODE } from '../../src/customers/rules/terms.js';
import { recordEvent } from '../../src/events/store/outbox.js';
import { ProblemError, problems } from '../http/problem.js';
import type { CreateCustomerBody, PatchCustomerBody } from './schemas.js';
import type { FieldProblem } from '../../src/shared/field-problem.js';

export interface CommandContext {
  actor: string;
  requestId: string;
}

/** Fields whose change re-runs the duplicate check. */
const MATCH_FIELDS = ['legalName', 'taxId', 'email', 'billingAddress', 'contacts'] as const;

function normalizeProfile(p: EditableProfile): EditableProfile {
  return {
    ...p,
    legalName: p.legalName.trim(),
    displayName: p.displayName?.trim() ?? null,
    email: normalizeEmail(p.email),
    taxId: p.taxId ? { country: p.taxId.country, value: normalizeTaxId(p.taxId.value) } : null,
    contacts: p.contacts.map((c) => ({
      ...c,
      name: c.name.trim(),
      ...(c.email ? { email: normalizeEmail(c.email) } : {}),
    })),
  };
}

/** Code lists, the terms template and the credit limit currency: 422 naming every bad field. */
async function checkSemantics(
  em: EntityManager,
  profile: EditableProfile,
  touched: ReadonlySet<string>,
): Promise<void> {
  const found: FieldProblem[] = [];
  if (touched.has('currency') || touched.has('billingAddress')) {
    found.push(
      ...checkCustomerCodes({
        currency: touched.has('currency') ? profile.currency : undefined,
        billingAddress: touched.has('billingAddress') ? profile.billingAddress : undefined,
      }),
    );
  }
  if (touched.has('taxId') && profile.taxId && !isCountryCode(profile.taxId.country)) {
    found.push({
      pointer: '/taxId/country',
      detail: `"${profile.taxId.country}" is not an ISO 3166-1 alpha-2 country code`,
    });
  }
  if (touched.has('taxId') && profile.taxId && normalizeTaxId(profile.taxId.value).length < 2) {
    found.push({ pointer: '/taxId/value', detail: 'has fewer than two letters or digits' });
  }
  if ((touched.has('creditLimit') || touched.has('currency')) && profile.creditLimit) {
    if (profile.creditLimit.currency !== profile.currency) {
      found.push({ pointer: '/creditLimit/currency', detail: `must be the customer currency ${profile.currency}` });
    }
    if (profile.creditLimit.amount < 0) found.push({ pointer: '/creditLimit/amount', detail: 'must not be negative' });
  }
  if (touched.has('contacts')) {
    profile.contacts.forEach((c, i) => {
      if (!c.email && !c.phone) found.push({ pointer: `/contacts/${i}`, detail: 'needs an e-mail or a phone number' });
    });
  }
  if (touched.has('termsCode') && !(await findTermsTemplate(em, profile.termsCode))) {
    found.push({
      pointer: '/termsCode',
      detail: `"${profile.termsCode}" is not a payment terms template (see GET /payment-terms)`,
    });
  }
  if (found.length)
    throw problems.unprocessable(
      found.map((p) => ({ ...p, in: 'body' as const })),
      'The customer record has values that do not exist or do not fit together.',
    );
}

function duplicateProblem(candidates: DuplicateCandidate[]): ProblemError {
  return new ProblemError(
    409,
    'probable-duplicate',
    'Probable duplicate customer',
    `${candidates.length} existing customer(s) look like the same company. Merge, or repeat with "allowDuplicate": true to keep both.`,
    { candidates },
  );
}

/** Unique external reference violations become 409 naming the field rather than a 500. */
async function guardExternalRef<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (/customer_external_ref_idx/.test((error as Error).message)) {
      throw problems.conflict('Another customer already has this external reference.', {
        errors: [{ pointer: '/externalRef', in: 'body', detail: 'is already used by another customer' }],
      });
    }
    throw error;
  }
}

/**
 * Runs the duplicate check for a new or changed record; returns the probable candidates the clerk overrode now. A pair
 * kept on purpose earlier stays kept: only candidates without a decision raise 409.
 */
async function checkDuplicates(
  tx: EntityManager,
  profile: EditableProfile,
  excludeId: string | null,
  allowDuplicate: boolean | undefined,
): Promise<DuplicateCandidate[]> {
  const keys = matchKeysOf(profile);
  await lockMatchKeys(tx, keys);
  const accepted = excludeId ? await acceptedPartners(tx, excludeId) : new Set<string>();
  const probable = probableDuplicates(
    await findDuplicateCandidates(tx, keys, { excludeIds: [...(excludeId ? [excludeId] : []), ...accepted] }),
  );
  if (probable.length && !allowDuplicate) throw duplicateProblem(probable);
  return probable;
}

export async function createCustomer(
  em: EntityManager,
  body: CreateCustomerBody,
  ctx: CommandContext,
  inTransaction: (tx: EntityManager, created: CustomerProfile) => Promise<void>,
): Promise<CustomerProfile> {
  const profile = normalizeProfile({
    legalName: body.legalName,
    displayName: body.displayName ?? null,
    taxId: body.taxId ?? null,
    email: body.email,
    currency: body.currency,
    billingAddress: body.billingAddress,
    contacts: body.contacts ?? [],
    communication: body.communication ?? DEFAULT_COMMUNICATION,
    termsCode: body.termsCode ?? DEFAULT_TERMS_CODE,
    creditLimit: body.creditLimit ?? null,
    riskSegment: body.riskSegment ?? null,
    externalRef: body.externalRef ?? null,
    tags: body.tags ?? [],
  });
  await checkSemantics(
    em,
    profile,
    new Set(['currency', 'billingAddress', 'taxId', 'creditLimit', 'contacts', 'termsCode']),
  );
  return guardExternalRef(() =>
    em.transactional(async (tx) => {
      const overridden = await checkDuplicates(tx, profile, null, body.allowDuplicate);
      const created = await insertCustomerRow(tx, randomUUID(), profile);
      const changes: FieldChange[] = [{ field: 'created', from: null, to: editableOf(created) }];
      await recordHistory(tx, created.id, changes, ctx.actor, ctx.requestId);
      await recordDuplicateDecision(tx, created.id, overridden, body.duplicateReason ?? null, ctx.actor, ctx.requestId);
      await recordTermsAssignment(tx, created.id, created.termsCode, ctx.actor);
      await recordEvent(tx, {
        type: 'customer.created',
        entityType: 'customer',
        entityId: created.id,
        customerId: created.id,
        actor: ctx.actor,
        data: { customer: created },
      });
      await inTransaction(tx, created);
      return created;
    }),
  );
}

export interface PatchResult {
  profile: CustomerProfile;
  changes: FieldChange[];
}

/**
 * Applies a partial update if the record is still at `expectedVersion` (when given). Returns the changes made; an
 * update that changes nothing leaves the version alone.
 */
export async function patchCustomer(
  em: EntityManager,
  id: string,
  body: PatchCustomerBody,
  expectedVersion: number | undefined,
  ctx: CommandContext,
): Promise<PatchResult> {
  return guardExternalRef(() =>
    em.transactional(async (tx) => {
      const current = await lockCurrent(tx, id, expectedVersion);
      const { allowDuplicate, duplicateReason, hold, ...fields } = body;
      const next = normalizeProfile({ ...editableOf(current), ...(fields as Partial<EditableProfile>) });
      const changes = diffFields(
        editableOf(current) as unknown as Record<string, unknown>,
        pick(next, Object.keys(fields)),
      );
      const touched = new Set(changes.map((c) => c.field));
      if (touched.has('currency')) await refuseCurrencyChange(tx, id);
      await checkSemantics(tx, next, touched);

      // A hold keeps who placed it and when; repeating the same hold changes nothing.
      let nextHold = current.hold;
      if (hold === null) nextHold = null;
      else if (hold && hold.reason !== current.hold?.reason)
        nextHold = { reason: hold.reason, by: ctx.actor, at: new Date().toISOString() };
      if (nextHold !== current.hold) changes.push({ field: 'hold', from: current.hold, to: nextHold });
      if (changes.length === 0) return { profile: current, changes };
      if (current.status === 'closed')
        throw problems.conflict(
          `Customer ${id} is closed${current.mergedInto ? ` (merged into ${current.mergedInto})` : ''}; a closed record does not change.`,
        );

      const overridden = MATCH_FIELDS.some((f) => touched.has(f))
        ? await checkDuplicates(tx, next, id, allowDuplicate)
        : [];
      const status = deriveStatus({
        closed: false,
        onHold: nextHold !== null,
        delinquent: current.delinquency !== null,
      });
      const updated = await updateCustomerRow(tx, id, current.version, next, { hold: nextHold, status });
      if (!updated)
        throw problems.preconditionFailed(`Customer ${id} changed while this request was processed; read it again.`);
      if (status !== current.status) changes.push({ field: 'status', from: current.status, to: status });
      await recordHistory(tx, id, changes, ctx.actor, ctx.requestId);
      await recordDuplicateDecision(tx, id, overridden, duplicateReason ?? null, ctx.actor, ctx.requestId);
      if (touched.has('termsCode')) await recordTermsAssignment(tx, id, updated.termsCode, ctx.actor);
      await recordEvent(tx, {
        type: 'customer.updated',
        entityType: 'customer',
        entityId: id,
        customerId: id,
        actor: ctx.actor,
        data: { changes: changes.map((c) => c.field), customer: updated },
      });
      return { profile: updated, changes };
    }),
  );
}

/** Loads the row for update and checks the precondition: 404 unknown, 412 stale If-Match. */
export async function lockCurrent(
  tx: EntityManager,
  id: string,
  expectedVersion: number | undefined,
): Promise<CustomerProfile> {
  const current = await findCustomer(tx, id, { forUpdate: true });
  if (!current) throw problems.notFound('Customer', id);
  if (expectedVersion !== undefined && expectedVersion !== current.version) {
    throw problems.preconditionFailed(
      `If-Match names version ${expectedVersion}; customer ${id} is at version ${current.version}. Read it again and re-apply the change.`,
    );
  }
  return current;
}

async function refuseCurrencyChange(tx: EntityManager, id: string): Promise<void> {
  const [row] = await tx.execute<{ used: boolean }[]>(
    'SELECT EXISTS (SELECT 1 FROM journal_line WHERE customer_id = ?) AS used',
    [id],
  );
  if (row?.used) {
    throw problems.conflict(
      'The currency cannot change once the customer has ledger activity; create a customer in the other currency.',
      {
        errors: [{ pointer: '/currency', in: 'body', detail: 'cannot change after the first posting' }],
      },
    );
  }
}

function pick(profile: EditableProfile, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(
    fields.filter((f) => f in profile).map((f) => [f, (profile as unknown as Record<string, unknown>)[f]]),
  );
}
