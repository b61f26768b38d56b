// Finds the consumer an operation names: by ConsumerARN (which names the stream, the consumer and its
// creation second), or by StreamARN and ConsumerName. A consumer registered again under the same name
// has another ARN, so an ARN of an earlier registration finds nothing.
import { consumerArn, parseConsumerArn, parseStreamArn, streamArn } from '../core/arn.js';
import { invalidArgument, resourceNotFound } from '../core/errors.js';
import { Timestamp } from '../core/values.js';
import type { ConsumerState, StreamState } from '../storage/store.js';
import type { OperationContext } from './context.js';
import { findStream, notFound } from './stream-target.js';
import { arnOf } from './views.js';

export interface ConsumerTarget {
  ConsumerARN?: string;
  StreamARN?: string;
  ConsumerName?: string;
}

export interface FoundConsumer {
  stream: StreamState;
  consumer: ConsumerState;
  /** The consumer's ARN, as the service forms it. */
  arn: string;
}

/** How messages name a consumer: "consumer c under stream s under account a". */
export function consumerLabel(name: string, stream: { name: string; account: string }): string {
  return `consumer ${name} under stream ${stream.name} under account ${stream.account}`;
}

export function consumerNotFound(name: string, stream: { name: string; account: string }): Error {
  return resourceNotFound(`Consumer ${name} under stream ${stream.name} under account ${stream.account} not found.`);
}

export function arnOfConsumer(stream: StreamState, consumer: ConsumerState): string {
  return consumerArn(stream, consumer.name, consumer.createdMs);
}

/** The consumer a ConsumerARN names, or ResourceNotFoundException. */
export async function findConsumerByArn(arn: string, ctx: OperationContext): Promise<FoundConsumer> {
  const address = parseConsumerArn(arn);
  if (!address) throw invalidArgument(`Invalid ConsumerARN: ${arn}`);
  const stream = await ctx.store.getStream(address.stream);
  if (!stream) throw notFound(address.stream);
  const consumer = await ctx.store.getConsumer(stream.uid, address.name);
  if (!consumer || Math.floor(consumer.createdMs / 1000) !== address.createdSec) throw consumerNotFound(address.name, stream);
  return { stream, consumer, arn: arnOfConsumer(stream, consumer) };
}

/** DescribeStreamConsumer and DeregisterStreamConsumer: ConsumerARN, or StreamARN and ConsumerName (all three if they agree). */
export async function findConsumer(input: ConsumerTarget, ctx: OperationContext): Promise<FoundConsumer> {
  if (input.ConsumerARN !== undefined) {
    const found = await findConsumerByArn(input.ConsumerARN, ctx);
    if (input.StreamARN !== undefined) {
      const named = parseStreamArn(input.StreamARN);
      if (!named || streamArn(named) !== arnOf(found.stream)) {
        throw invalidArgument(`StreamARN ${input.StreamARN} and ConsumerARN ${input.ConsumerARN} do not refer to the same stream.`);
      }
    }
    if (input.ConsumerName !== undefined && input.ConsumerName !== found.consumer.name) {
      throw invalidArgument(`ConsumerName ${input.ConsumerName} and ConsumerARN ${input.ConsumerARN} do not refer to the same consumer.`);
    }
    return found;
  }
  if (input.StreamARN === undefined || input.ConsumerName === undefined) {
    throw invalidArgument('Either ConsumerARN or both StreamARN and ConsumerName must be provided.');
  }
  const stream = await findStream({ StreamARN: input.StreamARN }, ctx);
  const consumer = await ctx.store.getConsumer(stream.uid, input.ConsumerName);
  if (!consumer) throw consumerNotFound(input.ConsumerName, stream);
  return { stream, consumer, arn: arnOfConsumer(stream, consumer) };
}

/** A Consumer as RegisterStreamConsumer and ListStreamConsumers show it. */
export function consumerView(stream: StreamState, consumer: ConsumerState): object {
  return {
    ConsumerName: consumer.name,
    ConsumerARN: arnOfConsumer(stream, consumer),
    ConsumerStatus: consumer.status,
    ConsumerCreationTimestamp: new Timestamp(consumer.createdMs),
  };
}
