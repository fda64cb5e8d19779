// What Node's HTTP parser refuses before any route runs is still a problem+json with a status every route documents.
import Fastify, { type FastifyInstance } from 'fastify';
import { answerClientError } from '../../api/http/client-errors.js';
import { platformStatuses } from '../../api/http/documented-statuses.js';

let app: FastifyInstance;
let base: string;
beforeAll(async () => {
  app = Fastify({ logger: false, clientErrorHandler: answerClientError });
  app.get('/events', async () => ({ items: [] }));
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => app?.close());

it('answers a request line larger than the server accepts with 431 problem+json', async () => {
  const res = await fetch(`${base}/events?types=${'é'.repeat(9_000)}`);
  expect([res.status, res.headers.get('content-type')]).toEqual([431, 'application/problem+json']);
  expect(await res.json()).toEqual({
    type: expect.stringMatching(/request-too-large$/),
    title: 'Request Header Fields Too Large',
    status: 431,
    detail: expect.any(String),
  });
  // The same server answers the next request as usual.
  expect((await fetch(`${base}/events?types=invoice.issued`)).status).toBe(200);
});

it('documents 431 on every route, public ones included', () => {
  expect(platformStatuses('GET', { url: '/health/live' })).toContain(431);
  expect(platformStatuses('POST', { url: '/customers', schema: { body: {} } })).toContain(431);
});
