// The embedded engine: SQLite through better-sqlite3, in WAL mode, one file in the data directory
// (or in memory). One process owns the file (exclusive locking), so the engine may keep the
// routing table and shard counters in memory and only write what changed. Under load, record
// writes are stored by a writer thread (record-writer.ts) while the event loop goes on; every
// other write runs here, ordered with them by a gate (write-gate.ts); a checkpointer thread
// copies the log into the file (checkpointer.ts). The writer thread puts chunk bodies in segment
// files beside the database (segments.ts); the rows stay in it.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type {
  ChangeOutcome, ChannelChangeOutcome, ChannelCreateOutcome, ChannelFilter, ChannelState, ChannelStatus, NewChannel,
  ConsumerLimits, ConsumerState, DeleteOutcome, NewConsumer, RegisterOutcome,
  CreateOutcome, NewStream, PendingChange, PutResult, ReadRequest, ReadResult, RecordWrite,
  ShardSpec, ShardState, Store, StoredRecord, StreamKey, StreamMode, StreamSettings, StreamState, StreamStatus,
} from '../store.js';
import { dataStart, hashKeyHex, StreamGone } from '../store.js';
import { decodePending, encodePending, settingsColumns, toShard, toStream, type ExtraSettings, type ShardRow, type StreamRow } from '../rows.js';
import { ChannelTable } from './channels.js';
import { ConsumerTable } from './consumers.js';
import { encodeSourceChunk, forEachInChunk, type ChunkSource } from './chunks.js';
import { RecordWriter, type ChunkJob } from './record-writer.js';
import { SegmentReader, SEGMENTS_DIR } from './segments.js';
import { COUNTER_BITS, COUNTER_MASK, MIGRATIONS } from './schema.js';
import { WriteGate } from './write-gate.js';




/** What the engine keeps in memory per shard, so that a write needs no reads. */
interface LiveShard {
  uid: number;
  /** The shard as its row says (its lastCounter as of loading: see `lastCounter`). */
  state: ShardState;
  /** The last counter of a committed write: what readers may see. */
  lastCounter: number;
  /** The last counter given to a write, committed or on its way to the writer thread (≥ lastCounter). */
  lastGiven: number;
  lastArrivalMs: number;
  /** Its hash key range in hex, as writes carry hash keys (store.ts RecordWrite). */
  startHex: string;
  endHex: string;
}

interface LiveStream {
  /** Open shards sorted by starting hash key. */
  open: LiveShard[];
  byIndex: Map<number, LiveShard>;
}

const TRIM_BATCH = 2000;
/** Data a chunk holds at most (a single larger record is a chunk of its own). */
const CHUNK_MAX_BYTES = 256 * 1024;
const CHECKPOINT_EVERY_MS = 200;
/** The longest record writes wait for the checkpointer to empty the WAL. */
const PAUSE_MAX_MS = 10_000;
/** What is kept of the WAL file when it starts over. */
const WAL_KEEP_BYTES = 64 * 1024 * 1024;
/** A write alone in flight is stored on the event loop up to this size (larger ones go to the writer thread). */
const HERE_MAX_BYTES = 256 * 1024;
/** Bounds one trimming pass per shard, so the server stays responsive while it catches up. */
const TRIM_MAX_BATCHES = 50;

export interface SqliteOptions {
  /** A directory to keep data in, or undefined for memory only. */
  dataDir?: string;
  /**
   * The WAL's bound in MiB (default 256), past which record writes wait a moment while it starts
   * over (see checkpointer.ts); below it, it starts over whenever writes pause for a moment.
   */
  walLimitMiB?: number;
  /** Told if the writer thread fails (record writes then run on the event loop's connection). */
  onWriterFailure?: (err: Error) => void;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly live = new Map<number, LiveStream>();
  private readonly stmt: ReturnType<SqliteStore['prepare']>;
  /** Runs `work` in one transaction; made once, as the write path runs it for every request. */
  private readonly atomically: (work: () => void) => void;
  private readonly channels: ChannelTable;
  private readonly consumers: ConsumerTable;

  /** Holds the data directory for this process (see lockDataDir). */
  private readonly lock?: Database.Database;
  private readonly checkpointer?: Worker;
  /** Stores record writes on a thread of its own (with a data directory; in memory, writes run here). */
  private readonly writer?: RecordWriter;
  /** Orders record writes, other writes and the checkpointer's pause (write-gate.ts). */
  private readonly gate = new WriteGate();
  /** Reads and deletes segment files (with a data directory). */
  private readonly segments?: SegmentReader;

  constructor(options: SqliteOptions) {
    let file = ':memory:';
    if (options.dataDir) {
      mkdirSync(options.dataDir, { recursive: true });
      this.lock = lockDataDir(options.dataDir);
      file = join(options.dataDir, 'sluice.db');
    }
    this.db = new Database(file, { timeout: 5000 });
    this.db.pragma('journal_mode = WAL');
    // WAL with synchronous=NORMAL: a committed write is in the OS before we answer, so it survives
    // the process being killed; an fsync per commit would only add power-loss safety. Checkpoints
    // (which do fsync) run on a worker thread's connection instead of after some commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('cache_size = -16384');
    this.migrate();
    this.stmt = this.prepare();
    this.atomically = this.db.transaction((work: () => void) => work()).immediate;
    this.channels = new ChannelTable(this.db);
    this.consumers = new ConsumerTable(this.db);
    if (options.dataDir) {
      this.db.pragma('wal_autocheckpoint = 0');
      const pageSize = this.db.pragma('page_size', { simple: true }) as number;
      // When a checkpoint has copied the whole log, the next commit starts it over and cuts the file to this.
      this.db.pragma(`journal_size_limit = ${WAL_KEEP_BYTES}`);
      const segmentsDir = join(options.dataDir, SEGMENTS_DIR);
      this.segments = new SegmentReader(segmentsDir);
      // This process writes segments after every one there (a killed process's last may end in a
      // body whose row never committed) and every one a row names (so that no id is used twice,
      // even for a file that is gone).
      const named = this.db.prepare<[], { n: number | null }>('SELECT max(segment) AS n FROM chunks').get()?.n ?? 0;
      const firstSegment = Math.max(this.segments.ids().pop() ?? 0, named) + 1;
      this.checkpointer = new Worker(new URL('./checkpointer.js', import.meta.url), {
        workerData: { file, segmentsDir, intervalMs: CHECKPOINT_EVERY_MS, limitFrames: ((options.walLimitMiB ?? 256) * 1024 * 1024) / pageSize },
        resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
      });
      this.checkpointer.on('message', (message: string) => {
        if (message === 'pause') this.pauseWrites();
        else if (message === 'resumed') this.resumeWrites();
      });
      this.checkpointer.unref();
      this.writer = new RecordWriter(file, WAL_KEEP_BYTES, segmentsDir, firstSegment, (err) => {
        // Writes go on through this thread's connection. What the thread held was refused, though
        // it may have been stored: what is kept in memory is read again from the file.
        options.onWriterFailure?.(err);
        this.live.clear();
      });
    }
  }

  /** Ends the checkpointer's pause should it never say it is done. */
  private pauseTimer?: NodeJS.Timeout;

  /** The checkpointer wants to empty the WAL: writes wait, and it goes ahead once none is running. */
  private pauseWrites(): void {
    clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => this.resumeWrites(), PAUSE_MAX_MS);
    void this.gate.pause(() => this.checkpointer?.postMessage('paused'));
  }

  private resumeWrites(): void {
    clearTimeout(this.pauseTimer);
    this.gate.resume();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        const migration = MIGRATIONS[v]!;
        if (typeof migration === 'string') this.db.exec(migration);
        else migration(this.db);
        this.db.pragma(`user_version = ${v + 1}`);
      }).immediate();
    }
  }

  private prepare() {
    const db = this.db;
    return {
      getMeta: db.prepare<[string], { value: Buffer }>('SELECT value FROM meta WHERE key = ?'),
      putMeta: db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)'),
      streamByKey: db.prepare<[string, string, string], StreamRow>('SELECT * FROM streams WHERE account = ? AND region = ? AND name = ?'),
      streamByUid: db.prepare<[number], StreamRow>('SELECT * FROM streams WHERE uid = ?'),
      listStreams: db.prepare<[string, string, string, number], StreamRow>(
        'SELECT * FROM streams WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?'),
      openShardCount: db.prepare<[string, string], { n: number }>(
        `SELECT count(*) AS n FROM shards s JOIN streams t ON t.uid = s.stream_uid
         WHERE t.account = ? AND t.region = ? AND s.closed_ms IS NULL`),
      insertStream: db.prepare(
        `INSERT INTO streams (account, region, name, status, created_ms, retention_hours, mode, max_record_kib,
          next_shard_index, pending, pending_due_ms, settings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      updateSettings: db.prepare(
        `UPDATE streams SET retention_hours = ?, mode = ?, max_record_kib = ?, encryption_type = ?, key_id = ?,
          shard_metrics = ?, settings = ? WHERE uid = ?`),
      countStreams: db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM streams WHERE account = ? AND region = ?'),
      countStreamsInMode: db.prepare<[string, string, string], { n: number }>(
        'SELECT count(*) AS n FROM streams WHERE account = ? AND region = ? AND mode = ?'),
      getPolicy: db.prepare<[string], { policy: string }>('SELECT policy FROM resource_policies WHERE arn = ?'),
      putPolicy: db.prepare(
        'INSERT INTO resource_policies (arn, stream_uid, policy) VALUES (?, ?, ?) ON CONFLICT (arn) DO UPDATE SET policy = excluded.policy'),
      deletePolicy: db.prepare('DELETE FROM resource_policies WHERE arn = ?'),
      deleteStreamPolicies: db.prepare('DELETE FROM resource_policies WHERE stream_uid = ?'),
      getAccountSettings: db.prepare<[string, string], { settings: string }>('SELECT settings FROM account_settings WHERE account = ? AND region = ?'),
      putAccountSettings: db.prepare(
        `INSERT INTO account_settings (account, region, settings) VALUES (?, ?, ?)
         ON CONFLICT (account, region) DO UPDATE SET settings = excluded.settings`),
      insertShard: db.prepare(
        `INSERT INTO shards (stream_uid, idx, created_ms, start_hash, end_hash, parent_idx, adjacent_parent_idx)
         VALUES (?, ?, ?, ?, ?, ?, ?)`),
      shards: db.prepare<[number], ShardRow>('SELECT * FROM shards WHERE stream_uid = ? ORDER BY idx'),
      setStatus: db.prepare('UPDATE streams SET status = ?, pending = ?, pending_due_ms = ? WHERE uid = ?'),
      due: db.prepare<[number], StreamRow>('SELECT * FROM streams WHERE pending_due_ms <= ? ORDER BY pending_due_ms'),
      nextShardIndex: db.prepare<[number], { next_shard_index: number }>('SELECT next_shard_index FROM streams WHERE uid = ?'),
      setNextShardIndex: db.prepare('UPDATE streams SET next_shard_index = ? WHERE uid = ?'),
      closeShard: db.prepare('UPDATE shards SET closed_ms = ? WHERE stream_uid = ? AND idx = ?'),
      deleteShardRow: db.prepare('DELETE FROM shards WHERE uid = ?'),
      deleteStreamShards: db.prepare('DELETE FROM shards WHERE stream_uid = ?'),
      deleteStreamTags: db.prepare('DELETE FROM tags WHERE stream_uid = ?'),
      deleteStream: db.prepare('DELETE FROM streams WHERE uid = ?'),
      tags: db.prepare<[number], { key: string; value: string }>('SELECT key, value FROM tags WHERE stream_uid = ? ORDER BY key'),
      tagCount: db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM tags WHERE stream_uid = ?'),
      hasTag: db.prepare<[number, string], { n: number }>('SELECT 1 AS n FROM tags WHERE stream_uid = ? AND key = ?'),
      putTag: db.prepare('INSERT INTO tags (stream_uid, key, value) VALUES (?, ?, ?) ON CONFLICT (stream_uid, key) DO UPDATE SET value = excluded.value'),
      removeTag: db.prepare('DELETE FROM tags WHERE stream_uid = ? AND key = ?'),
      setLastCounter: db.prepare('UPDATE shards SET last_counter = ? WHERE uid = ?'),
      insertChunk: db.prepare('INSERT INTO chunks (key, last_counter, arrival_ms, encrypted, body) VALUES (?, ?, ?, ?, ?)'),
      // The chunk holding a counter starts at or before it: the last chunk key up to it, if any.
      chunkStart: db.prepare<[bigint, bigint], { key: number | bigint | null }>(
        'SELECT max(key) AS key FROM chunks WHERE key >= ? AND key <= ?'),
      readChunks: db.prepare<[number | bigint, bigint, number], ChunkRow>(
        `SELECT key & ${COUNTER_MASK} AS first, last_counter, arrival_ms, encrypted, body, segment, segment_at, segment_length
         FROM chunks WHERE key >= ? AND key <= ? AND arrival_ms >= ? ORDER BY key`),
      firstAtTime: db.prepare<[bigint, bigint, number], { counter: number }>(
        `SELECT key & ${COUNTER_MASK} AS counter FROM chunks WHERE key >= ? AND key <= ? AND arrival_ms >= ? ORDER BY key LIMIT 1`),
      lastChunk: db.prepare<[bigint, bigint], { arrival_ms: number; last_counter: number }>(
        'SELECT arrival_ms, last_counter FROM chunks WHERE key >= ? AND key <= ? ORDER BY key DESC LIMIT 1'),
      oldest: db.prepare<[bigint, bigint], { arrival_ms: number }>(
        'SELECT arrival_ms FROM chunks WHERE key >= ? AND key <= ? ORDER BY key LIMIT 1'),
      expiredPrefix: db.prepare<[bigint, bigint, number, number], { n: number; last: bigint }>(
        `SELECT count(*) AS n, max(key) AS last FROM
           (SELECT key, arrival_ms FROM chunks WHERE key >= ? AND key <= ? ORDER BY key LIMIT ?)
         WHERE arrival_ms < ?`).safeIntegers(true),
      deleteRange: db.prepare('DELETE FROM chunks WHERE key >= ? AND key <= ?'),
      segmentNamed: db.prepare<[number], { n: number }>('SELECT 1 AS n FROM chunks WHERE segment = ? LIMIT 1'),
      allStreams: db.prepare<[], StreamRow>('SELECT * FROM streams'),
    };
  }

  async secret(): Promise<Buffer> {
    await this.gate.exclusive(() => this.stmt.putMeta.run('secret', randomBytes(32)));
    return this.stmt.getMeta.get('secret')!.value;
  }

  async createStream(s: NewStream, shardLimit: number): Promise<CreateOutcome> {
    return this.exclusiveStreamsWrite(() => this.db.transaction((): CreateOutcome => {
      if (this.stmt.streamByKey.get(s.account, s.region, s.name)) return { ok: false, reason: 'exists' };
      const openShards = this.stmt.openShardCount.get(s.account, s.region)!.n;
      if (openShards + s.shards.length > shardLimit) return { ok: false, reason: 'shard-limit', openShards };
      const info = this.stmt.insertStream.run(s.account, s.region, s.name, s.status, s.createdMs, s.retentionHours,
        s.mode, s.maxRecordSizeKiB, s.shards.length, encodePending(s.pending), s.pendingDueMs ?? null,
        JSON.stringify(s.warmThroughputMiBps !== undefined ? { warmThroughputMiBps: s.warmThroughputMiBps } : {}));
      const uid = Number(info.lastInsertRowid);
      s.shards.forEach((spec, i) => this.insertShard(uid, i, s.createdMs, spec));
      for (const [k, v] of Object.entries(s.tags)) this.stmt.putTag.run(uid, k, v);
      return { ok: true, uid };
    }).immediate());
  }

  private insertShard(streamUid: number, index: number, createdMs: number, spec: ShardSpec): void {
    this.stmt.insertShard.run(streamUid, index, createdMs, spec.startHash.toString(), spec.endHash.toString(),
      spec.parentIndex ?? null, spec.adjacentParentIndex ?? null);
  }

  async getStream(key: StreamKey): Promise<StreamState | undefined> {
    const cacheKey = `${key.account}\u0000${key.region}\u0000${key.name}`;
    let stream = this.streamsByKey.get(cacheKey);
    if (!stream) {
      const row = this.stmt.streamByKey.get(key.account, key.region, key.name);
      if (!row) return undefined;
      stream = this.remember(row);
    }
    return stream;
  }

  async getStreamByUid(uid: number): Promise<StreamState | undefined> {
    let stream = this.streamsByUid.get(uid);
    if (!stream) {
      const row = this.stmt.streamByUid.get(uid);
      if (!row) return undefined;
      stream = this.remember(row);
    }
    return stream;
  }

  // Streams as last read, for the data path (every PutRecord and GetRecords names one). This process
  // is the only writer of the file, and every method that writes a streams row forgets them all.
  private readonly streamsByKey = new Map<string, StreamState>();
  private readonly streamsByUid = new Map<number, StreamState>();

  private remember(row: StreamRow): StreamState {
    const stream = toStream(row);
    Object.freeze(stream.shardLevelMetrics);
    Object.freeze(stream);
    this.streamsByKey.set(`${row.account}\u0000${row.region}\u0000${row.name}`, stream);
    this.streamsByUid.set(row.uid, stream);
    return stream;
  }

  /** changingStreams, run as an exclusive write (write-gate.ts). */
  private exclusiveStreamsWrite<T>(write: () => T): Promise<T> {
    return this.gate.exclusive(() => this.changingStreams(write));
  }

  /** Runs a write to streams rows, then forgets the streams read so far. */
  private changingStreams<T>(write: () => T): T {
    try {
      return write();
    } finally {
      this.streamsByKey.clear();
      this.streamsByUid.clear();
    }
  }

  async listStreams(account: string, region: string, afterName: string | undefined, limit: number): Promise<StreamState[]> {
    return this.stmt.listStreams.all(account, region, afterName ?? '', limit).map(toStream);
  }

  async countOpenShards(account: string, region: string): Promise<number> {
    return this.stmt.openShardCount.get(account, region)!.n;
  }

  // Served from the shards kept in memory (every GetRecords asks for one): no query, no parsing.
  async listShards(uid: number): Promise<ShardState[]> {
    return [...this.liveStream(uid).byIndex.values()].map(currentShard);
  }

  async getShard(uid: number, index: number): Promise<ShardState | undefined> {
    const shard = this.liveStream(uid).byIndex.get(index);
    return shard && currentShard(shard);
  }

  async beginChange(uid: number, status: StreamStatus, change: PendingChange, dueMs: number,
    allowed: StreamStatus[] = ['ACTIVE'], settings?: Partial<StreamSettings>): Promise<ChangeOutcome> {
    return this.exclusiveStreamsWrite(() => this.db.transaction((): ChangeOutcome => {
      const row = this.stmt.streamByUid.get(uid);
      if (!row || !allowed.includes(row.status as StreamStatus)) {
        return { ok: false, status: row?.status as StreamStatus | undefined };
      }
      if (settings) this.applySettings(row, settings);
      this.stmt.setStatus.run(status, encodePending(change), dueMs, uid);
      return { ok: true };
    }).immediate());
  }

  async updateSettings(uid: number, settings: Partial<StreamSettings>,
    allowed: StreamStatus[] = ['ACTIVE', 'UPDATING']): Promise<ChangeOutcome> {
    return this.exclusiveStreamsWrite(() => this.db.transaction((): ChangeOutcome => {
      const row = this.stmt.streamByUid.get(uid);
      if (!row || !allowed.includes(row.status as StreamStatus)) {
        return { ok: false, status: row?.status as StreamStatus | undefined };
      }
      this.applySettings(row, settings);
      return { ok: true };
    }).immediate());
  }

  private applySettings(row: StreamRow, patch: Partial<StreamSettings>): void {
    this.stmt.updateSettings.run(...settingsColumns(row, patch), row.uid);
  }


  async countStreams(account: string, region: string, mode?: StreamMode): Promise<number> {
    return mode === undefined
      ? this.stmt.countStreams.get(account, region)!.n
      : this.stmt.countStreamsInMode.get(account, region, mode)!.n;
  }

  async getPolicy(arn: string): Promise<string | undefined> {
    return this.stmt.getPolicy.get(arn)?.policy;
  }

  async putPolicy(streamUid: number, arn: string, policy: string): Promise<void> {
    await this.gate.exclusive(() => this.stmt.putPolicy.run(arn, streamUid, policy));
  }

  async deletePolicy(arn: string): Promise<boolean> {
    return this.gate.exclusive(() => this.stmt.deletePolicy.run(arn).changes > 0);
  }

  async getAccountSettings(account: string, region: string): Promise<string | undefined> {
    return this.stmt.getAccountSettings.get(account, region)?.settings;
  }

  async putAccountSettings(account: string, region: string, settings: string): Promise<void> {
    await this.gate.exclusive(() => this.stmt.putAccountSettings.run(account, region, settings));
  }

  async completeDueChanges(nowMs: number): Promise<number> {
    return this.gate.exclusive(() => {
      const channelsDone = this.channels.completeDue(nowMs) + this.consumers.completeDue(nowMs);
      const due = this.stmt.due.all(nowMs);
      if (due.length > 0) this.changingStreams(() => this.applyDueChanges(due, nowMs));
      return due.length + channelsDone;
    });
  }

  private applyDueChanges(due: StreamRow[], nowMs: number): void {
    for (const row of due) {
      const change = decodePending(row.pending);
      this.db.transaction(() => {
        if (!change || change.kind === 'activate') {
          this.stmt.setStatus.run('ACTIVE', null, null, row.uid);
        } else if (change.kind === 'delete') {
          this.dropStream(row.uid);
        } else {
          let next = this.stmt.nextShardIndex.get(row.uid)!.next_shard_index;
          const first = next;
          for (const index of change.close) this.stmt.closeShard.run(nowMs, row.uid, index);
          for (const spec of change.open) {
            // Parents made by this same change are named by position; their indexes are known now.
            this.insertShard(row.uid, next, nowMs, {
              ...spec,
              parentIndex: spec.parentIndex ?? (spec.parentNew !== undefined ? first + spec.parentNew : undefined),
              adjacentParentIndex: spec.adjacentParentIndex ?? (spec.adjacentParentNew !== undefined ? first + spec.adjacentParentNew : undefined),
            });
            if (spec.closed) this.stmt.closeShard.run(nowMs, row.uid, next);
            next++;
          }
          this.stmt.setNextShardIndex.run(next, row.uid);
          this.stmt.setStatus.run('ACTIVE', null, null, row.uid);
        }
      }).immediate();
      this.live.delete(row.uid);
    }
  }

  async createChannel(channel: NewChannel): Promise<ChannelCreateOutcome> {
    return this.gate.exclusive(() => this.channels.create(channel));
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
    return this.gate.exclusive(() => this.channels.change(account, region, id, status, dueMs, allowed, config));
  }

  private dropStream(uid: number): void {
    for (const shard of this.stmt.shards.all(uid)) {
      const [lo, hi] = keyRange(shard.uid);
      this.stmt.deleteRange.run(lo, hi);
    }
    this.stmt.deleteStreamShards.run(uid);
    this.stmt.deleteStreamTags.run(uid);
    this.stmt.deleteStreamPolicies.run(uid);
    this.consumers.dropStream(uid);
    this.stmt.deleteStream.run(uid);
  }

  async registerConsumer(consumer: NewConsumer, limits: ConsumerLimits): Promise<RegisterOutcome> {
    return this.gate.exclusive(() => this.consumers.register(consumer, limits));
  }

  async getConsumer(streamUid: number, name: string): Promise<ConsumerState | undefined> {
    return this.consumers.get(streamUid, name);
  }

  async listConsumers(streamUid: number, afterName: string | undefined, limit: number): Promise<ConsumerState[]> {
    return this.consumers.list(streamUid, afterName, limit);
  }

  async countConsumers(streamUid: number): Promise<number> {
    return this.consumers.count(streamUid);
  }

  async deregisterConsumer(streamUid: number, name: string, dueMs: number): Promise<boolean> {
    return this.gate.exclusive(() => this.consumers.deregister(streamUid, name, dueMs));
  }

  async addConsumerTags(streamUid: number, name: string, tags: Record<string, string>, maxTags: number): Promise<boolean> {
    return this.gate.exclusive(() => this.consumers.addTags(streamUid, name, tags, maxTags));
  }

  async removeConsumerTags(streamUid: number, name: string, keys: string[]): Promise<void> {
    await this.gate.exclusive(() => this.consumers.removeTags(streamUid, name, keys));
  }

  async beginDelete(uid: number, dueMs: number, allowed: StreamStatus[], withConsumers: boolean): Promise<DeleteOutcome> {
    return this.exclusiveStreamsWrite(() => this.db.transaction((): DeleteOutcome => {
      const row = this.stmt.streamByUid.get(uid);
      if (!row || !allowed.includes(row.status as StreamStatus)) {
        return { ok: false, status: row?.status as StreamStatus | undefined };
      }
      const consumers = this.consumers.count(uid);
      if (consumers > 0) {
        if (!withConsumers) return { ok: false, status: row.status as StreamStatus, consumers };
        this.consumers.deregisterAll(uid, dueMs);
      }
      this.stmt.setStatus.run('DELETING', encodePending({ kind: 'delete' }), dueMs, uid);
      return { ok: true };
    }).immediate());
  }

  async getTags(uid: number): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const { key, value } of this.stmt.tags.all(uid)) out[key] = value;
    return out;
  }

  async addTags(uid: number, tags: Record<string, string>, maxTags: number): Promise<boolean> {
    return this.gate.exclusive(() => this.db.transaction(() => {
      let count = this.stmt.tagCount.get(uid)!.n;
      for (const key of Object.keys(tags)) if (!this.stmt.hasTag.get(uid, key)) count++;
      if (count > maxTags) return false;
      for (const [k, v] of Object.entries(tags)) this.stmt.putTag.run(uid, k, v);
      return true;
    }).immediate());
  }

  async removeTags(uid: number, keys: string[]): Promise<void> {
    await this.gate.exclusive(() => this.db.transaction(() => {
      for (const key of keys) this.stmt.removeTag.run(uid, key);
    }).immediate());
  }

  /** A stream's shards (in index order) and its open ones, loaded once and kept until a change to its shards. */
  private liveStream(uid: number): LiveStream {
    let live = this.live.get(uid);
    if (live) return live;
    const byIndex = new Map<number, LiveShard>();
    for (const r of this.stmt.shards.all(uid)) {
      const [lo, hi] = keyRange(r.uid);
      const last = this.stmt.lastChunk.get(lo, hi);
      const state = toShard(r);
      byIndex.set(r.idx, {
        uid: r.uid, state, startHex: hashKeyHex(state.startHash), endHex: hashKeyHex(state.endHash),
        // Writes leave shards.last_counter behind (one page less per commit); the last chunk knows
        // better, and the row is brought up to date before trimming deletes that chunk.
        lastCounter: Math.max(r.last_counter, last?.last_counter ?? 0), lastArrivalMs: last?.arrival_ms ?? 0,
        lastGiven: Math.max(r.last_counter, last?.last_counter ?? 0),
      });
    }
    const open = [...byIndex.values()].filter((s) => s.state.closedMs === undefined)
      .sort((a, b) => (a.state.startHash < b.state.startHash ? -1 : 1));
    live = { open, byIndex };
    this.live.set(uid, live);
    return live;
  }

  async putRecords(uid: number, write: RecordWrite, nowMs: number): Promise<PutResult> {
    await this.gate.enterRecordWrite();
    try {
      const live = this.liveStream(uid);
      // A stream has open shards as long as it exists: none, it was deleted while this write waited.
      if (live.open.length === 0) throw new StreamGone();
      const { batch, hashKeys, encrypted } = write;
      const n = hashKeys.length;
      const shardOf = new Uint32Array(n);
      const counters = new Float64Array(n);
      // Counters are taken in request order, so each shard's records here are consecutive: they go
      // in as one chunk per shard (a new one past CHUNK_MAX_BYTES, so that a read of one record
      // never loads megabytes). `slots` numbers the shards in the order this write reached them.
      const runs = new Map<LiveShard, PendingChunk[]>();
      const slots = new Map<LiveShard, number>();
      let bytes = 0;
      for (let i = 0; i < n; i++) {
        const size = batch.ends[i]! - dataStart(batch.ends, i);
        bytes += size;
        const shard = route(live.open, hashKeys[i]!);
        let shardRuns = runs.get(shard);
        if (!shardRuns) {
          runs.set(shard, (shardRuns = []));
          slots.set(shard, slots.size);
        }
        let run = shardRuns[shardRuns.length - 1];
        if (!run || run.bytes + size > CHUNK_MAX_BYTES) {
          // Arrival times never go backwards within a shard, so AT_TIMESTAMP and trimming can rely on order.
          const arrival = Math.max(nowMs, shard.lastArrivalMs);
          run = { shard, first: run ? run.first + run.positions.length : shard.lastGiven + 1, arrival, encrypted, positions: [], bytes: 0 };
          shardRuns.push(run);
        }
        shardOf[i] = slots.get(shard)!;
        counters[i] = run.first + run.positions.length;
        run.positions.push(i);
        run.bytes += size;
      }
      // A write with none before it in flight is stored at once, here: handing it to the thread and
      // back costs two thread wake-ups, which on a virtual machine can be most of a small write's
      // time. Under load, writes queue on the thread (in order) while this one goes on decoding.
      if (!this.writer || this.writer.broken || (this.gate.alone() && bytes < HERE_MAX_BYTES)) this.storeHere(batch, runs);
      else await this.storeOnWriter(batch, runs);
      // Committed: only now do readers see the records.
      for (const [shard, shardRuns] of runs) shard.lastCounter = Math.max(shard.lastCounter, lastOf(shardRuns[shardRuns.length - 1]!));
      const shards = [...slots.keys()].map((s) => ({ index: s.state.index, createdMs: s.state.createdMs }));
      return { shards, shardOf, counters };
    } finally {
      this.gate.recordWriteDone();
    }
  }

  /** Stores the chunks on this thread's connection (in memory, or once the writer thread failed). */
  private storeHere(batch: ChunkSource, runs: Map<LiveShard, PendingChunk[]>): void {
    this.atomically(() => {
      for (const shardRuns of runs.values()) {
        for (const run of shardRuns) this.stmt.insertChunk.run(...chunkRow(run), encodeSourceChunk(batch, run.positions));
      }
    });
    given(runs);
  }

  /**
   * Sends the chunks to the writer thread, which writes their bodies from the write's records, and
   * waits for their commit. Their counters and arrival times are given out before the wait, so the
   * next write, routed meanwhile, follows them.
   */
  private async storeOnWriter(batch: ChunkSource, runs: Map<LiveShard, PendingChunk[]>): Promise<void> {
    const job: ChunkJob = { positions: new Uint32Array(batch.ends.length), starts: [], keys: [], lastCounters: [], arrivals: [], encrypted: [] };
    let at = 0;
    for (const shardRuns of runs.values()) {
      for (const run of shardRuns) {
        const [key, lastCounter, arrival, encrypted] = chunkRow(run);
        job.keys.push(key);
        job.lastCounters.push(lastCounter);
        job.arrivals.push(arrival);
        job.encrypted.push(encrypted);
        job.starts.push(at);
        for (const p of run.positions) job.positions[at++] = p;
      }
    }
    given(runs);
    await this.writer!.write(job, batch);
  }

  async readRecords(uid: number, shardIndex: number, req: ReadRequest): Promise<ReadResult> {
    const shard = this.liveStream(uid).byIndex.get(shardIndex);
    if (!shard) return { records: [] };
    const [lo, hi] = keyRange(shard.uid);
    const from = Math.max(0, req.fromCounter);
    const start = this.stmt.chunkStart.get(lo, lo | BigInt(from))?.key ?? (lo | BigInt(from));
    const records: StoredRecord[] = [];
    let bytes = 0;
    let nextArrivalMs: number | undefined;
    // Iterate rather than fetch all: the limit or the byte cap usually ends the read after a few chunks.
    for (const chunk of this.stmt.readChunks.iterate(start, hi, req.minArrivalMs)) {
      if (chunk.last_counter < from) continue;
      const arrivalMs = chunk.arrival_ms;
      // Full already: the next read starts here, and this chunk's body (a file read, for a segment's) is not needed.
      if (records.length === req.limit) {
        nextArrivalMs = arrivalMs;
        break;
      }
      const encrypted = chunk.encrypted === 1;
      const body = chunk.segment === null ? chunk.body : this.segments!.read(chunk.segment, chunk.segment_at!, chunk.segment_length!);
      forEachInChunk(body, from - chunk.first, (position, partitionKey, data) => {
        const size = data.length + Buffer.byteLength(partitionKey);
        if (records.length === req.limit || (records.length > 0 && bytes + size > req.maxBytes)) {
          nextArrivalMs = arrivalMs;
          return false;
        }
        bytes += size;
        records.push({ counter: chunk.first + position, arrivalMs, partitionKey, data, encrypted });
        return true;
      });
      if (nextArrivalMs !== undefined) break;
    }
    return nextArrivalMs === undefined ? { records } : { records, nextArrivalMs };
  }

  async counterAtTime(uid: number, shardIndex: number, atMs: number): Promise<number> {
    const shard = this.liveStream(uid).byIndex.get(shardIndex);
    if (!shard) return 0;
    const [lo, hi] = keyRange(shard.uid);
    return this.stmt.firstAtTime.get(lo, hi, atMs)?.counter ?? shard.lastCounter + 1;
  }

  async trimExpired(nowMs: number): Promise<void> {
    await this.gate.exclusive(() => this.trimNow(nowMs));
  }

  private trimNow(nowMs: number): void {
    for (const stream of this.stmt.allStreams.all()) {
      const floor = (JSON.parse(stream.settings) as ExtraSettings).retentionFloorMs ?? 0;
      const cutoff = Math.max(nowMs - stream.retention_hours * 3_600_000, floor);
      for (const shard of this.stmt.shards.all(stream.uid)) {
        const [lo, hi] = keyRange(shard.uid);
        // Arrival times rise with the key inside a shard, so the expired records are a prefix:
        // delete it in bounded range deletes, reading at most one batch of keys each time.
        for (let batch = 0; batch < TRIM_MAX_BATCHES; batch++) {
          const first = this.stmt.oldest.get(lo, hi);
          if (!first || first.arrival_ms >= cutoff) break;
          // The shard row keeps the last counter once the chunk that knew it is gone.
          if (batch === 0) {
            const lastChunk = this.stmt.lastChunk.get(lo, hi)!;
            if (lastChunk.last_counter > shard.last_counter) this.stmt.setLastCounter.run(lastChunk.last_counter, shard.uid);
          }
          const { n, last } = this.stmt.expiredPrefix.get(lo, hi, TRIM_BATCH, cutoff)!;
          this.stmt.deleteRange.run(lo, last);
          if (Number(n) < TRIM_BATCH) break;
        }
        // A closed shard whose records have all aged out is gone from the stream, as in AWS.
        if (shard.closed_ms !== null && shard.closed_ms < cutoff && !this.stmt.oldest.get(lo, hi)) {
          this.stmt.deleteShardRow.run(shard.uid);
          this.live.delete(stream.uid);
        }
      }
    }
    this.removeUnnamedSegments();
  }

  /** Deletes the segments that no row names any more, among those the writer has left for good. */
  private removeUnnamedSegments(): void {
    if (!this.segments || !this.writer) return;
    for (const segment of this.segments.ids()) {
      if (segment >= this.writer.segmentsLeft) break;
      if (!this.stmt.segmentNamed.get(segment)) this.segments.remove(segment);
    }
  }

  async close(): Promise<void> {
    // Writes already sent finish first; none is sent after (the server stopped taking requests).
    await this.gate.exclusive(() => undefined);
    await this.writer?.close();
    if (this.checkpointer) {
      const stopped = new Promise((resolve) => this.checkpointer!.on('message', (m) => m === 'stopped' && resolve(m)));
      this.checkpointer.postMessage('stop');
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 2000))]);
      await this.checkpointer.terminate();
      this.resumeWrites();
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    }
    this.segments?.close();
    this.db.close();
    this.lock?.close();
  }
}

interface ChunkRow {
  first: number;
  last_counter: number;
  arrival_ms: number;
  encrypted: number;
  /** Empty when the body is in a segment file: then `segment` names it. */
  body: Buffer;
  segment: number | null;
  segment_at: number | null;
  segment_length: number | null;
}

/** Records of one write bound for one shard, before they are stored as a chunk. */
interface PendingChunk {
  shard: LiveShard;
  first: number;
  /** The arrival time of its records (never before the shard's last). */
  arrival: number;
  encrypted: boolean;
  /** Its records' positions in the write. */
  positions: number[];
  /** Data bytes so far. */
  bytes: number;
}

const SAFE_SHARD_UIDS = 2 ** (53 - Number(COUNTER_BITS));

/** A record's key; a plain number while it is exact (shard uids below 8192), else a BigInt. */
function recordKey(shardUid: number, counter: number): number | bigint {
  return shardUid < SAFE_SHARD_UIDS ? shardUid * 2 ** Number(COUNTER_BITS) + counter : (BigInt(shardUid) << COUNTER_BITS) | BigInt(counter);
}

/** A chunk's row beside its body: key, last counter, arrival time, encryption flag. */
function chunkRow(run: PendingChunk): [number | bigint, number, number, number] {
  return [recordKey(run.shard.uid, run.first), lastOf(run), run.arrival, run.encrypted ? 1 : 0];
}

/** The counters and arrival times of these chunks are taken: the next write goes after them. */
function given(runs: Map<LiveShard, PendingChunk[]>): void {
  for (const [shard, shardRuns] of runs) {
    const last = shardRuns[shardRuns.length - 1]!;
    shard.lastGiven = lastOf(last);
    shard.lastArrivalMs = last.arrival;
  }
}

/**
 * One process owns a data directory: it holds an exclusive SQLite lock on `sluice.lock` there for
 * its lifetime (released by the OS if the process dies), and a second process is refused at once.
 */
function lockDataDir(dir: string): Database.Database {
  const lock = new Database(join(dir, 'sluice.lock'), { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('CREATE TABLE IF NOT EXISTS owner (pid INTEGER); DELETE FROM owner;');
    lock.prepare('INSERT INTO owner (pid) VALUES (?)').run(process.pid);
    return lock;
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new Error(`data directory ${dir} is in use by another Sluice process`);
    }
    throw err;
  }
}

function keyRange(shardUid: number): [bigint, bigint] {
  const lo = BigInt(shardUid) << COUNTER_BITS;
  return [lo, lo | COUNTER_MASK];
}

/** The open shard whose range holds `hash` (32 hex digits: text order is numeric order). */
function route(open: LiveShard[], hash: string): LiveShard {
  let lo = 0;
  let hi = open.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = open[mid]!;
    if (hash < s.startHex) hi = mid - 1;
    else if (hash > s.endHex) lo = mid + 1;
    else return s;
  }
  throw new Error(`no open shard holds hash key ${hash}`);
}




const lastOf = (run: PendingChunk): number => run.first + run.positions.length - 1;

/** A kept shard with the counter it has reached. */
const currentShard = (shard: LiveShard): ShardState => ({ ...shard.state, lastCounter: shard.lastCounter });
