// Real activity dependencies for workflow tests: a cloned database and a real SMTP server.
import type { ActivityDeps } from '../../activities/deps.js';
import { startMailCatcher, type MailCatcher } from '../../src/mail/catcher.js';
import { createMailer } from '../../src/mail/mailer.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface RealActivityDeps {
  deps: ActivityDeps;
  db: TestDatabase;
  mail: MailCatcher;
  close(): Promise<void>;
}

export async function realActivityDeps(): Promise<RealActivityDeps> {
  const [db, mail] = await Promise.all([createTestDatabase(), startMailCatcher()]);
  const mailer = createMailer(`smtp://127.0.0.1:${mail.smtpPort}`);
  return {
    db,
    mail,
    deps: {
      orm: db.orm,
      mailer,
      mail: { from: 'ar@example.test', companyName: 'Example Corp', publicUrl: 'http://localhost:3000' },
      clock: () => new Date(),
    },
    async close() {
      mailer.close();
      await mail.close();
      await db.drop();
    },
  };
}
