// The PostgreSQL engine: any number of Sluice nodes share one database. It keeps nothing in process
// memory that another node could contradict: routing, counters and lifecycle state are read from
// the database in the transaction that uses them, and every guarantee of the Store contract comes
// from row locks and advisory locks taken there (see schema.ts for the write path).
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type {
  ChangeOutcome, ChannelChangeOutcome, ChannelCreateOutcome, ChannelFilter, ChannelState, ChannelStatus, NewChannel,
  ConsumerLimits, ConsumerState, DeleteOutcome, NewConsumer, RegisterOutcome,
  CreateOutcome, NewStream, PendingChange, PutResult, ReadRequest, ReadResult, RecordWrite,
  ShardSpec, ShardState, Store, StoredRecord, StreamKey, StreamMode, StreamSettings, StreamState, StreamStatus,
} from '../store.js';
import { dataStart, StreamGone } from '../store.js';
import { decodePending, encodePending, settingsColumns, toShard, toStream, type ShardRow, type StreamRow } from '../rows.js';
import { ChannelTable } from './channels.js';
import { ConsumerTable } from './consumers.js';
import { migrate } from './migrate.js';
import { Partitions } from './partitions.js';
import { createPool, LOCK, transaction, withRetry, type Queryable } from './pool.js';




export interface PostgresOptions {
  /** postgres://user@host:port/database */
  connectionString: string;
  poolSize?: number;
  /** Told about connection errors that no request saw (an idle connection dropped). */
  onError?: (err: Error) => void;
}

const SHARD_COLUMNS = 'uid, idx, created_ms, start_hash, end_hash, parent_idx, adjacent_parent_idx, closed_ms, last_counter';

export class PgStore implements Store {
  readonly pool: pg.Pool;
  private readonly channels: ChannelTable;
  private readonly consumers: ConsumerTable;
  private readonly partitions: Partitions;

  private constructor(options: PostgresOptions) {
    this.pool = createPool({ connectionString: options.connectionString, max: options.poolSize, onError: options.onError });
    this.channels = new ChannelTable(this.pool);
    this.consumers = new ConsumerTable(this.pool);
    this.partitions = new Partitions(this.pool);
  }

  /** Connects, migrates the schema if needed, and makes sure today's partitions exist. */
  static async open(options: PostgresOptions): Promise<PgStore> {
    const store = new PgStore(options);
    try {
      const { rows } = await store.pool.query<{ server_encoding: string }>('SHOW server_encoding');
      if (rows[0]?.server_encoding !== 'UTF8') {
        throw new Error(`the database must use UTF8 encoding, not ${rows[0]?.server_encoding}`);
      }
      await migrate(store.pool);
      await store.partitions.prepare(Date.now());
    } catch (err) {
      await store.pool.end().catch(() => undefined);
      throw err;
    }
    return store;
  }

  async secret(): Promise<Buffer> {
    await this.pool.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', ['secret', randomBytes(32)]);
    const { rows } = await this.pool.query<{ value: Buffer }>('SELECT value FROM meta WHERE key = $1', ['secret']);
    return rows[0]!.value;
  }

  async createStream(s: NewStream, shardLimit: number): Promise<CreateOutcome> {
    return transaction(this.pool, async (c): Promise<CreateOutcome> => {
      // One creation at a time per account and region, on every node: the shard limit holds.
      await lockAccount(c, s.account, s.region);
      const exists = await c.query('SELECT 1 FROM streams WHERE account = $1 AND region = $2 AND name = $3', [s.account, s.region, s.name]);
      if (exists.rowCount) return { ok: false, reason: 'exists' };
      const openShards = await this.openShards(c, s.account, s.region);
      if (openShards + s.shards.length > shardLimit) return { ok: false, reason: 'shard-limit', openShards };
      const { rows } = await c.query<{ uid: number }>(
        `INSERT INTO streams (account, region, name, status, created_ms, retention_hours, mode, max_record_kib,
          next_shard_index, pending, pending_due_ms, settings) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         RETURNING uid`,
        [s.account, s.region, s.name, s.status, s.createdMs, s.retentionHours, s.mode, s.maxRecordSizeKiB, s.shards.length,
          encodePending(s.pending), s.pendingDueMs ?? null,
          JSON.stringify(s.warmThroughputMiBps !== undefined ? { warmThroughputMiBps: s.warmThroughputMiBps } : {})]);
      const uid = rows[0]!.uid;
      await insertShards(c, uid, s.createdMs, s.shards.map((spec, i) => ({ index: i, spec })));
      const tags = Object.entries(s.tags);
      if (tags.length > 0) {
        await c.query('INSERT INTO tags (stream_uid, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)',
          [uid, tags.map(([k]) => k), tags.map(([, v]) => v)]);
      }
      return { ok: true, uid };
    });
  }

  async getStream(key: StreamKey): Promise<StreamState | undefined> {
    const { rows } = await this.pool.query<StreamRow>('SELECT * FROM streams WHERE account = $1 AND region = $2 AND name = $3',
      [key.account, key.region, key.name]);
    return rows[0] && toStream(rows[0]);
  }

  async getStreamByUid(uid: number): Promise<StreamState | undefined> {
    const { rows } = await this.pool.query<StreamRow>('SELECT * FROM streams WHERE uid = $1', [uid]);
    return rows[0] && toStream(rows[0]);
  }

  async listStreams(account: string, region: string, afterName: string | undefined, limit: number): Promise<StreamState[]> {
    const { rows } = await this.pool.query<StreamRow>(
      'SELECT * FROM streams WHERE account = $1 AND region = $2 AND name > $3 ORDER BY name LIMIT $4',
      [account, region, afterName ?? '', limit]);
    return rows.map(toStream);
  }

  async countOpenShards(account: string, region: string): Promise<number> {
    return this.openShards(this.pool, account, region);
  }

  private async openShards(q: Queryable, account: string, region: string): Promise<number> {
    const { rows } = await q.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM shards s JOIN streams t ON t.uid = s.stream_uid
       WHERE t.account = $1 AND t.region = $2 AND s.closed_ms IS NULL`, [account, region]);
    return rows[0]!.n;
  }

  async listShards(uid: number): Promise<ShardState[]> {
    const { rows } = await this.pool.query<ShardRow>(`SELECT ${SHARD_COLUMNS} FROM shards WHERE stream_uid = $1 ORDER BY idx`, [uid]);
    return rows.map((r) => toShard(r));
  }

  async getShard(uid: number, index: number): Promise<ShardState | undefined> {
    const { rows } = await this.pool.query<ShardRow>(`SELECT ${SHARD_COLUMNS} FROM shards WHERE stream_uid = $1 AND idx = $2`, [uid, index]);
    return rows[0] && toShard(rows[0]);
  }

  async beginChange(uid: number, status: StreamStatus, change: PendingChange, dueMs: number,
    allowed: StreamStatus[] = ['ACTIVE'], settings?: Partial<StreamSettings>): Promise<ChangeOutcome> {
    return transaction(this.pool, async (c): Promise<ChangeOutcome> => {
      const row = await lockStream(c, uid);
      if (!row || !allowed.includes(row.status as StreamStatus)) return { ok: false, status: row?.status as StreamStatus | undefined };
      if (settings) await applySettings(c, row, settings);
      await c.query('UPDATE streams SET status = $1, pending = $2, pending_due_ms = $3 WHERE uid = $4',
        [status, encodePending(change), dueMs, uid]);
      return { ok: true };
    });
  }

  async updateSettings(uid: number, settings: Partial<StreamSettings>,
    allowed: StreamStatus[] = ['ACTIVE', 'UPDATING']): Promise<ChangeOutcome> {
    return transaction(this.pool, async (c): Promise<ChangeOutcome> => {
      const row = await lockStream(c, uid);
      if (!row || !allowed.includes(row.status as StreamStatus)) return { ok: false, status: row?.status as StreamStatus | undefined };
      await applySettings(c, row, settings);
      return { ok: true };
    });
  }

  async countStreams(account: string, region: string, mode?: StreamMode): Promise<number> {
    const { rows } = mode === undefined
      ? await this.pool.query<{ n: number }>('SELECT count(*)::integer AS n FROM streams WHERE account = $1 AND region = $2', [account, region])
      : await this.pool.query<{ n: number }>('SELECT count(*)::integer AS n FROM streams WHERE account = $1 AND region = $2 AND mode = $3',
        [account, region, mode]);
    return rows[0]!.n;
  }

  async getPolicy(arn: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ policy: string }>('SELECT policy FROM resource_policies WHERE arn = $1', [arn]);
    return rows[0]?.policy;
  }

  async putPolicy(streamUid: number, arn: string, policy: string): Promise<void> {
    await this.pool.query(
      'INSERT INTO resource_policies (arn, stream_uid, policy) VALUES ($1, $2, $3) ON CONFLICT (arn) DO UPDATE SET policy = excluded.policy',
      [arn, streamUid, policy]);
  }

  async deletePolicy(arn: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM resource_policies WHERE arn = $1', [arn])).rowCount ?? 0) > 0;
  }

  async getAccountSettings(account: string, region: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ settings: string }>(
      'SELECT settings FROM account_settings WHERE account = $1 AND region = $2', [account, region]);
    return rows[0]?.settings;
  }

  async putAccountSettings(account: string, region: string, settings: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO account_settings (account, region, settings) VALUES ($1, $2, $3)
       ON CONFLICT (account, region) DO UPDATE SET settings = excluded.settings`, [account, region, settings]);
  }

  /**
   * Applies each due change in its own transaction, with the stream's row locked and the change read
   * again under the lock: a node that finds another applying it waits, then finds nothing due, so
   * each change is applied exactly once (and is complete when this returns, wherever it ran).
   */
  async completeDueChanges(nowMs: number): Promise<number> {
    const done = (await this.channels.completeDue(nowMs)) + (await this.consumers.completeDue(nowMs));
    const { rows: due } = await this.pool.query<{ uid: number }>(
      'SELECT uid FROM streams WHERE pending_due_ms <= $1 ORDER BY pending_due_ms', [nowMs]);
    let applied = 0;
    for (const { uid } of due) {
      const ok = await withRetry(() => transaction(this.pool, async (c) => {
        const { rows } = await c.query<StreamRow>('SELECT * FROM streams WHERE uid = $1 AND pending_due_ms <= $2 FOR UPDATE', [uid, nowMs]);
        const row = rows[0];
        if (!row) return false;
        const change = decodePending(row.pending);
        if (!change || change.kind === 'activate') {
          await setActive(c, uid);
        } else if (change.kind === 'delete') {
          await this.dropStream(c, uid);
        } else {
          await applyReshard(c, row, change, nowMs);
        }
        return true;
      }));
      if (ok) applied++;
    }
    return done + applied;
  }

  async createChannel(channel: NewChannel): Promise<ChannelCreateOutcome> {
    return this.channels.create(channel);
  }

  async getChannel(account: string, region: string, id: string): Promise<ChannelState | undefined> {
    return this.channels.get(account, region, id);
  }

  async listChannels(account: string, region: string, afterName: string | undefined, limit: number,
    filters?: ChannelFilter[]): Promise<ChannelState[]> {
    return this.channels.list(account, region, afterName, limit, filters);
  }

  async changeChannel(account: string, region: string, id: string, status: ChannelStatus, dueMs: number,
    allowed: ChannelStatus[], config?: string): Promise<ChannelChangeOutcome> {
    return this.channels.change(account, region, id, status, dueMs, allowed, config);
  }

  private async dropStream(c: pg.PoolClient, uid: number): Promise<void> {
    // The shard rows go (waiting for writers into them); their records are left to trimming, which
    // deletes them in bounded batches, so deleting a stream costs the same whatever it holds.
    await c.query('SELECT 1 FROM shards WHERE stream_uid = $1 ORDER BY uid FOR UPDATE', [uid]);
    await c.query('WITH gone AS (DELETE FROM shards WHERE stream_uid = $1 RETURNING uid) INSERT INTO dead_shards SELECT uid FROM gone', [uid]);
    await c.query('DELETE FROM tags WHERE stream_uid = $1', [uid]);
    await c.query('DELETE FROM resource_policies WHERE stream_uid = $1', [uid]);
    await this.consumers.dropStream(c, uid);
    await c.query('DELETE FROM streams WHERE uid = $1', [uid]);
  }

  async registerConsumer(consumer: NewConsumer, limits: ConsumerLimits): Promise<RegisterOutcome> {
    return this.consumers.register(consumer, limits);
  }

  async getConsumer(streamUid: number, name: string): Promise<ConsumerState | undefined> {
    return this.consumers.get(streamUid, name);
  }

  async listConsumers(streamUid: number, afterName: string | undefined, limit: number): Promise<ConsumerState[]> {
    return this.consumers.list(streamUid, afterName, limit);
  }

  async countConsumers(streamUid: number): Promise<number> {
    return this.consumers.count(this.pool, streamUid);
  }

  async deregisterConsumer(streamUid: number, name: string, dueMs: number): Promise<boolean> {
    return this.consumers.deregister(streamUid, name, dueMs);
  }

  async addConsumerTags(streamUid: number, name: string, tags: Record<string, string>, maxTags: number): Promise<boolean> {
    return this.consumers.addTags(streamUid, name, tags, maxTags);
  }

  async removeConsumerTags(streamUid: number, name: string, keys: string[]): Promise<void> {
    await this.consumers.removeTags(streamUid, name, keys);
  }

  async beginDelete(uid: number, dueMs: number, allowed: StreamStatus[], withConsumers: boolean): Promise<DeleteOutcome> {
    return transaction(this.pool, async (c): Promise<DeleteOutcome> => {
      const row = await lockStream(c, uid);
      if (!row || !allowed.includes(row.status as StreamStatus)) return { ok: false, status: row?.status as StreamStatus | undefined };
      const consumers = await this.consumers.count(c, uid);
      if (consumers > 0) {
        if (!withConsumers) return { ok: false, status: row.status as StreamStatus, consumers };
        await this.consumers.deregisterAll(c, uid, dueMs);
      }
      await c.query('UPDATE streams SET status = $1, pending = $2, pending_due_ms = $3 WHERE uid = $4',
        ['DELETING', encodePending({ kind: 'delete' }), dueMs, uid]);
      return { ok: true };
    });
  }

  async getTags(uid: number): Promise<Record<string, string>> {
    const { rows } = await this.pool.query<{ key: string; value: string }>(
      'SELECT key, value FROM tags WHERE stream_uid = $1 ORDER BY key', [uid]);
    const out: Record<string, string> = {};
    for (const { key, value } of rows) out[key] = value;
    return out;
  }

  async addTags(uid: number, tags: Record<string, string>, maxTags: number): Promise<boolean> {
    return transaction(this.pool, async (c) => {
      // The stream's row serializes tag changes, so two nodes cannot both take the last place.
      await c.query('SELECT 1 FROM streams WHERE uid = $1 FOR UPDATE', [uid]);
      const keys = Object.keys(tags);
      const { rows } = await c.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM tags WHERE stream_uid = $1)
              + (SELECT count(*) FROM unnest($2::text[]) AS k(key) WHERE NOT EXISTS
                  (SELECT 1 FROM tags t WHERE t.stream_uid = $1 AND t.key = k.key))::integer AS n`, [uid, keys]);
      if (rows[0]!.n > maxTags) return false;
      await c.query(
        `INSERT INTO tags (stream_uid, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)
         ON CONFLICT (stream_uid, key) DO UPDATE SET value = excluded.value`, [uid, keys, Object.values(tags)]);
      return true;
    });
  }

  async removeTags(uid: number, keys: string[]): Promise<void> {
    await this.pool.query('DELETE FROM tags WHERE stream_uid = $1 AND key = ANY($2::text[])', [uid, keys]);
  }

  /** One statement, one round trip per request (see sluice_put in schema.ts); retried if a reshard moved the routing. */
  async putRecords(uid: number, write: RecordWrite, nowMs: number): Promise<PutResult> {
    const { batch, hashKeys } = write;
    const n = hashKeys.length;
    if (n === 0) return { shards: [], shardOf: new Uint32Array(0), counters: new Float64Array(0) };
    const hashes: string[] = new Array(n);
    const offsets: number[] = new Array(n);
    const lengths: number[] = new Array(n);
    for (let i = 0; i < n; i++) {
      hashes[i] = BigInt('0x' + hashKeys[i]!).toString();
      offsets[i] = dataStart(batch.ends, i);
      lengths[i] = batch.ends[i]! - offsets[i]!;
    }
    const encrypted = new Array<boolean>(n).fill(write.encrypted);
    // All data in one binary parameter, cut by offset on the server: no escaping, no per-record parameter.
    const blob = batch.data;
    const { rows } = await withRetry(() => this.pool.query<{ o_idx: number; o_created: number; o_counter: number }>(
      'SELECT o_idx, o_created, o_counter FROM sluice_put($1, $2::numeric[], $3::text[], $4, $5::integer[], $6::integer[], $7::boolean[], $8)',
      [uid, hashes, batch.partitionKeys, blob, offsets, lengths, encrypted, nowMs])).catch((err: unknown) => {
      // No open shard: another node deleted the stream since this one looked it up.
      throw (err as { code?: string }).code === 'SLR02' ? new StreamGone() : err;
    });
    const result: PutResult = { shards: [], shardOf: new Uint32Array(n), counters: new Float64Array(n) };
    const slots = new Map<number, number>();
    rows.forEach((r, i) => {
      let slot = slots.get(r.o_idx);
      if (slot === undefined) {
        slots.set(r.o_idx, (slot = result.shards.length));
        result.shards.push({ index: r.o_idx, createdMs: r.o_created });
      }
      result.shardOf[i] = slot;
      result.counters[i] = r.o_counter;
    });
    return result;
  }

  /**
   * A bounded range read: at most limit + 1 rows are visited, a running sum of sizes marks where the
   * byte cap ends the answer, and the first row beyond the answer comes without its data (only its
   * arrival time is wanted).
   */
  async readRecords(uid: number, shardIndex: number, req: ReadRequest): Promise<ReadResult> {
    const { rows } = await this.pool.query<RecordRow>(
      `SELECT counter, arrival_ms, partition_key, CASE WHEN rn <= $4 AND (rn = 1 OR run <= $5) THEN data END AS data, encrypted, size
       FROM (
         SELECT t.*, octet_length(t.data) + octet_length(t.partition_key) AS size,
           row_number() OVER w AS rn, sum(octet_length(t.data) + octet_length(t.partition_key)) OVER w AS run
         FROM (
           SELECT counter, arrival_ms, partition_key, data, encrypted FROM records
           WHERE shard_uid = (SELECT uid FROM shards WHERE stream_uid = $1 AND idx = $2)
             AND counter >= $3 AND arrival_ms >= $6
           ORDER BY counter LIMIT $4 + 1) t
         WINDOW w AS (ORDER BY t.counter ROWS UNBOUNDED PRECEDING)
       ) x
       WHERE rn <= 2 OR run - size <= $5 -- the rows answered, and the first one after them
       ORDER BY counter`,
      [uid, shardIndex, Math.max(0, req.fromCounter), req.limit, req.maxBytes, req.minArrivalMs]);
    const records: StoredRecord[] = [];
    let bytes = 0;
    for (const row of rows) {
      const size = Number(row.size);
      if (records.length === req.limit || (records.length > 0 && bytes + size > req.maxBytes) || row.data === null) {
        return { records, nextArrivalMs: row.arrival_ms };
      }
      bytes += size;
      records.push({ counter: row.counter, arrivalMs: row.arrival_ms, partitionKey: row.partition_key, data: row.data, encrypted: row.encrypted });
    }
    return { records };
  }

  async counterAtTime(uid: number, shardIndex: number, atMs: number): Promise<number> {
    const { rows } = await this.pool.query<{ counter: number }>(
      `SELECT COALESCE(
         (SELECT r.counter FROM records r WHERE r.shard_uid = s.uid AND r.arrival_ms >= $3 ORDER BY r.counter LIMIT 1),
         s.last_counter + 1) AS counter
       FROM shards s WHERE s.stream_uid = $1 AND s.idx = $2`, [uid, shardIndex, atMs]);
    return rows[0]?.counter ?? 0;
  }

  async trimExpired(nowMs: number): Promise<void> {
    await this.partitions.trim(nowMs);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

interface RecordRow {
  counter: number;
  arrival_ms: number;
  partition_key: string;
  data: Buffer | null;
  encrypted: boolean;
  size: number | string;
}

async function lockAccount(c: pg.PoolClient, account: string, region: string): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK.account, `${account}/${region}`]);
}

async function lockStream(c: pg.PoolClient, uid: number): Promise<StreamRow | undefined> {
  const { rows } = await c.query<StreamRow>('SELECT * FROM streams WHERE uid = $1 FOR UPDATE', [uid]);
  return rows[0];
}

async function setActive(c: pg.PoolClient, uid: number): Promise<void> {
  await c.query('UPDATE streams SET status = $1, pending = NULL, pending_due_ms = NULL WHERE uid = $2', ['ACTIVE', uid]);
}

/**
 * Closes the parents and opens the children. Closing updates the parents' rows, which every writer
 * into them holds locked until it commits: the close waits for those writes, and a writer that comes
 * after finds the shard closed and routes again, to the children.
 */
async function applyReshard(c: pg.PoolClient, row: StreamRow, change: Extract<PendingChange, { kind: 'reshard' }>, nowMs: number): Promise<void> {
  const { rows } = await c.query<{ next_shard_index: number }>('SELECT next_shard_index FROM streams WHERE uid = $1', [row.uid]);
  const first = rows[0]!.next_shard_index;
  if (change.close.length > 0) {
    // Locked in uid order first, the order writers lock them in, so that a close and a write never deadlock.
    await c.query('SELECT 1 FROM shards WHERE stream_uid = $1 AND idx = ANY($2::integer[]) ORDER BY uid FOR UPDATE', [row.uid, change.close]);
    await c.query('UPDATE shards SET closed_ms = $1 WHERE stream_uid = $2 AND idx = ANY($3::integer[])', [nowMs, row.uid, change.close]);
  }
  // Parents made by this same change are named by position; their indexes are known now.
  const open = change.open.map((spec, i) => ({
    index: first + i,
    spec: {
      ...spec,
      parentIndex: spec.parentIndex ?? (spec.parentNew !== undefined ? first + spec.parentNew : undefined),
      adjacentParentIndex: spec.adjacentParentIndex ?? (spec.adjacentParentNew !== undefined ? first + spec.adjacentParentNew : undefined),
    },
  }));
  await insertShards(c, row.uid, nowMs, open);
  const shortLived = open.filter((o) => o.spec.closed).map((o) => o.index);
  if (shortLived.length > 0) {
    await c.query('UPDATE shards SET closed_ms = $1 WHERE stream_uid = $2 AND idx = ANY($3::integer[])', [nowMs, row.uid, shortLived]);
  }
  await c.query('UPDATE streams SET next_shard_index = $1 WHERE uid = $2', [first + change.open.length, row.uid]);
  await setActive(c, row.uid);
}

async function insertShards(c: pg.PoolClient, streamUid: number, createdMs: number, shards: { index: number; spec: ShardSpec }[]): Promise<void> {
  if (shards.length === 0) return;
  await c.query(
    `INSERT INTO shards (stream_uid, idx, created_ms, start_hash, end_hash, parent_idx, adjacent_parent_idx)
     SELECT $1, i, $2, s, e, p, a FROM unnest($3::integer[], $4::numeric[], $5::numeric[], $6::integer[], $7::integer[]) AS t(i, s, e, p, a)`,
    [streamUid, createdMs, shards.map((x) => x.index), shards.map((x) => x.spec.startHash.toString()),
      shards.map((x) => x.spec.endHash.toString()), shards.map((x) => x.spec.parentIndex ?? null),
      shards.map((x) => x.spec.adjacentParentIndex ?? null)]);
}

async function applySettings(c: pg.PoolClient, row: StreamRow, patch: Partial<StreamSettings>): Promise<void> {
  await c.query(
    `UPDATE streams SET retention_hours = $1, mode = $2, max_record_kib = $3, encryption_type = $4, key_id = $5,
      shard_metrics = $6, settings = $7 WHERE uid = $8`,
    [...settingsColumns(row, patch), row.uid]);
}



