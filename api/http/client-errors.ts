// Requests Node's HTTP parser refuses before Fastify sees them (headers or a URL too large, a malformed request
// line, a client too slow to send its headers) are answered as problem+json like every other refusal, with the status
// the published document lists for every route (api/http/documented-statuses.ts), instead of the framework's own JSON.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { problemType } from './problem.js';

function problemFor(code: string | undefined): { status: number; slug: string; detail: string } {
  if (code === 'HPE_HEADER_OVERFLOW')
    return {
      status: 431,
      slug: 'request-too-large',
      detail:
        'The request line or headers are larger than the server accepts (16 KiB); send long filters in fewer, shorter values.',
    };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: 408, slug: 'request-timeout', detail: 'The request was not received in time.' };
  return { status: 400, slug: 'malformed-request', detail: 'The request is not well-formed HTTP.' };
}

export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, slug, detail } = problemFor(error.code);
  const body = JSON.stringify({ type: problemType(slug), title: STATUS_CODES[status], status, detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/problem+json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
