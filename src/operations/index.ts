// Every operation the server answers, by its X-Amz-Target name.
import type { Operation } from './context.js';
import { getShardIterator } from './iterators.js';
import { getRecords, putRecord, putRecords } from './records.js';
import { mergeShards, splitShard } from './resharding.js';
import { createStream, deleteStream, describeStream, listStreams } from './streams.js';
import { addTagsToStream, listTagsForStream, removeTagsFromStream } from './tags.js';

export const OPERATIONS: Readonly<Record<string, Operation>> = {
  AddTagsToStream: addTagsToStream,
  CreateStream: createStream,
  DeleteStream: deleteStream,
  DescribeStream: describeStream,
  GetRecords: getRecords,
  GetShardIterator: getShardIterator,
  ListStreams: listStreams,
  ListTagsForStream: listTagsForStream,
  MergeShards: mergeShards,
  PutRecord: putRecord,
  PutRecords: putRecords,
  RemoveTagsFromStream: removeTagsFromStream,
  SplitShard: splitShard,
};

export type { Caller, Operation, OperationContext, Services } from './context.js';
