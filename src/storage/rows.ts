// The streams, shards and consumers rows as both engines store them (the same columns in SQLite and
// PostgreSQL), and their mapping to the Store's types.
import type { ChannelSource, ChannelState, ChannelStatus, ConsumerState, ConsumerStatus, PendingChange, ShardState, StreamSettings, StreamState, StreamStatus } from './store.js';

export interface StreamRow {
  uid: number; account: string; region: string; name: string; status: string; created_ms: number;
  retention_hours: number; mode: string; max_record_kib: number; encryption_type: string; key_id: string | null;
  shard_metrics: string; pending: string | null; pending_due_ms: number | null; settings: string;
}

/** Settings kept as JSON in streams.settings (those no query looks at). */
export interface ExtraSettings {
  warmThroughputMiBps?: number;
  recordDistribution?: string;
  retentionFloorMs?: number;
}

export interface ShardRow {
  uid: number; idx: number; created_ms: number; start_hash: string; end_hash: string; parent_idx: number | null;
  adjacent_parent_idx: number | null; closed_ms: number | null; last_counter: number;
}

/** A shard row as the Store reports it; `lastCounter` overrides the row's when an engine knows newer. */
export function toShard(r: ShardRow, lastCounter = r.last_counter): ShardState {
  return {
    index: r.idx,
    createdMs: r.created_ms,
    startHash: BigInt(r.start_hash),
    endHash: BigInt(r.end_hash),
    ...(r.parent_idx !== null ? { parentIndex: r.parent_idx } : {}),
    ...(r.adjacent_parent_idx !== null ? { adjacentParentIndex: r.adjacent_parent_idx } : {}),
    ...(r.closed_ms !== null ? { closedMs: r.closed_ms } : {}),
    lastCounter,
  };
}

export function toStream(r: StreamRow): StreamState {
  const pending = decodePending(r.pending);
  const extra = JSON.parse(r.settings) as ExtraSettings;
  return {
    ...extra,
    uid: r.uid, account: r.account, region: r.region, name: r.name, status: r.status as StreamStatus,
    createdMs: r.created_ms, retentionHours: r.retention_hours, mode: r.mode as StreamState['mode'],
    maxRecordSizeKiB: r.max_record_kib, encryptionType: r.encryption_type as StreamState['encryptionType'],
    ...(r.key_id !== null ? { keyId: r.key_id } : {}),
    shardLevelMetrics: JSON.parse(r.shard_metrics) as string[],
    ...(pending ? { pending } : {}),
    ...(r.pending_due_ms !== null ? { pendingDueMs: r.pending_due_ms } : {}),
  };
}

/**
 * The settings columns after `patch`, in the order both engines' UPDATE takes them:
 * retention_hours, mode, max_record_kib, encryption_type, key_id, shard_metrics, settings.
 */
export function settingsColumns(row: StreamRow, patch: Partial<StreamSettings>): [number, string, number, string, string | null, string, string] {
  const next: StreamSettings = { ...toStream(row), ...patch };
  const extra: ExtraSettings = {
    ...(next.warmThroughputMiBps !== undefined ? { warmThroughputMiBps: next.warmThroughputMiBps } : {}),
    ...(next.recordDistribution !== undefined ? { recordDistribution: next.recordDistribution } : {}),
    ...(next.retentionFloorMs !== undefined ? { retentionFloorMs: next.retentionFloorMs } : {}),
  };
  return [next.retentionHours, next.mode, next.maxRecordSizeKiB, next.encryptionType, next.keyId ?? null,
    JSON.stringify(next.shardLevelMetrics), JSON.stringify(extra)];
}

export function encodePending(change: PendingChange | undefined): string | null {
  if (!change) return null;
  return JSON.stringify(change, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

export function decodePending(text: string | null): PendingChange | undefined {
  if (!text) return undefined;
  const change = JSON.parse(text) as PendingChange;
  if (change.kind === 'reshard') {
    change.open = change.open.map((s) => ({ ...s, startHash: BigInt(s.startHash), endHash: BigInt(s.endHash) }));
  }
  return change;
}

export interface ConsumerRow {
  stream_uid: number; name: string; status: string; created_ms: number; pending_due_ms: number | null; tags: string;
}

export function toConsumer(row: ConsumerRow): ConsumerState {
  return {
    streamUid: row.stream_uid,
    name: row.name,
    status: row.status as ConsumerStatus,
    createdMs: row.created_ms,
    tags: JSON.parse(row.tags) as Record<string, string>,
    ...(row.pending_due_ms !== null ? { pendingDueMs: row.pending_due_ms } : {}),
  };
}

/** A channels row: sources as JSON text (SQLite) or already parsed (PostgreSQL jsonb). */
export interface ChannelRow {
  id: string; account: string; region: string; name: string; status: string; status_reason: string | null;
  created_ms: number; destination: string; sources: string | ChannelSource[]; config: string; tags: string; pending_due_ms: number | null;
}

export function toChannel(row: ChannelRow): ChannelState {
  return {
    account: row.account,
    region: row.region,
    name: row.name,
    id: row.id,
    status: row.status as ChannelStatus,
    ...(row.status_reason !== null ? { statusReason: row.status_reason } : {}),
    createdMs: row.created_ms,
    destination: row.destination as ChannelState['destination'],
    sources: typeof row.sources === 'string' ? JSON.parse(row.sources) as ChannelSource[] : row.sources,
    config: row.config,
    tags: JSON.parse(row.tags) as Record<string, string>,
    ...(row.pending_due_ms !== null ? { pendingDueMs: row.pending_due_ms } : {}),
  };
}
