// The event loop's side of the writer thread (writer-thread.ts): a job is the chunks of one
// PutRecords. Usually their records' data are in shared memory (SharedWriteJob) and the thread
// writes the chunk bodies itself; otherwise the bodies are written here into one piece of memory
// that moves to the thread and comes back with the answer, to carry a later job (WriteJob). Reusing
// that memory matters: fresh memory for every write (half a megabyte for 500 records of 1 KiB)
// costs a page fault per 4 KiB when first touched, which on some virtual machines is slower than
// the copy itself.
import { Worker } from 'node:worker_threads';

/** The chunks of one write, in the order they go in, as rows beside their bodies. */
interface ChunkRows {
  id: number;
  keys: (number | bigint)[];
  lastCounters: number[];
  arrivals: number[];
  encrypted: number[];
}

/** Chunks whose bodies the event loop wrote: one after the other in `memory`; chunk i ends at ends[i]. */
export interface WriteJob extends ChunkRows {
  memory: ArrayBuffer;
  ends: number[];
}

/**
 * Chunks whose bodies the thread writes itself, from the write's records: their data are in shared
 * memory (a decoding place, protocol/decode-pool.ts), so the event loop neither copies them nor
 * encodes the keys. Chunk i holds the records at positions[starts[i] .. starts[i + 1]).
 */
export interface SharedWriteJob extends ChunkRows {
  data: SharedArrayBuffer;
  dataOffset: number;
  /** Record j's data end at dataOffset + dataEnds[j] (record j - 1's end is its start). */
  dataEnds: Uint32Array;
  partitionKeys: string[];
  positions: Uint32Array;
  starts: number[];
}

export interface WriteReply {
  id: number;
  /** A WriteJob's memory, back to carry a later job. */
  memory?: ArrayBuffer;
  /** Why the transaction failed; nothing of the job was stored. */
  error?: string;
}

/** Job memory is made in steps of this size, and kept for reuse up to MEMORY_KEEP_MAX_BYTES, at most SPARE pieces. */
const MEMORY_STEP_BYTES = 128 * 1024;
const MEMORY_KEEP_MAX_BYTES = 4 * 1024 * 1024;
/** One per write in flight from 16 clients: fewer, and each burst made fresh ones again. */
const SPARE = 16;

export class RecordWriter {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private readonly spare: ArrayBuffer[] = [];
  /** Set once the thread is gone: writes then go through the event loop's connection. */
  broken?: Error;
  private stopped?: Promise<void>;

  /** `onBroken` is told once if the thread fails, after the writes it held were refused. */
  constructor(file: string, walKeepBytes: number, private readonly onBroken: (err: Error) => void) {
    this.worker = new Worker(new URL('./writer-thread.js', import.meta.url), {
      workerData: { file, walKeepBytes },
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    });
    this.worker.on('message', (reply: WriteReply | 'stopped') => {
      if (reply === 'stopped') return;
      if (reply.memory && reply.memory.byteLength <= MEMORY_KEEP_MAX_BYTES && this.spare.length < SPARE) this.spare.push(reply.memory);
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error === undefined) waiting?.resolve();
      else waiting?.reject(new Error(`storing records failed: ${reply.error}`));
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the writer thread exited with code ${code}`)));
    this.worker.unref();
  }

  /** Memory for a job whose bodies take `size` bytes. */
  memory(size: number): ArrayBuffer {
    const i = this.spare.findIndex((m) => m.byteLength >= size);
    return i >= 0 ? this.spare.splice(i, 1)[0]! : new ArrayBuffer(Math.ceil(Math.max(size, 1) / MEMORY_STEP_BYTES) * MEMORY_STEP_BYTES);
  }

  /** Stores a job (a WriteJob's memory moves to the thread; shared memory is only read there); resolves once committed. */
  write(job: Omit<WriteJob, 'id'> | Omit<SharedWriteJob, 'id'>): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...job, id }, 'memory' in job ? [job.memory] : []);
    });
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
