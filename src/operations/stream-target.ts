// Finds the stream an operation names, by StreamName or StreamARN (the ARN names the account and region).
import { parseStreamArn } from '../core/arn.js';
import { invalidArgument, resourceNotFound } from '../core/errors.js';
import type { StreamKey, StreamState } from '../storage/store.js';
import type { OperationContext } from './context.js';

export interface StreamTarget {
  StreamName?: string;
  StreamARN?: string;
}

export function streamKey(input: StreamTarget, ctx: OperationContext): StreamKey {
  if (input.StreamARN !== undefined) {
    const address = parseStreamArn(input.StreamARN);
    if (!address) throw invalidArgument(`Invalid StreamARN: ${input.StreamARN}`);
    if (input.StreamName !== undefined && input.StreamName !== address.name) {
      throw invalidArgument(`StreamName ${input.StreamName} and StreamARN ${input.StreamARN} do not refer to the same stream.`);
    }
    return address;
  }
  if (input.StreamName === undefined) {
    throw invalidArgument('Either StreamName or StreamARN must be provided.');
  }
  return { account: ctx.account, region: ctx.region, name: input.StreamName };
}

export function notFound(key: StreamKey): Error {
  return resourceNotFound(`Stream ${key.name} under account ${key.account} not found.`);
}

/** The named stream, or ResourceNotFoundException. */
export async function findStream(input: StreamTarget, ctx: OperationContext): Promise<StreamState> {
  const key = streamKey(input, ctx);
  const stream = await ctx.store.getStream(key);
  if (!stream) throw notFound(key);
  return stream;
}
