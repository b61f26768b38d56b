// Retention for the PostgreSQL engine, done by one node at a time (a session advisory lock that the
// others only try): records are partitioned by arrival day (UTC), partitions are made a few days
// ahead, and a partition whose every record is past the retention of every stream is dropped whole.
// Streams whose retention is shorter than the longest one are trimmed by bounded range deletes of
// their expired prefix, as the embedded engine does, since their old records share partitions with
// records that must stay. Records of a day without a partition land in the default partition, which
// range deletes trim.
import type pg from 'pg';
import { checkout, LOCK } from './pool.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Partitions made beyond today, so that writes never wait for one. */
const DAYS_AHEAD = 2;
/** With no stream at all, what any record left over may be kept for. */
const DEFAULT_RETENTION_MS = 24 * HOUR_MS;
/** DDL waits this long for the table lock, then gives up until the next pass (writers must not queue behind it). */
const DDL_LOCK_TIMEOUT = '2s';
const TRIM_BATCH = 5000;
/** Bounds one pass per shard, so that a large backlog is worked off over several passes. */
const TRIM_MAX_BATCHES = 20;
const PARTITION_NAME = /^records_(\d{4})(\d{2})(\d{2})$/;

/** The trim horizon of each stream, in SQL (mirrors operations/retention.ts). */
const CUTOFF = `GREATEST($1::bigint - retention_hours::bigint * ${HOUR_MS}, COALESCE((settings::jsonb->>'retentionFloorMs')::bigint, 0))`;

interface Partition {
  name: string;
  fromMs: number;
  toMs: number;
}

export class Partitions {
  constructor(private readonly pool: pg.Pool) {}

  /** At start: the partitions for today and the days ahead (if no other node is at it). */
  async prepare(nowMs: number): Promise<void> {
    await this.exclusively((c) => this.ensure(c, nowMs));
  }

  async trim(nowMs: number): Promise<void> {
    await this.exclusively(async (c) => {
      await this.ensure(c, nowMs);
      const horizon = await this.horizon(c, nowMs);
      await this.dropBefore(c, horizon);
      await this.trimStreams(c, nowMs, horizon);
    });
  }

  /** Runs `fn` holding the trim lock, or does nothing when another node holds it. */
  private async exclusively(fn: (c: pg.PoolClient) => Promise<void>): Promise<void> {
    const c = await checkout(this.pool);
    let broken = false;
    try {
      const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, 0) AS ok', [LOCK.trim]);
      if (!rows[0]!.ok) return;
      try {
        await fn(c);
      } finally {
        await c.query('SELECT pg_advisory_unlock($1, 0)', [LOCK.trim]);
      }
    } catch (err) {
      broken = true; // a dropped connection also releases the lock
      throw err;
    } finally {
      c.release(broken);
    }
  }

  private async partitions(c: pg.PoolClient): Promise<Partition[]> {
    const { rows } = await c.query<{ relname: string }>(
      `SELECT k.relname FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid WHERE i.inhparent = 'records'::regclass`);
    const out: Partition[] = [];
    for (const { relname } of rows) {
      const m = PARTITION_NAME.exec(relname);
      if (!m) continue;
      const fromMs = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
      out.push({ name: relname, fromMs, toMs: fromMs + DAY_MS });
    }
    return out;
  }

  private async ensure(c: pg.PoolClient, nowMs: number): Promise<void> {
    const have = new Set((await this.partitions(c)).map((p) => p.name));
    const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
    for (let d = 0; d <= DAYS_AHEAD; d++) {
      const fromMs = today + d * DAY_MS;
      const name = partitionName(fromMs);
      if (have.has(name)) continue;
      // Records of that day already in the default partition stay there (attaching would fail).
      const early = await c.query('SELECT 1 FROM records_default WHERE arrival_ms >= $1 AND arrival_ms < $2 LIMIT 1', [fromMs, fromMs + DAY_MS]);
      if (early.rowCount) continue;
      // Created apart, then attached: attaching takes a weaker lock on records than creating in place.
      await ddl(c, [
        `CREATE TABLE IF NOT EXISTS ${name} (LIKE records INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
        `ALTER TABLE records ATTACH PARTITION ${name} FOR VALUES FROM (${fromMs}) TO (${fromMs + DAY_MS})`,
      ]);
    }
  }

  /** No record that arrived before this is within any stream's retention. */
  private async horizon(c: pg.PoolClient, nowMs: number): Promise<number> {
    const { rows } = await c.query<{ h: string | null }>(`SELECT min(${CUTOFF}) AS h FROM streams`, [nowMs]);
    return rows[0]!.h === null ? nowMs - DEFAULT_RETENTION_MS : Number(rows[0]!.h);
  }

  private async dropBefore(c: pg.PoolClient, horizon: number): Promise<void> {
    for (const p of await this.partitions(c)) {
      if (p.toMs <= horizon) await ddl(c, [`DROP TABLE ${p.name}`]);
    }
    await c.query('DELETE FROM records_default WHERE arrival_ms < $1', [horizon]);
  }

  /** Streams with a later horizon than the partitions': their expired prefixes; closed shards left empty; dead shards. */
  private async trimStreams(c: pg.PoolClient, nowMs: number, horizon: number): Promise<void> {
    const { rows: streams } = await c.query<{ uid: number; cutoff: string }>(`SELECT uid, ${CUTOFF} AS cutoff FROM streams`, [nowMs]);
    for (const stream of streams) {
      const cutoff = Number(stream.cutoff);
      const { rows: shards } = await c.query<{ uid: number; closed_ms: number | null; last_arrival_ms: number }>(
        'SELECT uid, closed_ms, last_arrival_ms FROM shards WHERE stream_uid = $1', [stream.uid]);
      for (const shard of shards) {
        if (cutoff > horizon) await this.trimShard(c, shard.uid, cutoff);
        // A closed shard whose records have all aged out is gone from the stream, as in AWS (what
        // is left of its records goes with the dead shards').
        if (shard.closed_ms !== null && shard.closed_ms < cutoff && shard.last_arrival_ms < cutoff) {
          await c.query(
            `WITH gone AS (DELETE FROM shards WHERE uid = $1 AND closed_ms IS NOT NULL RETURNING uid)
             INSERT INTO dead_shards SELECT uid FROM gone ON CONFLICT DO NOTHING`, [shard.uid]);
        }
      }
    }
    // The records of shards that are gone (deleted streams, expired closed shards).
    const { rows: dead } = await c.query<{ uid: number }>('SELECT uid FROM dead_shards ORDER BY uid LIMIT 1000');
    for (const { uid } of dead) {
      if (await this.trimShard(c, uid, Number.MAX_SAFE_INTEGER)) await c.query('DELETE FROM dead_shards WHERE uid = $1', [uid]);
    }
  }

  /**
   * Deletes a shard's records that arrived before `cutoff`: a prefix, since arrival times rise with the
   * counter, and counters are contiguous, so each batch is a counter range. True when none is left.
   */
  private async trimShard(c: pg.PoolClient, shardUid: number, cutoff: number): Promise<boolean> {
    for (let batch = 0; batch < TRIM_MAX_BATCHES; batch++) {
      const { rows } = await c.query<{ counter: number; arrival_ms: number }>(
        'SELECT counter, arrival_ms FROM records WHERE shard_uid = $1 ORDER BY counter LIMIT 1', [shardUid]);
      const first = rows[0];
      if (!first || first.arrival_ms >= cutoff) return true;
      await c.query('DELETE FROM records WHERE shard_uid = $1 AND counter < $2 AND arrival_ms < $3',
        [shardUid, first.counter + TRIM_BATCH, cutoff]);
    }
    return false;
  }
}

function partitionName(fromMs: number): string {
  return `records_${new Date(fromMs).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** DDL in its own short transaction with a lock timeout; a timeout leaves it for the next pass. */
async function ddl(c: pg.PoolClient, statements: string[]): Promise<void> {
  await c.query('BEGIN');
  try {
    await c.query(`SET LOCAL lock_timeout = '${DDL_LOCK_TIMEOUT}'`);
    for (const sql of statements) await c.query(sql);
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK');
    const code = (err as { code?: string }).code;
    if (code === '55P03' || code === '42P07' || code === '42P01') return; // lock timeout; made or dropped by someone else
    throw err;
  }
}
