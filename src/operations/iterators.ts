// GetShardIterator: turns a starting position into an opaque iterator over one shard.
import { invalidArgument, KinesisError, resourceNotFound } from '../core/errors.js';
import { parseSequenceNumber } from '../core/sequence-number.js';
import { formatShardId, parseShardId } from '../core/shard-id.js';
import type { ShardState, StreamState } from '../storage/store.js';
import type { Operation, OperationContext } from './context.js';
import { streamKey, type StreamTarget } from './stream-target.js';

export type IteratorType = 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

interface GetShardIteratorInput extends StreamTarget {
  ShardId: string;
  ShardIteratorType: IteratorType;
  StartingSequenceNumber?: string;
  Timestamp?: Date;
}

export function shardMissing(shardId: string, stream: { name: string; account: string }): KinesisError {
  return resourceNotFound(`Shard ${shardId} in stream ${stream.name} under account ${stream.account} does not exist`);
}

/** Where an iterator of `type` starts in `shard`: the first counter it reads. */
export async function startCounter(
  stream: StreamState, shard: ShardState, type: IteratorType, sequenceNumber: string | undefined,
  timestamp: Date | undefined, ctx: OperationContext, operation = 'GetShardIterator',
): Promise<number> {
  const shardId = formatShardId(shard.index);
  switch (type) {
    case 'TRIM_HORIZON':
      return 0;
    case 'LATEST':
      return shard.lastCounter + 1;
    case 'AT_TIMESTAMP': {
      const atMs = timestamp!.getTime();
      const now = ctx.clock.now();
      if (atMs > now) {
        throw invalidArgument(`The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${atMs}, currentTimestampInMillis: ${now}`);
      }
      return ctx.store.counterAtTime(stream.uid, shard.index, atMs);
    }
    default: {
      const parts = parseSequenceNumber(sequenceNumber!);
      if (!parts || parts.counter > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw invalidArgument(`StartingSequenceNumber ${sequenceNumber} used in ${operation} on shard ${shardId} in stream ${stream.name} under account ${stream.account} is invalid.`);
      }
      if (parts.shardIndex !== shard.index) {
        throw invalidArgument(`Invalid StartingSequenceNumber. It encodes ${formatShardId(parts.shardIndex)}, while it was used in a call to a shard with ${shardId}`);
      }
      if (parts.shardCreatedSec !== Math.floor(shard.createdMs / 1000)) {
        throw invalidArgument(`StartingSequenceNumber ${sequenceNumber} used in ${operation} on shard ${shardId} in stream ${stream.name} under account ${stream.account} is invalid because it did not come from this stream.`);
      }
      const counter = Number(parts.counter);
      return type === 'AT_SEQUENCE_NUMBER' ? counter : counter + 1;
    }
  }
}

export const getShardIterator: Operation = async (input: GetShardIteratorInput, ctx) => {
  const key = streamKey(input, ctx);
  const index = parseShardId(input.ShardId);
  if (index === undefined) {
    throw resourceNotFound(`Could not find shard ${input.ShardId} in stream ${key.name} under account ${key.account}.`);
  }
  const shardId = formatShardId(index);
  const type = input.ShardIteratorType;
  const bySequence = type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER';
  const stream = await ctx.store.getStream(key);
  if (!stream || stream.status === 'CREATING') throw shardMissing(shardId, key);
  const shard = await ctx.store.getShard(stream.uid, index);
  if (!shard) throw shardMissing(shardId, key);
  if (bySequence && input.StartingSequenceNumber === undefined) {
    throw invalidArgument(`Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified ${type} and no StartingSequenceNumber.`);
  }
  if (!bySequence && type !== 'AT_TIMESTAMP' && input.StartingSequenceNumber !== undefined) {
    throw invalidArgument(`Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified ${type} and also a StartingSequenceNumber.`);
  }
  if (type === 'AT_TIMESTAMP' && input.Timestamp === undefined) {
    throw invalidArgument('Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.');
  }
  const counter = await startCounter(stream, shard, type, input.StartingSequenceNumber, input.Timestamp, ctx);
  return {
    ShardIterator: ctx.iterators.encode({ streamUid: stream.uid, streamName: stream.name, shardIndex: index, counter, issuedMs: ctx.clock.now() }),
  };
};
