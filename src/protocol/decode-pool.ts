// Decoding threads for large request bodies. A PutRecords body of 500 records is most of a
// megabyte of JSON: reading it, checking every record against the model and decoding its base64
// costs about as much as storing it, so with cores to spare that work runs here while the event
// loop goes on storing and answering. Small bodies are decoded inline: the hop would cost more
// than it saves.
import { Worker } from 'node:worker_threads';
import type { Codec } from './codec.js';
import { decodeRequest, restoreError, type Decoded, type ErrorCopy } from './decoding.js';
import type { DecodeJob } from './decode-worker.js';

/** Bodies at least this large go to a decoding thread. */
export const OFFLOAD_MIN_BYTES = 32 * 1024;

type Reply =
  | { id: number; decoded: Decoded | { ok: false; unreadable: false; error: ErrorCopy }; failure?: undefined }
  | { id: number; failure: string; decoded?: undefined };

interface Pending {
  resolve: (decoded: Decoded) => void;
  reject: (err: Error) => void;
}

class DecodeThread {
  readonly pending = new Map<number, Pending>();
  private worker?: Worker;

  private start(): Worker {
    const worker = new Worker(new URL('./decode-worker.js', import.meta.url));
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.failure !== undefined) return waiting.reject(new Error(reply.failure));
      const d = reply.decoded;
      if (d.ok) waiting.resolve({ ok: true, input: asBuffers(d.input) as Record<string, unknown> });
      else if (d.unreadable) waiting.resolve(d);
      else waiting.resolve({ ok: false, unreadable: false, error: restoreError(d.error as ErrorCopy) });
    });
    // A thread that dies fails what it held; the next job starts a new one.
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of this.pending.values()) waiting.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`decoding thread exited (${code})`)));
    return worker;
  }

  post(job: DecodeJob, waiting: Pending): void {
    this.worker ??= this.start();
    this.pending.set(job.id, waiting);
    this.worker.postMessage(job, [job.body]);
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}

export class DecodePool {
  private readonly threads: DecodeThread[];
  private nextId = 0;

  constructor(size: number) {
    this.threads = Array.from({ length: size }, () => new DecodeThread());
  }

  /** Decodes on the least busy thread, or inline when there are none or the body is small. */
  decode(operation: string, codec: Codec, body: Buffer): Promise<Decoded> | Decoded {
    if (this.threads.length === 0 || body.length < OFFLOAD_MIN_BYTES) return decodeRequest(operation, codec, body);
    let thread = this.threads[0]!;
    for (const t of this.threads) if (t.pending.size < thread.pending.size) thread = t;
    // The body moves to the thread without a copy when it is the whole of its memory (as a body
    // gathered from several network chunks is); otherwise it moves as a copy.
    const own = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : Buffer.from(body);
    const job: DecodeJob = { id: this.nextId++, operation, codec, body: own.buffer as ArrayBuffer };
    return new Promise((resolve, reject) => thread.post(job, { resolve, reject }));
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}

/** Byte arrays arrive from a thread as plain Uint8Arrays; operations expect Buffers. */
function asBuffers(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = asBuffers(value[i]);
    return value;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = asBuffers(record[key]);
  }
  return value;
}
