// The connection pool of the PostgreSQL engine, and the few helpers every table uses: transactions,
// retries of transient conflicts, and the advisory lock keys that coordinate several Sluice nodes.
import pg from 'pg';

/** int8 values fit a JavaScript number here (counters, milliseconds, uids). */
const types = new pg.TypeOverrides();
types.setTypeParser(20, 'text', Number);

export interface PoolOptions {
  connectionString: string;
  /** Connections per node. */
  max?: number;
  /** Told about errors of idle connections (a restarted or unreachable server), which must not crash the node. */
  onError?: (err: Error) => void;
}

/** Server-side bound on one statement, and the client-side bound that also covers a silent network. */
export const STATEMENT_TIMEOUT_MS = 15_000;
const QUERY_TIMEOUT_MS = 20_000;
const CONNECT_TIMEOUT_MS = 5_000;

export function connectionConfig(connectionString: string): pg.ClientConfig {
  return {
    connectionString,
    types,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    // A node that dies inside a transaction must not hold its row locks for long.
    idle_in_transaction_session_timeout: 30_000,
    application_name: 'sluice',
  };
}

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({ ...connectionConfig(options.connectionString), max: options.max ?? 10, idleTimeoutMillis: 30_000 });
  // Without a listener, an idle client's error (the server restarted, the network dropped) would be
  // thrown as an uncaught exception. The pool drops that client and opens a new one when needed.
  pool.on('error', (err) => options.onError?.(err));
  // A connection that fails emits 'error' on its client, and the pool listens only while the client
  // is idle: one checked out (or being closed after a failure) would crash the process with an
  // unhandled 'error'. The statement that was running (or the next one) rejects anyway, and the
  // pool discards the client when it is released with the error.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export type Queryable = pg.Pool | pg.PoolClient;

/** Takes a connection from the pool for several statements (release it, with `true` if it failed). */
export function checkout(pool: pg.Pool): Promise<pg.PoolClient> {
  return pool.connect();
}

/** Runs `fn` in a transaction on one connection; a connection that failed is discarded, not reused. */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await checkout(pool);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err) {
    let broken = true;
    try {
      await client.query('ROLLBACK');
      broken = false;
    } catch {
      // The connection is gone; release(true) below closes it.
    }
    client.release(broken);
    throw err;
  }
}

/** SQLSTATEs worth trying again at once: a deadlock, a serialization failure, the engine's own "routing changed". */
const TRANSIENT = new Set(['40P01', '40001', 'SLR01']);

export async function withRetry<T>(fn: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !TRANSIENT.has((err as { code?: string }).code ?? '')) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

/** Advisory lock classes (the first key of pg_advisory_lock(int, int)). */
export const LOCK = {
  /** Schema migrations: one node migrates, the others wait and find nothing left to do. */
  migrate: 0x534c0001,
  /** Retention trimming and partition upkeep: one node at a time. */
  trim: 0x534c0002,
  /** Per account and region (second key: hashtext): shard limits and name uniqueness at creation. */
  account: 0x534c0003,
} as const;
