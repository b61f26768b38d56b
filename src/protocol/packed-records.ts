// PutRecords' records as they cross from a decoding thread to the event loop. Posted as objects,
// each record's bytes would be cloned on their own and rebuilt as a Buffer on arrival, which costs
// the event loop about what decoding them did. Packed, all data travels as one transferred buffer
// (no copy), the keys as one array of strings, and each key's MD5 (which places the record on a
// shard) is computed on the decoding thread too.
import { hashPartitionKey } from '../core/hash-key.js';

/** A record of a PutRecords input, as validation gives it. */
export interface PutEntry {
  Data: Buffer;
  PartitionKey: string;
  ExplicitHashKey?: string;
  /** The MD5 of PartitionKey as a hash key, when a decoding thread already computed it. */
  keyHash?: bigint;
}

export interface PackedRecords {
  /** The input without its records. */
  rest: Record<string, unknown>;
  keys: string[];
  /** Explicit hash keys by record position, for the records that have one. */
  explicit: Map<number, string>;
  /** The MD5 hash keys of the records that name no explicit one (0n for those that do). */
  hashes: bigint[];
  /** All records' data, one after the other from dataOffset; record i ends at dataOffset + ends[i]. */
  data: ArrayBuffer;
  dataOffset: number;
  ends: Uint32Array;
}

/**
 * Packs a validated PutRecords input, its data copied end to end into `body`, the body it was read
 * from, which has room when the data are read from it (base64 takes more room than its bytes) and
 * held elsewhere (a decoding place, or buffers of their own). Otherwise (data that are views of the
 * body itself, as CBOR byte strings may be) they go into new memory. `transfer` lists what
 * postMessage moves rather than copies.
 */
export function packRecords(input: Record<string, unknown>, body: Buffer): { packed: PackedRecords; transfer: ArrayBuffer[] } {
  const { Records, ...rest } = input as { Records: PutEntry[] };
  const n = Records.length;
  let size = 0;
  let inBody = false;
  for (const r of Records) {
    size += r.Data.length;
    if (r.Data.buffer === body.buffer) inBody = true;
  }
  const into = !inBody && size <= body.length ? body : Buffer.from(new ArrayBuffer(size));
  // (The body's memory may be larger than the body: it comes from decode-pool.ts's places.)
  const ends = new Uint32Array(n);
  const keys = new Array<string>(n);
  const hashes = new Array<bigint>(n);
  const explicit = new Map<number, string>();
  let at = 0;
  for (let i = 0; i < n; i++) {
    const r = Records[i]!;
    into.set(r.Data, at);
    at += r.Data.length;
    ends[i] = at;
    keys[i] = r.PartitionKey;
    // An explicit hash key places its record; its partition key's MD5 would not be used.
    if (r.ExplicitHashKey === undefined) hashes[i] = hashPartitionKey(r.PartitionKey);
    else {
      hashes[i] = 0n;
      explicit.set(i, r.ExplicitHashKey);
    }
  }
  const data = into.buffer as ArrayBuffer;
  return { packed: { rest, keys, explicit, hashes, data, dataOffset: into.byteOffset, ends }, transfer: [data, ends.buffer as ArrayBuffer] };
}

/** The input packRecords was given, its data now views into the one transferred buffer. */
export function unpackRecords(p: PackedRecords): Record<string, unknown> {
  const n = p.keys.length;
  const records = new Array<PutEntry>(n);
  let at = p.dataOffset;
  for (let i = 0; i < n; i++) {
    const end = p.dataOffset + p.ends[i]!;
    const hashKey = p.explicit.get(i);
    const Data = Buffer.from(p.data, at, end - at);
    records[i] = hashKey === undefined
      ? { Data, PartitionKey: p.keys[i]!, keyHash: p.hashes[i]! }
      : { Data, ExplicitHashKey: hashKey, PartitionKey: p.keys[i]! };
    at = end;
  }
  return { Records: records, ...p.rest };
}
