// The embedded engine's consumers table (migration 4): enhanced fan-out consumers, one row each,
// keyed by stream and name, their tags as JSON. Registration checks the limits in the same
// transaction as the insert, so two concurrent registrations cannot both take the last place.
import type Database from 'better-sqlite3';
import { toConsumer, type ConsumerRow } from '../rows.js';
import type { ConsumerLimits, ConsumerState, NewConsumer, RegisterOutcome, StreamStatus } from '../store.js';


function prepare(db: Database.Database) {
  return {
    get: db.prepare<[number, string], ConsumerRow>('SELECT * FROM consumers WHERE stream_uid = ? AND name = ?'),
    list: db.prepare<[number, string, number], ConsumerRow>(
      'SELECT * FROM consumers WHERE stream_uid = ? AND name > ? ORDER BY name LIMIT ?'),
    count: db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM consumers WHERE stream_uid = ?'),
    creatingInAccount: db.prepare<[string, string], { n: number }>(
      `SELECT count(*) AS n FROM consumers c JOIN streams s ON s.uid = c.stream_uid
       WHERE s.account = ? AND s.region = ? AND c.status = 'CREATING'`),
    stream: db.prepare<[number], { account: string; region: string; status: string }>(
      'SELECT account, region, status FROM streams WHERE uid = ?'),
    insert: db.prepare(
      `INSERT INTO consumers (stream_uid, name, status, created_ms, pending_due_ms, tags) VALUES (?, ?, 'CREATING', ?, ?, ?)`),
    setDeleting: db.prepare(
      `UPDATE consumers SET status = 'DELETING', pending_due_ms = ? WHERE stream_uid = ? AND name = ? AND status <> 'DELETING'`),
    deleteAllOfStream: db.prepare(
      `UPDATE consumers SET status = 'DELETING', pending_due_ms = ? WHERE stream_uid = ? AND status <> 'DELETING'`),
    setTags: db.prepare('UPDATE consumers SET tags = ? WHERE stream_uid = ? AND name = ?'),
    anyDue: db.prepare<[number], { due: number }>('SELECT 1 AS due FROM consumers WHERE pending_due_ms <= ? LIMIT 1'),
    activateDue: db.prepare(
      `UPDATE consumers SET status = 'ACTIVE', pending_due_ms = NULL WHERE status = 'CREATING' AND pending_due_ms <= ?`),
    deleteDue: db.prepare(`DELETE FROM consumers WHERE status = 'DELETING' AND pending_due_ms <= ?`),
    dropStream: db.prepare('DELETE FROM consumers WHERE stream_uid = ?'),
  };
}

export class ConsumerTable {
  private readonly stmt: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {
    this.stmt = prepare(db);
  }

  register(c: NewConsumer, limits: ConsumerLimits): RegisterOutcome {
    return this.db.transaction((): RegisterOutcome => {
      const stream = this.stmt.stream.get(c.streamUid);
      if (!stream || !limits.streamStatuses.includes(stream.status as StreamStatus)) {
        return { ok: false, reason: 'stream-status', status: stream?.status as StreamStatus | undefined };
      }
      if (this.stmt.get.get(c.streamUid, c.name)) return { ok: false, reason: 'exists' };
      const count = this.stmt.count.get(c.streamUid)!.n;
      if (count >= limits.perStream) return { ok: false, reason: 'stream-limit', count };
      const creating = this.stmt.creatingInAccount.get(stream.account, stream.region)!.n;
      if (creating >= limits.creatingPerAccount) return { ok: false, reason: 'creating-limit', count: creating };
      this.stmt.insert.run(c.streamUid, c.name, c.createdMs, c.dueMs, JSON.stringify(c.tags));
      return { ok: true };
    }).immediate();
  }

  get(streamUid: number, name: string): ConsumerState | undefined {
    const row = this.stmt.get.get(streamUid, name);
    return row && toConsumer(row);
  }

  list(streamUid: number, afterName: string | undefined, limit: number): ConsumerState[] {
    return this.stmt.list.all(streamUid, afterName ?? '', limit).map(toConsumer);
  }

  count(streamUid: number): number {
    return this.stmt.count.get(streamUid)!.n;
  }

  deregister(streamUid: number, name: string, dueMs: number): boolean {
    return this.db.transaction(() => {
      if (!this.stmt.get.get(streamUid, name)) return false;
      this.stmt.setDeleting.run(dueMs, streamUid, name);
      return true;
    }).immediate();
  }

  /** Every consumer of a stream goes DELETING (inside the caller's transaction). */
  deregisterAll(streamUid: number, dueMs: number): void {
    this.stmt.deleteAllOfStream.run(dueMs, streamUid);
  }

  addTags(streamUid: number, name: string, tags: Record<string, string>, maxTags: number): boolean {
    return this.db.transaction(() => {
      const row = this.stmt.get.get(streamUid, name);
      if (!row) return false;
      const next = { ...(JSON.parse(row.tags) as Record<string, string>), ...tags };
      if (Object.keys(next).length > maxTags) return false;
      this.stmt.setTags.run(JSON.stringify(next), streamUid, name);
      return true;
    }).immediate();
  }

  removeTags(streamUid: number, name: string, keys: string[]): void {
    this.db.transaction(() => {
      const row = this.stmt.get.get(streamUid, name);
      if (!row) return;
      const next = JSON.parse(row.tags) as Record<string, string>;
      for (const key of keys) delete next[key];
      this.stmt.setTags.run(JSON.stringify(next), streamUid, name);
    }).immediate();
  }

  /** Ends every transition due at `nowMs`; returns how many consumers changed. */
  completeDue(nowMs: number): number {
    // This runs every few milliseconds: a read (through the partial index) first, and a write
    // transaction, which would contend with record writes and checkpoints, only when one is due.
    if (!this.stmt.anyDue.get(nowMs)) return 0;
    return this.db.transaction(() => this.stmt.activateDue.run(nowMs).changes + this.stmt.deleteDue.run(nowMs).changes).immediate();
  }

  /** Removes a stream's consumers (inside the caller's transaction, when the stream goes). */
  dropStream(streamUid: number): void {
    this.stmt.dropStream.run(streamUid);
  }
}

