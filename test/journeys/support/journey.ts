// A journey walks the engine the way its users do, and only that way: the documented HTTP API over a real socket,
// the mail inbox, the portal in Chromium, and time moved by seconds-scale policies written through the API.
// Nothing here reads a table or calls engine internals to assert; the engine under it is the real one (API, worker,
// PostgreSQL, Temporal dev server, SMTP catcher) from test/support/engine.ts.
//
//   const journey = await startJourney();
//   const clerk = await journey.staff('ar_clerk');           // a user created by the admin, signed in with a password
//   const customer = await clerk.ok('POST /customers', { body });
//   const answer = await clerk.call('POST /payments', { body }); // any documented status; .status, .body
//   const mail = await journey.inbox.waitFor({ to: 'ap@acme.example', subject: /Invoice/ });
//   const page = await journey.browser();                     // Chromium page on the portal
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '../../../src/composition/free-port.js';
import type { StaffRole } from '../../../src/auth/roles.js';
import type { CaughtMail } from '../../../src/mail/catcher.js';
import { eventually, startTestEngine, type TestEngine } from '../../support/engine.js';
import { Contract } from './contract.js';

export { eventually };

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
  /** The documented operation that answered, e.g. `POST /customers`. */
  operation: string;
}

export interface CallOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Raw request body (e.g. a CSV upload) sent with `contentType`; `body` is JSON otherwise. */
  raw?: string | Buffer;
  contentType?: string;
}

/** A caller of the published API: a signed-in staff member, a portal user, or nobody. */
export class ApiClient {
  constructor(
    private readonly base: string,
    private readonly contract: Contract,
    private readonly token: string | undefined,
    /** Who this client is (its e-mail), for the journey's own messages. */
    readonly who: string,
  ) {}

  /** `call('POST /customers/{id}/contacts'.replace(...))`: a line `METHOD /concrete/path`. Any documented status. */
  async call<T = any>(line: string, options: CallOptions = {}): Promise<Answer<T>> {
    const [method, path] = splitLine(line);
    this.contract.operationFor(method, path);
    const url = new URL(path, this.base);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json, */*',
      ...options.headers,
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload: string | Buffer | undefined;
    if (options.raw !== undefined) {
      payload = options.raw;
      headers['content-type'] = options.contentType ?? 'text/csv';
    } else if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(url, { method, headers, body: payload as string | Uint8Array | undefined });
    const contentType = response.headers.get('content-type') ?? undefined;
    const text = await response.text();
    const body = contentType?.includes('json') && text ? JSON.parse(text) : text;
    const checked = this.contract.check(method, path, response.status, contentType, body);
    return { status: response.status, body: body as T, headers: response.headers, operation: checked.operation };
  }

  /** Like call, but the answer must be a success (2xx); returns its body. */
  async ok<T = any>(line: string, options: CallOptions = {}): Promise<T> {
    const answer = await this.call<T>(line, options);
    if (answer.status < 200 || answer.status > 299) {
      throw new Error(`${this.who}: ${line} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 800)}`);
    }
    return answer.body;
  }
}

function splitLine(line: string): [string, string] {
  const match = /^(GET|POST|PUT|PATCH|DELETE)\s+(\/\S*)$/.exec(line.trim());
  if (!match) throw new Error(`not a request line: ${line}`);
  return [match[1]!, match[2]!];
}

export interface MailQuery {
  to?: string;
  subject?: RegExp | string;
  /** Only messages received after this many messages had arrived (see `inbox.mark()`). */
  after?: number;
}

/** The mail inbox a person reads: every message the engine sent, in the order it arrived. */
export class Inbox {
  constructor(private readonly engine: TestEngine) {}

  /** The number of messages so far; pass it as `after` to wait only for newer ones. */
  mark(): number {
    return this.engine.mail.messages.length;
  }

  list(query: MailQuery = {}): CaughtMail[] {
    return this.engine.mail.messages.slice(query.after ?? 0).filter((m) => matches(m, query));
  }

  waitFor(query: MailQuery, timeoutMs = 30_000): Promise<CaughtMail> {
    const after = query.after ?? 0;
    return this.engine.mail.waitFor(
      (m) => this.engine.mail.messages.indexOf(m) >= after && matches(m, query),
      timeoutMs,
    );
  }

  /** Every link a reader can click in a message (its HTML body, else URLs in its text). */
  links(mail: CaughtMail): { text: string; href: string }[] {
    const found = [...mail.html.matchAll(/<a\b[^>]*href="([^"]+)"[^>]*>([\s\S]*?)<\/a>/gi)].map((m) => ({
      href: m[1]!.replace(/&amp;/g, '&'),
      text: m[2]!
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    }));
    if (found.length) return found;
    return [...mail.text.matchAll(/https?:\/\/\S+/g)].map((m) => ({ href: m[0], text: m[0] }));
  }
}

function matches(mail: CaughtMail, query: MailQuery): boolean {
  if (query.to && !mail.to.some((t) => t.toLowerCase() === query.to!.toLowerCase())) return false;
  if (query.subject instanceof RegExp && !query.subject.test(mail.subject)) return false;
  if (typeof query.subject === 'string' && !mail.subject.includes(query.subject)) return false;
  return true;
}

export interface Journey {
  /** Where the API, the portal and /docs answer, e.g. http://127.0.0.1:41234. */
  base: string;
  contract: Contract;
  inbox: Inbox;
  /** The first administrator, as `npm run ar -- token --role admin` gives one at go-live. */
  admin: ApiClient;
  /** Nobody signed in. */
  anonymous: ApiClient;
  /** A new staff user of that role, created by the admin through POST /users and signed in with its password. */
  staff(role: StaffRole, name?: string): Promise<ApiClient & { email: string; password: string }>;
  /** A portal user for the customer, created by the admin; sign in through the portal (browser) or the API. */
  portalUser(customerId: string, email: string): Promise<{ email: string; password: string }>;
  /** A fresh Chromium page (its own cookies), with screenshots under test-artifacts/journeys/<name>/. */
  browser(): Promise<Page>;
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

const chromiumPath = () =>
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export async function startJourney(name: string, options: { env?: Record<string, string> } = {}): Promise<Journey> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const engine = await startTestEngine({ env: { PUBLIC_URL: base, ...options.env } });
  await engine.app.listen({ host: '127.0.0.1', port });
  const contract = new Contract(
    (await (await fetch(`${base}/docs/json`)).json()) as ConstructorParameters<typeof Contract>[0],
  );
  const admin = new ApiClient(
    base,
    contract,
    await engine.tokenFor('admin', undefined, { actor: 'go-live-admin' }),
    'go-live-admin',
  );
  const artifacts = new URL(`../../../test-artifacts/journeys/${name}/`, import.meta.url).pathname;
  let browser: Browser | undefined;
  let serial = 0;

  const signIn = async (email: string, password: string): Promise<string> => {
    const anonymous = new ApiClient(base, contract, undefined, email);
    const tokens = await anonymous.ok<{ accessToken: string }>('POST /auth/login', { body: { email, password } });
    return tokens.accessToken;
  };

  return {
    base,
    contract,
    inbox: new Inbox(engine),
    admin,
    anonymous: new ApiClient(base, contract, undefined, 'anonymous'),
    async staff(role, name) {
      serial += 1;
      const email = `${name ?? role.replace('_', '-')}-${serial}@staff.example`;
      const password = `journey ${randomBytes(9).toString('base64url')} secret`;
      await admin.ok('POST /users', { body: { email, role, password, displayName: name ?? role } });
      const client = new ApiClient(base, contract, await signIn(email, password), email);
      return Object.assign(client, { email, password });
    },
    async portalUser(customerId, email) {
      const password = `portal ${randomBytes(9).toString('base64url')} secret`;
      await admin.ok('POST /users', { body: { email, role: 'customer', customerId, password } });
      return { email, password };
    },
    async browser() {
      if (!browser) {
        const executablePath = chromiumPath();
        if (!executablePath)
          throw new Error(
            'Chromium not found: run npm run setup -- --test (apt-get install chromium) or set CHROMIUM_PATH',
          );
        browser = await chromium.launch({
          executablePath,
          headless: true,
          args: ['--no-sandbox', '--disable-dev-shm-usage'],
        });
      }
      const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 800 } });
      return context.newPage();
    },
    async screenshot(page, shot) {
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: `${artifacts}${shot}.png`, fullPage: true });
    },
    async close() {
      await browser?.close();
      await engine.close();
    },
  };
}

/** `path('/customers/{id}/contacts', { id })`: a concrete path from a documented template. */
export function path(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{([^}]+)\}/g, (_, key: string) => {
    if (params[key] === undefined) throw new Error(`path ${template} needs ${key}`);
    return encodeURIComponent(String(params[key]));
  });
}

/** A calendar date `days` from today (negative: in the past), as YYYY-MM-DD. */
export function day(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}
