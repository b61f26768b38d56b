// RegisterStreamConsumer, DescribeStreamConsumer, ListStreamConsumers, DeregisterStreamConsumer:
// enhanced fan-out consumers of a stream. A consumer is CREATING for --register-consumer-ms, then
// ACTIVE (it may subscribe); deregistered, it is DELETING for --deregister-consumer-ms, then gone.
// Both transitions are kept in the store, so they complete after a restart.
import { invalidArgument, KinesisError, limitExceeded, resourceInUse } from '../core/errors.js';
import { PAGE_TOKEN_TTL_MS } from '../core/page-token.js';
import type { ConsumerState, StreamState } from '../storage/store.js';
import { commitmentActive } from './account.js';
import { consumerLabel, consumerView, findConsumer, type ConsumerTarget } from './consumer-target.js';
import type { Operation, OperationContext } from './context.js';
import { findStream, notFound } from './stream-target.js';
import { MAX_TAGS_PER_STREAM } from './streams.js';
import { checkTagCharacters } from './tags.js';
import { arnOf } from './views.js';

/** Consumers a stream may have (AWS's default quota). */
export const MAX_CONSUMERS_PER_STREAM = 20;
/** … and an on-demand stream of an account with On-demand Advantage (the minimum throughput billing commitment). */
export const MAX_CONSUMERS_ON_DEMAND_ADVANTAGE = 50;
/** Consumers that may be CREATING at once in an account and region. */
export const MAX_CREATING_CONSUMERS = 5;
const LIST_CONSUMERS_DEFAULT = 100;

async function consumerLimit(stream: StreamState, ctx: OperationContext): Promise<number> {
  if (stream.mode === 'ON_DEMAND' && (await commitmentActive(ctx.store, stream.account, stream.region, ctx.clock.now()))) {
    return MAX_CONSUMERS_ON_DEMAND_ADVANTAGE;
  }
  return MAX_CONSUMERS_PER_STREAM;
}

interface RegisterInput {
  StreamARN: string;
  ConsumerName: string;
  Tags?: Record<string, string>;
}

export const registerStreamConsumer: Operation = async (input: RegisterInput, ctx) => {
  const stream = await findStream({ StreamARN: input.StreamARN }, ctx);
  const tags = input.Tags ?? {};
  const label = consumerLabel(input.ConsumerName, stream);
  checkTagCharacters([...Object.keys(tags), ...Object.values(tags)], 'add tags to', label);
  if (Object.keys(tags).length > MAX_TAGS_PER_STREAM) {
    throw invalidArgument(`Failed to register ${label} because a given consumer cannot have more than ${MAX_TAGS_PER_STREAM} tags associated with it.`);
  }
  const now = ctx.clock.now();
  const perStream = await consumerLimit(stream, ctx);
  const outcome = await ctx.store.registerConsumer(
    { streamUid: stream.uid, name: input.ConsumerName, createdMs: now, tags, dueMs: now + ctx.config.registerConsumerMs },
    { perStream, creatingPerAccount: MAX_CREATING_CONSUMERS, streamStatuses: ['ACTIVE', 'UPDATING'] },
  );
  if (!outcome.ok) {
    switch (outcome.reason) {
      case 'stream-status':
        if (outcome.status === undefined) throw notFound(stream);
        throw resourceInUse(`Stream ${stream.name} under account ${stream.account} not ACTIVE, instead in state ${outcome.status}`);
      case 'exists':
        throw resourceInUse(`Consumer ${input.ConsumerName} under stream ${stream.name} under account ${stream.account} already exists.`);
      case 'stream-limit':
        throw limitExceeded(`This request would exceed the limit of ${perStream} consumers for stream ${stream.name} under account ${stream.account}. Current consumer count for the stream: ${outcome.count}.`);
      case 'creating-limit':
        throw limitExceeded(`This request would exceed the limit of ${MAX_CREATING_CONSUMERS} consumers in CREATING status at the same time for account ${stream.account} in ${stream.region}. Current count of consumers in CREATING status: ${outcome.count}.`);
    }
  }
  if (ctx.config.registerConsumerMs === 0) await ctx.settle();
  const registered: ConsumerState = { streamUid: stream.uid, name: input.ConsumerName, status: 'CREATING', createdMs: now, tags };
  return { Consumer: consumerView(stream, registered) };
};

export const describeStreamConsumer: Operation = async (input: ConsumerTarget, ctx) => {
  const { stream, consumer } = await findConsumer(input, ctx);
  return { ConsumerDescription: { ...consumerView(stream, consumer), StreamARN: arnOf(stream) } };
};

export const deregisterStreamConsumer: Operation = async (input: ConsumerTarget, ctx) => {
  const { stream, consumer, arn } = await findConsumer(input, ctx);
  await ctx.store.deregisterConsumer(stream.uid, consumer.name, ctx.clock.now() + ctx.config.deregisterConsumerMs);
  // Its policy goes with it (a consumer registered again under the name has another ARN).
  await ctx.store.deletePolicy(arn);
  ctx.subscriptions.endConsumers({ consumerArn: arn });
  if (ctx.config.deregisterConsumerMs === 0) await ctx.settle();
  return undefined;
};

interface ListInput {
  StreamARN: string;
  NextToken?: string;
  MaxResults?: number;
  StreamCreationTimestamp?: Date;
}

interface TokenValue {
  account: string;
  region: string;
  uid: number;
  /** The last consumer name listed. */
  after: string;
}

export const listStreamConsumers: Operation = async (input: ListInput, ctx) => {
  const stream = await findStream({ StreamARN: input.StreamARN }, ctx);
  // The creation time tells apart streams that had the same name at different times.
  if (input.StreamCreationTimestamp !== undefined && input.StreamCreationTimestamp.getTime() !== stream.createdMs) {
    throw notFound(stream);
  }
  let after: string | undefined;
  if (input.NextToken !== undefined) {
    const token = ctx.pageTokens.decode<TokenValue>(input.NextToken);
    if (!token || token.value.account !== ctx.account || token.value.region !== ctx.region || typeof token.value.after !== 'string') {
      throw invalidArgument(`Invalid NextToken: ${input.NextToken}`);
    }
    if (ctx.clock.now() - token.issuedMs > PAGE_TOKEN_TTL_MS) {
      throw new KinesisError('ExpiredNextTokenException', `The timestamp on the NextToken has expired: ${input.NextToken}`);
    }
    if (token.value.uid !== stream.uid) {
      throw invalidArgument(`NextToken ${input.NextToken} was not issued for stream ${stream.name} under account ${stream.account}.`);
    }
    after = token.value.after;
  }
  if (stream.status === 'CREATING') {
    throw resourceInUse(`Stream ${stream.name} under account ${stream.account} not ACTIVE, instead in state CREATING`);
  }
  const limit = input.MaxResults ?? LIST_CONSUMERS_DEFAULT;
  const consumers = await ctx.store.listConsumers(stream.uid, after, limit + 1);
  const page = consumers.slice(0, limit);
  const last = page[page.length - 1];
  const more = consumers.length > limit && last !== undefined;
  return {
    Consumers: page.map((c) => consumerView(stream, c)),
    ...(more ? { NextToken: ctx.pageTokens.encode<TokenValue>({ account: ctx.account, region: ctx.region, uid: stream.uid, after: last.name }, ctx.clock.now()) } : {}),
  };
};
