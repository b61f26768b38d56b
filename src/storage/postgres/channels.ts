// The PostgreSQL engine's channels table: one row per channel, its configuration kept as the JSON
// text the operations give, its sources as jsonb so that filters and the per-source limit can look
// into them. Creation holds the account and region's advisory lock, so the name and the one channel
// per source and destination type stay unique across nodes.
import type pg from 'pg';
import type {
  ChannelChangeOutcome, ChannelCreateOutcome, ChannelFilter, ChannelState, ChannelStatus, NewChannel,
} from '../store.js';
import { toChannel, type ChannelRow } from '../rows.js';
import { LOCK, transaction } from './pool.js';

/** A channel matches when one of its sources matches one of the filters (a jsonb array) given. */
const MATCHES_FILTERS = `
  EXISTS (SELECT 1 FROM jsonb_array_elements(c.sources) s, jsonb_array_elements($4::jsonb) f
    WHERE s->>'streamArn' = f->>'streamArn'
      AND (NOT (f ? 'streamCreatedMs') OR f->'streamCreatedMs' = 'null'::jsonb OR f->'streamCreatedMs' = s->'streamCreatedMs'))`;

export class ChannelTable {
  constructor(private readonly pool: pg.Pool) {}

  create(c: NewChannel): Promise<ChannelCreateOutcome> {
    return transaction(this.pool, async (q): Promise<ChannelCreateOutcome> => {
      await q.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK.account, `${c.account}/${c.region}`]);
      const byName = await q.query('SELECT 1 FROM channels WHERE account = $1 AND region = $2 AND name = $3', [c.account, c.region, c.name]);
      if (byName.rowCount) return { ok: false, reason: 'exists' };
      for (const source of c.sources) {
        const taken = await q.query(
          `SELECT 1 FROM channels c, jsonb_array_elements(c.sources) s
           WHERE c.account = $1 AND c.region = $2 AND c.destination = $3
             AND s->>'streamArn' = $4 AND s->'streamCreatedMs' = to_jsonb($5::bigint) LIMIT 1`,
          [c.account, c.region, c.destination, source.streamArn, source.streamCreatedMs]);
        if (taken.rowCount) return { ok: false, reason: 'destination-taken', source };
      }
      await q.query(
        `INSERT INTO channels (id, account, region, name, status, created_ms, destination, sources, config, tags, pending_due_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [c.id, c.account, c.region, c.name, c.status, c.createdMs, c.destination, JSON.stringify(c.sources), c.config,
          JSON.stringify(c.tags), c.pendingDueMs ?? null]);
      return { ok: true };
    });
  }

  async get(account: string, region: string, id: string): Promise<ChannelState | undefined> {
    const { rows } = await this.pool.query<ChannelRow>('SELECT * FROM channels WHERE id = $1', [id]);
    const row = rows[0];
    return row && row.account === account && row.region === region ? toChannel(row) : undefined;
  }

  async list(account: string, region: string, afterName: string | undefined, limit: number, filters?: ChannelFilter[]): Promise<ChannelState[]> {
    const { rows } = filters === undefined
      ? await this.pool.query<ChannelRow>(
        'SELECT * FROM channels c WHERE account = $1 AND region = $2 AND name > $3 ORDER BY name LIMIT $4',
        [account, region, afterName ?? '', limit])
      : await this.pool.query<ChannelRow>(
        `SELECT * FROM channels c WHERE account = $1 AND region = $2 AND name > $3 AND ${MATCHES_FILTERS} ORDER BY name LIMIT $5`,
        [account, region, afterName ?? '', JSON.stringify(filters), limit]);
    return rows.map(toChannel);
  }

  change(account: string, region: string, id: string, status: ChannelStatus, dueMs: number, allowed: ChannelStatus[],
    config?: string): Promise<ChannelChangeOutcome> {
    return transaction(this.pool, async (q): Promise<ChannelChangeOutcome> => {
      const { rows } = await q.query<ChannelRow>('SELECT * FROM channels WHERE id = $1 FOR UPDATE', [id]);
      const row = rows[0];
      if (!row || row.account !== account || row.region !== region) return { ok: false, status: undefined };
      if (!allowed.includes(row.status as ChannelStatus)) return { ok: false, status: row.status as ChannelStatus };
      await q.query('UPDATE channels SET status = $1, pending_due_ms = $2, config = COALESCE($3, config) WHERE id = $4',
        [status, dueMs, config ?? null, id]);
      return { ok: true };
    });
  }

  /** Ends every transition due at `nowMs`: DELETING channels go, the others become ACTIVE (each exactly once). */
  async completeDue(nowMs: number): Promise<number> {
    const deleted = await this.pool.query(`DELETE FROM channels WHERE status = 'DELETING' AND pending_due_ms <= $1`, [nowMs]);
    const activated = await this.pool.query(
      `UPDATE channels SET status = 'ACTIVE', pending_due_ms = NULL WHERE status <> 'DELETING' AND pending_due_ms <= $1`, [nowMs]);
    return (deleted.rowCount ?? 0) + (activated.rowCount ?? 0);
  }
}
