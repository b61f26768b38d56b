// The writer thread: stores record chunks, one transaction per job, in the order the jobs come:
// each body goes to the end of a segment file (segments.ts), then the rows naming them are
// inserted on a connection of its own. Storing a PutRecords (SQLite's B-tree and overflow pages,
// the log writes at commit) took about half of the event loop's time for each write; here it runs beside
// the event loop, which meanwhile decodes and routes the next requests. Commits need no fsync
// (synchronous=NORMAL in WAL mode, as on the event loop's connection): a committed chunk is in the
// OS before the job is answered, so it survives the process being killed.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { encodeSourceChunk } from './chunks.js';
import type { WriteJob, WriteReply } from './record-writer.js';
import { SegmentAppender } from './segments.js';

const { file, walKeepBytes, segmentsDir, firstSegment } = workerData as { file: string; walKeepBytes: number; segmentsDir: string; firstSegment: number };
const db = new Database(file, { timeout: 5000 });
db.pragma('synchronous = NORMAL');
// Checkpoints are the checkpointer's; this connection never runs one after a commit.
db.pragma('wal_autocheckpoint = 0');
db.pragma(`journal_size_limit = ${walKeepBytes}`);
// It only appends to the end of the chunks' B-tree: a small cache does.
db.pragma('cache_size = -2048');

/**
 * For tests only: the thread ends itself after answering this many jobs, as a thread that fails
 * would, so that the event loop's fallback can be tested from outside.
 */
const EXIT_AFTER_JOBS = Number(process.env.SLUICE_TEST_WRITER_EXIT_AFTER ?? 0);
let jobsDone = 0;

const segments = new SegmentAppender(segmentsDir, firstSegment);
const insert = db.prepare(
  `INSERT INTO chunks (key, last_counter, arrival_ms, encrypted, body, segment, segment_at, segment_length)
   VALUES (?, ?, ?, ?, X'', ?, ?, ?)`);
const store = db.transaction((job: WriteJob) => {
  const source = { partitionKeys: job.partitionKeys, data: Buffer.from(job.data, job.dataOffset, job.dataLength), ends: job.dataEnds };
  for (let i = 0; i < job.keys.length; i++) {
    const positions = job.positions.subarray(job.starts[i], i + 1 < job.starts.length ? job.starts[i + 1] : job.positions.length);
    const body = encodeSourceChunk(source, positions);
    const { segment, at } = segments.append(body);
    insert.run(job.keys[i]!, job.lastCounters[i]!, job.arrivals[i]!, job.encrypted[i]!, segment, at, body.length);
  }
});

parentPort!.on('message', (job: WriteJob | 'stop') => {
  if (job === 'stop') {
    segments.close();
    db.close();
    parentPort!.postMessage('stopped');
    return;
  }
  let reply: WriteReply;
  try {
    store.immediate(job);
    reply = { id: job.id, segment: segments.current };
  } catch (err) {
    reply = { id: job.id, segment: segments.current, error: err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err) };
  }
  parentPort!.postMessage(reply);
  if (EXIT_AFTER_JOBS > 0 && ++jobsDone >= EXIT_AFTER_JOBS) process.exit(1);
});
