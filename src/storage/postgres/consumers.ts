// The PostgreSQL engine's consumers table: enhanced fan-out consumers, one row each, keyed by stream
// and name, their tags as JSON. Registration locks the stream's row (the per-stream limit) and its
// account and region (the CREATING limit), so registrations on different nodes cannot both take the
// last place.
import type pg from 'pg';
import { toConsumer, type ConsumerRow } from '../rows.js';
import type { ConsumerLimits, ConsumerState, NewConsumer, RegisterOutcome, StreamStatus } from '../store.js';
import { LOCK, transaction, type Queryable } from './pool.js';


export class ConsumerTable {
  constructor(private readonly pool: pg.Pool) {}

  register(c: NewConsumer, limits: ConsumerLimits): Promise<RegisterOutcome> {
    return transaction(this.pool, async (q): Promise<RegisterOutcome> => {
      const { rows } = await q.query<{ account: string; region: string; status: string }>(
        'SELECT account, region, status FROM streams WHERE uid = $1 FOR UPDATE', [c.streamUid]);
      const stream = rows[0];
      if (!stream || !limits.streamStatuses.includes(stream.status as StreamStatus)) {
        return { ok: false, reason: 'stream-status', status: stream?.status as StreamStatus | undefined };
      }
      await q.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK.account, `${stream.account}/${stream.region}`]);
      if ((await q.query('SELECT 1 FROM consumers WHERE stream_uid = $1 AND name = $2', [c.streamUid, c.name])).rowCount) {
        return { ok: false, reason: 'exists' };
      }
      const count = await this.count(q, c.streamUid);
      if (count >= limits.perStream) return { ok: false, reason: 'stream-limit', count };
      const creating = (await q.query<{ n: number }>(
        `SELECT count(*)::integer AS n FROM consumers c JOIN streams s ON s.uid = c.stream_uid
         WHERE s.account = $1 AND s.region = $2 AND c.status = 'CREATING'`, [stream.account, stream.region])).rows[0]!.n;
      if (creating >= limits.creatingPerAccount) return { ok: false, reason: 'creating-limit', count: creating };
      await q.query(
        `INSERT INTO consumers (stream_uid, name, status, created_ms, pending_due_ms, tags) VALUES ($1, $2, 'CREATING', $3, $4, $5)`,
        [c.streamUid, c.name, c.createdMs, c.dueMs, JSON.stringify(c.tags)]);
      return { ok: true };
    });
  }

  async get(streamUid: number, name: string): Promise<ConsumerState | undefined> {
    const { rows } = await this.pool.query<ConsumerRow>('SELECT * FROM consumers WHERE stream_uid = $1 AND name = $2', [streamUid, name]);
    return rows[0] && toConsumer(rows[0]);
  }

  async list(streamUid: number, afterName: string | undefined, limit: number): Promise<ConsumerState[]> {
    const { rows } = await this.pool.query<ConsumerRow>(
      'SELECT * FROM consumers WHERE stream_uid = $1 AND name > $2 ORDER BY name LIMIT $3', [streamUid, afterName ?? '', limit]);
    return rows.map(toConsumer);
  }

  async count(q: Queryable, streamUid: number): Promise<number> {
    return (await q.query<{ n: number }>('SELECT count(*)::integer AS n FROM consumers WHERE stream_uid = $1', [streamUid])).rows[0]!.n;
  }

  /** DELETING until `dueMs`; one already DELETING keeps its time. */
  async deregister(streamUid: number, name: string, dueMs: number): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE consumers SET pending_due_ms = CASE WHEN status = 'DELETING' THEN pending_due_ms ELSE $3 END, status = 'DELETING'
       WHERE stream_uid = $1 AND name = $2`, [streamUid, name, dueMs]);
    return (result.rowCount ?? 0) > 0;
  }

  /** Every consumer of a stream goes DELETING (inside the caller's transaction). */
  async deregisterAll(q: pg.PoolClient, streamUid: number, dueMs: number): Promise<void> {
    await q.query(`UPDATE consumers SET status = 'DELETING', pending_due_ms = $1 WHERE stream_uid = $2 AND status <> 'DELETING'`, [dueMs, streamUid]);
  }

  addTags(streamUid: number, name: string, tags: Record<string, string>, maxTags: number): Promise<boolean> {
    return transaction(this.pool, async (q) => {
      const row = await lockConsumer(q, streamUid, name);
      if (!row) return false;
      const next = { ...(JSON.parse(row.tags) as Record<string, string>), ...tags };
      if (Object.keys(next).length > maxTags) return false;
      await q.query('UPDATE consumers SET tags = $1 WHERE stream_uid = $2 AND name = $3', [JSON.stringify(next), streamUid, name]);
      return true;
    });
  }

  removeTags(streamUid: number, name: string, keys: string[]): Promise<void> {
    return transaction(this.pool, async (q) => {
      const row = await lockConsumer(q, streamUid, name);
      if (!row) return;
      const next = JSON.parse(row.tags) as Record<string, string>;
      for (const key of keys) delete next[key];
      await q.query('UPDATE consumers SET tags = $1 WHERE stream_uid = $2 AND name = $3', [JSON.stringify(next), streamUid, name]);
    });
  }

  /** Ends every transition due at `nowMs`; each statement re-checks rows another node changed meanwhile. */
  async completeDue(nowMs: number): Promise<number> {
    const activated = await this.pool.query(
      `UPDATE consumers SET status = 'ACTIVE', pending_due_ms = NULL WHERE status = 'CREATING' AND pending_due_ms <= $1`, [nowMs]);
    const deleted = await this.pool.query(`DELETE FROM consumers WHERE status = 'DELETING' AND pending_due_ms <= $1`, [nowMs]);
    return (activated.rowCount ?? 0) + (deleted.rowCount ?? 0);
  }

  /** Removes a stream's consumers (inside the caller's transaction, when the stream goes). */
  async dropStream(q: pg.PoolClient, streamUid: number): Promise<void> {
    await q.query('DELETE FROM consumers WHERE stream_uid = $1', [streamUid]);
  }
}

async function lockConsumer(q: pg.PoolClient, streamUid: number, name: string): Promise<ConsumerRow | undefined> {
  return (await q.query<ConsumerRow>('SELECT * FROM consumers WHERE stream_uid = $1 AND name = $2 FOR UPDATE', [streamUid, name])).rows[0];
}

