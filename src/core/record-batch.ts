// The records of one write as a few parallel lists, not an object per record. A PutRecords of 500
// records goes from the request to the store this way: as objects (the record, its data's Buffer
// view, its entry for the store, its outcome) each lived until the write was committed, which under
// load outlasts two young-generation collections, so every one was copied twice, promoted and
// collected again later; that was the largest cost on the event loop after decoding.

import { dataStart } from '../storage/store.js';

/** A record as the generic reading of a request gives it. */
export interface RecordInput {
  Data: Buffer;
  PartitionKey: string;
  ExplicitHashKey?: string;
}

export class RecordBatch {
  constructor(
    readonly partitionKeys: string[],
    /** Every record's data, end to end: record i's bytes are data[start(i), ends[i]). */
    readonly data: Buffer,
    readonly ends: Uint32Array,
    /** Explicit hash keys by position (undefined where a record names none); undefined if none does. */
    readonly explicitHashKeys?: (string | undefined)[],
    /** The partition keys' MD5 hash keys in hex (core/hash-key.ts), when a decoding thread computed them ('' where unused). */
    readonly keyHashes?: string[],
  ) {}

  get length(): number {
    return this.partitionKeys.length;
  }

  start(i: number): number {
    return dataStart(this.ends, i);
  }

  size(i: number): number {
    return this.ends[i]! - this.start(i);
  }

  /** A batch of records read the generic way: their data copied into one buffer (a single record's used as it is). */
  static of(records: readonly RecordInput[]): RecordBatch {
    const n = records.length;
    const ends = new Uint32Array(n);
    const keys = new Array<string>(n);
    let explicit: (string | undefined)[] | undefined;
    let size = 0;
    for (let i = 0; i < n; i++) {
      const r = records[i]!;
      size += r.Data.length;
      ends[i] = size;
      keys[i] = r.PartitionKey;
      if (r.ExplicitHashKey !== undefined) (explicit ??= new Array(n))[i] = r.ExplicitHashKey;
    }
    const data = n === 1 ? records[0]!.Data : Buffer.allocUnsafe(size);
    if (n > 1) for (let i = 0; i < n; i++) data.set(records[i]!.Data, dataStart(ends, i));
    return new RecordBatch(keys, data, ends, explicit);
  }
}
