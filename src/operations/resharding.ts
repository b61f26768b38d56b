// SplitShard and MergeShards: the stream goes UPDATING and the change completes after a delay,
// applied atomically by the store (parents close, children open).
import { invalidArgument, limitExceeded, resourceInUse, resourceNotFound, validationError } from '../core/errors.js';
import { formatShardId, parseShardId } from '../core/shard-id.js';
import type { PendingChange, ShardState, StreamState } from '../storage/store.js';
import type { OperationContext, Operation } from './context.js';
import { findStream, streamKey, type StreamTarget } from './stream-target.js';
import { shardLimitMessage } from './streams.js';

function requireProvisioned(stream: StreamState, operation: string): void {
  if (stream.mode !== 'PROVISIONED') {
    throw validationError(`${operation} is not supported for streams with the ON_DEMAND capacity mode.`);
  }
}

function requireActive(stream: StreamState): void {
  if (stream.status !== 'ACTIVE') {
    throw resourceInUse(`Stream ${stream.name} under account ${stream.account} not ACTIVE, instead in state ${stream.status}`);
  }
}

function openShard(stream: StreamState, shards: ShardState[], shardId: string): ShardState {
  const index = parseShardId(shardId)!;
  const shard = shards.find((s) => s.index === index);
  if (!shard) {
    throw resourceNotFound(`Could not find shard ${formatShardId(index)} in stream ${stream.name} under account ${stream.account}.`);
  }
  if (shard.closedMs !== undefined) {
    throw invalidArgument(`Shard ${formatShardId(index)} in stream ${stream.name} under account ${stream.account} has already been merged or split, and thus is not eligible for merging or splitting.`);
  }
  return shard;
}

async function begin(stream: StreamState, change: PendingChange, ctx: OperationContext): Promise<void> {
  const outcome = await ctx.store.beginChange(stream.uid, 'UPDATING', change, ctx.clock.now() + ctx.config.updateStreamMs);
  if (!outcome.ok) requireActive({ ...stream, status: outcome.status ?? 'DELETING' });
  if (ctx.config.updateStreamMs === 0) await ctx.settle();
}

/** A shard id that names no number is refused before the stream is even looked up. */
function resolvable(input: StreamTarget, shardIds: string[], ctx: OperationContext): void {
  const key = streamKey(input, ctx);
  for (const id of shardIds) {
    if (parseShardId(id) === undefined) {
      throw resourceNotFound(`Could not find shard ${id} in stream ${key.name} under account ${key.account}.`);
    }
  }
}

export const splitShard: Operation = async (input: StreamTarget & { ShardToSplit: string; NewStartingHashKey: string }, ctx) => {
  resolvable(input, [input.ShardToSplit], ctx);
  const stream = await findStream(input, ctx);
  requireProvisioned(stream, 'SplitShard');
  requireActive(stream);
  const shards = await ctx.store.listShards(stream.uid);
  const parent = openShard(stream, shards, input.ShardToSplit);
  const key = BigInt(input.NewStartingHashKey);
  if (key <= parent.startHash + 1n || key >= parent.endHash) {
    throw invalidArgument(`NewStartingHashKey ${input.NewStartingHashKey} used in SplitShard() on shard ${formatShardId(parent.index)} in stream ${stream.name} under account ${stream.account} is not both greater than one plus the shard's StartingHashKey ${parent.startHash} and less than the shard's EndingHashKey ${parent.endHash}.`);
  }
  const open = await ctx.store.countOpenShards(stream.account, stream.region);
  if (open + 1 > ctx.config.shardLimit) {
    throw limitExceeded(shardLimitMessage(stream.account, stream.region, open, ctx.config.shardLimit, 1));
  }
  await begin(stream, {
    kind: 'reshard',
    close: [parent.index],
    open: [
      { startHash: parent.startHash, endHash: key - 1n, parentIndex: parent.index },
      { startHash: key, endHash: parent.endHash, parentIndex: parent.index },
    ],
  }, ctx);
  return undefined;
};

export const mergeShards: Operation = async (input: StreamTarget & { ShardToMerge: string; AdjacentShardToMerge: string }, ctx) => {
  resolvable(input, [input.ShardToMerge, input.AdjacentShardToMerge], ctx);
  const stream = await findStream(input, ctx);
  requireProvisioned(stream, 'MergeShards');
  requireActive(stream);
  const shards = await ctx.store.listShards(stream.uid);
  const shard = openShard(stream, shards, input.ShardToMerge);
  const adjacent = openShard(stream, shards, input.AdjacentShardToMerge);
  // The service wants ShardToMerge to hold the lower range and the adjacent one to follow it directly.
  if (shard.endHash + 1n !== adjacent.startHash) {
    throw invalidArgument(`Shards ${formatShardId(shard.index)} and ${formatShardId(adjacent.index)} in stream ${stream.name} under account ${stream.account} are not an adjacent pair of shards eligible for merging`);
  }
  await begin(stream, {
    kind: 'reshard',
    close: [shard.index, adjacent.index],
    open: [{ startHash: shard.startHash, endHash: adjacent.endHash, parentIndex: shard.index, adjacentParentIndex: adjacent.index }],
  }, ctx);
  return undefined;
};
