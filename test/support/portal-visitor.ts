// A visitor of the portal over real HTTP, as a browser without script behaves: it keeps cookies, follows redirects
// itself, and when a page sends it to the sign-in form it signs in there (with the form's CSRF token and the `next`
// the page carried) and goes on. Used to follow links from e-mails the way a customer clicks them.

export interface Visit {
  status: number;
  /** Path and query of the page it ended on. */
  path: string;
  contentType: string;
  body: string;
  /** Whether the sign-in form was on the way (and was filled in). */
  signedIn: boolean;
  /** Every URL on the way, first to last. */
  hops: string[];
}

export class PortalVisitor {
  private readonly cookies = new Map<string, string>();

  constructor(
    private readonly base: string,
    private readonly credentials: { email: string; password: string },
  ) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...value] = pair!.split('=');
      const expired =
        attributes.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()) ||
        attributes.some((a) => /^\s*max-age=0/i.test(a));
      if (expired) this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value.join('='));
    }
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/html', cookie: this.cookieHeader() };
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(new URL(url, this.base), {
      method: init.method ?? 'GET',
      headers,
      body,
      redirect: 'manual',
    });
    this.keep(response);
    return response;
  }

  /** Opens a link and follows it to the page it ends on, signing in on the way if the portal asks for it. */
  async open(link: string): Promise<Visit> {
    let url = new URL(link, this.base).href;
    const hops: string[] = [];
    let signedIn = false;
    for (let hop = 0; hop < 8; hop++) {
      hops.push(url);
      const response = await this.request(url);
      if (response.status >= 300 && response.status < 400) {
        const location = response.headers.get('location')!;
        await response.arrayBuffer();
        url = new URL(location, url).href;
        continue;
      }
      const body = await response.text();
      const at = new URL(url);
      if (response.status === 200 && at.pathname === '/portal/sign-in' && !signedIn) {
        url = await this.signIn(body);
        signedIn = true;
        continue;
      }
      return {
        status: response.status,
        path: at.pathname + at.search,
        contentType: response.headers.get('content-type') ?? '',
        body,
        signedIn,
        hops,
      };
    }
    throw new Error(`too many redirects: ${hops.join(' -> ')}`);
  }

  /** Fills in the sign-in form as served (CSRF token and next included); returns where the portal sends us. */
  async signIn(formPage: string): Promise<string> {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(formPage)?.[1];
    const next = /name="next" value="([^"]*)"/.exec(formPage)?.[1];
    if (!csrf) throw new Error('the sign-in page has no CSRF token');
    const response = await this.request('/portal/sign-in', {
      method: 'POST',
      form: {
        _csrf: csrf,
        email: this.credentials.email,
        password: this.credentials.password,
        ...(next !== undefined ? { next: decodeHtml(next) } : {}),
      },
    });
    await response.arrayBuffer();
    if (response.status !== 303) throw new Error(`sign-in answered ${response.status}`);
    return new URL(response.headers.get('location')!, this.base).href;
  }

  /** A form post from a page just opened (its CSRF token). */
  async submit(page: string, action: string, fields: Record<string, string>): Promise<Response> {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
    if (!csrf) throw new Error('the page has no CSRF token');
    return this.request(action, { method: 'POST', form: { _csrf: csrf, ...fields } });
  }
}

export const decodeHtml = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&#x3D;/g, '=')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');

/** Every link in a message: the hrefs of its HTML part and the URLs in its text part. */
export function linksOf(message: { html: string; text: string }): { html: string[]; text: string[] } {
  const html = [...message.html.matchAll(/<a\b[^>]*\bhref="([^"]+)"/gi)].map((m) => decodeHtml(m[1]!));
  const text = [...message.text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0].replace(/[.,;:)]+$/, ''));
  return { html, text };
}
