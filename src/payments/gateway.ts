// A payment gateway (cards, bank debits) behind one small interface, so the portal does not depend on a provider.
// The gateway never decides what the customer owes: the engine creates an intent for an amount it computed, and only
// a verified webhook saying the intent succeeded turns it into a payment (which then goes through cash application).

export type GatewayMethod = 'card' | 'ach_debit';

export interface CreateIntentInput {
  amount: number;
  currency: string;
  method: GatewayMethod;
  /** Our id of the gateway payment; sent as metadata and as the gateway's idempotency key. */
  reference: string;
  customerId: string;
  description: string;
  /** A payment method the gateway already holds (e.g. a saved card); confirms the intent at once. */
  paymentMethod?: string;
}

export interface CreatedIntent {
  providerRef: string;
  status: 'pending' | 'processing' | 'succeeded' | 'failed' | 'canceled';
  /** For the provider's browser library (Stripe.js) to collect and confirm the payment details. */
  clientSecret: string | null;
}

/** A verified gateway notification, reduced to what the engine acts on. */
export interface GatewayEvent {
  id: string;
  type: string;
  outcome: 'succeeded' | 'processing' | 'failed' | 'canceled' | 'ignored';
  providerRef: string | null;
  amountReceived: number | null;
  currency: string | null;
  failureReason: string | null;
}

export class WebhookSignatureError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'WebhookSignatureError';
  }
}

export interface PaymentGateway {
  readonly provider: string;
  createIntent(input: CreateIntentInput): Promise<CreatedIntent>;
  /**
   * The client secret of an intent still waiting for the customer's payment details, for the pay page to hand to the
   * provider's browser library; it is not stored by the engine (it authorises confirming the payment), so it is
   * fetched from the provider each time the page is shown. Null once the intent no longer takes details.
   */
  clientSecretOf(providerRef: string): Promise<string | null>;
  /** Verifies the signature over the raw body and parses the event; throws WebhookSignatureError if it is not genuine. */
  verifyWebhook(rawBody: Buffer, signatureHeader: string | undefined): GatewayEvent;
}
