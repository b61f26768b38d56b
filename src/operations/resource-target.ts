// Finds the resource a ResourceARN names (TagResource, PutResourcePolicy, …): a stream, or one of
// its consumers. The ARN names the account and region, as a StreamARN does.
import { parseConsumerArn, parseStreamArn } from '../core/arn.js';
import { invalidArgument } from '../core/errors.js';
import type { ConsumerState, StreamState } from '../storage/store.js';
import { consumerLabel, findConsumerByArn } from './consumer-target.js';
import type { OperationContext } from './context.js';
import { notFound } from './stream-target.js';
import { arnOf } from './views.js';

/** What a ResourceARN resolves to. */
export interface StreamResource {
  kind: 'stream';
  /** The resource's canonical ARN (policies are kept under it). */
  arn: string;
  /** The stream the resource is, or belongs to: tags and policies go with it. */
  stream: StreamState;
  /** How messages name the resource, e.g. "stream foo under account 123456789012". */
  label: string;
}

/** A consumer has its own tags; its policy is kept under its ARN and dropped with it (or its stream). */
export interface ConsumerResource extends Omit<StreamResource, 'kind'> {
  kind: 'consumer';
  consumer: ConsumerState;
}

export type Resource = StreamResource | ConsumerResource;

export async function findResource(arn: string, ctx: OperationContext): Promise<Resource> {
  if (parseConsumerArn(arn)) {
    const found = await findConsumerByArn(arn, ctx);
    return { kind: 'consumer', arn: found.arn, stream: found.stream, consumer: found.consumer, label: consumerLabel(found.consumer.name, found.stream) };
  }
  const key = parseStreamArn(arn);
  if (!key) throw invalidArgument(`Invalid ResourceARN: ${arn}`);
  const stream = await ctx.store.getStream(key);
  if (!stream) throw notFound(key);
  return { kind: 'stream', arn: arnOf(stream), stream, label: `stream ${stream.name} under account ${stream.account}` };
}
