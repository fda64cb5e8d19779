// Every link the engine puts in front of a customer (e-mails, documents, portal redirects) comes from here, built on
// PUBLIC_URL, so a link always names a portal page that exists. Mail templates reach it through the `portalUrl`
// helper (src/templates/render.ts) with ids only, never a finished URL handed in by an activity. Signed-out visitors
// are sent to sign-in with the page as `next`, and `returnPath` keeps that round trip on the portal.

/** The portal pages a message may link to, with the ids each needs. */
const PAGES = {
  overview: () => '/portal',
  invoices: () => '/portal/invoices',
  invoice: (p) => `/portal/invoices/${id(p, 'invoiceId')}`,
  /** The pay page, with one invoice preselected when given. */
  pay: (p) => (p.invoiceId == null ? '/portal/pay' : `/portal/pay?invoice=${id(p, 'invoiceId')}`),
  statements: () => '/portal/statements',
  payments: () => '/portal/payments',
  documents: () => '/portal/documents',
  disputes: () => '/portal/disputes',
  /** One dispute with its correspondence; the customer answers a request for information there. */
  dispute: (p) => `/portal/disputes/${id(p, 'disputeId')}`,
  promise: () => '/portal/promise',
  preferences: () => '/portal/preferences',
  signIn: () => '/portal/sign-in',
  acceptInvitation: (p) => `/portal/accept-invitation?token=${id(p, 'token')}`,
  magicLink: (p) => `/portal/magic?token=${id(p, 'token')}`,
} satisfies Record<string, (params: Record<string, unknown>) => string>;

export type PortalPage = keyof typeof PAGES;

/** Staff have no pages of their own: their links open the documented API resource (with their token). */
const STAFF_PAGES = {
  task: (p) => `/tasks/${id(p, 'taskId')}`,
} satisfies Record<string, (params: Record<string, unknown>) => string>;

export type StaffPage = keyof typeof STAFF_PAGES;

function id(params: Record<string, unknown>, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value.length === 0)
    throw new Error(`portal link: ${name} is required (got ${JSON.stringify(value)})`);
  return encodeURIComponent(value);
}

export function isPortalPage(page: string): page is PortalPage {
  return Object.hasOwn(PAGES, page);
}

/** The path of a portal page (`/portal/...`); an unknown page name or a missing id throws, so no dead link is built. */
export function portalPath(page: string, params: Record<string, unknown> = {}): string {
  if (!isPortalPage(page))
    throw new Error(`portal link: there is no portal page "${page}" (pages: ${Object.keys(PAGES).join(', ')})`);
  return PAGES[page](params);
}

/** The absolute URL of a portal page under the public base URL (`PUBLIC_URL`, which may carry a path prefix). */
export function portalUrl(publicUrl: string, page: string, params: Record<string, unknown> = {}): string {
  return absolute(publicUrl, portalPath(page, params));
}

export function staffUrl(publicUrl: string, page: string, params: Record<string, unknown> = {}): string {
  if (!Object.hasOwn(STAFF_PAGES, page)) throw new Error(`staff link: there is no staff resource "${page}"`);
  return absolute(publicUrl, STAFF_PAGES[page as StaffPage](params));
}

function absolute(publicUrl: string, path: string): string {
  // new URL() percent-encodes quotes and angle brackets, so the result is safe inside an HTML attribute as it is.
  return new URL(publicUrl.replace(/\/+$/, '') + path).href;
}

const ORIGIN = 'http://portal.invalid';

/**
 * Where to go after signing in: a same-origin portal path (with its query) or, for anything else, the overview.
 * Parsed as a URL rather than matched as text, so `//host`, `/\host`, `https:...`, encoded slashes or dot segments
 * that climb out of /portal cannot turn the sign-in page into an open redirect.
 */
export function returnPath(next: unknown): string {
  const fallback = PAGES.overview();
  // eslint-disable-next-line no-control-regex -- control characters are what a return path may not hold
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || /[\\\s\u0000-\u001f]/.test(next))
    return fallback;
  let url: URL;
  try {
    url = new URL(next, ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== ORIGIN) return fallback;
  if (url.pathname !== '/portal' && !url.pathname.startsWith('/portal/')) return fallback;
  // Sign-in pages themselves are no destination (a loop), nor is an encoded slash that a proxy might decode later.
  if (url.pathname.startsWith('/portal/sign-in') || /%2f|%5c/i.test(url.pathname)) return fallback;
  return url.pathname + url.search;
}
