// Push delivery for SubscribeToShard: a wake-up signal per shard. Writers fire it after their commit
// (PutRecord, PutRecords); a subscriber takes the shard's version, reads the store from its position,
// and when it has caught up waits for the version to change. The signal carries no records, so a
// slow subscriber costs a writer nothing and nothing queues up: whoever wakes reads the store.
//
// This is the in-process notifier of a single Sluice process. With the shared PostgreSQL engine,
// src/storage/postgres/notifier.ts implements the same interface, fed by LISTEN/NOTIFY from the
// commits of every node.

export interface ShardWatch {
  /** Changes whenever the shard may have new records or new state: take it before reading. */
  readonly version: number;
  /** Resolves once the version differs from `seen`, after `timeoutMs`, or when `signal` aborts. */
  changed(seen: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** Stops watching (the subscription ended). */
  close(): void;
}

export interface RecordNotifier {
  watch(streamUid: number, shardIndex: number): ShardWatch;
  /** Records were committed to these shards of a stream. */
  recordsAdded(streamUid: number, shardIndexes: Iterable<number>): void;
  /** Something besides records changed (shards closed by a reshard, the clock moved): every watcher looks again. */
  wakeAll(): void;
}

interface Signal {
  version: number;
  watchers: number;
  waiters: Set<() => void>;
}

export class LocalRecordNotifier implements RecordNotifier {
  /** Signals by stream uid, then shard index; only shards someone watches have one. */
  private readonly streams = new Map<number, Map<number, Signal>>();

  watch(streamUid: number, shardIndex: number): ShardWatch {
    let shards = this.streams.get(streamUid);
    if (!shards) this.streams.set(streamUid, (shards = new Map()));
    let signal = shards.get(shardIndex);
    if (!signal) shards.set(shardIndex, (signal = { version: 0, watchers: 0, waiters: new Set() }));
    signal.watchers++;
    const s = signal;
    let closed = false;
    return {
      get version() {
        return s.version;
      },
      changed: (seen, timeoutMs, abort) => waitForChange(s, seen, timeoutMs, abort),
      close: () => {
        if (closed) return;
        closed = true;
        if (--s.watchers > 0) return;
        shards!.delete(shardIndex);
        if (shards!.size === 0) this.streams.delete(streamUid);
      },
    };
  }

  recordsAdded(streamUid: number, shardIndexes: Iterable<number>): void {
    const shards = this.streams.get(streamUid);
    if (!shards) return;
    for (const index of shardIndexes) {
      const signal = shards.get(index);
      if (signal) fire(signal);
    }
  }

  wakeAll(): void {
    for (const shards of this.streams.values()) for (const signal of shards.values()) fire(signal);
  }
}

function fire(signal: Signal): void {
  signal.version++;
  if (signal.waiters.size === 0) return;
  const waiters = [...signal.waiters];
  signal.waiters.clear();
  for (const wake of waiters) wake();
}

function waitForChange(signal: Signal, seen: number, timeoutMs: number, abort?: AbortSignal): Promise<void> {
  if (signal.version !== seen || abort?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.waiters.delete(done);
      abort?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    signal.waiters.add(done);
    abort?.addEventListener('abort', done, { once: true });
  });
}
