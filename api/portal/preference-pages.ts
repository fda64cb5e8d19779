// The portal's preferences page: contact channel, statement frequency, language and (for a signed-in user) autopay.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { readPortalPreferences, savePortalPreferences } from './preferences.js';
import { page, type PortalPageOptions } from './page-context.js';

export const portalPreferencePages: FastifyPluginAsyncTypebox<PortalPageOptions> = async (
  app,
  { deps, render, csrf },
) => {
  app.get(
    '/portal/preferences',
    {
      config: page,
      schema: {
        tags: ['portal'],
        summary: 'Preferences page',
        querystring: Type.Object({ saved: Type.Optional(Type.Literal('1')) }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const preferences = await readPortalPreferences(deps, request);
      const options = (values: [string, string][], current: string) =>
        values.map(([value, label]) => ({ value, label, selected: value === current }));
      return render(reply, request, 'preferences.hbs', {
        title: 'Preferences',
        active: 'preferences',
        preferences,
        notice: request.query.saved ? 'Your preferences are saved.' : undefined,
        channels: options(
          [
            ['email', 'E-mail'],
            ['portal', 'Portal only'],
            ['post', 'Post'],
          ],
          preferences.channel,
        ),
        frequencies: options(
          [
            ['monthly', 'Monthly'],
            ['weekly', 'Weekly'],
            ['quarterly', 'Quarterly'],
            ['none', 'None'],
          ],
          preferences.statementFrequency,
        ),
      });
    },
  );

  app.post(
    '/portal/preferences',
    {
      ...csrf,
      config: page,
      schema: {
        tags: ['portal'],
        summary: 'Save preferences (form)',
        body: Type.Object(
          {
            _csrf: Type.String(),
            channel: Type.Union([Type.Literal('email'), Type.Literal('portal'), Type.Literal('post')]),
            statementFrequency: Type.Union([
              Type.Literal('none'),
              Type.Literal('weekly'),
              Type.Literal('monthly'),
              Type.Literal('quarterly'),
            ]),
            language: Type.String({ pattern: '^[a-z]{2,3}(-[A-Z]{2})?$' }),
            autopay: Type.Optional(Type.Literal('true')),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { channel, statementFrequency, language } = request.body;
      await savePortalPreferences(deps, request, {
        channel,
        statementFrequency,
        language,
        ...(request.identity?.kind === 'user' ? { autopay: request.body.autopay === 'true' } : {}),
      });
      return reply.redirect('/portal/preferences?saved=1', 303);
    },
  );
};
