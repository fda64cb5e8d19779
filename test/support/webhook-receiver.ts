// A real HTTP receiver on loopback for webhook tests: verifies each signature, fails the first attempts of each
// delivery as told, and accepts each delivery id once (what a well-behaved receiver does with the idempotent id).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, verifySignature } from '../../src/webhooks/signature.js';

export interface ReceivedRequest {
  deliveryId: string;
  eventId: string;
  type: string;
  entityId: string;
  signatureValid: boolean;
  status: number;
  body: Record<string, unknown>;
}

export interface WebhookReceiver {
  url: string;
  /** Every request that arrived, in arrival order. */
  requests: ReceivedRequest[];
  /** Accepted events (2xx answered, first time per delivery id), in acceptance order. */
  accepted: ReceivedRequest[];
  /** Answer 503 to the first `n` attempts of each delivery (Infinity: always). */
  failFirst: number;
  /** Hold each answer this long (ms). */
  delayMs: number;
  secret: string;
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: { failFirst?: number } = {}): Promise<WebhookReceiver> {
  const attempts = new Map<string, number>();
  const seen = new Set<string>();
  const receiver: WebhookReceiver = {
    url: '',
    requests: [],
    accepted: [],
    failFirst: options.failFirst ?? 0,
    delayMs: 0,
    secret: '',
    close: async () => undefined,
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as { id: string; type: string; entity: { id: string } };
      const deliveryId = String(request.headers[DELIVERY_ID_HEADER]);
      const n = (attempts.get(deliveryId) ?? 0) + 1;
      attempts.set(deliveryId, n);
      const signatureValid = verifySignature(
        receiver.secret,
        request.headers[SIGNATURE_HEADER] as string | undefined,
        raw,
      );
      const status = !signatureValid ? 400 : n <= receiver.failFirst ? 503 : 200;
      const entry: ReceivedRequest = {
        deliveryId,
        eventId: body.id,
        type: body.type,
        entityId: body.entity.id,
        signatureValid,
        status,
        body: body as never,
      };
      receiver.requests.push(entry);
      if (status === 200 && !seen.has(deliveryId)) {
        seen.add(deliveryId);
        receiver.accepted.push(entry);
      }
      setTimeout(
        () =>
          response
            .writeHead(status, { 'content-type': 'text/plain' })
            .end(status === 200 ? 'ok' : `attempt ${n} refused`),
        receiver.delayMs,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
