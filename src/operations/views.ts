// How streams and shards look in responses.
import { streamArn } from '../core/arn.js';
import { formatSequenceNumber, sequencePrefix } from '../core/sequence-number.js';
import { formatShardId } from '../core/shard-id.js';
import { RecordPage, Timestamp } from '../core/values.js';
import type { ShardState, StoredRecord, StreamState } from '../storage/store.js';

export function shardView(s: ShardState): object {
  const createdSec = Math.floor(s.createdMs / 1000);
  return {
    ShardId: formatShardId(s.index),
    ...(s.parentIndex !== undefined ? { ParentShardId: formatShardId(s.parentIndex) } : {}),
    ...(s.adjacentParentIndex !== undefined ? { AdjacentParentShardId: formatShardId(s.adjacentParentIndex) } : {}),
    HashKeyRange: { StartingHashKey: s.startHash.toString(), EndingHashKey: s.endHash.toString() },
    SequenceNumberRange: {
      StartingSequenceNumber: formatSequenceNumber(createdSec, s.index, 0),
      ...(s.closedMs !== undefined ? { EndingSequenceNumber: formatSequenceNumber(createdSec, s.index, s.lastCounter) } : {}),
    },
  };
}

/** The records of one shard as GetRecords and SubscribeToShard events carry them (rendered by the encoders). */
export function recordPage(shard: { index: number; createdMs: number }, records: StoredRecord[]): RecordPage {
  // Every sequence number of the shard begins alike: made once, not once a record.
  return new RecordPage(sequencePrefix(Math.floor(shard.createdMs / 1000), shard.index), records);
}

/** The shards that a closed shard's hash range passed to, as GetRecords reports them at its end. */
export function childShardsView(parent: number, shards: ShardState[]): object[] {
  return shards
    .filter((s) => s.parentIndex === parent || s.adjacentParentIndex === parent)
    .map((s) => ({
      ShardId: formatShardId(s.index),
      ParentShards: [s.parentIndex, s.adjacentParentIndex].filter((p): p is number => p !== undefined).map(formatShardId),
      HashKeyRange: { StartingHashKey: s.startHash.toString(), EndingHashKey: s.endHash.toString() },
    }));
}

export function arnOf(s: StreamState): string {
  return streamArn(s);
}

export function encryptionView(s: StreamState): object {
  return { EncryptionType: s.encryptionType, ...(s.keyId !== undefined ? { KeyId: s.keyId } : {}) };
}

/** What DescribeStream and DescribeStreamSummary both say of a stream. */
export function descriptionView(s: StreamState): object {
  return {
    ...summaryView(s),
    RetentionPeriodHours: s.retentionHours,
    EnhancedMonitoring: [{ ShardLevelMetrics: s.shardLevelMetrics }],
    ...encryptionView(s),
  };
}

export function summaryView(s: StreamState): object {
  return {
    StreamName: s.name,
    StreamARN: arnOf(s),
    StreamStatus: s.status,
    StreamModeDetails: { StreamMode: s.mode },
    StreamCreationTimestamp: new Timestamp(s.createdMs),
  };
}
