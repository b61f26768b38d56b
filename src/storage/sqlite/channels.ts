// The embedded engine's channels table (migration 3): one row per channel, its configuration kept as
// the JSON text the operations give, its sources as JSON so that filters and the per-stream limit
// can look into them.
import type Database from 'better-sqlite3';
import type {
  ChannelChangeOutcome, ChannelCreateOutcome, ChannelFilter, ChannelState, ChannelStatus, NewChannel,
} from '../store.js';
import { toChannel, type ChannelRow } from '../rows.js';

/** Channels of the same account and region that read `source` and deliver to `destination`. */
const SAME_SOURCE_AND_DESTINATION = `
  SELECT 1 AS n FROM channels c, json_each(c.sources) s
  WHERE c.account = ? AND c.region = ? AND c.destination = ?
    AND json_extract(s.value, '$.streamArn') = ? AND json_extract(s.value, '$.streamCreatedMs') = ?
  LIMIT 1`;

/** A channel matches when one of its sources matches one of the filters (JSON array) given. */
const MATCHES_FILTERS = `
  EXISTS (SELECT 1 FROM json_each(c.sources) s, json_each(?) f
    WHERE json_extract(s.value, '$.streamArn') = json_extract(f.value, '$.streamArn')
      AND (json_extract(f.value, '$.streamCreatedMs') IS NULL
        OR json_extract(f.value, '$.streamCreatedMs') = json_extract(s.value, '$.streamCreatedMs')))`;

function prepare(db: Database.Database) {
  return {
    byId: db.prepare<[string], ChannelRow>('SELECT * FROM channels WHERE id = ?'),
    byName: db.prepare<[string, string, string], { id: string }>('SELECT id FROM channels WHERE account = ? AND region = ? AND name = ?'),
    sameSourceAndDestination: db.prepare<[string, string, string, string, number], { n: number }>(SAME_SOURCE_AND_DESTINATION),
    insert: db.prepare(
      `INSERT INTO channels (id, account, region, name, status, created_ms, destination, sources, config, tags, pending_due_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    list: db.prepare<[string, string, string, number], ChannelRow>(
      'SELECT * FROM channels c WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?'),
    listFiltered: db.prepare<[string, string, string, string, number], ChannelRow>(
      `SELECT * FROM channels c WHERE account = ? AND region = ? AND name > ? AND ${MATCHES_FILTERS} ORDER BY name LIMIT ?`),
    setStatus: db.prepare('UPDATE channels SET status = ?, pending_due_ms = ? WHERE id = ?'),
    setStatusAndConfig: db.prepare('UPDATE channels SET status = ?, pending_due_ms = ?, config = ? WHERE id = ?'),
    due: db.prepare<[number], ChannelRow>('SELECT * FROM channels WHERE pending_due_ms <= ? ORDER BY pending_due_ms'),
    activate: db.prepare('UPDATE channels SET status = \'ACTIVE\', pending_due_ms = NULL WHERE id = ? AND pending_due_ms = ?'),
    delete: db.prepare('DELETE FROM channels WHERE id = ? AND pending_due_ms = ?'),
  };
}

export class ChannelTable {
  private readonly stmt: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {
    this.stmt = prepare(db);
  }

  create(c: NewChannel): ChannelCreateOutcome {
    return this.db.transaction((): ChannelCreateOutcome => {
      if (this.stmt.byName.get(c.account, c.region, c.name)) return { ok: false, reason: 'exists' };
      for (const source of c.sources) {
        if (this.stmt.sameSourceAndDestination.get(c.account, c.region, c.destination, source.streamArn, source.streamCreatedMs)) {
          return { ok: false, reason: 'destination-taken', source };
        }
      }
      this.stmt.insert.run(c.id, c.account, c.region, c.name, c.status, c.createdMs, c.destination,
        JSON.stringify(c.sources), c.config, JSON.stringify(c.tags), c.pendingDueMs ?? null);
      return { ok: true };
    }).immediate();
  }

  get(account: string, region: string, id: string): ChannelState | undefined {
    const row = this.stmt.byId.get(id);
    return row && row.account === account && row.region === region ? toChannel(row) : undefined;
  }

  list(account: string, region: string, afterName: string | undefined, limit: number, filters?: ChannelFilter[]): ChannelState[] {
    const rows = filters === undefined
      ? this.stmt.list.all(account, region, afterName ?? '', limit)
      : this.stmt.listFiltered.all(account, region, afterName ?? '', JSON.stringify(filters), limit);
    return rows.map(toChannel);
  }

  change(account: string, region: string, id: string, status: ChannelStatus, dueMs: number, allowed: ChannelStatus[],
    config?: string): ChannelChangeOutcome {
    return this.db.transaction((): ChannelChangeOutcome => {
      const row = this.stmt.byId.get(id);
      if (!row || row.account !== account || row.region !== region) return { ok: false, status: undefined };
      if (!allowed.includes(row.status as ChannelStatus)) return { ok: false, status: row.status as ChannelStatus };
      if (config === undefined) this.stmt.setStatus.run(status, dueMs, id);
      else this.stmt.setStatusAndConfig.run(status, dueMs, config, id);
      return { ok: true };
    }).immediate();
  }

  /** Ends every transition due at `nowMs`: DELETING channels go, the others become ACTIVE. */
  completeDue(nowMs: number): number {
    let applied = 0;
    for (const row of this.stmt.due.all(nowMs)) {
      // Conditional on the due time read, so a change begun meanwhile is not ended early.
      const done = row.status === 'DELETING'
        ? this.stmt.delete.run(row.id, row.pending_due_ms)
        : this.stmt.activate.run(row.id, row.pending_due_ms);
      applied += done.changes;
    }
    return applied;
  }
}
