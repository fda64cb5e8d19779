// Portal pages of one dispute: what was disputed, the correspondence (our questions, the customer's answers) and,
// while we wait for information, the form to answer it. The dispute e-mails (acknowledgement, request for
// information) link here through src/portal/urls.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { portalDispute } from '../../src/portal/store/account.js';
import { portalPath } from '../../src/portal/urls.js';
import type { ApiDeps } from '../http/deps.js';
import { ProblemError } from '../http/problem.js';
import { customerOf } from './actions.js';
import { portalDisputeReply } from './dispute-reply.js';
import { IdParams, page, type RenderPage, type PreHandler } from './page-context.js';

export const portalDisputePages: FastifyPluginAsyncTypebox<{
  deps: ApiDeps;
  render: RenderPage;
  csrf: { preHandler: PreHandler };
}> = async (app, { deps, render, csrf }) => {
  const { orm } = deps;

  app.get(
    '/portal/disputes/:id',
    {
      config: page,
      schema: {
        tags: ['portal'],
        summary: 'Dispute page: correspondence, and the answer form while we wait for information',
        params: IdParams,
      },
    },
    async (request, reply) => {
      const dispute = await portalDispute(orm.em.fork(), customerOf(request.identity), request.params.id);
      if (!dispute) throw new ProblemError(404, 'not-found', 'Not found', 'There is no such dispute on your account.');
      const questions = dispute.correspondence.filter((c) => c.kind === 'info_request');
      return render(reply, request, 'dispute-detail.hbs', {
        title: `Dispute of ${dispute.invoiceNumber}`,
        active: 'disputes',
        dispute: { ...dispute, amount: { amount: dispute.amount, currency: dispute.currency } },
        correspondence: dispute.correspondence.map((c) => ({ ...c, fromCustomer: c.from === 'customer' })),
        awaitingInfo: dispute.status === 'awaiting_info',
        question: questions.at(-1)?.text,
        invoiceLink: portalPath('invoice', { invoiceId: dispute.invoiceId }),
      });
    },
  );

  app.post(
    '/portal/disputes/:id/reply',
    {
      ...csrf,
      config: page,
      schema: {
        tags: ['portal'],
        summary: 'Answer our request for information on a dispute (form)',
        params: IdParams,
        body: Type.Object(
          { _csrf: Type.String(), text: Type.String({ minLength: 1, maxLength: 8000 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      await portalDisputeReply(deps, request, request.params.id, request.body.text);
      return reply.redirect(portalPath('dispute', { disputeId: request.params.id }), 303);
    },
  );
};
