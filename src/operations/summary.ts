// DescribeStreamSummary: the stream without its shards (DescribeStream's modern replacement).
import type { Operation } from './context.js';
import { findStream, type StreamTarget } from './stream-target.js';
import { descriptionView } from './views.js';

export const describeStreamSummary: Operation = async (input: StreamTarget, ctx) => {
  const stream = await findStream(input, ctx);
  // A stream being created or deleted has no shards to show, as DescribeStream shows none.
  const shown = stream.status !== 'CREATING' && stream.status !== 'DELETING';
  const openShards = shown ? (await ctx.store.listShards(stream.uid)).filter((s) => s.closedMs === undefined).length : 0;
  const onDemand = stream.mode === 'ON_DEMAND';
  return {
    StreamDescriptionSummary: {
      ...descriptionView(stream),
      OpenShardCount: openShards,
      ConsumerCount: await ctx.store.countConsumers(stream.uid),
      ...(onDemand && stream.warmThroughputMiBps !== undefined
        ? { WarmThroughput: { TargetMiBps: stream.warmThroughputMiBps, CurrentMiBps: stream.warmThroughputMiBps } }
        : {}),
      MaxRecordSizeInKiB: stream.maxRecordSizeKiB,
      // Newer SDKs read this (on-demand streams only); older ones ignore it.
      ...(onDemand ? { RecordDistributionStrategy: stream.recordDistribution ?? 'USER_PARTITION_KEY' } : {}),
    },
  };
};
