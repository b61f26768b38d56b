// Sequence numbers: 56 decimal digits, like the service's. Layout (fixed width, so that the
// decimal strings of one shard compare in the same order as the numbers):
//   "49" | shard creation time, epoch seconds (10) | shard index (12) | per-shard counter (32)
// The shard index inside lets a number used on the wrong shard be detected. Counter 0 is the
// shard's StartingSequenceNumber; records take counters from 1.

const VERSION = '49';
export const SEQUENCE_NUMBER_DIGITS = 56;

export interface SequenceParts {
  shardCreatedSec: number;
  shardIndex: number;
  counter: bigint;
}

export function formatSequenceNumber(shardCreatedSec: number, shardIndex: number, counter: number | bigint): string {
  return withCounter(sequencePrefix(shardCreatedSec, shardIndex), counter);
}

/** The sequence number of `counter` in the shard whose numbers begin with `prefix` (sequencePrefix). */
export function withCounter(prefix: string, counter: number | bigint): string {
  return prefix + String(counter).padStart(32, '0');
}

/** What all sequence numbers of one shard begin with (a writer of many records makes it once per shard). */
export function sequencePrefix(shardCreatedSec: number, shardIndex: number): string {
  return VERSION + String(shardCreatedSec).padStart(10, '0') + String(shardIndex).padStart(12, '0');
}

/** Splits a number this server issued; undefined for anything else. */
export function parseSequenceNumber(text: string): SequenceParts | undefined {
  if (text.length !== SEQUENCE_NUMBER_DIGITS || !text.startsWith(VERSION) || !/^\d+$/.test(text)) return undefined;
  return {
    shardCreatedSec: Number(text.slice(2, 12)),
    shardIndex: Number(text.slice(12, 24)),
    counter: BigInt(text.slice(24)),
  };
}
