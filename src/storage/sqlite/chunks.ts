// Record chunks: the records one write puts into one shard, stored as one row. A PutRecords of 500
// records over 8 shards is then 8 row inserts instead of 500, and a GetRecords of 10,000 records
// reads a few hundred rows. Records in a chunk have consecutive counters and one arrival time,
// so sequence lookups, AT_TIMESTAMP and retention stay exact at the chunk's granularity.
//
// Body layout, per record in counter order:
//   u16 LE partition key length in bytes | partition key (UTF-8) | u32 LE data length | data

/** A record as it goes into a chunk. */
export interface ChunkInput {
  partitionKey: string;
  data: Buffer;
}

/** The bytes of a chunk body holding `records`. */
export function chunkSize(records: ChunkInput[]): number {
  let size = 0;
  for (const r of records) size += 6 + Buffer.byteLength(r.partitionKey, 'utf8') + r.data.length;
  return size;
}

/** Writes the chunk body of `records` into `out` at `at` (room for chunkSize bytes); the position after it. */
export function writeChunk(records: ChunkInput[], out: Buffer, at: number): number {
  for (const r of records) {
    const keyAt = at + 2;
    const keyBytes = out.write(r.partitionKey, keyAt, 'utf8');
    out.writeUInt16LE(keyBytes, at);
    at = out.writeUInt32LE(r.data.length, keyAt + keyBytes);
    at += r.data.copy(out, at);
  }
  return at;
}

/** Where chunk bodies are written: one buffer, grown when needed, instead of a new one per write. */
let scratch = Buffer.allocUnsafeSlow(512 * 1024);

/**
 * One chunk's body for `records`, in order. The bytes are only good until the next call: they are
 * for binding to an insert at once (SQLite copies them), and writing each body into the same memory
 * spares a fresh allocation (and its page faults and garbage) for every chunk of every write.
 */
export function encodeChunk(records: ChunkInput[]): Buffer {
  const size = chunkSize(records);
  if (size > scratch.length) scratch = Buffer.allocUnsafeSlow(Math.max(size, scratch.length * 2));
  return scratch.subarray(0, writeChunk(records, scratch, 0));
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
