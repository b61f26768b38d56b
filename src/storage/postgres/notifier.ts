// Push across nodes: the RecordNotifier of a node sharing a PostgreSQL database with others. Local
// subscribers wait on an in-process LocalRecordNotifier; this node's commits wake them at once and
// are announced to the other nodes with NOTIFY; a LISTEN connection feeds the other nodes' commits
// in. The signal carries no records (subscribers read the store), so a lost or repeated notification
// costs nothing but a read. If the LISTEN connection breaks, every watcher is woken on a short timer
// (polling) until it is back, so subscribers are late, never stuck.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { LocalRecordNotifier, type RecordNotifier, type ShardWatch } from '../../operations/record-notifier.js';
import { connectionConfig } from './pool.js';

export const CHANNEL = 'sluice_records';
/** Wake-ups of every watcher while notifications are not arriving. */
const POLL_MS = 250;
/** How often the LISTEN connection is checked (a silent network drop shows no error by itself). */
const HEARTBEAT_MS = 5_000;
const RECONNECT_MAX_MS = 5_000;
/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD = 7_000;

export class PgRecordNotifier implements RecordNotifier {
  private readonly local = new LocalRecordNotifier();
  /** Tells this node's own notifications apart when they come back. */
  private readonly nodeId = randomBytes(6).toString('hex');
  private pending = new Map<number, Set<number>>();
  private pendingAll = false;
  private flushing = false;
  private listener?: pg.Client;
  /** The connection being made or in use; events of older ones are ignored. */
  private current?: pg.Client;
  private pollTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectDelay = 250;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly connectionString: string,
    private readonly log: Logger,
  ) {}

  /** Starts listening; if that fails now, polls and keeps trying. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Whether notifications from other nodes are arriving (false while polling). */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  watch(streamUid: number, shardIndex: number): ShardWatch {
    return this.local.watch(streamUid, shardIndex);
  }

  recordsAdded(streamUid: number, shardIndexes: Iterable<number>): void {
    this.local.recordsAdded(streamUid, shardIndexes);
    let shards = this.pending.get(streamUid);
    if (!shards) this.pending.set(streamUid, (shards = new Set()));
    for (const index of shardIndexes) shards.add(index);
    this.scheduleFlush();
  }

  wakeAll(): void {
    this.local.wakeAll();
    this.pendingAll = true;
    this.scheduleFlush();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeat);
    clearTimeout(this.reconnectTimer);
    const client = this.current;
    this.current = undefined;
    this.listener = undefined;
    await client?.end().catch(() => undefined);
  }

  /**
   * One NOTIFY in flight at a time: what commits meanwhile is gathered into the next one, so under
   * load a node sends one notification per round trip, not one per write.
   */
  private scheduleFlush(): void {
    if (this.flushing || this.closed) return;
    this.flushing = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    try {
      while (!this.closed && (this.pendingAll || this.pending.size > 0)) {
        const payloads = this.payloads();
        for (const payload of payloads) await this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
      }
    } catch (err) {
      // The other nodes' subscribers then find the records on their next look (heartbeat or poll).
      this.log.debug({ err }, 'notify failed');
      this.pending.clear();
      this.pendingAll = false;
    } finally {
      this.flushing = false;
    }
  }

  /** "node|uid:i,j;uid:k" or "node|*", cut to the payload limit. */
  private payloads(): string[] {
    const prefix = `${this.nodeId}|`;
    if (this.pendingAll) {
      this.pendingAll = false;
      this.pending.clear();
      return [`${prefix}*`];
    }
    const out: string[] = [];
    let current = '';
    for (const [uid, shards] of this.pending) {
      const part = `${uid}:${[...shards].join(',')}`;
      if (current && current.length + part.length + 1 > MAX_PAYLOAD) {
        out.push(prefix + current);
        current = '';
      }
      current = current ? `${current};${part}` : part;
    }
    this.pending.clear();
    if (current) out.push(prefix + current);
    return out;
  }

  private receive(payload: string | undefined): void {
    if (!payload) return;
    const bar = payload.indexOf('|');
    if (payload.slice(0, bar) === this.nodeId) return;
    const body = payload.slice(bar + 1);
    if (body === '*') {
      this.local.wakeAll();
      return;
    }
    for (const part of body.split(';')) {
      const [uid, shards] = part.split(':');
      if (!uid || !shards) continue;
      this.local.recordsAdded(Number(uid), shards.split(',').map(Number));
    }
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ ...connectionConfig(this.connectionString), application_name: 'sluice-listen' });
    this.current = client;
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => this.receive(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      this.lost(client, err as Error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    this.reconnectDelay = 250;
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    this.heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((err: Error) => this.lost(client, err));
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    // Whatever was committed while not listening: every watcher looks once.
    this.local.wakeAll();
  }

  /** The LISTEN connection failed: poll until a new one listens. */
  private lost(client: pg.Client, err?: Error): void {
    client.end().catch(() => undefined);
    if (client !== this.current) return;
    this.current = undefined;
    if (this.listener === client) {
      this.listener = undefined;
      clearInterval(this.heartbeat);
      this.log.warn({ err }, 'notification connection lost; polling until it is back');
    }
    if (this.closed || this.reconnectTimer) return;
    if (!this.pollTimer) {
      this.pollTimer = setInterval(() => this.local.wakeAll(), POLL_MS);
      this.pollTimer.unref();
    }
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, this.reconnectDelay);
    this.reconnectTimer.unref();
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
  }
}
