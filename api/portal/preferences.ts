// Portal preferences have one source of truth: the customer record. How we contact the customer (channel), how often
// statements go out and in which language live in the customer's `communication` (what GET /customers/{id} shows and
// what statement runs, dunning and invoice delivery read); the portal form writes exactly that, through the same
// versioned, history-recording change as PATCH /customers/{id}, with the portal user as the actor, and audits it.
// Only autopay consent belongs to the signed-in user (it is that person's consent), so it stays on the user.
import type { FastifyRequest } from 'fastify';
import { recordAudit } from '../../src/auth/store/audit.js';
import { findUser, updatePreferences } from '../../src/auth/store/users.js';
import { DEFAULT_COMMUNICATION, findCustomer, type Communication } from '../../src/customers/store/customers.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { accountProfileChangedSignal } from '../../workflows/customers/messages.js';
import { patchCustomer } from '../customers/commands.js';
import type { ApiDeps } from '../http/deps.js';
import { problems } from '../http/problem.js';
import { customerOf } from './actions.js';

export interface PortalPreferences extends Communication {
  autopay: boolean;
  autopayConsentAt: string | null;
}

export type PreferencesChange = Partial<Communication> & { autopay?: boolean };

function userConsent(preferences: Record<string, unknown> | undefined) {
  return {
    autopay: preferences?.autopay === true,
    autopayConsentAt: typeof preferences?.autopayConsentAt === 'string' ? preferences.autopayConsentAt : null,
  };
}

export async function readPortalPreferences(deps: ApiDeps, request: FastifyRequest): Promise<PortalPreferences> {
  const identity = request.identity!;
  const em = deps.orm.em.fork();
  const customer = await findCustomer(em, customerOf(identity));
  if (!customer) throw problems.notFound('Customer', customerOf(identity));
  const user = identity.kind === 'user' ? await findUser(em, identity.subject) : undefined;
  return { ...DEFAULT_COMMUNICATION, ...customer.communication, ...userConsent(user?.preferences) };
}

export async function savePortalPreferences(
  deps: ApiDeps,
  request: FastifyRequest,
  change: PreferencesChange,
): Promise<PortalPreferences> {
  const identity = request.identity!;
  const customerId = customerOf(identity);
  if (change.autopay !== undefined && identity.kind !== 'user')
    throw problems.conflict('Autopay consent belongs to a portal user account; this token has none.');
  const em = deps.orm.em.fork();
  const current = await findCustomer(em, customerId);
  if (!current) throw problems.notFound('Customer', customerId);
  const { autopay, ...communication } = change;
  const next: Communication = { ...DEFAULT_COMMUNICATION, ...current.communication, ...communication };
  const { profile, changes } = await patchCustomer(em, customerId, { communication: next }, undefined, {
    actor: identity.actor,
    requestId: request.id,
  });
  if (changes.length) {
    // The account workflow hears about the change as it does from the staff route; its next refresh reads it anyway.
    await deps.temporal.workflow
      .getHandle(workflowIds.customerAccount(customerId))
      .signal(accountProfileChangedSignal, { changes, by: identity.actor, version: profile.version })
      .catch((err: unknown) =>
        request.log.warn({ err, customerId }, 'account workflow did not take the preference change'),
      );
  }
  if (autopay !== undefined && identity.kind === 'user') {
    const before = userConsent((await findUser(em, identity.subject))?.preferences);
    // Consent keeps the time it was first given; withdrawing it clears the time.
    await updatePreferences(em, identity.subject, {
      autopay,
      autopayConsentAt: autopay ? (before.autopay ? before.autopayConsentAt : new Date().toISOString()) : null,
    });
  }
  const ua = request.headers['user-agent'];
  await recordAudit(em, {
    actor: identity.actor,
    role: 'customer',
    action: 'portal_preferences',
    outcome: 'success',
    method: request.method,
    route: request.routeOptions.url,
    target: customerId,
    statusCode: 200,
    ip: request.ip,
    userAgent: typeof ua === 'string' ? ua : undefined,
    requestId: request.id,
    detail: {
      changes: changes.map((c) => ({ field: c.field, from: c.from, to: c.to })),
      ...(autopay !== undefined ? { autopay } : {}),
    },
  });
  return readPortalPreferences(deps, request);
}
