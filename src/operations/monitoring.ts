// EnableEnhancedMonitoring and DisableEnhancedMonitoring: shard-level metrics kept on the stream
// (Sluice publishes no CloudWatch metrics). The stream goes UPDATING and back to ACTIVE, as with the
// service, and the answer gives the metrics before (Current) and after (Desired) the call.
import type { StreamState } from '../storage/store.js';
import type { Operation, OperationContext } from './context.js';
import { findStream, type StreamTarget } from './stream-target.js';
import { updateThroughUpdating } from './stream-update.js';
import { arnOf } from './views.js';

/** The seven shard-level metrics, in the order the service lists them; ALL stands for all of them. */
export const SHARD_LEVEL_METRICS = [
  'IncomingBytes', 'IncomingRecords', 'OutgoingBytes', 'OutgoingRecords',
  'WriteProvisionedThroughputExceeded', 'ReadProvisionedThroughputExceeded', 'IteratorAgeMilliseconds',
] as const;

interface MonitoringInput extends StreamTarget {
  ShardLevelMetrics: string[];
}

function named(metrics: string[]): Set<string> {
  return new Set(metrics.includes('ALL') ? SHARD_LEVEL_METRICS : metrics);
}

async function setMetrics(stream: StreamState, desired: string[], ctx: OperationContext): Promise<object> {
  const current = stream.shardLevelMetrics;
  await updateThroughUpdating(stream, { shardLevelMetrics: desired }, ctx);
  return { StreamName: stream.name, StreamARN: arnOf(stream), CurrentShardLevelMetrics: current, DesiredShardLevelMetrics: desired };
}

export const enableEnhancedMonitoring: Operation = async (input: MonitoringInput, ctx) => {
  const stream = await findStream(input, ctx);
  const adding = named(input.ShardLevelMetrics);
  const desired = SHARD_LEVEL_METRICS.filter((m) => adding.has(m) || stream.shardLevelMetrics.includes(m));
  return setMetrics(stream, desired, ctx);
};

export const disableEnhancedMonitoring: Operation = async (input: MonitoringInput, ctx) => {
  const stream = await findStream(input, ctx);
  const removing = named(input.ShardLevelMetrics);
  const desired = SHARD_LEVEL_METRICS.filter((m) => !removing.has(m) && stream.shardLevelMetrics.includes(m));
  return setMetrics(stream, desired, ctx);
};
