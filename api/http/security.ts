// HTTP hardening shared by the API and the portal pages: security headers (helmet, with a CSP that allows only the
// engine's own scripts and styles, and Stripe.js for the payment form), cookies (for portal sessions and CSRF), and
// rate limiting. Only the sign-in routes are limited by default (stricter: AUTH_LOGIN_RATE_LIMIT per client address per minute); routes opt in.
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { ProblemError } from './problem.js';

export async function installSecurity(app: FastifyInstance, options: { cookieSecret: string }): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        defaultSrc: ["'self'"],
        // Stripe.js collects card and bank details on the payment page in its own frames (they never pass through
        // the engine); it is the only third party allowed, and only its documented hosts.
        scriptSrc: ["'self'", 'https://js.stripe.com'],
        frameSrc: ['https://js.stripe.com', 'https://hooks.stripe.com'],
        connectSrc: ["'self'", 'https://api.stripe.com'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    // The portal sends statements and invoices as downloads; everything else is same-origin.
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  await app.register(cookie, { secret: options.cookieSecret, hook: 'onRequest' });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new ProblemError(
        429,
        'rate-limited',
        'Too many requests',
        `At most ${context.max} requests per ${context.after}; retry after ${Math.ceil(context.ttl / 1000)} s.`,
      ),
  });
}
