// A worker thread that checkpoints the WAL into the database file on its own connection, so the
// fsyncs a checkpoint needs never stall the server's event loop (its commits need none).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new Database(file, { timeout: 1000 });
db.pragma('synchronous = NORMAL');

/** WAL frames (pages) beyond which the log is restarted, so the file stays bounded (~64 MiB). */
const RESTART_FRAMES = 16_384;

const timer = setInterval(() => {
  try {
    // PASSIVE never waits for the writer; what it cannot copy now it copies next time.
    const [state] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    // Under constant writes a passive checkpoint never lets the log start over. Past the bound,
    // TRUNCATE briefly holds writers back while it copies the little left and empties the log.
    if (state && state.log > RESTART_FRAMES) db.pragma('wal_checkpoint(TRUNCATE)');
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
