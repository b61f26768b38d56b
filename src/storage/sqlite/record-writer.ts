// The event loop's side of the writer thread (writer-thread.ts): a job is the chunks of one
// PutRecords, as their rows and their records' positions; the thread writes the chunk bodies
// itself, into segment files, from the write's keys and data, which it reads in shared memory. A
// JSON PutRecords' data are decoded into shared memory already (a decoding place,
// protocol/decode-pool.ts); other data are copied into shared memory of this writer's, reused from
// job to job: fresh memory for every write (half a megabyte for 500 records of 1 KiB) costs a page
// fault per 4 KiB when first touched, which on some virtual machines is slower than the copy itself.
import { Worker } from 'node:worker_threads';
import type { ChunkSource } from './chunks.js';

/**
 * The chunks of one write, in the order they go in: chunk i holds the records at
 * positions[starts[i] .. starts[i + 1]), its row beside its body (key, last counter, arrival,
 * encryption). Record j's data end at dataOffset + dataEnds[j] in `data` (record j - 1's end is its start).
 */
export interface WriteJob {
  id: number;
  data: SharedArrayBuffer;
  dataOffset: number;
  dataLength: number;
  dataEnds: Uint32Array;
  partitionKeys: string[];
  positions: Uint32Array;
  starts: number[];
  keys: (number | bigint)[];
  lastCounters: number[];
  arrivals: number[];
  encrypted: number[];
}

/** A job without the records it takes them from (RecordWriter.write adds those). */
export type ChunkJob = Omit<WriteJob, 'id' | 'data' | 'dataOffset' | 'dataLength' | 'dataEnds' | 'partitionKeys'>;

export interface WriteReply {
  id: number;
  /** The segment the writer is on after this job: those before it are never written again. */
  segment: number;
  /** Why the transaction failed; nothing of the job was stored. */
  error?: string;
}

/** Shared memory for data is made in steps of this size, and kept for reuse up to MEMORY_KEEP_MAX_BYTES, at most SPARE pieces. */
const MEMORY_STEP_BYTES = 128 * 1024;
const MEMORY_KEEP_MAX_BYTES = 4 * 1024 * 1024;
/** One per write in flight from 16 clients: fewer, and each burst made fresh ones again. */
const SPARE = 16;

export class RecordWriter {
  private readonly worker: Worker;
  private nextId = 1;
  /** Jobs sent, with the shared memory of this writer's that each holds (reused once answered). */
  private readonly pending = new Map<number, { resolve: () => void; reject: (err: Error) => void; own?: SharedArrayBuffer }>();
  private readonly spare: SharedArrayBuffer[] = [];
  /** Set once the thread is gone: writes then go through the event loop's connection. */
  broken?: Error;
  private stopped?: Promise<void>;
  /** Segments below this one are never written again (segments.ts). */
  private left: number;

  /** `onBroken` is told once if the thread fails, after the writes it held were refused. */
  constructor(file: string, walKeepBytes: number, segmentsDir: string, firstSegment: number, private readonly onBroken: (err: Error) => void) {
    this.left = firstSegment;
    this.worker = new Worker(new URL('./writer-thread.js', import.meta.url), {
      workerData: { file, walKeepBytes, segmentsDir, firstSegment },
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    });
    this.worker.on('message', (reply: WriteReply | 'stopped') => {
      if (reply === 'stopped') return;
      this.left = Math.max(this.left, reply.segment);
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      const own = waiting?.own;
      if (own && own.byteLength <= MEMORY_KEEP_MAX_BYTES && this.spare.length < SPARE) this.spare.push(own);
      if (reply.error === undefined) waiting?.resolve();
      else waiting?.reject(new Error(`storing records failed: ${reply.error}`));
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the writer thread exited with code ${code}`)));
    this.worker.unref();
  }

  /** Shared memory of this writer's for `size` bytes of data. */
  private memory(size: number): SharedArrayBuffer {
    const i = this.spare.findIndex((m) => m.byteLength >= size);
    return i >= 0 ? this.spare.splice(i, 1)[0]! : new SharedArrayBuffer(Math.ceil(Math.max(size, 1) / MEMORY_STEP_BYTES) * MEMORY_STEP_BYTES);
  }

  /** Stores a job, taking its records from `source` (copied into shared memory unless they are in it); resolves once committed. */
  write(job: ChunkJob, source: ChunkSource): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    let data = source.data;
    let own: SharedArrayBuffer | undefined;
    if (!(data.buffer instanceof SharedArrayBuffer)) {
      own = this.memory(data.length);
      data = Buffer.from(own, 0, data.length);
      data.set(source.data);
    }
    const full: WriteJob = {
      ...job, id, data: data.buffer as SharedArrayBuffer, dataOffset: data.byteOffset, dataLength: data.length,
      dataEnds: source.ends, partitionKeys: source.partitionKeys,
    };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, own });
      this.worker.postMessage(full);
    });
  }

  /** Segments below this are closed for good: one that no row names can go. */
  get segmentsLeft(): number {
    return this.left;
  }

  private fail(err: Error): void {
    if (this.broken || this.stopped) return;
    this.broken = err;
    for (const waiting of this.pending.values()) waiting.reject(err);
    this.pending.clear();
    this.onBroken(err);
  }

  /** Stops the thread once the writes sent to it are done (the caller sends no more). */
  async close(): Promise<void> {
    if (this.broken) return;
    this.stopped ??= new Promise<void>((resolve) => {
      this.worker.on('message', (m) => m === 'stopped' && resolve());
      this.worker.postMessage('stop');
    });
    await Promise.race([this.stopped, new Promise((resolve) => setTimeout(resolve, 2000))]);
    await this.worker.terminate();
  }
}
