// PutRecord, PutRecords and GetRecords: the data path. Writes are one store call per request
// (routing and sequence numbers are the store's job); reads are one range read per call.
import { randomBytes } from 'node:crypto';
import { expiredIterator, invalidArgument, validationError } from '../core/errors.js';
import { MAX_HASH_KEY, partitionKeyHashHex } from '../core/hash-key.js';
import { ITERATOR_TTL_MS, javaDate } from '../core/iterator-token.js';
import { formatSequenceNumber, parseSequenceNumber, sequencePrefix } from '../core/sequence-number.js';
import { formatShardId } from '../core/shard-id.js';
import { RecordBatch, type RecordInput } from '../core/record-batch.js';
import { PutResultList } from '../core/values.js';
import { hashKeyHex, StreamGone, type PutResult, type RecordWrite, type StreamState } from '../storage/store.js';
import type { Operation, OperationContext } from './context.js';
import { shardMissing } from './iterators.js';
import { trimHorizonMs } from './retention.js';
import { findStream, notFound, type StreamTarget } from './stream-target.js';
import { childShardsView, recordPage } from './views.js';

/** A PutRecords request may carry this much data and partition keys in all. */
export const PUT_RECORDS_MAX_BYTES = 10 * 1024 * 1024;
/** A GetRecords response carries at most this much data. */
export const GET_RECORDS_MAX_BYTES = 10 * 1024 * 1024;
export const GET_RECORDS_DEFAULT_LIMIT = 10_000;

// AUTO record distribution: hash keys from a golden-ratio walk over the key space (a low-discrepancy
// sequence), so records spread over the open shards in proportion to their ranges, evenly over even
// shards, whatever their partition keys.
const GOLDEN_STEP = 0x9e3779b97f4a7c15f39cc0605cedc835n;
let autoHash = BigInt('0x' + randomBytes(16).toString('hex'));
function nextAutoHashKey(): bigint {
  autoHash = (autoHash + GOLDEN_STEP) & MAX_HASH_KEY;
  return autoHash;
}

/** Whether the stream spreads records itself, ignoring partition keys and explicit hash keys. */
function distributesAutomatically(stream: StreamState): boolean {
  return stream.mode === 'ON_DEMAND' && stream.recordDistribution === 'AUTO';
}

/** Where record i of a batch goes, in hex (storage/store.ts RecordWrite): a hash key of its own, its partition key's MD5, or the stream's choice. */
function hashKeyOf(batch: RecordBatch, i: number, auto = false): string {
  if (auto) return hashKeyHex(nextAutoHashKey());
  const explicit = batch.explicitHashKeys?.[i];
  if (explicit === undefined) return batch.keyHashes?.[i] ?? partitionKeyHashHex(batch.partitionKeys[i]!);
  const key = BigInt(explicit);
  if (key > MAX_HASH_KEY) {
    throw invalidArgument(`Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${explicit}`);
  }
  return hashKeyHex(key);
}

/**
 * The bytes a record counts against its stream's limit; refuses one over it. `position` (from 1)
 * names it in PutRecords' message; 0 is PutRecord's one record.
 */
function checkRecordSize(n: number, partitionKey: string, stream: StreamState, position: number): number {
  // The limit covers data and partition key together, but the message speaks of the data: it
  // names the stream's limit when the data alone exceeds it (as the service's message does),
  // and otherwise the room the key leaves for the data.
  const max = stream.maxRecordSizeKiB * 1024;
  const keyBytes = Buffer.byteLength(partitionKey);
  if (n > max - keyBytes) {
    const path = position === 0 ? 'data' : `records.${position}.member.data`;
    throw validationError(`1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]' at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${n > max ? max : max - keyBytes}`);
  }
  return n + keyBytes;
}

/** Streams accept records while ACTIVE or UPDATING; a stream being created or deleted is not found. */
async function writableStream(input: StreamTarget, ctx: OperationContext): Promise<StreamState> {
  const stream = await findStream(input, ctx);
  if (stream.status === 'CREATING' || stream.status === 'DELETING') throw notFound(stream);
  return stream;
}

/** Appends the records; a stream deleted meanwhile is not found, as it would have been a moment later. */
async function store(stream: StreamState, write: RecordWrite, ctx: OperationContext): Promise<PutResult> {
  let result: PutResult;
  try {
    result = await ctx.store.putRecords(stream.uid, write, ctx.clock.now());
  } catch (err) {
    if (err instanceof StreamGone) throw notFound(stream);
    throw err;
  }
  // Committed: wake the shards' subscribers (SubscribeToShard) before answering.
  ctx.notifier.recordsAdded(stream.uid, result.shards.map((s) => s.index));
  return result;
}

function encryption(stream: StreamState): object {
  return stream.encryptionType === 'KMS' ? { EncryptionType: 'KMS' } : {};
}

interface PutRecordInput extends StreamTarget, RecordInput {
  SequenceNumberForOrdering?: string;
}

export const putRecord: Operation = async (input: PutRecordInput, ctx) => {
  const stream = await writableStream(input, ctx);
  const batch = RecordBatch.of([input]);
  const hashKey = hashKeyOf(batch, 0, distributesAutomatically(stream));
  if (input.SequenceNumberForOrdering !== undefined && !parseSequenceNumber(input.SequenceNumberForOrdering)) {
    throw invalidArgument(`ExclusiveMinimumSequenceNumber ${input.SequenceNumberForOrdering} used in PutRecord on stream ${stream.name} under account ${stream.account} is invalid.`);
  }
  checkRecordSize(input.Data.length, input.PartitionKey, stream, 0);
  // Sequence numbers rise with every write to a shard, so SequenceNumberForOrdering holds by construction.
  const result = await store(stream, { batch, hashKeys: [hashKey], encrypted: stream.encryptionType === 'KMS' }, ctx);
  const shard = result.shards[result.shardOf[0]!]!;
  return {
    ShardId: formatShardId(shard.index),
    SequenceNumber: formatSequenceNumber(Math.floor(shard.createdMs / 1000), shard.index, result.counters[0]!),
    ...encryption(stream),
  };
};

export const putRecords: Operation = async (input: StreamTarget & { Records: RecordBatch | RecordInput[] }, ctx) => {
  const stream = await writableStream(input, ctx);
  const batch = input.Records instanceof RecordBatch ? input.Records : RecordBatch.of(input.Records);
  const n = batch.length;
  const hashKeys = new Array<string>(n);
  const auto = distributesAutomatically(stream);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += checkRecordSize(batch.size(i), batch.partitionKeys[i]!, stream, i + 1);
    hashKeys[i] = hashKeyOf(batch, i, auto);
  }
  if (total > PUT_RECORDS_MAX_BYTES) throw invalidArgument('Records size exceeds 10 MB limit');
  const result = await store(stream, { batch, hashKeys, encrypted: stream.encryptionType === 'KMS' }, ctx);
  // Records of one shard share their shard id and the head of their sequence numbers: made once per shard.
  const shards = result.shards.map((s) => ({ shardId: formatShardId(s.index), prefix: sequencePrefix(Math.floor(s.createdMs / 1000), s.index) }));
  return { FailedRecordCount: 0, Records: new PutResultList(shards, result.shardOf, result.counters), ...encryption(stream) };
};

export const getRecords: Operation = async (input: { ShardIterator: string; Limit?: number }, ctx) => {
  const position = ctx.iterators.decode(input.ShardIterator);
  if (!position) throw invalidArgument('Invalid ShardIterator.');
  const now = ctx.clock.now();
  if (now - position.issuedMs > ITERATOR_TTL_MS) {
    throw expiredIterator(`Iterator expired. The iterator was created at time ${javaDate(position.issuedMs)} while right now it is ${javaDate(now)} which is further in the future than the tolerated delay of ${ITERATOR_TTL_MS} milliseconds.`);
  }
  const stream = await ctx.store.getStreamByUid(position.streamUid);
  const shardId = formatShardId(position.shardIndex);
  if (!stream) throw shardMissing(shardId, { name: position.streamName, account: ctx.account });
  const shard = await ctx.store.getShard(stream.uid, position.shardIndex);
  if (!shard) throw shardMissing(shardId, stream);

  const minArrivalMs = trimHorizonMs(stream, now);
  const result = await ctx.store.readRecords(stream.uid, shard.index, {
    fromCounter: position.counter, limit: input.Limit ?? GET_RECORDS_DEFAULT_LIMIT,
    maxBytes: GET_RECORDS_MAX_BYTES, minArrivalMs,
  });
  const records = recordPage(shard, result.records);
  const last = result.records[result.records.length - 1];
  const next = last ? last.counter + 1 : position.counter;
  const millisBehind = result.nextArrivalMs === undefined ? 0 : Math.max(0, now - result.nextArrivalMs);
  // A closed shard ends when nothing readable is left: past its last counter, or nothing at all
  // (a shard closed before its first record, or whose last records have expired).
  if (shard.closedMs !== undefined && (next > shard.lastCounter || result.records.length === 0)) {
    // The end of a closed shard: no further iterator, and the children to continue with.
    const shards = await ctx.store.listShards(stream.uid);
    return { Records: records, MillisBehindLatest: millisBehind, ChildShards: childShardsView(shard.index, shards) };
  }
  return {
    Records: records,
    NextShardIterator: ctx.iterators.encode({ ...position, counter: next, issuedMs: now }),
    MillisBehindLatest: millisBehind,
  };
};
