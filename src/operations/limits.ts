// DescribeLimits; the account limit on on-demand streams that CreateStream and UpdateStreamMode keep;
// the conditions on warm throughput (CreateStream, UpdateStreamMode, UpdateStreamWarmThroughput).
import { limitExceeded, validationError } from '../core/errors.js';
import { commitmentActive } from './account.js';
import type { Operation, OperationContext } from './context.js';

/** On-demand streams an account may hold in a region (the service's default quota). */
export const ON_DEMAND_STREAM_LIMIT = 50;

/** Refuses (LimitExceededException) one more on-demand stream for the account when it is at the limit. */
export async function requireOnDemandRoom(account: string, region: string, ctx: OperationContext): Promise<void> {
  const count = await ctx.store.countStreams(account, region, 'ON_DEMAND');
  if (count >= ON_DEMAND_STREAM_LIMIT) {
    throw limitExceeded(`This request would exceed the on-demand stream limit for the account ${account} in ${region}. ` +
      `Current on-demand stream count for the account: ${count}. Limit: ${ON_DEMAND_STREAM_LIMIT}.`);
  }
}

/** Warm throughput goes up to 10 GiB/s. */
export const MAX_WARM_THROUGHPUT_MIBPS = 10_240;

/** Warm throughput needs On-demand Advantage: the account's minimum throughput billing commitment. */
export async function checkWarmThroughput(stream: { account: string; region: string; name: string }, mibps: number,
  ctx: OperationContext): Promise<void> {
  if (!(await commitmentActive(ctx.store, stream.account, stream.region, ctx.clock.now()))) {
    throw validationError(`Warm throughput is only supported for accounts with MinimumThroughputBillingCommitment enabled. Account ${stream.account} does not have it enabled in ${stream.region}.`);
  }
  if (mibps > MAX_WARM_THROUGHPUT_MIBPS) {
    throw limitExceeded(`Requested warm throughput (${mibps} MiBps) for stream ${stream.name} under account ${stream.account} exceeds the limit of ${MAX_WARM_THROUGHPUT_MIBPS} MiBps.`);
  }
}

export const describeLimits: Operation = async (_input: object, ctx) => ({
  ShardLimit: ctx.config.shardLimit,
  OpenShardCount: await ctx.store.countOpenShards(ctx.account, ctx.region),
  OnDemandStreamCount: await ctx.store.countStreams(ctx.account, ctx.region, 'ON_DEMAND'),
  OnDemandStreamCountLimit: ON_DEMAND_STREAM_LIMIT,
});
