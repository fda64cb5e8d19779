// What activities need from the outside world; the worker passes real ones, unit tests pass fakes.
import type { Client } from '@temporalio/client';
import type { Orm } from '../src/db/orm.js';
import type { Mailer } from '../src/mail/mailer.js';

export interface ActivityDeps {
  orm: Orm;
  mailer: Mailer;
  /** paymentInstructions: the how-to-pay text of statements (PAYMENT_INSTRUCTIONS). */
  mail: { from: string; companyName: string; publicUrl: string; paymentInstructions?: string };
  clock: () => Date;
  /**
   * For activities that start or signal other workflows on behalf of theirs (signal-with-start of a collection,
   * a dispute pausing dunning). Absent only in tests that run no such activity.
   */
  temporal?: { client: Client; taskQueue: string };
}

/** The Temporal client of the deps, or a clear error when the worker was built without one. */
export function temporalOf(deps: ActivityDeps): { client: Client; taskQueue: string } {
  if (!deps.temporal) throw new Error('this activity needs ActivityDeps.temporal (a client and the task queue)');
  return deps.temporal;
}
