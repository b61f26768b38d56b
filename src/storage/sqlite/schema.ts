// The embedded engine's schema, as versioned migrations applied in order (PRAGMA user_version).
//
// Records live in chunks (chunks.ts): one row per write per shard, keyed by a single integer, the
// shard's uid in the high bits and the chunk's first counter in the low 40 bits. A shard's records
// are therefore one contiguous, ordered range of the table's own B-tree: reads are range scans
// and trimming is a range delete. Bodies the writer thread stores are in segment files (segments.ts).
import type Database from 'better-sqlite3';
import { encodeChunk, type ChunkInput } from './chunks.js';

export const COUNTER_BITS = 40n;
export const COUNTER_MASK = (1n << COUNTER_BITS) - 1n;

export type Migration = string | ((db: Database.Database) => void);

export const MIGRATIONS: Migration[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
  CREATE TABLE streams (
    uid INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    retention_hours INTEGER NOT NULL,
    mode TEXT NOT NULL,
    max_record_kib INTEGER NOT NULL,
    encryption_type TEXT NOT NULL DEFAULT 'NONE',
    key_id TEXT,
    shard_metrics TEXT NOT NULL DEFAULT '[]',
    next_shard_index INTEGER NOT NULL,
    pending TEXT,
    pending_due_ms INTEGER,
    UNIQUE (account, region, name)
  );
  CREATE INDEX streams_pending ON streams (pending_due_ms) WHERE pending_due_ms IS NOT NULL;
  CREATE TABLE shards (
    uid INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_uid INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    start_hash TEXT NOT NULL,
    end_hash TEXT NOT NULL,
    parent_idx INTEGER,
    adjacent_parent_idx INTEGER,
    closed_ms INTEGER,
    last_counter INTEGER NOT NULL DEFAULT 0,
    UNIQUE (stream_uid, idx)
  );
  CREATE TABLE tags (
    stream_uid INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (stream_uid, key)
  ) WITHOUT ROWID;
  CREATE TABLE records (
    key INTEGER PRIMARY KEY,
    arrival_ms INTEGER NOT NULL,
    partition_key TEXT NOT NULL,
    data BLOB NOT NULL
  );
  `,
  `
  ALTER TABLE streams ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE records ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE resource_policies (arn TEXT PRIMARY KEY, stream_uid INTEGER NOT NULL, policy TEXT NOT NULL);
  CREATE INDEX resource_policies_stream ON resource_policies (stream_uid);
  CREATE TABLE account_settings (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    settings TEXT NOT NULL,
    PRIMARY KEY (account, region)
  ) WITHOUT ROWID;
  `,
  // Channels: one row each, the configuration as JSON; sources (JSON) name the streams read from.
  `
  CREATE TABLE channels (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    created_ms INTEGER NOT NULL,
    destination TEXT NOT NULL,
    sources TEXT NOT NULL,
    config TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    pending_due_ms INTEGER,
    UNIQUE (account, region, name)
  );
  CREATE INDEX channels_pending ON channels (pending_due_ms) WHERE pending_due_ms IS NOT NULL;
  `,
  // Enhanced fan-out consumers: one row each, keyed by stream and name; tags as JSON.
  `
  CREATE TABLE consumers (
    stream_uid INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    pending_due_ms INTEGER,
    tags TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (stream_uid, name)
  ) WITHOUT ROWID;
  CREATE INDEX consumers_pending ON consumers (pending_due_ms) WHERE pending_due_ms IS NOT NULL;
  `,
  // Records move from a row each to chunks; a run of records of one shard with one arrival time
  // becomes one chunk.
  (db) => {
    db.exec(`
      CREATE TABLE chunks (
        key INTEGER PRIMARY KEY,
        last_counter INTEGER NOT NULL,
        arrival_ms INTEGER NOT NULL,
        encrypted INTEGER NOT NULL,
        body BLOB NOT NULL
      );
    `);
    const insert = db.prepare('INSERT INTO chunks (key, last_counter, arrival_ms, encrypted, body) VALUES (?, ?, ?, ?, ?)');
    // A run: records of one shard with consecutive keys, one arrival time and one encryption flag.
    let run: { key: bigint; lastKey: bigint; arrival: bigint; encrypted: bigint; records: ChunkInput[] } | undefined;
    const flush = () => {
      if (run) insert.run(run.key, run.lastKey & COUNTER_MASK, run.arrival, run.encrypted, encodeChunk(run.records));
      run = undefined;
    };
    // In batches: better-sqlite3 does not write on a connection while one of its reads is open.
    const batch = db.prepare('SELECT key, arrival_ms, partition_key, data, encrypted FROM records WHERE key > ? ORDER BY key LIMIT 1000')
      .safeIntegers(true);
    type Row = { key: bigint; arrival_ms: bigint; partition_key: string; data: Buffer; encrypted: bigint };
    for (let rows = batch.all(-1n) as Row[]; rows.length > 0; rows = batch.all(rows[rows.length - 1]!.key) as Row[]) {
      for (const row of rows) {
        const sameShard = run !== undefined && row.key >> COUNTER_BITS === run.key >> COUNTER_BITS;
        if (!(sameShard && row.key === run!.lastKey + 1n && row.arrival_ms === run!.arrival &&
          row.encrypted === run!.encrypted && run!.records.length < 500)) {
          flush();
          run = { key: row.key, lastKey: row.key, arrival: row.arrival_ms, encrypted: row.encrypted, records: [] };
        }
        run!.lastKey = row.key;
        run!.records.push({ partitionKey: row.partition_key, data: row.data });
      }
    }
    flush();
    db.exec('DROP TABLE records');
  },
  // A chunk's body may be in a segment file (segments.ts): its row names where, and its body
  // column is empty. The index finds whether any row still names a segment.
  `
  ALTER TABLE chunks ADD COLUMN segment INTEGER;
  ALTER TABLE chunks ADD COLUMN segment_at INTEGER;
  ALTER TABLE chunks ADD COLUMN segment_length INTEGER;
  CREATE INDEX chunks_segment ON chunks (segment) WHERE segment IS NOT NULL;
  `,
];
