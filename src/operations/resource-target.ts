// Finds the resource a ResourceARN names (TagResource, PutResourcePolicy, …): a stream, or one of
// its consumers. The ARN names the account and region, as a StreamARN does.
import { parseStreamArn } from '../core/arn.js';
import { invalidArgument, resourceNotFound } from '../core/errors.js';
import type { StreamState } from '../storage/store.js';
import type { OperationContext } from './context.js';
import { notFound } from './stream-target.js';
import { arnOf } from './views.js';

/** What a ResourceARN resolves to. Consumers join as a second kind with enhanced fan-out. */
export interface StreamResource {
  kind: 'stream';
  /** The resource's canonical ARN (policies are kept under it). */
  arn: string;
  /** The stream the resource is, or belongs to: tags and policies go with it. */
  stream: StreamState;
  /** How messages name the resource, e.g. "stream foo under account 123456789012". */
  label: string;
}

export type Resource = StreamResource;

// <stream ARN>/consumer/<consumer name>:<creation epoch seconds>
const CONSUMER_ARN = /^(arn:aws[a-z-]*:kinesis:[^:]*:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128})\/consumer\/([a-zA-Z0-9_.-]{1,128}):(\d+)$/;

export async function findResource(arn: string, ctx: OperationContext): Promise<Resource> {
  const consumer = CONSUMER_ARN.exec(arn);
  if (consumer) {
    const key = parseStreamArn(consumer[1]!)!;
    const stream = await ctx.store.getStream(key);
    if (!stream) throw notFound(key);
    // Consumers are not stored yet (enhanced fan-out): every consumer ARN names nothing.
    throw resourceNotFound(`Consumer ${consumer[2]} under stream ${stream.name} under account ${stream.account} not found.`);
  }
  const key = parseStreamArn(arn);
  if (!key) throw invalidArgument(`Invalid ResourceARN: ${arn}`);
  const stream = await ctx.store.getStream(key);
  if (!stream) throw notFound(key);
  return { kind: 'stream', arn: arnOf(stream), stream, label: `stream ${stream.name} under account ${stream.account}` };
}
