// CreateStream, DeleteStream, DescribeStream, ListStreams.
import { invalidArgument, KinesisError, limitExceeded, resourceInUse, validationError } from '../core/errors.js';
import { evenRanges } from '../core/hash-key.js';
import { PAGE_TOKEN_TTL_MS } from '../core/page-token.js';
import { parseShardId } from '../core/shard-id.js';
import type { StreamMode } from '../storage/store.js';
import type { Operation } from './context.js';
import { checkWarmThroughput, requireOnDemandRoom } from './limits.js';
import { findStream, type StreamTarget } from './stream-target.js';
import { descriptionView, shardView, summaryView } from './views.js';

export const DEFAULT_RETENTION_HOURS = 24;
export const DEFAULT_MAX_RECORD_SIZE_KIB = 1024;
export const ON_DEMAND_SHARDS = 4;
export const MAX_TAGS_PER_STREAM = 50;

export function shardLimitMessage(account: string, region: string, open: number, limit: number, adding: number): string {
  return `This request would exceed the shard limit for the account ${account} in ${region}. ` +
    `Current shard count for the account: ${open}. Limit: ${limit}. ` +
    `Number of additional shards that would have resulted from this request: ${adding}. ` +
    'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
    'for current limits and how to request higher limits.';
}

interface CreateStreamInput {
  StreamName: string;
  ShardCount?: number;
  StreamModeDetails?: { StreamMode: StreamMode };
  Tags?: Record<string, string>;
  MaxRecordSizeInKiB?: number;
  WarmThroughputMiBps?: number;
}

export const createStream: Operation = async (input: CreateStreamInput, ctx) => {
  const mode = input.StreamModeDetails?.StreamMode ?? 'PROVISIONED';
  let shardCount: number;
  if (mode === 'ON_DEMAND') {
    if (input.ShardCount !== undefined) {
      throw validationError('ShardCount is not supported for streams with the ON_DEMAND capacity mode.');
    }
    shardCount = ON_DEMAND_SHARDS;
    await requireOnDemandRoom(ctx.account, ctx.region, ctx);
    if (input.WarmThroughputMiBps !== undefined) {
      await checkWarmThroughput({ account: ctx.account, region: ctx.region, name: input.StreamName }, input.WarmThroughputMiBps, ctx);
    }
  } else {
    if (input.WarmThroughputMiBps !== undefined) {
      throw invalidArgument('WarmThroughputMiBps can only be specified for streams with the ON_DEMAND capacity mode.');
    }
    if (input.ShardCount === undefined) {
      throw validationError('1 validation error detected: Value null at \'shardCount\' failed to satisfy constraint: Member must not be null');
    }
    shardCount = input.ShardCount;
  }
  const tags = input.Tags ?? {};
  if (Object.keys(tags).length > MAX_TAGS_PER_STREAM) {
    throw invalidArgument(`Failed to create stream ${input.StreamName} under account ${ctx.account} because a given tag exceeded the limit of ${MAX_TAGS_PER_STREAM} tags.`);
  }
  const now = ctx.clock.now();
  const outcome = await ctx.store.createStream({
    account: ctx.account, region: ctx.region, name: input.StreamName, createdMs: now,
    retentionHours: DEFAULT_RETENTION_HOURS, mode, maxRecordSizeKiB: input.MaxRecordSizeInKiB ?? DEFAULT_MAX_RECORD_SIZE_KIB,
    ...(input.WarmThroughputMiBps !== undefined ? { warmThroughputMiBps: input.WarmThroughputMiBps } : {}),
    shards: evenRanges(shardCount).map((r) => ({ startHash: r.start, endHash: r.end })),
    tags, status: 'CREATING', pending: { kind: 'activate' }, pendingDueMs: now + ctx.config.createStreamMs,
  }, ctx.config.shardLimit);
  if (!outcome.ok) {
    if (outcome.reason === 'exists') {
      throw resourceInUse(`Stream ${input.StreamName} under account ${ctx.account} already exists.`);
    }
    throw limitExceeded(shardLimitMessage(ctx.account, ctx.region, outcome.openShards, ctx.config.shardLimit, shardCount));
  }
  if (ctx.config.createStreamMs === 0) await ctx.settle();
  return undefined;
};

export const deleteStream: Operation = async (input: StreamTarget & { EnforceConsumerDeletion?: boolean }, ctx) => {
  const stream = await findStream(input, ctx);
  // Registered consumers keep a stream from being deleted, unless EnforceConsumerDeletion deletes them with it.
  const enforce = input.EnforceConsumerDeletion === true;
  const outcome = await ctx.store.beginDelete(stream.uid, ctx.clock.now() + ctx.config.deleteStreamMs,
    ['ACTIVE', 'UPDATING', 'CREATING'], enforce);
  if (!outcome.ok) {
    if (outcome.status === undefined) return deleteStream(input, ctx); // gone meanwhile: answer not found
    if ('consumers' in outcome) {
      throw resourceInUse(`Stream ${stream.name} under account ${stream.account} has ${outcome.consumers} registered consumers. ` +
        'Deregister them first, or delete the stream with EnforceConsumerDeletion.');
    }
    throw resourceInUse(`Stream ${stream.name} under account ${stream.account} in use.`);
  }
  if (enforce) ctx.subscriptions.endConsumers({ streamUid: stream.uid });
  if (ctx.config.deleteStreamMs === 0) await ctx.settle();
  return undefined;
};

const DESCRIBE_MAX_SHARDS = 100;

export const describeStream: Operation = async (input: StreamTarget & { Limit?: number; ExclusiveStartShardId?: string }, ctx) => {
  const stream = await findStream(input, ctx);
  const limit = Math.min(input.Limit ?? DESCRIBE_MAX_SHARDS, DESCRIBE_MAX_SHARDS);
  // A stream being created or deleted is described without shards, as the service does.
  const listed = stream.status !== 'CREATING' && stream.status !== 'DELETING';
  let shards = listed ? await ctx.store.listShards(stream.uid) : [];
  if (input.ExclusiveStartShardId !== undefined) {
    const after = parseShardId(input.ExclusiveStartShardId);
    shards = after === undefined ? [] : shards.filter((s) => s.index > after);
  }
  const page = shards.slice(0, limit);
  return {
    StreamDescription: {
      ...descriptionView(stream),
      Shards: page.map(shardView),
      HasMoreShards: shards.length > page.length,
    },
  };
};

/** ListStreams answers at most this many names, whatever the Limit (and by default). */
const LIST_STREAMS_MAX = 100;

interface ListStreamsInput {
  Limit?: number;
  ExclusiveStartStreamName?: string;
  NextToken?: string;
}

export const listStreams: Operation = async (input: ListStreamsInput, ctx) => {
  let after = input.ExclusiveStartStreamName;
  if (input.NextToken !== undefined) {
    if (input.ExclusiveStartStreamName !== undefined) {
      throw invalidArgument('NextToken and ExclusiveStartStreamName cannot be provided together.');
    }
    const token = ctx.pageTokens.decode<{ account: string; region: string; after: string }>(input.NextToken);
    if (!token || token.value.account !== ctx.account || token.value.region !== ctx.region) {
      throw invalidArgument(`Invalid NextToken: ${input.NextToken}`);
    }
    if (ctx.clock.now() - token.issuedMs > PAGE_TOKEN_TTL_MS) {
      throw new KinesisError('ExpiredNextTokenException', `The timestamp on the NextToken has expired: ${input.NextToken}`);
    }
    after = token.value.after;
  }
  const limit = Math.min(input.Limit ?? LIST_STREAMS_MAX, LIST_STREAMS_MAX);
  const streams = await ctx.store.listStreams(ctx.account, ctx.region, after, limit + 1);
  const page = streams.slice(0, limit);
  const more = streams.length > limit;
  const last = page[page.length - 1];
  return {
    StreamNames: page.map((s) => s.name),
    HasMoreStreams: more,
    ...(more && last ? { NextToken: ctx.pageTokens.encode({ account: ctx.account, region: ctx.region, after: last.name }, ctx.clock.now()) } : {}),
    StreamSummaries: page.map(summaryView),
  };
};

