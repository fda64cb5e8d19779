// Bulk imports: the body is streamed (CSV with a header row, or JSON lines) into staging, then the import workflow
// applies the rows in batches. The answer is 202 with the job; `GET /imports/:id` shows progress and
// `GET /imports/:id/rejections` the rejected rows with line, field and reason.
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { IMPORT_COLUMNS, type ImportKind } from '../../src/imports/rules/import-rows.js';
import { isIsoDate } from '../../src/shared/journal.js';
import { stageUpload, type ImportFormat } from '../../src/imports/store/stage.js';
import {
  createImportJob,
  findImportJob,
  markFailed,
  markStaged,
  rejections,
  type ImportJob,
  type ImportOptions,
} from '../../src/imports/store/jobs.js';
import { workflowStarts } from '../../src/temporal/starters.js';
import { recordWorkflowStart, startRecorded } from '../../src/temporal/start-after-commit.js';
import { actorOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { problems } from '../http/problem.js';
import { streamedBodyValidator } from '../http/validation.js';
import { IsoDate, problemResponses, UuidParams } from '../http/common-schemas.js';

const CSV_TYPES = ['text/csv'];
const JSONL_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/x-jsonlines'];

const ImportJobSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: Type.Union([Type.Literal('customers'), Type.Literal('invoices'), Type.Literal('opening_balances')]),
  format: Type.Union([Type.Literal('csv'), Type.Literal('jsonl')]),
  status: Type.Union([
    Type.Literal('staging'),
    Type.Literal('processing'),
    Type.Literal('completed'),
    Type.Literal('failed'),
  ]),
  options: Type.Record(Type.String(), Type.Unknown()),
  totalRows: Type.Integer(),
  processedRows: Type.Integer(),
  importedRows: Type.Integer(),
  skippedRows: Type.Integer({ description: 'external reference imported before: left as it was' }),
  rejectedRows: Type.Integer(),
  progress: Type.Number({ description: 'processed / total, 0..1' }),
  error: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const RejectionSchema = Type.Object({ line: Type.Integer(), field: Type.String(), reason: Type.String() });

const ImportQuery = Type.Object(
  {
    lifecycle: Type.Optional(
      Type.Boolean({ default: true, description: 'start the account / invoice workflows of what is imported' }),
    ),
    allowDuplicates: Type.Optional(
      Type.Boolean({ description: 'customers: import rows that look like an existing customer anyway' }),
    ),
    asOf: Type.Optional(
      IsoDate({ description: 'opening balances: accounting date of the opening entries (default today)' }),
    ),
  },
  { additionalProperties: false },
);

const view = (job: ImportJob) => ({
  ...job,
  options: job.options as Record<string, unknown>,
  progress: job.totalRows ? job.processedRows / job.totalRows : job.status === 'completed' ? 1 : 0,
});

export const importRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm, temporal, config } = deps;

  // Import bodies are not buffered: the handler reads the request stream itself.
  app.addContentTypeParser([...CSV_TYPES, ...JSONL_TYPES], (_request, payload, done) => done(null, payload));

  function formatOf(request: FastifyRequest): ImportFormat {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (CSV_TYPES.includes(type)) return 'csv';
    if (JSONL_TYPES.includes(type)) return 'jsonl';
    throw problems.validation(
      [{ pointer: '/content-type', in: 'headers', detail: `must be text/csv or application/x-ndjson, got "${type}"` }],
      'Unsupported import format.',
    );
  }

  async function runImport(
    kind: ImportKind,
    request: FastifyRequest<{ Querystring: { lifecycle?: boolean; allowDuplicates?: boolean; asOf?: string } }>,
  ) {
    const format = formatOf(request);
    const { lifecycle = true, allowDuplicates, asOf } = request.query;
    if (asOf !== undefined && !isIsoDate(asOf))
      throw problems.validation([{ pointer: '/asOf', in: 'query', detail: 'must be a calendar date YYYY-MM-DD' }]);
    const options: ImportOptions = {
      lifecycle,
      ...(allowDuplicates !== undefined ? { allowDuplicates } : {}),
      ...(asOf ? { asOf } : {}),
    };
    const em = orm.em.fork();
    const job = await createImportJob(em, { kind, format, options, createdBy: actorOf(request) });
    try {
      const counts = await stageUpload(em, job.id, format, request.body as Readable);
      await markStaged(em, job.id, counts);
    } catch (error) {
      await markFailed(em, job.id, `the upload could not be read: ${(error as Error).message}`);
      throw problems.validation(
        [{ pointer: '/', in: 'body', detail: (error as Error).message.slice(0, 500) }],
        'The upload could not be read; nothing was imported.',
      );
    }
    // The job is committed by now; its start is recorded so that the relay carries it out if this attempt fails.
    const workflowId = await recordWorkflowStart(
      em,
      workflowStarts.import(
        { client: temporal, taskQueue: config.temporal.taskQueue, requestId: request.id },
        {
          importId: job.id,
          kind,
          policy: config.integrations.import,
          lifecycle: lifecycle
            ? {
                account: {
                  refreshEvery: config.policy.accountRefreshEvery,
                  delinquency: config.policy.accountDelinquency,
                },
                invoice: config.policy.invoice,
              }
            : null,
        },
      ),
    );
    await startRecorded(orm.em, temporal, [workflowId], request.log);
    return (await findImportJob(em, job.id))!;
  }

  const importSchema = (what: string, kind: ImportKind) => ({
    tags: ['integrations'],
    summary: `Import ${what} from CSV (header row) or JSON lines, streamed; applied row by row by a workflow`,
    description: `Content-Type text/csv or application/x-ndjson. Columns / fields: ${IMPORT_COLUMNS[kind].join(', ')}. Each row is applied wholly or rejected (see GET /imports/:id/rejections); a row whose externalRef was imported before is skipped.`,
    querystring: ImportQuery,
    consumes: [...CSV_TYPES, ...JSONL_TYPES],
    body: Type.String({
      minLength: 1,
      description: `The file: CSV with a header row, or one JSON object per line (${IMPORT_COLUMNS[kind].join(', ')})`,
    }),
    response: { 202: ImportJobSchema, ...problemResponses(400, 503) },
  });

  for (const [path, kind, what] of [
    ['/imports/customers', 'customers', 'customers'],
    ['/imports/invoices', 'invoices', 'invoices (issued like POST /invoices)'],
    [
      '/imports/opening-balances',
      'opening_balances',
      'open items for go-live (posted against the opening balance suspense account)',
    ],
  ] as const) {
    app.post(
      path,
      { schema: importSchema(what, kind), validatorCompiler: streamedBodyValidator() as never },
      async (request, reply) => {
        const job = await runImport(
          kind,
          request as unknown as FastifyRequest<{
            Querystring: { lifecycle?: boolean; allowDuplicates?: boolean; asOf?: string };
          }>,
        );
        return reply.status(202).header('location', `/imports/${job.id}`).send(view(job));
      },
    );
  }

  app.get(
    '/imports/:id',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Progress and counts of an import',
        params: UuidParams,
        response: { 200: ImportJobSchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const job = await findImportJob(orm.em.fork(), request.params.id);
      if (!job) throw problems.notFound('Import', request.params.id);
      return view(job);
    },
  );

  app.get(
    '/imports/:id/rejections',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Rejected rows of an import in line order: line, field, reason (one item per problem)',
        params: UuidParams,
        querystring: Type.Object(
          {
            limit: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 10_000, default: 1000, description: 'rejected rows per page' }),
            ),
            afterLine: Type.Optional(Type.Integer({ minimum: 0, description: 'nextAfterLine of the previous page' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(RejectionSchema),
            nextAfterLine: Type.Union([Type.Integer(), Type.Null()]),
          }),
          ...problemResponses(400, 404),
        },
      },
    },
    async (request) => {
      const em = orm.em.fork();
      if (!(await findImportJob(em, request.params.id))) throw problems.notFound('Import', request.params.id);
      const limit = Math.min(request.query.limit ?? 1000, 10_000);
      const rows = await rejections(em, request.params.id, limit + 1, request.query.afterLine ?? 0);
      const page = rows.slice(0, limit);
      return {
        items: page.flatMap((r) => r.problems.map((p) => ({ line: r.line, field: p.field, reason: p.reason }))),
        nextAfterLine: rows.length > limit ? page.at(-1)!.line : null,
      };
    },
  );
};
