// Segment files: where the writer thread puts the bodies of the chunks it stores, while their rows
// (key, counters, arrival, where the body is) stay in SQLite. A body in the database is written
// twice, into the log and then by the checkpoint into the file, through SQLite's pages; appended to
// a segment it is written once, in one call. That was a third of the server's time per record under
// PutRecords load.
//
// A segment is only ever appended to, by one thread, and each process starts a new one (after a
// kill, a segment may end with the body of a write whose row never committed: it is never read),
// numbered after every segment on disk and every one a row names, so an id is never used twice.
// A body is written before its row commits, so a row that readers can see always has its body in
// the OS: it survives the process being killed. Nothing is synced per write (as for the log,
// synchronous=NORMAL), so a power loss can take the last writes, and, since the OS writes files
// back in its own order, it can also leave a row of the last moments whose body never reached the
// disk: a read of it then fails (the segment is short) rather than return anything else. A
// segment is synced when the writer leaves it, and the checkpointer syncs the newest before each
// checkpoint, which keeps that to the writes since. A segment goes once no row names it and the
// writer has moved past it (trimming looks, see SqliteStore.trimNow).
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The directory of segments inside a data directory. */
export const SEGMENTS_DIR = 'segments';
/** The writer moves to a new segment past this size: trimming frees space a whole segment at a time. */
export const SEGMENT_MAX_BYTES = 64 * 1024 * 1024;

const NAME = /^(\d{12})\.seg$/;

export function segmentFile(dir: string, id: number): string {
  return join(dir, `${String(id).padStart(12, '0')}.seg`);
}

/** Syncs the newest segment of a directory to disk when it has grown since the last time. */
export class NewestSegmentSync {
  private last = { segment: 0, size: 0 };

  constructor(private readonly dir: string) {}

  sync(): void {
    const segment = segmentIds(this.dir).pop();
    if (segment === undefined) return;
    let fd: number;
    try {
      fd = openSync(segmentFile(this.dir, segment), 'r');
    } catch (err) {
      // Deleted since the listing (trimming, when no row named it): nothing to sync.
      if ((err as { code?: string }).code === 'ENOENT') return;
      throw err;
    }
    try {
      const { size } = fstatSync(fd);
      if (segment === this.last.segment && size === this.last.size) return;
      fsyncSync(fd);
      this.last = { segment, size };
    } finally {
      closeSync(fd);
    }
  }
}

/** The ids of the segments in `dir` (made by the engine before any thread starts), in order. */
export function segmentIds(dir: string): number[] {
  return readdirSync(dir).flatMap((name) => {
    const m = NAME.exec(name);
    return m ? [Number(m[1])] : [];
  }).sort((a, b) => a - b);
}

/** Where a body went. */
export interface Placed {
  segment: number;
  at: number;
}

/** The writer thread's side: appends bodies to the current segment, starting a new one when full. */
export class SegmentAppender {
  private fd?: number;
  private size = 0;

  /** `id` is the first segment this process writes: one that does not exist yet. */
  constructor(private readonly dir: string, private id: number) {}

  /** The segment the next body goes to (or the one being written). */
  get current(): number {
    return this.id;
  }

  /** Writes `body` at the end of the current segment; where it went. Throws if the OS refuses. */
  append(body: Buffer): Placed {
    if (this.fd !== undefined && this.size > 0 && this.size + body.length > SEGMENT_MAX_BYTES) this.leave();
    if (this.fd === undefined) {
      this.fd = openSync(segmentFile(this.dir, this.id), 'wx');
      this.size = 0;
    }
    const at = this.size;
    try {
      for (let done = 0; done < body.length;) done += writeSync(this.fd, body, done, body.length - done, at + done);
    } catch (err) {
      // What was written of it is unknown: the next body goes to a segment of its own.
      this.leave();
      throw err;
    }
    this.size += body.length;
    return { segment: this.id, at };
  }

  /** Syncs and closes the current segment; the next body starts the next one. */
  private leave(): void {
    if (this.fd === undefined) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
      this.id++;
    }
  }

  close(): void {
    this.leave();
  }
}

/** Descriptors the reader keeps open at most (the oldest opened is closed first). */
const OPEN_MAX = 64;

/** The event loop's side: reads bodies, keeping descriptors open for the segments read lately, and deletes segments. */
export class SegmentReader {
  private readonly fds = new Map<number, number>();

  /** Makes the directory if missing. */
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** The ids of the segments there, in order. */
  ids(): number[] {
    return segmentIds(this.dir);
  }

  /** The `length` bytes at `at` in `segment`, in a buffer of their own (records are views into it). */
  read(segment: number, at: number, length: number): Buffer {
    let fd = this.fds.get(segment);
    if (fd === undefined) {
      if (this.fds.size >= OPEN_MAX) {
        const [oldest, oldestFd] = this.fds.entries().next().value as [number, number];
        closeSync(oldestFd);
        this.fds.delete(oldest);
      }
      fd = openSync(segmentFile(this.dir, segment), 'r');
      this.fds.set(segment, fd);
    }
    const body = Buffer.allocUnsafe(length);
    for (let done = 0; done < length;) {
      const n = readSync(fd, body, done, length - done, at + done);
      if (n === 0) throw new Error(`segment ${segment} ends before the chunk body at ${at} (${length} bytes)`);
      done += n;
    }
    return body;
  }

  /** Deletes a segment that no row names any more. */
  remove(segment: number): void {
    const fd = this.fds.get(segment);
    if (fd !== undefined) closeSync(fd);
    this.fds.delete(segment);
    unlinkSync(segmentFile(this.dir, segment));
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
