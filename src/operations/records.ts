// PutRecord, PutRecords and GetRecords: the data path. Writes are one store call per request
// (routing and sequence numbers are the store's job); reads are one range read per call.
import { randomBytes } from 'node:crypto';
import { expiredIterator, invalidArgument, validationError } from '../core/errors.js';
import { hashPartitionKey, MAX_HASH_KEY } from '../core/hash-key.js';
import { ITERATOR_TTL_MS, javaDate } from '../core/iterator-token.js';
import { formatSequenceNumber, parseSequenceNumber, sequencePrefix } from '../core/sequence-number.js';
import { formatShardId } from '../core/shard-id.js';
import { PutResultList } from '../core/values.js';
import { StreamGone, type PutOutcome, type RecordEntry, type StreamState } from '../storage/store.js';
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

interface RecordInput {
  Data: Buffer;
  PartitionKey: string;
  ExplicitHashKey?: string;
  /** The MD5 of PartitionKey as a hash key, when a decoding thread computed it (protocol/packed-records.ts). */
  keyHash?: bigint;
}

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

function hashKeyOf(record: RecordInput, auto = false): bigint {
  if (auto) return nextAutoHashKey();
  if (record.ExplicitHashKey === undefined) return record.keyHash ?? hashPartitionKey(record.PartitionKey);
  const key = BigInt(record.ExplicitHashKey);
  if (key > MAX_HASH_KEY) {
    throw invalidArgument(`Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${record.ExplicitHashKey}`);
  }
  return key;
}

/** The bytes a record counts against its stream's limit; refuses one over it. `path` names it in the message. */
function checkRecordSize(data: Buffer, partitionKey: string, stream: StreamState, path: () => string): number {
  // The limit covers data and partition key together, but the message speaks of the data: it
  // names the stream's limit when the data alone exceeds it (as the service's message does),
  // and otherwise the room the key leaves for the data.
  const max = stream.maxRecordSizeKiB * 1024;
  const keyBytes = Buffer.byteLength(partitionKey);
  const n = data.length;
  if (n > max - keyBytes) {
    throw validationError(`1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]' at '${path()}' failed to satisfy constraint: Member must have length less than or equal to ${n > max ? max : max - keyBytes}`);
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
async function store(stream: StreamState, entries: RecordEntry[], ctx: OperationContext): Promise<PutOutcome[]> {
  try {
    return await ctx.store.putRecords(stream.uid, entries, ctx.clock.now());
  } catch (err) {
    if (err instanceof StreamGone) throw notFound(stream);
    throw err;
  }
}

function sequenceNumber(o: PutOutcome): string {
  return formatSequenceNumber(Math.floor(o.shardCreatedMs / 1000), o.shardIndex, o.counter);
}

function encryption(stream: StreamState): object {
  return stream.encryptionType === 'KMS' ? { EncryptionType: 'KMS' } : {};
}

interface PutRecordInput extends StreamTarget, RecordInput {
  SequenceNumberForOrdering?: string;
}

export const putRecord: Operation = async (input: PutRecordInput, ctx) => {
  const stream = await writableStream(input, ctx);
  const partitionKey = input.PartitionKey;
  const hashKey = hashKeyOf(input, distributesAutomatically(stream));
  if (input.SequenceNumberForOrdering !== undefined && !parseSequenceNumber(input.SequenceNumberForOrdering)) {
    throw invalidArgument(`ExclusiveMinimumSequenceNumber ${input.SequenceNumberForOrdering} used in PutRecord on stream ${stream.name} under account ${stream.account} is invalid.`);
  }
  checkRecordSize(input.Data, partitionKey, stream, () => 'data');
  // Sequence numbers rise with every write to a shard, so SequenceNumberForOrdering holds by construction.
  const encrypted = stream.encryptionType === 'KMS';
  const [outcome] = await store(stream, [{ hashKey, partitionKey, data: input.Data, encrypted }], ctx);
  // Committed: wake the shard's subscribers (SubscribeToShard) before answering.
  ctx.notifier.recordsAdded(stream.uid, [outcome!.shardIndex]);
  return { ShardId: formatShardId(outcome!.shardIndex), SequenceNumber: sequenceNumber(outcome!), ...encryption(stream) };
};

export const putRecords: Operation = async (input: StreamTarget & { Records: RecordInput[] }, ctx) => {
  const stream = await writableStream(input, ctx);
  const entries: RecordEntry[] = new Array(input.Records.length);
  const auto = distributesAutomatically(stream);
  const encrypted = stream.encryptionType === 'KMS';
  let total = 0;
  for (let i = 0; i < input.Records.length; i++) {
    const r = input.Records[i]!;
    const partitionKey = r.PartitionKey;
    total += checkRecordSize(r.Data, partitionKey, stream, () => `records.${i + 1}.member.data`);
    entries[i] = { hashKey: hashKeyOf(r, auto), partitionKey, data: r.Data, encrypted };
  }
  if (total > PUT_RECORDS_MAX_BYTES) throw invalidArgument('Records size exceeds 10 MB limit');
  const outcomes = await store(stream, entries, ctx);
  ctx.notifier.recordsAdded(stream.uid, new Set(outcomes.map((o) => o.shardIndex)));
  // Records of one shard share their shard id and the head of their sequence numbers: made once each.
  const shards = new Map<number, { shardId: string; prefix: string }>();
  const n = outcomes.length;
  const shardIds = new Array<string>(n);
  const prefixes = new Array<string>(n);
  const counters = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const o = outcomes[i]!;
    let shard = shards.get(o.shardIndex);
    if (!shard) {
      shard = { shardId: formatShardId(o.shardIndex), prefix: sequencePrefix(Math.floor(o.shardCreatedMs / 1000), o.shardIndex) };
      shards.set(o.shardIndex, shard);
    }
    shardIds[i] = shard.shardId;
    prefixes[i] = shard.prefix;
    counters[i] = o.counter;
  }
  return { FailedRecordCount: 0, Records: new PutResultList(shardIds, prefixes, counters), ...encryption(stream) };
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
