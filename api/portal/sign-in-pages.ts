// Portal sign-in pages: password, magic link, invitation (setting the first password) and sign-out. Each refusal is a
// page again (text/html) so a person sees what went wrong; the session is set in HttpOnly cookies by
// api/portal/session.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { recordAudit } from '../../src/auth/store/audit.js';
import { revokeByToken } from '../../src/auth/store/refresh-tokens.js';
import { authenticateUser, findUser, setPassword } from '../../src/auth/store/users.js';
import { passwordProblem } from '../../src/auth/password-policy.js';
import { consumeLink, linkIsUsable, magicLinkFor } from '../../src/portal/store/invitations.js';
import { sendPortalMail } from '../../src/portal/store/mail.js';
import { returnPath } from '../../src/portal/urls.js';
import { clearSessionCookies, REFRESH_COOKIE, signInPortalUser } from './session.js';
import { page, type PortalPageOptions } from './page-context.js';

const TokenQuery = Type.Object(
  { token: Type.String({ minLength: 10, maxLength: 200 }) },
  { additionalProperties: false },
);

/** Where to go after sign-in: a same-origin portal path only (src/portal/urls.ts#returnPath), never another site. */
const safeNext = returnPath;

export const portalSignInPages: FastifyPluginAsyncTypebox<PortalPageOptions> = async (
  app,
  { deps, services, render, csrf },
) => {
  const { orm, config } = deps;
  // --- signing in -----------------------------------------------------------------------------
  const SignInBody = Type.Object(
    {
      _csrf: Type.String(),
      email: Type.String({ maxLength: 254 }),
      password: Type.String({ maxLength: 1024 }),
      next: Type.Optional(Type.String({ maxLength: 500 })),
    },
    { additionalProperties: false },
  );
  const strict = { rateLimit: { max: config.auth.loginRateLimit, timeWindow: '1 minute' } };
  // What the sign-in forms answer besides the platform's statuses: each is a page (text/html) or a redirect.
  const signedIn = { 303: { description: 'Signed in: a redirect to the portal page asked for' } };
  const signInRefused = {
    401: { description: 'The sign-in page again, saying the credential or link did not work (text/html)' },
  };

  app.get(
    '/portal/sign-in',
    {
      schema: {
        tags: ['portal'],
        summary: 'Portal sign-in page',
        security: [],
        querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 500 })) }),
      },
    },
    async (request, reply) => {
      if (request.identity?.customerId) return reply.redirect(safeNext(request.query.next), 303);
      return render(reply, request, 'sign-in.hbs', { title: 'Sign in', next: safeNext(request.query.next) });
    },
  );

  app.post(
    '/portal/sign-in',
    {
      ...csrf,
      config: strict,
      schema: {
        tags: ['portal'],
        summary: 'Portal sign-in (form)',
        security: [],
        body: SignInBody,
        response: { ...signedIn, ...signInRefused },
      },
    },
    async (request, reply) => {
      const em = orm.em.fork();
      const user = await authenticateUser(em, request.body.email, request.body.password);
      const portalUser = user?.role === 'customer' ? user : undefined;
      const ua = request.headers['user-agent'];
      await recordAudit(em, {
        actor: portalUser?.email ?? request.body.email.trim().toLowerCase(),
        role: portalUser ? 'customer' : null,
        action: 'sign_in',
        outcome: portalUser ? 'success' : 'failure',
        method: 'POST',
        route: '/portal/sign-in',
        target: portalUser?.id ?? null,
        statusCode: portalUser ? 303 : 401,
        ip: request.ip,
        userAgent: typeof ua === 'string' ? ua : undefined,
        requestId: request.id,
        detail: { method: 'password', channel: 'portal' },
      });
      if (!portalUser)
        return render(reply.status(401), request, 'sign-in.hbs', {
          title: 'Sign in',
          error: 'The e-mail or password is wrong.',
          email: request.body.email,
          next: safeNext(request.body.next),
        });
      await signInPortalUser(orm, services.secret, config, reply, portalUser, request);
      return reply.redirect(safeNext(request.body.next), 303);
    },
  );

  app.post(
    '/portal/magic-link',
    {
      ...csrf,
      config: strict,
      schema: {
        tags: ['portal'],
        summary: 'E-mail a one-time sign-in link',
        security: [],
        body: Type.Object(
          { _csrf: Type.String(), email: Type.String({ maxLength: 254 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const em = orm.em.fork();
      const link = await magicLinkFor(em, request.body.email, config.auth.magicLinkTtl);
      if (link) {
        await sendPortalMail(em, services.mailer, config, {
          idempotencyKey: `portal-magic-link:${link.user.id}:${link.expiresAt.getTime()}`,
          template: 'portal-magic-link',
          to: link.user.email,
          customerId: link.user.customerId ?? undefined,
          data: { token: link.token, expiresAt: link.expiresAt.toISOString().replace('T', ' ').slice(0, 16) + ' UTC' },
        });
      }
      // The same answer whether or not the address has an account.
      return render(reply, request, 'sign-in.hbs', {
        title: 'Sign in',
        notice: 'If this address has a portal account, a sign-in link is on its way.',
        next: '/portal',
      });
    },
  );

  app.get(
    '/portal/magic',
    {
      config: strict,
      schema: {
        tags: ['portal'],
        summary: 'Sign in with a one-time link',
        security: [],
        querystring: TokenQuery,
        response: { ...signedIn, ...signInRefused },
      },
    },
    async (request, reply) => {
      const em = orm.em.fork();
      const user = await consumeLink(em, request.query.token, 'magic_link');
      const ua = request.headers['user-agent'];
      await recordAudit(em, {
        actor: user?.email ?? 'unknown',
        role: user ? 'customer' : null,
        action: 'sign_in',
        outcome: user ? 'success' : 'failure',
        method: 'GET',
        route: '/portal/magic',
        target: user?.id ?? null,
        statusCode: user ? 303 : 401,
        ip: request.ip,
        userAgent: typeof ua === 'string' ? ua : undefined,
        requestId: request.id,
        detail: { method: 'magic_link' },
      });
      if (!user || user.role !== 'customer' || user.status !== 'active')
        return render(reply.status(401), request, 'sign-in.hbs', {
          title: 'Sign in',
          error: 'This sign-in link was already used or has expired.',
          next: '/portal',
        });
      await signInPortalUser(orm, services.secret, config, reply, user, request);
      return reply.redirect('/portal', 303);
    },
  );

  app.get(
    '/portal/accept-invitation',
    {
      schema: {
        tags: ['portal'],
        summary: 'Set a password from an invitation link',
        security: [],
        querystring: TokenQuery,
      },
    },
    async (request, reply) =>
      render(reply, request, 'accept-invitation.hbs', {
        title: 'Set your password',
        token: request.query.token,
        usable: await linkIsUsable(orm.em.fork(), request.query.token, 'invitation'),
      }),
  );

  app.post(
    '/portal/accept-invitation',
    {
      ...csrf,
      config: strict,
      schema: {
        tags: ['portal'],
        summary: 'Set the password and sign in',
        security: [],
        body: Type.Object(
          {
            _csrf: Type.String(),
            token: Type.String({ maxLength: 200 }),
            password: Type.String({ maxLength: 1024 }),
            confirm: Type.String({ maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: {
          ...signedIn,
          410: { description: 'The invitation was already used or has expired (text/html)' },
          422: { description: 'The form again: the passwords differ or the password is too weak (text/html)' },
        },
      },
    },
    async (request, reply) => {
      const { token, password, confirm } = request.body;
      const em = orm.em.fork();
      const again = (error: string) =>
        render(reply.status(422), request, 'accept-invitation.hbs', {
          title: 'Set your password',
          token,
          usable: true,
          error,
        });
      if (password !== confirm) return again('The two passwords differ.');
      const weak = passwordProblem(password);
      if (weak) return again(`The password ${weak}.`);
      const user = await consumeLink(em, token, 'invitation');
      if (!user || user.role !== 'customer')
        return render(reply.status(410), request, 'accept-invitation.hbs', {
          title: 'Set your password',
          usable: false,
        });
      if (passwordProblem(password, user.email)) return again('The password must not be your e-mail address.');
      await setPassword(em, user.id, password);
      const ua = request.headers['user-agent'];
      await recordAudit(em, {
        actor: user.email,
        role: 'customer',
        action: 'sign_in',
        outcome: 'success',
        method: 'POST',
        route: '/portal/accept-invitation',
        target: user.id,
        statusCode: 303,
        ip: request.ip,
        userAgent: typeof ua === 'string' ? ua : undefined,
        requestId: request.id,
        detail: { method: 'invitation' },
      });
      await signInPortalUser(orm, services.secret, config, reply, (await findUser(em, user.id))!, request);
      return reply.redirect('/portal', 303);
    },
  );

  app.post(
    '/portal/sign-out',
    {
      ...csrf,
      config: page,
      schema: {
        tags: ['portal'],
        summary: 'Sign out of the portal',
        body: Type.Object({ _csrf: Type.String() }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const refresh = request.cookies?.[REFRESH_COOKIE];
      if (refresh)
        await revokeByToken(
          orm.em.fork(),
          refresh,
          'portal sign-out',
          request.identity?.kind === 'user' ? request.identity.subject : undefined,
        );
      clearSessionCookies(reply, config);
      return reply.redirect('/portal/sign-in', 303);
    },
  );
};
