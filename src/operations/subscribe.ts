// SubscribeToShard: enhanced fan-out, one shard pushed to one consumer as an event stream.
//
// Everything that can refuse the call (consumer, shard, starting position, the 5-second rule) is
// checked before the stream starts, so it is an ordinary HTTP 400. The stream then carries
// SubscribeToShardEvent messages: records read from the store from the subscription's position,
// as soon as the record notifier says the shard has new ones (no polling). The reader pulls one
// event at a time, and the next is read from the store only when the client has taken the last
// (HTTP/2 flow control, socket backpressure): a slow client holds one event, and writers and other
// subscribers never wait for it. The stream ends after 5 minutes (the server's clock), at the end
// of a closed shard (a last event with ChildShards and no ContinuationSequenceNumber), or with an
// exception message when another subscription takes its place or the consumer goes.
import { invalidArgument, resourceInUse } from '../core/errors.js';
import { formatSequenceNumber } from '../core/sequence-number.js';
import { formatShardId, parseShardId } from '../core/shard-id.js';
import type { ReadResult, StreamState } from '../storage/store.js';
import { findConsumerByArn } from './consumer-target.js';
import { EventStreamOutput, type Operation, type OperationContext, type StreamEvent } from './context.js';
import { shardMissing, startCounter, type IteratorType } from './iterators.js';
import { GET_RECORDS_MAX_BYTES } from './records.js';
import { trimHorizonMs } from './retention.js';
import { notFound } from './stream-target.js';
import type { SubscriptionLease } from './subscriptions.js';
import { childShardsView, recordPage } from './views.js';

/** A subscription lasts this long (AWS: 5 minutes); the client subscribes again to go on. */
export const SUBSCRIPTION_TTL_MS = 300_000;
/** With nothing to deliver, an event without records goes out this often (real time), with the position and lag. */
export const HEARTBEAT_MS = 5_000;
/** One event carries at most what one GetRecords would. */
const EVENT_MAX_RECORDS = 10_000;
const EVENT_MAX_BYTES = GET_RECORDS_MAX_BYTES;

interface SubscribeInput {
  ConsumerARN: string;
  ShardId: string;
  StartingPosition: { Type: IteratorType; SequenceNumber?: string; Timestamp?: Date };
}

function checkStartingPosition(p: SubscribeInput['StartingPosition']): void {
  const bySequence = p.Type === 'AT_SEQUENCE_NUMBER' || p.Type === 'AFTER_SEQUENCE_NUMBER';
  if (bySequence && p.SequenceNumber === undefined) {
    throw invalidArgument(`StartingPosition of type ${p.Type} requires a SequenceNumber.`);
  }
  if (!bySequence && p.SequenceNumber !== undefined) {
    throw invalidArgument(`StartingPosition of type ${p.Type} does not take a SequenceNumber.`);
  }
  if (p.Type === 'AT_TIMESTAMP' && p.Timestamp === undefined) {
    throw invalidArgument('StartingPosition of type AT_TIMESTAMP requires a Timestamp.');
  }
  if (p.Type !== 'AT_TIMESTAMP' && p.Timestamp !== undefined) {
    throw invalidArgument(`StartingPosition of type ${p.Type} does not take a Timestamp.`);
  }
}

function notActive(name: string, createdMs: number, stream: { name: string; account: string }): Error {
  return resourceInUse(`Consumer ${name} with creation timestamp ${Math.floor(createdMs / 1000)} under stream ${stream.name} and account ${stream.account} is not in ACTIVE status.`);
}

function anotherSubscription(arn: string, shardId: string): Error {
  return resourceInUse(`Another active subscription exists for this consumer: ${arn} on shard ${shardId}.`);
}

export const subscribeToShard: Operation = async (input: SubscribeInput, ctx) => {
  const { stream, consumer, arn } = await findConsumerByArn(input.ConsumerARN, ctx);
  if (consumer.status !== 'ACTIVE') throw notActive(consumer.name, consumer.createdMs, stream);
  const index = parseShardId(input.ShardId);
  const shardId = index === undefined ? input.ShardId : formatShardId(index);
  const shard = index === undefined ? undefined : await ctx.store.getShard(stream.uid, index);
  if (!shard) throw shardMissing(shardId, stream);
  checkStartingPosition(input.StartingPosition);
  const { Type, SequenceNumber, Timestamp } = input.StartingPosition;
  const counter = await startCounter(stream, shard, Type, SequenceNumber, Timestamp, ctx, 'SubscribeToShard');
  const lease = ctx.subscriptions.claim(arn, stream.uid, shard.index, ctx.clock.now());
  if (!lease) throw anotherSubscription(arn, shardId);
  lease.expireAfter(SUBSCRIPTION_TTL_MS + HEARTBEAT_MS);
  const delivery: Delivery = {
    ctx, lease, arn, stream, shardId, shardIndex: shard.index, shardCreatedMs: shard.createdMs, counter,
    closed: shard.closedMs !== undefined, consumer: { name: consumer.name, createdMs: consumer.createdMs },
  };
  return new EventStreamOutput((signal) => deliver(delivery, signal), lease.stop);
};

interface Delivery {
  ctx: OperationContext;
  lease: SubscriptionLease;
  arn: string;
  consumer: { name: string; createdMs: number };
  stream: StreamState;
  shardId: string;
  shardIndex: number;
  shardCreatedMs: number;
  /** The first counter to deliver. */
  counter: number;
  /** The shard was closed when the subscription began (a closed shard never opens again). */
  closed: boolean;
}

async function* deliver(d: Delivery, signal: AbortSignal): AsyncGenerator<StreamEvent> {
  const { ctx, lease } = d;
  const uid = d.stream.uid;
  const watch = ctx.notifier.watch(uid, d.shardIndex);
  const wake = AbortSignal.any([signal, lease.stop]);
  const expiresMs = lease.startedMs + SUBSCRIPTION_TTL_MS;
  let stream = d.stream;
  let next = d.counter;
  let lastEventAt = -Infinity;
  // Once closed, a shard gets no more records: nothing to wait for, read on to its end.
  let closed = d.closed;

  const read = (now: number): Promise<ReadResult> => ctx.store.readRecords(uid, d.shardIndex, {
    fromCounter: next, limit: EVENT_MAX_RECORDS, maxBytes: EVENT_MAX_BYTES, minArrivalMs: trimHorizonMs(stream, now),
  });
  /** An event with the records read (none for a heartbeat); moves the position past them. */
  const event = (result: ReadResult, now: number): StreamEvent => {
    const last = result.records[result.records.length - 1];
    if (last) next = last.counter + 1;
    lastEventAt = performance.now();
    const shard = { index: d.shardIndex, createdMs: d.shardCreatedMs };
    return {
      type: 'SubscribeToShardEvent',
      payload: {
        Records: recordPage(shard, result.records),
        // Resume with AFTER_SEQUENCE_NUMBER from here (counter 0 is the shard's starting number).
        ContinuationSequenceNumber: formatSequenceNumber(Math.floor(d.shardCreatedMs / 1000), d.shardIndex, Math.max(next - 1, 0)),
        MillisBehindLatest: result.nextArrivalMs === undefined ? 0 : Math.max(0, now - result.nextArrivalMs),
      },
    };
  };

  try {
    for (;;) {
      if (signal.aborted) return;
      switch (lease.reason) {
        case 'taken-over': throw anotherSubscription(d.arn, d.shardId);
        case 'consumer-gone': throw notActive(d.consumer.name, d.consumer.createdMs, stream);
        case 'expired': return;
        default:
      }
      const now = ctx.clock.now();
      if (now >= expiresMs) return;
      // Taken before reading: any commit after the read changes it, so waiting on it misses nothing.
      const seen = watch.version;
      const result = await read(now);
      if (result.records.length > 0) {
        yield event(result, now);
        // More is waiting beyond what one event holds, or the shard is closed: read on without waiting.
        if (result.nextArrivalMs !== undefined || closed) continue;
      } else {
        // Nothing new: the shard may have been closed by a reshard, or the stream deleted.
        const current = await ctx.store.getStreamByUid(uid);
        if (!current) throw notFound(stream);
        stream = current;
        const shard = await ctx.store.getShard(uid, d.shardIndex);
        if (!shard) throw shardMissing(d.shardId, stream);
        if (shard.closedMs !== undefined) {
          closed = true;
          // A closed shard takes no more writes, so this read is final: what it finds, then the children.
          const rest = await read(now);
          if (rest.records.length > 0) {
            yield event(rest, now);
            continue;
          }
          yield {
            type: 'SubscribeToShardEvent',
            payload: { Records: [], MillisBehindLatest: 0, ChildShards: childShardsView(d.shardIndex, await ctx.store.listShards(uid)) },
          };
          return;
        }
        // The first event goes out at once, then one every HEARTBEAT_MS while there is nothing to send.
        if (performance.now() - lastEventAt >= HEARTBEAT_MS) yield event(result, now);
      }
      const idleMs = HEARTBEAT_MS - (performance.now() - lastEventAt);
      await watch.changed(seen, Math.max(0, Math.min(idleMs, expiresMs - ctx.clock.now())), wake);
    }
  } finally {
    watch.close();
    lease.release();
  }
}
