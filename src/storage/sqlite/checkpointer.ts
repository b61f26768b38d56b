// A worker thread that checkpoints the WAL into the database file on its own connection, so the
// fsyncs a checkpoint needs never stall the server's event loop (its commits need none).
//
// It only ever runs PASSIVE checkpoints, which never take the writer's lock nor reset the log
// under the writer: a checkpoint that resets the log from this connection would change the WAL
// header between the server's read and write locks, and SQLite answers that writer SQLITE_BUSY at
// once, without waiting. Instead, once a pass has copied every frame, the server's next write
// starts the log over by itself (and journal_size_limit trims the file).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, intervalMs, limitFrames } = workerData as { file: string; intervalMs: number; limitFrames: number };
const db = new Database(file, { timeout: 1000 });
db.pragma('synchronous = NORMAL');

/** Passes per tick: each copies what the writer added during the previous one, so they converge. */
const MAX_PASSES = 8;
/** Frames left that the server copies itself in a moment, between two of its writes. */
const CATCH_UP_FRAMES = 2048;

const timer = setInterval(() => {
  try {
    let state: { log: number; checkpointed: number } | undefined;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      [state] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
      if (!state || state.checkpointed >= state.log) break;
    }
    if (!state || state.log <= limitFrames) return;
    // Under steady writes the log never ends up wholly copied between two commits, so it would
    // never start over. Past its bound, the server copies the last few frames on its own
    // connection (no fsync to wait for: that was done here) and its next commit restarts the log.
    // Should the writes outrun the checkpoints for long, it does all of it, holding writes back.
    if (state.log - state.checkpointed <= CATCH_UP_FRAMES) parentPort!.postMessage('catch-up');
    else if (state.log > limitFrames * 4) parentPort!.postMessage('restart');
  } catch {
    // Busy: the next tick tries again.
  }
}, intervalMs);

parentPort!.on('message', (message: string) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort!.postMessage('stopped');
});
