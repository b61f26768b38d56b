// Every operation the server answers, by its X-Amz-Target name.
import { describeAccountSettings, updateAccountSettings } from './account.js';
import {
  updateMaxRecordSize, updateShardCount, updateStreamMode, updateStreamRecordDistributionStrategy, updateStreamWarmThroughput,
} from './capacity.js';
import { createChannel, deleteChannel, describeChannel, listChannels, updateChannel } from './channels.js';
import {
  deregisterStreamConsumer, describeStreamConsumer, listStreamConsumers, registerStreamConsumer,
} from './consumers.js';
import type { Operation } from './context.js';
import { startStreamEncryption, stopStreamEncryption } from './encryption.js';
import { getShardIterator } from './iterators.js';
import { describeLimits } from './limits.js';
import { listShards } from './list-shards.js';
import { getRecords, putRecord, putRecords } from './records.js';
import { disableEnhancedMonitoring, enableEnhancedMonitoring } from './monitoring.js';
import { deleteResourcePolicy, getResourcePolicy, putResourcePolicy } from './policies.js';
import { mergeShards, splitShard } from './resharding.js';
import { subscribeToShard } from './subscribe.js';
import { decreaseStreamRetentionPeriod, increaseStreamRetentionPeriod } from './retention.js';
import { createStream, deleteStream, describeStream, listStreams } from './streams.js';
import { describeStreamSummary } from './summary.js';
import {
  addTagsToStream, listTagsForResource, listTagsForStream, removeTagsFromStream, tagResource, untagResource,
} from './tags.js';

export const OPERATIONS: Readonly<Record<string, Operation>> = {
  AddTagsToStream: addTagsToStream,
  CreateChannel: createChannel,
  CreateStream: createStream,
  DecreaseStreamRetentionPeriod: decreaseStreamRetentionPeriod,
  DeleteChannel: deleteChannel,
  DeleteResourcePolicy: deleteResourcePolicy,
  DeleteStream: deleteStream,
  DeregisterStreamConsumer: deregisterStreamConsumer,
  DescribeAccountSettings: describeAccountSettings,
  DescribeChannel: describeChannel,
  DescribeLimits: describeLimits,
  DescribeStream: describeStream,
  DescribeStreamConsumer: describeStreamConsumer,
  DescribeStreamSummary: describeStreamSummary,
  DisableEnhancedMonitoring: disableEnhancedMonitoring,
  EnableEnhancedMonitoring: enableEnhancedMonitoring,
  GetRecords: getRecords,
  GetResourcePolicy: getResourcePolicy,
  GetShardIterator: getShardIterator,
  IncreaseStreamRetentionPeriod: increaseStreamRetentionPeriod,
  ListChannels: listChannels,
  ListShards: listShards,
  ListStreamConsumers: listStreamConsumers,
  ListStreams: listStreams,
  ListTagsForResource: listTagsForResource,
  ListTagsForStream: listTagsForStream,
  MergeShards: mergeShards,
  PutRecord: putRecord,
  PutRecords: putRecords,
  PutResourcePolicy: putResourcePolicy,
  RegisterStreamConsumer: registerStreamConsumer,
  RemoveTagsFromStream: removeTagsFromStream,
  SplitShard: splitShard,
  StartStreamEncryption: startStreamEncryption,
  StopStreamEncryption: stopStreamEncryption,
  SubscribeToShard: subscribeToShard,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateAccountSettings: updateAccountSettings,
  UpdateChannel: updateChannel,
  UpdateMaxRecordSize: updateMaxRecordSize,
  UpdateShardCount: updateShardCount,
  UpdateStreamMode: updateStreamMode,
  UpdateStreamRecordDistributionStrategy: updateStreamRecordDistributionStrategy,
  UpdateStreamWarmThroughput: updateStreamWarmThroughput,
};

export type { Caller, Operation, OperationContext, Services } from './context.js';
export { EventStreamOutput } from './context.js';
