// PutRecords' records as they cross from a decoding thread to the event loop. Posted as objects,
// each record's bytes would be cloned on their own and rebuilt as a Buffer on arrival, which costs
// the event loop about what decoding them did. Packed, all data travels as one transferred buffer
// (no copy), the keys as one array of strings, and each key's MD5 (which places the record on a
// shard) is computed on the decoding thread too. They arrive as a RecordBatch.
import { partitionKeyHashHex } from '../core/hash-key.js';
import { RecordBatch, type RecordInput } from '../core/record-batch.js';

export interface PackedRecords {
  /** The input without its records. */
  rest: Record<string, unknown>;
  keys: string[];
  /** Explicit hash keys by record position, if any record names one. */
  explicit?: (string | undefined)[];
  /** The MD5 hash keys, in hex, of the records that name no explicit one ('' for those that do). */
  hashes: string[];
  /** All records' data, dataLength bytes from dataOffset; record i ends at dataOffset + ends[i]. */
  data: ArrayBuffer;
  dataOffset: number;
  dataLength: number;
  ends: Uint32Array;
}

/**
 * Packs a validated PutRecords input, its data copied end to end into `body`, the body it was read
 * from, which has room when the data were decoded from it elsewhere (base64 takes more room than
 * its bytes). Data that are views of the body itself (CBOR byte strings) go into new memory.
 * `transfer` lists what postMessage moves rather than copies.
 */
export function packRecords(input: Record<string, unknown>, body: Buffer): { packed: PackedRecords; transfer: ArrayBuffer[] } {
  const { Records, ...rest } = input as { Records: RecordBatch | RecordInput[] };
  const batch = Records instanceof RecordBatch ? Records : RecordBatch.of(Records);
  const size = batch.data.length;
  const into = batch.data.buffer !== body.buffer && size <= body.length ? body : Buffer.from(new ArrayBuffer(size));
  // (The body's memory may be larger than the body: it comes from decode-pool.ts's places.)
  into.set(batch.data, 0);
  const n = batch.length;
  const hashes = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    // An explicit hash key places its record; its partition key's MD5 would not be used.
    hashes[i] = batch.explicitHashKeys?.[i] === undefined ? partitionKeyHashHex(batch.partitionKeys[i]!) : '';
  }
  const ends = batch.ends;
  const data = into.buffer as ArrayBuffer;
  const packed: PackedRecords = { rest, keys: batch.partitionKeys, explicit: batch.explicitHashKeys, hashes, data, dataOffset: into.byteOffset, dataLength: size, ends };
  return { packed, transfer: [data, ends.buffer as ArrayBuffer] };
}

/** The input packRecords was given, its records a batch whose data are a view of the one transferred buffer. */
export function unpackRecords(p: PackedRecords): Record<string, unknown> {
  const data = Buffer.from(p.data, p.dataOffset, p.dataLength);
  return { Records: new RecordBatch(p.keys, data, p.ends, p.explicit, p.hashes), ...p.rest };
}
