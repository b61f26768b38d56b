// A worker thread that checkpoints the WAL into the database file on its own connection, so the
// fsyncs a checkpoint needs never stall the server's event loop (its commits need none).
//
// Between two of the server's writes it runs PASSIVE checkpoints, which never take the writer's
// lock. Under steady writes the log is never wholly copied between two commits, so it would never
// start over: past its bound, the checkpointer asks the server to hold its writes back ('pause'),
// and once told that none is running ('paused'), copies the rest, empties the log and lets the
// writes go on ('resumed'). The server's event loop goes on serving meanwhile: writes of every kind
// wait as promises (write-gate.ts). Before copying, it syncs the segment the writer thread is on, so
// that what a power loss can leave of rows without their bodies is the last moments' (segments.ts).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { NewestSegmentSync } from './segments.js';

const { file, segmentsDir, intervalMs, limitFrames } = workerData as { file: string; segmentsDir: string; intervalMs: number; limitFrames: number };
const db = new Database(file, { timeout: 5000 });
const segments = new NewestSegmentSync(segmentsDir);
db.pragma('synchronous = NORMAL');

/** Passes per tick: each copies what the writer added during the previous one, so they converge. */
const MAX_PASSES = 8;
let pausing = false;

const timer = setInterval(() => {
  if (pausing) return;
  try {
    segments.sync();
    let state: { log: number; checkpointed: number } | undefined;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      [state] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
      if (!state || state.checkpointed >= state.log) break;
    }
    if (state && state.log > limitFrames) {
      pausing = true;
      parentPort!.postMessage('pause');
    }
  } catch {
    // Busy: the next tick tries again.
  }
}, intervalMs);

parentPort!.on('message', (message: string) => {
  if (message === 'paused') {
    try {
      segments.sync();
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // Busy (a long read): the log starts over another time.
    }
    pausing = false;
    parentPort!.postMessage('resumed');
  } else if (message === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort!.postMessage('stopped');
  }
});
