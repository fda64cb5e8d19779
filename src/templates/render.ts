// Handlebars templates for mail and documents: `<name>.subject.hbs`, `<name>.html.hbs`, `<name>.text.hbs` under
// this folder, with the shared `layout` partial. Compiled once per process. Mail, documents and the portal all render
// through here, so it lives beside them in src/ rather than with the activities that send the mail.
import { readdirSync, readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { formatMoney, type Money } from '../shared/money.js';
import { portalUrl, staffUrl } from '../portal/urls.js';

export const TEMPLATE_DIR = new URL('./', import.meta.url);
const handlebars = Handlebars.create();
handlebars.registerHelper('money', (value: Money) => formatMoney(value));
handlebars.registerHelper('date', (value: string | Date) => new Date(value).toISOString().slice(0, 10));
handlebars.registerPartial('layout', readFileSync(new URL('layout.html.hbs', TEMPLATE_DIR), 'utf8'));
// Links: `{{portalUrl "invoice" invoiceId=invoiceId}}`, `{{staffUrl "task" taskId=taskId}}`. Templates get ids, never
// finished URLs, so every link is built by src/portal/urls.ts on PUBLIC_URL (the `publicUrl` every render receives).
// An unknown page or a missing id fails the render instead of sending a dead link. The URL is already safe in an
// attribute and in plain text (new URL() percent-encodes quotes and brackets), so it is not HTML-escaped again.
const linkHelper = (build: typeof portalUrl) =>
  function (this: unknown, page: string, options: Handlebars.HelperOptions) {
    const publicUrl = (options.data?.root as { publicUrl?: unknown } | undefined)?.publicUrl;
    if (typeof publicUrl !== 'string') throw new Error(`link to "${page}": the render has no publicUrl`);
    return new handlebars.SafeString(build(publicUrl, page, options.hash as Record<string, unknown>));
  };
handlebars.registerHelper('portalUrl', linkHelper(portalUrl));
handlebars.registerHelper('staffUrl', linkHelper(staffUrl));

const cache = new Map<string, Handlebars.TemplateDelegate>();

function compiled(file: string): Handlebars.TemplateDelegate {
  let template = cache.get(file);
  if (!template) {
    template = handlebars.compile(readFileSync(new URL(file, TEMPLATE_DIR), 'utf8'), { strict: true });
    cache.set(file, template);
  }
  return template;
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/** The names of every mail template: each with a subject, an HTML and a text part. */
export function mailTemplateNames(): string[] {
  const files = new Set(readdirSync(TEMPLATE_DIR));
  return [...files]
    .filter((f) => f.endsWith('.subject.hbs'))
    .map((f) => f.slice(0, -'.subject.hbs'.length))
    .filter((name) => files.has(`${name}.html.hbs`) && files.has(`${name}.text.hbs`))
    .sort();
}

export function renderMail(name: string, data: Record<string, unknown>): RenderedMail {
  const subject = compiled(`${name}.subject.hbs`)(data).trim();
  const withSubject = { ...data, subject };
  return { subject, html: compiled(`${name}.html.hbs`)(withSubject), text: compiled(`${name}.text.hbs`)(withSubject) };
}

/** A standalone document (e.g. the invoice attached to its delivery e-mail) from `<name>.hbs`. */
export function renderDocument(name: string, data: Record<string, unknown>): string {
  return compiled(`${name}.hbs`)(data);
}
