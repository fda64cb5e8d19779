// The relay of recorded workflow starts: every few seconds, starts what a request recorded but could not start
// (workflow service unreachable, process killed between commit and start). Runs in every API process; each batch
// is claimed with SKIP LOCKED, so processes do not compete for a start (and a second start would be refused).
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { relayPendingStarts } from './start-after-commit.js';

export interface StartRelayOptions {
  /** How often to look for pending starts. */
  everyMs: number;
  log?: { warn: (meta: object, message: string) => void; info: (meta: object, message: string) => void };
}

export function startRelayLoop(
  em: EntityManager,
  client: Client,
  options: StartRelayOptions,
): { stop: () => Promise<void> } {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = async () => {
    try {
      for (;;) {
        const { started, failed } = await relayPendingStarts(em, client, { limit: 100 });
        if (started > 0) options.log?.info({ started }, 'relayed recorded workflow starts');
        if (failed > 0) options.log?.warn({ failed }, 'recorded workflow starts still pending');
        if (started < 100 || stopped) break;
      }
    } catch (err) {
      // The database or the workflow service is down: the next tick tries again.
      options.log?.warn({ err }, 'workflow start relay could not run');
    }
  };
  // Each wait is jittered, so relays of several processes do not keep the same phase (one of them unable to reach
  // the workflow service would otherwise always claim first).
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(
      () => {
        running = tick().finally(schedule);
      },
      options.everyMs * (0.5 + Math.random()),
    );
    timer.unref();
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
