// Gauges read at scrape time: the PostgreSQL pool of this process, outbox lag and webhook backlog.
import { Gauge, type Registry } from 'prom-client';
import type { Orm } from '../db/orm.js';
import { outboxLagSeconds } from '../events/store/stream.js';

interface PgPoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

async function poolOf(orm: Orm): Promise<PgPoolStats | undefined> {
  try {
    const connection = orm.em.getDriver().getConnection() as unknown as { getNativeClient(): Promise<PgPoolStats> };
    return await connection.getNativeClient();
  } catch {
    return undefined;
  }
}

export function registerDatabaseMetrics(registry: Registry, orm: Orm, options: { backlog: boolean }): void {
  new Gauge({
    name: 'ar_db_pool_connections',
    help: 'PostgreSQL pool connections of this process by state (in_use, idle, waiting requests, max).',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const pool = await poolOf(orm);
      if (!pool) return;
      this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
      if (pool.options?.max !== undefined) this.set({ state: 'max' }, pool.options.max);
    },
  });
  if (!options.backlog) return;
  new Gauge({
    name: 'ar_outbox_lag_seconds',
    help: 'Age of the oldest outbox event an active webhook subscription has not fanned out yet (0: caught up).',
    registers: [registry],
    async collect() {
      this.set(await outboxLagSeconds(orm.em.fork()).catch(() => 0));
    },
  });
  new Gauge({
    name: 'ar_webhook_deliveries',
    help: 'Webhook deliveries by status (pending, dead) right now.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await orm.em
        .fork()
        .execute<{ status: string; n: string }[]>(
          `SELECT status, count(*) AS n FROM webhook_delivery WHERE status IN ('pending', 'dead') GROUP BY status`,
        )
        .catch(() => []);
      this.set({ status: 'pending' }, 0);
      this.set({ status: 'dead' }, 0);
      for (const r of rows) this.set({ status: r.status }, Number(r.n));
    },
  });
}
