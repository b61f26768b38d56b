// Applies the schema migrations not yet applied, in one transaction that holds an advisory lock:
// nodes starting at once queue on the lock, the first migrates, the others find nothing to do.
import type pg from 'pg';
import { LOCK, transaction } from './pool.js';
import { MIGRATIONS } from './schema.js';

export async function migrate(pool: pg.Pool): Promise<number> {
  return transaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK.migrate]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = rows[0]?.v ?? 0;
    if (current > MIGRATIONS.length) {
      throw new Error(`the database's schema (version ${current}) is newer than this Sluice knows (${MIGRATIONS.length})`);
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      await client.query(MIGRATIONS[v]!);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [v + 1]);
    }
    return MIGRATIONS.length - current;
  });
}
