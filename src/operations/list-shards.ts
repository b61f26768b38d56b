// ListShards: the shards of a stream within retention, sorted by id, filtered by ShardFilter and
// paged with an opaque NextToken that carries the stream, the filter and the position, so that a
// NextToken is used alone (as AWS insists) and expires after 300 s.
import { invalidArgument, KinesisError, resourceInUse, resourceNotFound } from '../core/errors.js';
import { PAGE_TOKEN_TTL_MS } from '../core/page-token.js';
import { parseShardId } from '../core/shard-id.js';
import type { ShardState, StreamState } from '../storage/store.js';
import type { Operation, OperationContext } from './context.js';
import { trimHorizonMs } from './retention.js';
import { findStream, type StreamTarget } from './stream-target.js';
import { shardView } from './views.js';

/** At most this many shards a page, whatever MaxResults says (and by default). */
export const LIST_SHARDS_MAX = 1000;

type FilterType = 'AFTER_SHARD_ID' | 'AT_TRIM_HORIZON' | 'FROM_TRIM_HORIZON' | 'AT_LATEST' | 'AT_TIMESTAMP' | 'FROM_TIMESTAMP';

interface ListShardsInput extends StreamTarget {
  NextToken?: string;
  ExclusiveStartShardId?: string;
  MaxResults?: number;
  StreamCreationTimestamp?: Date;
  ShardFilter?: { Type: FilterType; ShardId?: string; Timestamp?: Date };
}

/** What a ShardFilter asks for, reduced to what the next pages need. */
interface Filter {
  type: FilterType;
  /** AFTER_SHARD_ID: the index the listing starts after (an id that names no shard number: nothing follows). */
  afterIndex?: number;
  /** AT_TIMESTAMP / FROM_TIMESTAMP, in ms. */
  atMs?: number;
}

interface TokenValue {
  account: string;
  region: string;
  uid: number;
  name: string;
  streamAccount: string;
  /** The last shard index listed. */
  after: number;
  filter: Filter;
}

function checkFilter(input: ListShardsInput): Filter {
  const f = input.ShardFilter;
  if (!f) return { type: 'FROM_TRIM_HORIZON' };
  const byId = f.Type === 'AFTER_SHARD_ID';
  const byTime = f.Type === 'AT_TIMESTAMP' || f.Type === 'FROM_TIMESTAMP';
  if (byId && f.ShardId === undefined) {
    throw invalidArgument('ShardId must be specified in the ShardFilter when its Type is AFTER_SHARD_ID.');
  }
  if (!byId && f.ShardId !== undefined) {
    throw invalidArgument(`ShardId can only be specified in the ShardFilter when its Type is AFTER_SHARD_ID, not ${f.Type}.`);
  }
  if (byTime && f.Timestamp === undefined) {
    throw invalidArgument(`Timestamp must be specified in the ShardFilter when its Type is ${f.Type}.`);
  }
  if (!byTime && f.Timestamp !== undefined) {
    throw invalidArgument(`Timestamp can only be specified in the ShardFilter when its Type is AT_TIMESTAMP or FROM_TIMESTAMP, not ${f.Type}.`);
  }
  if (byId) return { type: f.Type, afterIndex: parseShardId(f.ShardId!) ?? Number.MAX_SAFE_INTEGER };
  if (byTime) return { type: f.Type, atMs: f.Timestamp!.getTime() };
  return { type: f.Type };
}

/** AWS's semantics over the lineage (shards carry the times they were created and closed). */
function selected(shards: ShardState[], filter: Filter, stream: StreamState, nowMs: number): ShardState[] {
  const horizon = trimHorizonMs(stream, nowMs);
  // A shard closed before the trim horizon holds nothing any more: it has expired and is not listed.
  const live = shards.filter((s) => s.closedMs === undefined || s.closedMs >= horizon);
  // The shards open at a moment; a moment before the horizon (or before the stream existed) means
  // the horizon (or the stream's first shards).
  const openAt = (t: number) => {
    const at = Math.max(t, horizon, stream.createdMs);
    return live.filter((s) => s.createdMs <= at && (s.closedMs === undefined || s.closedMs >= at));
  };
  switch (filter.type) {
    case 'FROM_TRIM_HORIZON':
      return live;
    case 'AFTER_SHARD_ID':
      return live.filter((s) => s.index > filter.afterIndex!);
    case 'AT_LATEST':
      return live.filter((s) => s.closedMs === undefined);
    case 'AT_TRIM_HORIZON':
      return openAt(horizon);
    case 'AT_TIMESTAMP':
      return openAt(filter.atMs!);
    case 'FROM_TIMESTAMP': {
      const from = Math.max(filter.atMs!, horizon);
      return live.filter((s) => s.closedMs === undefined || s.closedMs >= from);
    }
  }
}

/** A NextToken must come alone: the stream, the filter and the position are in it. */
function refuseWithToken(input: ListShardsInput): void {
  const others: [keyof ListShardsInput, string][] = [
    ['StreamName', 'StreamName'], ['StreamARN', 'StreamARN'], ['ExclusiveStartShardId', 'ExclusiveStartShardId'],
    ['StreamCreationTimestamp', 'StreamCreationTimestamp'], ['ShardFilter', 'ShardFilter'],
  ];
  for (const [member, name] of others) {
    if (input[member] !== undefined) throw invalidArgument(`NextToken and ${name} cannot be provided together.`);
  }
}

async function fromToken(token: string, ctx: OperationContext): Promise<{ stream: StreamState; value: TokenValue }> {
  const decoded = ctx.pageTokens.decode<TokenValue>(token);
  if (!decoded || decoded.value.account !== ctx.account || decoded.value.region !== ctx.region || typeof decoded.value.uid !== 'number') {
    throw invalidArgument(`Invalid NextToken: ${token}`);
  }
  if (ctx.clock.now() - decoded.issuedMs > PAGE_TOKEN_TTL_MS) {
    throw new KinesisError('ExpiredNextTokenException', `The timestamp on the NextToken has expired: ${token}`);
  }
  const value = decoded.value;
  const stream = await ctx.store.getStreamByUid(value.uid);
  if (!stream) throw resourceNotFound(`Stream ${value.name} under account ${value.streamAccount} not found.`);
  return { stream, value };
}

export const listShards: Operation = async (input: ListShardsInput, ctx) => {
  let stream: StreamState;
  let filter: Filter;
  let after = -1;
  if (input.NextToken !== undefined) {
    refuseWithToken(input);
    const found = await fromToken(input.NextToken, ctx);
    stream = found.stream;
    filter = found.value.filter;
    after = found.value.after;
  } else {
    if (input.StreamName === undefined && input.StreamARN === undefined) {
      throw invalidArgument('Either NextToken or StreamName should be provided.');
    }
    filter = checkFilter(input);
    stream = await findStream(input, ctx);
    // The creation time tells apart streams that had the same name at different times.
    if (input.StreamCreationTimestamp !== undefined && input.StreamCreationTimestamp.getTime() !== stream.createdMs) {
      throw resourceNotFound(`Stream ${stream.name} under account ${stream.account} not found.`);
    }
    if (input.ExclusiveStartShardId !== undefined) after = parseShardId(input.ExclusiveStartShardId) ?? Number.MAX_SAFE_INTEGER;
  }
  if (stream.status === 'CREATING') {
    throw resourceInUse(`Stream ${stream.name} under account ${stream.account} not ACTIVE, instead in state CREATING`);
  }
  const now = ctx.clock.now();
  const shards = selected(await ctx.store.listShards(stream.uid), filter, stream, now).filter((s) => s.index > after);
  const limit = Math.min(input.MaxResults ?? LIST_SHARDS_MAX, LIST_SHARDS_MAX);
  const page = shards.slice(0, limit);
  const last = page[page.length - 1];
  const token: TokenValue | undefined = shards.length > page.length && last
    ? { account: ctx.account, region: ctx.region, uid: stream.uid, name: stream.name, streamAccount: stream.account, after: last.index, filter }
    : undefined;
  return {
    Shards: page.map(shardView),
    ...(token ? { NextToken: ctx.pageTokens.encode(token, now) } : {}),
  };
};
