// stripe-mock (the Stripe API double, built by scripts/setup.sh --test into the toolchain cache) on a free port, and
// Stripe-signed webhook payloads for the portal payment tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { freePort } from '../../src/composition/free-port.js';

export const STRIPE_WEBHOOK_SECRET = 'whsec_test_portal_payments_0123456789';

export function stripeMockPath(): string {
  const path =
    process.env.STRIPE_MOCK_PATH ??
    join(process.env.AR_TOOLCHAIN_CACHE ?? join(homedir(), '.cache', 'ar-engine'), 'bin', 'stripe-mock');
  if (!existsSync(path))
    throw new Error(`stripe-mock not found at ${path}: run npm run setup -- --test (or set STRIPE_MOCK_PATH)`);
  return path;
}

export interface StripeMock {
  url: string;
  /** Engine environment pointing the Stripe gateway at this stripe-mock. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startStripeMock(): Promise<StripeMock> {
  const port = await freePort();
  // stripe-mock also serves HTTPS, on the fixed port 12112 unless told otherwise: two test files starting it at once
  // would collide there and one would exit. Every port it binds is therefore chosen free.
  const httpsPort = await freePort();
  const args = ['-http-addr', `127.0.0.1:${port}`, '-https-addr', `127.0.0.1:${httpsPort}`];
  const child: ChildProcess = spawn(stripeMockPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  // stripe-mock parses the whole Stripe OpenAPI document at start: seconds of CPU, more on a loaded 2-core machine.
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/v1/payment_intents`, { headers: { authorization: 'Bearer sk_test_123' } });
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`stripe-mock did not start (exit code ${String(child.exitCode)}):\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    env: { STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_WEBHOOK_SECRET, STRIPE_API_URL: url },
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** A `payment_intent.*` event as Stripe sends it, with a valid Stripe-Signature header (or one for another secret). */
export function signedIntentEvent(input: {
  type: string;
  eventId: string;
  intentId: string;
  amount: number;
  currency: string;
  secret?: string;
}) {
  const payload = JSON.stringify({
    id: input.eventId,
    object: 'event',
    type: input.type,
    api_version: '2024-06-20',
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: input.intentId,
        object: 'payment_intent',
        amount: input.amount,
        amount_received: input.type === 'payment_intent.succeeded' ? input.amount : 0,
        currency: input.currency.toLowerCase(),
        status: input.type === 'payment_intent.succeeded' ? 'succeeded' : 'requires_payment_method',
        last_payment_error:
          input.type === 'payment_intent.payment_failed' ? { message: 'Your card was declined.' } : null,
      },
    },
  });
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: input.secret ?? STRIPE_WEBHOOK_SECRET,
  });
  return { payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } };
}
