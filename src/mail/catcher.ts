// A local mail catcher: a real SMTP server that keeps every message it receives, and a small web inbox where a
// person can read them. The embedded default and the test suite both use it; production points SMTP_URL at a relay.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  id: number;
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; contentType: string; size: number; content: Buffer }[];
  receivedAt: Date;
}

export interface MailCatcher {
  smtpPort: number;
  uiPort: number | undefined;
  messages: CaughtMail[];
  /** Resolves with the first message (already received or arriving within the timeout) matching the predicate. */
  waitFor(predicate: (mail: CaughtMail) => boolean, timeoutMs?: number): Promise<CaughtMail>;
  close(): Promise<void>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function inboxPage(messages: CaughtMail[]): string {
  const rows = [...messages]
    .reverse()
    .map(
      (m) =>
        `<tr><td>${m.receivedAt.toISOString()}</td><td>${escapeHtml(m.to.join(', '))}</td><td><a href="/messages/${m.id}">${escapeHtml(m.subject)}</a></td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Mail catcher</title><style>body{font:14px system-ui;margin:2rem}table{border-collapse:collapse;width:100%}td,th{padding:.4rem;border-bottom:1px solid #ddd;text-align:left}</style></head>
<body><h1>Mail catcher</h1><p>${messages.length} message(s). Newest first.</p>
<table><thead><tr><th>Received</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows}</tbody></table></body></html>`;
}

function messagePage(m: CaughtMail): string {
  const attachments = m.attachments
    .map((a) => `<li>${escapeHtml(a.filename)} (${a.contentType}, ${a.size} bytes)</li>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(m.subject)}</title>
<style>body{font:14px system-ui;margin:2rem}iframe{width:100%;height:60vh;border:1px solid #ddd}pre{white-space:pre-wrap}</style></head>
<body><p><a href="/">&larr; Inbox</a></p><h1>${escapeHtml(m.subject)}</h1>
<p>From ${escapeHtml(m.from)} to ${escapeHtml(m.to.join(', '))}, ${m.receivedAt.toISOString()}</p>
${attachments ? `<ul>${attachments}</ul>` : ''}
<iframe sandbox title="HTML body" srcdoc="${escapeHtml(m.html)}"></iframe><h2>Text</h2><pre>${escapeHtml(m.text)}</pre></body></html>`;
}

export async function startMailCatcher(
  options: { smtpPort?: number; uiPort?: number; host?: string } = {},
): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const messages: CaughtMail[] = [];
  const waiters = new Set<() => void>();

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          messages.push({
            id: messages.length + 1,
            messageId: parsed.messageId ?? '',
            from: parsed.from?.text ?? session.envelope.mailFrom?.toString() ?? '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            attachments: parsed.attachments.map((a) => ({
              filename: a.filename ?? 'attachment',
              contentType: a.contentType,
              size: a.size,
              content: a.content,
            })),
            receivedAt: new Date(),
          });
          for (const wake of waiters) wake();
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort ?? 0, host, () => resolve());
  });
  // A client that dies mid-session (a SIGKILLed worker) resets its connection; smtp-server reports that as an
  // 'error' event, which must not crash the process that hosts the catcher.
  smtp.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') console.error('mail catcher:', error.message);
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  let ui: Server | undefined;
  if (options.uiPort !== undefined) {
    ui = createServer((req, res) => {
      const match = /^\/messages\/(\d+)$/.exec(req.url ?? '');
      const message = match ? messages[Number(match[1]) - 1] : undefined;
      if (req.url === '/' || req.url === '') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(inboxPage(messages));
      } else if (req.url === '/api/messages') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify(
            messages.map(({ attachments, ...m }) => ({
              ...m,
              attachments: attachments.map(({ content: _content, ...a }) => a),
            })),
          ),
        );
      } else if (message) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(messagePage(message));
      } else {
        res.writeHead(404).end('not found');
      }
    });
    await new Promise<void>((resolve, reject) => {
      ui!.once('error', reject);
      ui!.listen(options.uiPort, host, () => resolve());
    });
  }

  return {
    smtpPort,
    uiPort: ui ? (ui.address() as AddressInfo).port : undefined,
    messages,
    waitFor(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching e-mail within ${timeoutMs} ms (received: ${messages.map((m) => m.subject).join(' | ') || 'none'})`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    async close() {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      if (ui) await new Promise<void>((resolve) => ui!.close(() => resolve()));
    },
  };
}
