// Keeps a database outage from leaking pool slots. Kysely 0.29 (under MikroORM 7) does not release a connection whose
// BEGIN fails (ControlledTransactionBuilder.execute acquires, then awaits BEGIN without a finally), and BEGIN fails
// exactly when the server went away under a pooled connection. Each such connection stays "checked out" forever; after
// a restart or two the pool is full of dead connections and every request waits for a slot until it times out, while
// the database is long back (found by the fault suite's PostgreSQL-restart scenario). The guard takes a dead,
// checked-out connection off the pool's books so the slot is free again; a later release of it (when the holder did
// not leak it) finds it dead and only closes it. It relies on pg-pool 3's `_clients`/`_idle`/`_pulseQueue`.
import type { Pool, PoolClient } from 'pg';

interface PoolInternals {
  _clients: PoolClient[];
  _idle: { client: PoolClient }[];
  _pulseQueue(): void;
}

interface ClientInternals {
  _queryable?: boolean;
  _ending?: boolean;
}

export function guardPoolAgainstDeadConnections(pool: Pool): void {
  const internals = pool as unknown as PoolInternals;
  if (!Array.isArray(internals._clients) || typeof internals._pulseQueue !== 'function') return; // another pg-pool: leave it
  const forget = (client: PoolClient) => {
    const checkedOut = internals._clients.includes(client) && !internals._idle.some((item) => item.client === client);
    if (!checkedOut) return; // idle connections are pg-pool's own business (it drops them on their error)
    internals._clients = internals._clients.filter((c) => c !== client);
    internals._pulseQueue();
  };
  const dead = (client: PoolClient) =>
    (client as unknown as ClientInternals)._queryable === false ||
    (client as unknown as ClientInternals)._ending === true;
  pool.on('connect', (client) => client.once('end', () => forget(client)));
  // A connection that died while idle, handed out before the pool noticed: its BEGIN will fail and leak it.
  pool.on('acquire', (client) => {
    if (dead(client)) setImmediate(() => forget(client));
  });
}
