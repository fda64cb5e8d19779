// What activities need from the outside world; the worker passes real ones, unit tests pass fakes.
import type { Orm } from '../src/db/orm.js';
import type { Mailer } from '../src/mail/mailer.js';

export interface ActivityDeps {
  orm: Orm;
  mailer: Mailer;
  mail: { from: string; companyName: string; publicUrl: string };
  clock: () => Date;
}
