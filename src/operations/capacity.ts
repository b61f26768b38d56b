// Capacity: UpdateShardCount (uniform scaling as one reshard), UpdateStreamMode, UpdateMaxRecordSize,
// UpdateStreamWarmThroughput, and the record distribution strategy of on-demand streams.
import { invalidArgument, limitExceeded, resourceInUse, validationError } from '../core/errors.js';
import { planUniformScaling } from '../core/uniform-scaling.js';
import type { StreamMode, StreamSettings, StreamState } from '../storage/store.js';
import type { Operation } from './context.js';
import { checkWarmThroughput, requireOnDemandRoom } from './limits.js';
import { findStream, notFound, type StreamTarget } from './stream-target.js';
import { updateThroughUpdating } from './stream-update.js';
import { shardLimitMessage } from './streams.js';
import { arnOf } from './views.js';

/** A stream holds at most this many open shards (UpdateShardCount's documented limit). */
export const MAX_SHARDS_PER_STREAM = 10_000;

function notActive(stream: StreamState, status: string): Error {
  return resourceInUse(`Stream ${stream.name} under account ${stream.account} not ACTIVE, instead in state ${status}`);
}

interface UpdateShardCountInput extends StreamTarget {
  TargetShardCount: number;
  ScalingType: 'UNIFORM_SCALING';
}

export const updateShardCount: Operation = async (input: UpdateShardCountInput, ctx) => {
  const stream = await findStream(input, ctx);
  if (stream.mode !== 'PROVISIONED') {
    throw validationError('UpdateShardCount is not supported for streams with the ON_DEMAND capacity mode.');
  }
  if (stream.status !== 'ACTIVE') throw notActive(stream, stream.status);
  const open = (await ctx.store.listShards(stream.uid)).filter((s) => s.closedMs === undefined);
  const current = open.length;
  const target = input.TargetShardCount;
  const counts = `Current open shard count: ${current}, Target shard count: ${target}`;
  if (target > MAX_SHARDS_PER_STREAM) {
    throw limitExceeded(`Target shard count or number of open shards cannot be greater than ${MAX_SHARDS_PER_STREAM}. ${counts}`);
  }
  if (target > current * 2) throw limitExceeded(`UpdateShardCount cannot scale up over double your current open shard count. ${counts}`);
  if (target < current / 2) throw limitExceeded(`UpdateShardCount cannot scale down below half your current open shard count. ${counts}`);
  if (target > current) {
    const accountOpen = await ctx.store.countOpenShards(stream.account, stream.region);
    if (accountOpen + target - current > ctx.config.shardLimit) {
      throw limitExceeded(shardLimitMessage(stream.account, stream.region, accountOpen, ctx.config.shardLimit, target - current));
    }
  }
  // One pending change: the store applies every split and merge (and the short-lived shards between
  // them) atomically when it is due, so writes never meet a half-resharded stream.
  const plan = planUniformScaling(open, target);
  const outcome = await ctx.store.beginChange(stream.uid, 'UPDATING', { kind: 'reshard', close: plan.close, open: plan.open },
    ctx.clock.now() + ctx.config.updateStreamMs);
  if (!outcome.ok) {
    if (outcome.status === undefined) throw notFound(stream);
    throw notActive(stream, outcome.status);
  }
  if (ctx.config.updateStreamMs === 0) await ctx.settle();
  return { StreamName: stream.name, CurrentShardCount: current, TargetShardCount: target, StreamARN: arnOf(stream) };
};

interface UpdateStreamModeInput {
  StreamARN: string;
  StreamModeDetails: { StreamMode: StreamMode };
  WarmThroughputMiBps?: number;
}

export const updateStreamMode: Operation = async (input: UpdateStreamModeInput, ctx) => {
  const stream = await findStream({ StreamARN: input.StreamARN }, ctx);
  const mode = input.StreamModeDetails.StreamMode;
  const switchingToOnDemand = mode === 'ON_DEMAND' && stream.mode !== 'ON_DEMAND';
  if (input.WarmThroughputMiBps !== undefined && !switchingToOnDemand) {
    throw invalidArgument('WarmThroughputMiBps can only be specified when updating the stream mode to ON_DEMAND.');
  }
  // Asking for the mode the stream already has changes nothing (no AWS source shows a refusal).
  if (mode === stream.mode) return undefined;
  let settings: Partial<StreamSettings>;
  if (mode === 'ON_DEMAND') {
    await requireOnDemandRoom(stream.account, stream.region, ctx);
    if (input.WarmThroughputMiBps !== undefined) await checkWarmThroughput(stream, input.WarmThroughputMiBps, ctx);
    settings = { mode, ...(input.WarmThroughputMiBps !== undefined ? { warmThroughputMiBps: input.WarmThroughputMiBps } : {}) };
  } else {
    // Warm throughput and the record distribution strategy belong to on-demand streams.
    settings = { mode, warmThroughputMiBps: undefined, recordDistribution: undefined };
  }
  await updateThroughUpdating(stream, settings, ctx);
  return undefined;
};

export const updateMaxRecordSize: Operation = async (input: { StreamARN?: string; MaxRecordSizeInKiB: number }, ctx) => {
  if (input.StreamARN === undefined) throw invalidArgument('StreamARN must be provided.');
  const stream = await findStream({ StreamARN: input.StreamARN }, ctx);
  const outcome = await ctx.store.updateSettings(stream.uid, { maxRecordSizeKiB: input.MaxRecordSizeInKiB }, ['ACTIVE']);
  if (!outcome.ok) {
    if (outcome.status === undefined) throw notFound(stream);
    throw notActive(stream, outcome.status);
  }
  return undefined;
};

export const updateStreamWarmThroughput: Operation = async (input: StreamTarget & { WarmThroughputMiBps: number }, ctx) => {
  const stream = await findStream(input, ctx);
  if (stream.mode !== 'ON_DEMAND') {
    throw validationError('UpdateStreamWarmThroughput is not supported for streams with the PROVISIONED capacity mode.');
  }
  await checkWarmThroughput(stream, input.WarmThroughputMiBps, ctx);
  await updateThroughUpdating(stream, { warmThroughputMiBps: input.WarmThroughputMiBps }, ctx);
  return {
    StreamARN: arnOf(stream),
    StreamName: stream.name,
    WarmThroughput: {
      TargetMiBps: input.WarmThroughputMiBps,
      ...(stream.warmThroughputMiBps !== undefined ? { CurrentMiBps: stream.warmThroughputMiBps } : {}),
    },
  };
};

export type RecordDistributionStrategy = 'AUTO' | 'USER_PARTITION_KEY';

/**
 * UpdateStreamRecordDistributionStrategy: AUTO makes PutRecord/PutRecords on an on-demand stream
 * ignore partition keys and explicit hash keys and spread records evenly over the open shards.
 * Takes effect at once, without UPDATING. (The strategy is validated against the model.)
 */
export const updateStreamRecordDistributionStrategy: Operation = async (
  input: StreamTarget & { RecordDistributionStrategy: RecordDistributionStrategy }, ctx,
) => {
  const stream = await findStream(input, ctx);
  if (stream.mode !== 'ON_DEMAND') {
    throw invalidArgument(`The record distribution strategy can only be set for streams with the ON_DEMAND capacity mode. Stream ${stream.name} under account ${stream.account} uses the PROVISIONED capacity mode.`);
  }
  const outcome = await ctx.store.updateSettings(stream.uid, { recordDistribution: input.RecordDistributionStrategy });
  if (!outcome.ok) {
    if (outcome.status === undefined) throw notFound(stream);
    throw notActive(stream, outcome.status);
  }
  return undefined;
};
