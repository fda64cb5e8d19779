// Stripe as the payment gateway: PaymentIntents for cards and US bank debits (ACH, `us_bank_account`), webhooks
// verified with the endpoint's signing secret (HMAC-SHA256 over timestamp and raw body, with a tolerance against
// replays). STRIPE_API_URL points the client at stripe-mock in tests.
import Stripe from 'stripe';
import type { CreatedIntent, CreateIntentInput, GatewayEvent, PaymentGateway } from './gateway.js';
import { WebhookSignatureError } from './gateway.js';

const METHOD_TYPES: Record<CreateIntentInput['method'], string> = { card: 'card', ach_debit: 'us_bank_account' };
const STATUS: Record<string, CreatedIntent['status']> = {
  requires_payment_method: 'pending',
  requires_confirmation: 'pending',
  requires_action: 'pending',
  requires_capture: 'processing',
  processing: 'processing',
  succeeded: 'succeeded',
  canceled: 'canceled',
};
const OUTCOMES: Record<string, GatewayEvent['outcome']> = {
  'payment_intent.succeeded': 'succeeded',
  'payment_intent.processing': 'processing',
  'payment_intent.payment_failed': 'failed',
  'payment_intent.canceled': 'canceled',
};

export function createStripeGateway(config: {
  secretKey: string;
  webhookSecret: string;
  apiUrl?: string;
}): PaymentGateway {
  const api = config.apiUrl ? new URL(config.apiUrl) : undefined;
  const stripe = new Stripe(config.secretKey, {
    ...(api
      ? {
          host: api.hostname,
          port: Number(api.port || (api.protocol === 'https:' ? 443 : 80)),
          protocol: api.protocol.replace(':', '') as 'http' | 'https',
        }
      : {}),
    maxNetworkRetries: 2,
    timeout: 20_000,
  });
  return {
    provider: 'stripe',
    async createIntent(input) {
      // `payment_method_types` is the API's long-standing parameter (the typings of newer SDKs only name its successor).
      const params = {
        amount: input.amount,
        currency: input.currency.toLowerCase(),
        payment_method_types: [METHOD_TYPES[input.method]],
        description: input.description,
        metadata: { gatewayPaymentId: input.reference, customerId: input.customerId },
        ...(input.paymentMethod ? { payment_method: input.paymentMethod, confirm: true } : {}),
      } as Stripe.PaymentIntentCreateParams;
      const intent = await stripe.paymentIntents.create(params, { idempotencyKey: `intent-${input.reference}` });
      return { providerRef: intent.id, status: STATUS[intent.status] ?? 'pending', clientSecret: intent.client_secret };
    },
    async clientSecretOf(providerRef) {
      const intent = await stripe.paymentIntents.retrieve(providerRef);
      return intent.client_secret ?? null;
    },
    verifyWebhook(rawBody, signatureHeader) {
      if (!signatureHeader) throw new WebhookSignatureError('the Stripe-Signature header is missing');
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(rawBody, signatureHeader, config.webhookSecret);
      } catch (error) {
        throw new WebhookSignatureError((error as Error).message);
      }
      const outcome = OUTCOMES[event.type] ?? 'ignored';
      if (outcome === 'ignored')
        return {
          id: event.id,
          type: event.type,
          outcome,
          providerRef: null,
          amountReceived: null,
          currency: null,
          failureReason: null,
        };
      const intent = event.data.object as Stripe.PaymentIntent;
      return {
        id: event.id,
        type: event.type,
        outcome,
        providerRef: intent.id,
        amountReceived: typeof intent.amount_received === 'number' ? intent.amount_received : null,
        currency: intent.currency ? intent.currency.toUpperCase() : null,
        failureReason: intent.last_payment_error?.message ?? null,
      };
    },
  };
}
