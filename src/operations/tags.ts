// AddTagsToStream, ListTagsForStream, RemoveTagsFromStream; TagResource, UntagResource and
// ListTagsForResource, which name the resource (a stream or a consumer) by its ARN.
import { invalidArgument } from '../core/errors.js';
import type { Operation } from './context.js';
import { findResource } from './resource-target.js';
import { findStream, type StreamTarget } from './stream-target.js';
import { MAX_TAGS_PER_STREAM } from './streams.js';

// Unicode letters, digits, white space and _ . / = + - % @ (the service's wording). "White space" is
// the space character only: the service refuses tabs and line breaks.
const TAG_CHARACTERS = /^[\p{L}\p{N} _./=+\-%@]*$/u;

/** Checks tag text the way the service does; `action` is "add tags to" or "remove tags from". */
export function checkTagText(texts: string[], action: string, stream: { name: string; account: string }): void {
  checkTagCharacters(texts, action, `stream ${stream.name} under account ${stream.account}`);
}

/** The same, for a resource named by `label` ("stream foo under account 123456789012"). */
export function checkTagCharacters(texts: string[], action: string, label: string): void {
  if (texts.some((t) => !TAG_CHARACTERS.test(t))) {
    throw invalidArgument('Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.');
  }
  if (texts.some((t) => t.includes('%'))) {
    throw invalidArgument(`Failed to ${action} ${label} because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.`);
  }
}

export const addTagsToStream: Operation = async (input: StreamTarget & { Tags: Record<string, string> }, ctx) => {
  const stream = await findStream(input, ctx);
  checkTagText([...Object.keys(input.Tags), ...Object.values(input.Tags)], 'add tags to', stream);
  if (!(await ctx.store.addTags(stream.uid, input.Tags, MAX_TAGS_PER_STREAM))) {
    throw invalidArgument(`Failed to add tags to stream ${stream.name} under account ${stream.account} because a given stream cannot have more than ${MAX_TAGS_PER_STREAM} tags associated with it.`);
  }
  return undefined;
};

export const removeTagsFromStream: Operation = async (input: StreamTarget & { TagKeys: string[] }, ctx) => {
  const stream = await findStream(input, ctx);
  checkTagText(input.TagKeys, 'remove tags from', stream);
  await ctx.store.removeTags(stream.uid, input.TagKeys);
  return undefined;
};

export const listTagsForStream: Operation = async (input: StreamTarget & { ExclusiveStartTagKey?: string; Limit?: number }, ctx) => {
  const stream = await findStream(input, ctx);
  const limit = input.Limit ?? MAX_TAGS_PER_STREAM;
  const after = input.ExclusiveStartTagKey;
  const all = Object.entries(await ctx.store.getTags(stream.uid))
    .filter(([k]) => after === undefined || k > after)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const page = all.slice(0, limit);
  return { Tags: page.map(([Key, Value]) => ({ Key, Value })), HasMoreTags: all.length > page.length };
};

// The ARN-addressed operations keep a stream's tags where the stream operations keep them, so
// AddTagsToStream and TagResource see the same tags, with the same limit and character rules.
// A consumer's tags are its own (RegisterStreamConsumer Tags, then TagResource on its ARN).

export const tagResource: Operation = async (input: { ResourceARN: string; Tags: Record<string, string> }, ctx) => {
  const resource = await findResource(input.ResourceARN, ctx);
  checkTagCharacters([...Object.keys(input.Tags), ...Object.values(input.Tags)], 'add tags to', resource.label);
  const added = resource.kind === 'consumer'
    ? await ctx.store.addConsumerTags(resource.stream.uid, resource.consumer.name, input.Tags, MAX_TAGS_PER_STREAM)
    : await ctx.store.addTags(resource.stream.uid, input.Tags, MAX_TAGS_PER_STREAM);
  if (!added) {
    throw invalidArgument(`Failed to add tags to ${resource.label} because a given ${resource.kind} cannot have more than ${MAX_TAGS_PER_STREAM} tags associated with it.`);
  }
  return undefined;
};

export const untagResource: Operation = async (input: { ResourceARN: string; TagKeys: string[] }, ctx) => {
  const resource = await findResource(input.ResourceARN, ctx);
  checkTagCharacters(input.TagKeys, 'remove tags from', resource.label);
  if (resource.kind === 'consumer') await ctx.store.removeConsumerTags(resource.stream.uid, resource.consumer.name, input.TagKeys);
  else await ctx.store.removeTags(resource.stream.uid, input.TagKeys);
  return undefined;
};

export const listTagsForResource: Operation = async (input: { ResourceARN: string }, ctx) => {
  const resource = await findResource(input.ResourceARN, ctx);
  const all = resource.kind === 'consumer' ? resource.consumer.tags : await ctx.store.getTags(resource.stream.uid);
  const tags = Object.entries(all)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { Tags: tags.map(([Key, Value]) => ({ Key, Value })) };
};
