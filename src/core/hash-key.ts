// Hash keys: the MD5 of a partition key read as an unsigned 128-bit integer decides the shard.
import { hash } from 'node:crypto';

export const HASH_KEY_SPACE = 1n << 128n;
export const MAX_HASH_KEY = HASH_KEY_SPACE - 1n;

/**
 * The MD5 in hex, as the data path carries hash keys (storage/store.ts RecordWrite): 32 digits,
 * whose order as text is the numbers' order, so a record is routed without a BigInt made for it
 * (parsing one, from a string made for the purpose, cost about a third of the MD5 and most of its
 * garbage).
 */
export function partitionKeyHashHex(partitionKey: string): string {
  // One-shot hashing to hex: several times cheaper per key than a Hash object (this runs per record).
  return hash('md5', partitionKey, 'hex');
}

export interface HashRange {
  start: bigint;
  end: bigint;
}

/** CreateStream's even division: shard i covers [i·w, (i+1)·w − 1]; the last one ends at 2^128 − 1. */
export function evenRanges(count: number): HashRange[] {
  const width = HASH_KEY_SPACE / BigInt(count);
  const ranges: HashRange[] = [];
  for (let i = 0; i < count; i++) {
    const start = width * BigInt(i);
    ranges.push({ start, end: i === count - 1 ? MAX_HASH_KEY : start + width - 1n });
  }
  return ranges;
}
