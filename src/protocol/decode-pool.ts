// Decoding threads for large request bodies. A PutRecords body of 500 records is most of a
// megabyte of JSON: reading it, checking every record against the model and decoding its base64
// costs about as much as storing it, so with cores to spare that work runs here while the event
// loop goes on storing and answering. Small bodies are decoded inline: the hop would cost more
// than it saves.
import { Worker } from 'node:worker_threads';
import type { Codec } from './codec.js';
import { decodeRequest, restoreError, type Decoded, type ErrorCopy } from './decoding.js';
import type { DecodeJob } from './decode-worker.js';
import { unpackRecords, type PackedRecords } from './packed-records.js';

/** Bodies at least this large go to a decoding thread. */
export const OFFLOAD_MIN_BYTES = 32 * 1024;

/**
 * Memory kept for large bodies and the data decoded from them: at most this many places (two per
 * request in flight from 16 clients), each a whole number of PLACE_STEP_BYTES, so that a place
 * serves later bodies of about the same size, whichever of the two it held.
 */
const SPARE_PLACES = 32;
const PLACE_STEP_BYTES = 256 * 1024;
/** Bodies larger than this get memory of their own, not kept afterwards. */
const PLACE_MAX_BYTES = 2 * 1024 * 1024;

/** What a decoding thread answers; a PutRecords input comes packed, in the memory of its body. */
type Reply =
  | { id: number; decoded: Decoded | { ok: false; unreadable: false; error: ErrorCopy }; packed?: undefined; failure?: undefined }
  | { id: number; packed: PackedRecords; decoded?: undefined; failure?: undefined }
  | { id: number; failure: string; decoded?: undefined; packed?: undefined };

interface Pending {
  resolve: (decoded: Decoded) => void;
  reject: (err: Error) => void;
}

class DecodeThread {
  readonly pending = new Map<number, Pending>();
  private worker?: Worker;

  constructor(private readonly release: (memory: ArrayBuffer) => void) {}

  private start(): Worker {
    // Its garbage is small strings and records, one body's worth at a time: a small young generation keeps its memory small.
    const worker = new Worker(new URL('./decode-worker.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.failure !== undefined) return waiting.reject(new Error(reply.failure));
      if (reply.packed) {
        const memory = reply.packed.data;
        return waiting.resolve({ ok: true, input: unpackRecords(reply.packed), release: () => this.release(memory) });
      }
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

/**
 * Decoding threads, and the memory large bodies are gathered in. A large body is gathered into a
 * place of this pool's; bound for a thread, it moves there, comes back holding the decoded records;
 * either way it is handed back here once the operation is done with its input: the same few
 * megabytes go round, instead of a fresh megabyte allocated, faulted in and left to the garbage
 * collector for every request.
 */
export class DecodePool {
  private readonly threads: DecodeThread[];
  private readonly spare: ArrayBuffer[] = [];
  private readonly spareShared: SharedArrayBuffer[] = [];
  /** The memory place() gave out: only that is moved to a thread (other memory may be shared). */
  private readonly placed = new WeakSet<ArrayBufferLike>();
  private nextId = 0;

  constructor(size: number) {
    this.threads = Array.from({ length: size }, () => new DecodeThread((memory) => this.release(memory)));
  }

  /**
   * Where to gather a request body of `size` bytes: a place of the pool's when it is large. A
   * `shared` place is a SharedArrayBuffer: the records' data decoded there can be read by the
   * storage engine's writer thread without a copy on the event loop (storage/sqlite/record-writer.ts).
   */
  place(size: number, shared = false): Buffer {
    if (size < OFFLOAD_MIN_BYTES) return Buffer.allocUnsafe(size);
    const spare: ArrayBufferLike[] = shared ? this.spareShared : this.spare;
    const i = size > PLACE_MAX_BYTES ? -1 : spare.findIndex((m) => m.byteLength >= size);
    const bytes = Math.ceil(size / PLACE_STEP_BYTES) * PLACE_STEP_BYTES;
    const memory = i >= 0 ? spare.splice(i, 1)[0]! : shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    this.placed.add(memory);
    return Buffer.from(memory, 0, size);
  }

  /** Takes back a place whose contents nothing reads any more. */
  private release(memory: ArrayBufferLike): void {
    const spare: ArrayBufferLike[] = memory instanceof SharedArrayBuffer ? this.spareShared : this.spare;
    if (memory.byteLength <= PLACE_MAX_BYTES && this.spareShared.length + this.spare.length < SPARE_PLACES) spare.push(memory);
  }

  /** Decodes on the least busy thread, or inline when there are none or the body is small. */
  decode(operation: string, codec: Codec, body: Buffer): Promise<Decoded> | Decoded {
    if (this.threads.length === 0 || body.length < OFFLOAD_MIN_BYTES) {
      // A PutRecords in JSON has its records' data decoded into a place of its own.
      const target = operation === 'PutRecords' && codec === 'json' ? this.place(Math.floor(body.length / 4) * 3, true) : undefined;
      const decoded = decodeRequest(operation, codec, body, target);
      const places = [body, target].filter((b) => b !== undefined && b.byteOffset === 0 && this.placed.has(b.buffer));
      if (places.length === 0) return decoded;
      const release = () => { for (const b of places) this.release(b!.buffer); };
      // The input may hold views of the body (CBOR byte strings) or of the data's place: they come
      // back only once the operation is done with the input; a body refused here is done with at once.
      if (decoded.ok) return { ...decoded, release };
      release();
      return decoded;
    }
    let thread = this.threads[0]!;
    for (const t of this.threads) if (t.pending.size < thread.pending.size) thread = t;
    // A body gathered in place() moves to the thread without a copy; any other is copied into a place first.
    let own = body;
    if (!(body.byteOffset === 0 && this.placed.has(body.buffer as ArrayBuffer))) {
      own = this.place(body.length);
      body.copy(own);
    }
    const job: DecodeJob = { id: this.nextId++, operation, codec, body: own.buffer as ArrayBuffer, length: own.length };
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
