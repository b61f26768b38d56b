// CreateChannel, DescribeChannel, ListChannels, UpdateChannel, DeleteChannel: the control plane of
// channels (delivery from a stream to Amazon S3 or S3 Tables). Delivery itself is not implemented.
// Lifecycle as AWS documents it: CREATING → ACTIVE, ACTIVE → UPDATING → ACTIVE, DELETING → gone,
// with the stream delays of the configuration, kept in the store so that it survives a restart.
import { randomUUID } from 'node:crypto';
import { parseChannelArn } from '../core/channel-arn.js';
import { invalidArgument, KinesisError, limitExceeded, resourceInUse, resourceNotFound } from '../core/errors.js';
import { PAGE_TOKEN_TTL_MS } from '../core/page-token.js';
import type { ChannelFilter, ChannelSource, ChannelState } from '../storage/store.js';
import {
  type CreateChannelInput, destinationOf, newChannelConfig, type UpdateChannelInput, updatedChannelConfig,
} from './channel-config.js';
import { channelDescriptionView, channelSummaryView, configOf } from './channel-views.js';
import type { Operation, OperationContext } from './context.js';
import { findStream } from './stream-target.js';
import { arnOf } from './views.js';

/** "You can add up to 50 tags per resource" (TagResource). */
const MAX_TAGS_PER_CHANNEL = 50;
/** ListChannels answers at most this many, whatever MaxResults says ("at most 100 results are returned"). */
const LIST_CHANNELS_MAX = 100;

function channelNotFound(id: string, account: string): Error {
  return resourceNotFound(`Channel ${id} under account ${account} not found.`);
}

function notActive(channel: ChannelState): Error {
  return resourceInUse(`Channel ${channel.name} under account ${channel.account} not ACTIVE, instead in state ${channel.status}`);
}

/** The channel an ARN names (the ARN names the account and region), or ResourceNotFoundException. */
async function findChannel(arn: string, ctx: OperationContext): Promise<ChannelState> {
  const address = parseChannelArn(arn);
  if (!address) throw resourceNotFound(`Channel ${arn} not found.`);
  const channel = await ctx.store.getChannel(address.account, address.region, address.id);
  if (!channel) throw channelNotFound(address.id, address.account);
  return channel;
}

export const createChannel: Operation = async (input: CreateChannelInput, ctx) => {
  const id = randomUUID();
  const config = newChannelConfig(input, id, ctx.account, ctx.region);
  const tags = input.Tags ?? {};
  if (Object.keys(tags).length > MAX_TAGS_PER_CHANNEL) {
    throw invalidArgument(`Failed to create channel ${input.ChannelName} under account ${ctx.account} because a given tag exceeded the limit of ${MAX_TAGS_PER_CHANNEL} tags.`);
  }
  const sources: ChannelSource[] = [];
  for (const { StreamARN } of input.StreamConfigurationList) {
    const stream = await findStream({ StreamARN }, ctx);
    if (stream.account !== ctx.account || stream.region !== ctx.region) {
      throw invalidArgument(`Stream ${StreamARN} must be in the same account and Region as the channel.`);
    }
    if (stream.status !== 'ACTIVE') {
      throw resourceInUse(`Stream ${stream.name} under account ${stream.account} not ACTIVE, instead in state ${stream.status}`);
    }
    // "This operation is only supported for data streams with the on-demand capacity mode."
    if (stream.mode !== 'ON_DEMAND') {
      throw invalidArgument(`Stream ${stream.name} under account ${stream.account} uses the ${stream.mode} capacity mode. ` +
        'Channels are only supported for data streams with the on-demand capacity mode.');
    }
    sources.push({ streamArn: arnOf(stream), streamCreatedMs: stream.createdMs });
  }
  const now = ctx.clock.now();
  const channel = {
    account: ctx.account, region: ctx.region, name: input.ChannelName, id, status: 'CREATING' as const, createdMs: now,
    destination: destinationOf(config), sources, config: JSON.stringify(config), tags,
    pendingDueMs: now + ctx.config.createStreamMs,
  };
  const outcome = await ctx.store.createChannel(channel);
  if (!outcome.ok) {
    if (outcome.reason === 'exists') {
      throw resourceInUse(`Channel ${input.ChannelName} under account ${ctx.account} already exists.`);
    }
    // "Deliveries per stream: 2. One delivery to streaming tables on Apache Iceberg and one delivery
    // to a general purpose Amazon S3 bucket" (Delivery quotas and limits; not adjustable).
    throw limitExceeded(`Stream ${outcome.source.streamArn} already has a channel that delivers to ${channel.destination}. ` +
      'A stream can have one channel per destination type.');
  }
  // The answer shows CREATING ("Immediately after creation, the state is CREATING"), even with no delay.
  const answer = { ChannelDescription: channelDescriptionView(channel) };
  if (ctx.config.createStreamMs === 0) await ctx.settle();
  return answer;
};

export const describeChannel: Operation = async (input: { ChannelARN: string }, ctx) => {
  const channel = await findChannel(input.ChannelARN, ctx);
  return { ChannelDescription: channelDescriptionView(channel) };
};

interface ListChannelsInput {
  StreamFilter?: { StreamARN: string; StreamCreationTimestamp?: Date }[];
  MaxResults?: number;
  NextToken?: string;
}

interface ListChannelsToken {
  kind: 'channels';
  account: string;
  region: string;
  after: string;
}

export const listChannels: Operation = async (input: ListChannelsInput, ctx) => {
  let after: string | undefined;
  if (input.NextToken !== undefined) {
    const token = ctx.pageTokens.decode<ListChannelsToken>(input.NextToken);
    if (!token || token.value.kind !== 'channels' || token.value.account !== ctx.account || token.value.region !== ctx.region) {
      throw invalidArgument(`Invalid NextToken: ${input.NextToken}`);
    }
    if (ctx.clock.now() - token.issuedMs > PAGE_TOKEN_TTL_MS) {
      throw new KinesisError('ExpiredNextTokenException', `The timestamp on the NextToken has expired: ${input.NextToken}`);
    }
    after = token.value.after;
  }
  const filters: ChannelFilter[] | undefined = input.StreamFilter?.map((f) => ({
    streamArn: f.StreamARN,
    ...(f.StreamCreationTimestamp !== undefined ? { streamCreatedMs: f.StreamCreationTimestamp.getTime() } : {}),
  }));
  const limit = Math.min(input.MaxResults ?? LIST_CHANNELS_MAX, LIST_CHANNELS_MAX);
  const channels = await ctx.store.listChannels(ctx.account, ctx.region, after, limit + 1, filters);
  const page = channels.slice(0, limit);
  const last = page[page.length - 1];
  const next: ListChannelsToken | undefined = channels.length > limit && last
    ? { kind: 'channels', account: ctx.account, region: ctx.region, after: last.name }
    : undefined;
  return {
    ChannelSummaries: page.map(channelSummaryView),
    ...(next ? { NextToken: ctx.pageTokens.encode(next, ctx.clock.now()) } : {}),
  };
};

export const updateChannel: Operation = async (input: UpdateChannelInput, ctx) => {
  const channel = await findChannel(input.ChannelARN, ctx);
  if (channel.status !== 'ACTIVE') throw notActive(channel);
  const config = updatedChannelConfig(configOf(channel), input, channel.name, channel.id);
  const dueMs = ctx.clock.now() + ctx.config.updateStreamMs;
  const outcome = await ctx.store.changeChannel(channel.account, channel.region, channel.id, 'UPDATING', dueMs, ['ACTIVE'],
    JSON.stringify(config));
  if (!outcome.ok) {
    if (outcome.status === undefined) throw channelNotFound(channel.id, channel.account);
    throw notActive({ ...channel, status: outcome.status });
  }
  // "Immediately after the request, the state is UPDATING", with the new configuration.
  const answer = {
    ChannelDescription: channelDescriptionView({ ...channel, status: 'UPDATING', config: JSON.stringify(config), pendingDueMs: dueMs }),
  };
  if (ctx.config.updateStreamMs === 0) await ctx.settle();
  return answer;
};

export const deleteChannel: Operation = async (input: { ChannelARN: string }, ctx) => {
  const channel = await findChannel(input.ChannelARN, ctx);
  // DeleteChannel documents no ResourceInUseException: a channel can be deleted in any state, and
  // deleting one that is already DELETING changes nothing.
  if (channel.status === 'DELETING') return undefined;
  const outcome = await ctx.store.changeChannel(channel.account, channel.region, channel.id, 'DELETING',
    ctx.clock.now() + ctx.config.deleteStreamMs, ['CREATING', 'ACTIVE', 'UPDATING', 'FAILED']);
  if (!outcome.ok && outcome.status === undefined) throw channelNotFound(channel.id, channel.account);
  if (ctx.config.deleteStreamMs === 0) await ctx.settle();
  return undefined;
};
