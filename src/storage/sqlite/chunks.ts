// Record chunks: the records one write puts into one shard, stored as one row. A PutRecords of 500
// records over 8 shards is then 8 row inserts instead of 500, and a GetRecords of 10,000 records
// reads a few hundred rows. Records in a chunk have consecutive counters and one arrival time,
// so sequence lookups, AT_TIMESTAMP and retention stay exact at the chunk's granularity.
//
// Body layout, per record in counter order:
//   u16 LE partition key length in bytes | partition key (UTF-8) | u32 LE data length | data
import { dataStart } from '../store.js';

/** A record as it goes into a chunk. */
export interface ChunkInput {
  partitionKey: string;
  data: Buffer;
}

/** The records of a write as parallel lists (storage/store.ts RecordWrite): a chunk takes some of them by position. */
export interface ChunkSource {
  partitionKeys: string[];
  data: Buffer;
  ends: Uint32Array;
}

/** The bytes of a chunk body holding `records`. */
function chunkSize(records: ChunkInput[]): number {
  let size = 0;
  for (const r of records) size += 6 + Buffer.byteLength(r.partitionKey, 'utf8') + r.data.length;
  return size;
}

/** The bytes of a chunk body holding the records of `source` at `positions`. */
function sourceChunkSize(source: ChunkSource, positions: Iterable<number>): number {
  let size = 0;
  for (const i of positions) size += 6 + Buffer.byteLength(source.partitionKeys[i]!, 'utf8') + source.ends[i]! - dataStart(source.ends, i);
  return size;
}

/** Writes one record at `at`: the position after it. The data are data[start, end). */
function writeRecord(out: Buffer, at: number, partitionKey: string, data: Buffer, start: number, end: number): number {
  const keyAt = at + 2;
  const keyBytes = out.write(partitionKey, keyAt, 'utf8');
  out.writeUInt16LE(keyBytes, at);
  at = out.writeUInt32LE(end - start, keyAt + keyBytes);
  return at + data.copy(out, at, start, end);
}

/** Writes the chunk body of `records` into `out` at `at` (room for chunkSize bytes); the position after it. */
function writeChunk(records: ChunkInput[], out: Buffer, at: number): number {
  for (const r of records) at = writeRecord(out, at, r.partitionKey, r.data, 0, r.data.length);
  return at;
}

/** Writes the chunk body of the records of `source` at `positions` into `out` at `at`; the position after it. */
function writeSourceChunk(source: ChunkSource, positions: Iterable<number>, out: Buffer, at: number): number {
  const { partitionKeys, data, ends } = source;
  for (const i of positions) at = writeRecord(out, at, partitionKeys[i]!, data, dataStart(ends, i), ends[i]!);
  return at;
}

/** Where chunk bodies are written: one buffer, grown when needed, instead of a new one per write. */
let scratch = Buffer.allocUnsafeSlow(512 * 1024);

/**
 * The scratch buffer with room for `size` bytes. What is written there is only good until the next
 * call: it is for binding to an insert or writing to a segment file at once (both copy it), and
 * writing each body into the same memory spares a fresh allocation (and its page faults and
 * garbage) for every chunk of every write.
 */
function scratchFor(size: number): Buffer {
  if (size > scratch.length) scratch = Buffer.allocUnsafeSlow(Math.max(size, scratch.length * 2));
  return scratch;
}

/** One chunk's body for `records`, in order, in the scratch buffer (see scratchFor). */
export function encodeChunk(records: ChunkInput[]): Buffer {
  const out = scratchFor(chunkSize(records));
  return out.subarray(0, writeChunk(records, out, 0));
}

/** One chunk's body for the records of `source` at `positions`, in the scratch buffer (see scratchFor). */
export function encodeSourceChunk(source: ChunkSource, positions: Iterable<number>): Buffer {
  const out = scratchFor(sourceChunkSize(source, positions));
  return out.subarray(0, writeSourceChunk(source, positions, out, 0));
}

/**
 * Calls `visit` for each record of a chunk body from position `first` on (the ones before are
 * skipped unread); data is a view into the body, not a copy. Stops when `visit` returns false.
 */
export function forEachInChunk(body: Buffer, first: number,
  visit: (position: number, partitionKey: string, data: Buffer) => boolean): void {
  let at = 0;
  for (let position = 0; at < body.length; position++) {
    const keyLength = body.readUInt16LE(at);
    const keyAt = at + 2;
    const dataLength = body.readUInt32LE(keyAt + keyLength);
    const dataAt = keyAt + keyLength + 4;
    at = dataAt + dataLength;
    if (position < first) continue;
    if (!visit(position, body.toString('utf8', keyAt, keyAt + keyLength), body.subarray(dataAt, at))) return;
  }
}
