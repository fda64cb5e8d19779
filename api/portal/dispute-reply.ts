// The customer's answer to a request for information on their dispute, from the portal (page or JSON): the same
// `customerReply` update on the dispute workflow as the staff route POST /disputes/:id/customer-reply, for the caller's
// own dispute only (another customer's is 404), and only while the dispute is waiting for that answer (409 otherwise).
import type { FastifyRequest } from 'fastify';
import type { DisputeRecord } from '../../src/disputes/store/disputes.js';
import { portalDispute } from '../../src/portal/store/account.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { customerReplyUpdate, DisputeFailureType } from '../../workflows/disputes/messages.js';
import type { ApiDeps } from '../http/deps.js';
import { problems } from '../http/problem.js';
import { customerOf } from './actions.js';
import { isUpdateFailed, isWorkflowNotFound } from '../../src/temporal/errors.js';

interface FailureLike {
  name?: string;
  message?: string;
  cause?: { type?: string; message?: string };
}

const notAwaiting = () =>
  problems.conflict('This dispute is not waiting for an answer from you.', {
    errors: [{ pointer: '/text', in: 'body', detail: 'no question is open on this dispute' }],
  });

export async function portalDisputeReply(
  deps: ApiDeps,
  request: FastifyRequest,
  disputeId: string,
  text: string,
): Promise<DisputeRecord> {
  const identity = request.identity!;
  const customerId = customerOf(identity);
  const before = await portalDispute(deps.orm.em.fork(), customerId, disputeId);
  if (!before) throw problems.notFound('Dispute', disputeId);
  if (before.status !== 'awaiting_info') throw notAwaiting();
  const answer = text.trim();
  if (!answer)
    throw problems.unprocessable(
      [{ pointer: '/text', in: 'body', detail: 'must not be blank' }],
      'The answer is empty.',
    );
  try {
    await deps.temporal.workflow
      .getHandle(workflowIds.dispute(disputeId))
      .executeUpdate(customerReplyUpdate, { args: [{ text: answer, by: identity.actor }] });
  } catch (error) {
    const failure = error as FailureLike;
    if (isWorkflowNotFound(failure)) throw problems.conflict('This dispute has ended.');
    if (isUpdateFailed(failure)) {
      if (
        failure.cause?.type === DisputeFailureType.notAwaitingInfo ||
        failure.cause?.type === DisputeFailureType.closed
      )
        throw notAwaiting();
      throw problems.unprocessable(
        [{ pointer: '/text', in: 'body', detail: failure.cause?.message ?? 'refused' }],
        'The dispute refused the answer.',
      );
    }
    throw error;
  }
  // The workflow records the answer through an activity right after accepting it: show it once it is stored.
  const deadline = Date.now() + 5_000;
  let current = before;
  while (Date.now() < deadline) {
    current = (await portalDispute(deps.orm.em.fork(), customerId, disputeId)) ?? current;
    if (current.status !== 'awaiting_info') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return current;
}
