// Handlebars templates for mail and documents: `<name>.subject.hbs`, `<name>.html.hbs`, `<name>.text.hbs` under
// templates/, with the shared `layout` partial. Compiled once per process.
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { formatMoney, type Money } from '../src/domain/money.js';

const TEMPLATE_DIR = new URL('./templates/', import.meta.url);
const handlebars = Handlebars.create();
handlebars.registerHelper('money', (value: Money) => formatMoney(value));
handlebars.registerHelper('date', (value: string | Date) => new Date(value).toISOString().slice(0, 10));
handlebars.registerPartial('layout', readFileSync(new URL('layout.html.hbs', TEMPLATE_DIR), 'utf8'));

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

export function renderMail(name: string, data: Record<string, unknown>): RenderedMail {
  const subject = compiled(`${name}.subject.hbs`)(data).trim();
  const withSubject = { ...data, subject };
  return { subject, html: compiled(`${name}.html.hbs`)(withSubject), text: compiled(`${name}.text.hbs`)(withSubject) };
}

/** A standalone document (e.g. the invoice attached to its delivery e-mail) from `<name>.hbs`. */
export function renderDocument(name: string, data: Record<string, unknown>): string {
  return compiled(`${name}.hbs`)(data);
}
