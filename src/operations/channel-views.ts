// Response shapes for channels: ChannelDescription and ChannelSummary, members in the model's order.
import { channelArn } from '../core/channel-arn.js';
import { Timestamp } from '../core/values.js';
import type { ChannelState } from '../storage/store.js';
import type { ChannelConfig } from './channel-config.js';

export function configOf(channel: ChannelState): ChannelConfig {
  return JSON.parse(channel.config) as ChannelConfig;
}

export function arnOfChannel(channel: ChannelState): string {
  return channelArn({ region: channel.region, account: channel.account, id: channel.id });
}

function head(channel: ChannelState) {
  return {
    ChannelName: channel.name,
    ChannelARN: arnOfChannel(channel),
    ChannelId: channel.id,
    ChannelStatus: channel.status,
    ...(channel.statusReason !== undefined ? { ChannelStatusReason: channel.statusReason } : {}),
    ChannelCreationTimestamp: new Timestamp(channel.createdMs),
  };
}

function createdMsOf(channel: ChannelState, streamArn: string): number {
  return channel.sources.find((s) => s.streamArn === streamArn)?.streamCreatedMs ?? 0;
}

export function channelDescriptionView(channel: ChannelState): object {
  const config = configOf(channel);
  return {
    ...head(channel),
    ServiceExecutionRoleARN: config.ServiceExecutionRoleARN,
    StreamConfigurationList: config.StreamConfigurationList.map((s) => ({
      StreamARN: s.StreamARN,
      StreamCreationTimestamp: new Timestamp(createdMsOf(channel, s.StreamARN)),
      RecordConfiguration: s.RecordConfiguration,
    })),
    ...(config.S3DestinationConfiguration ? { S3DestinationConfiguration: config.S3DestinationConfiguration } : {}),
    ...(config.S3TablesDestinationConfiguration ? { S3TablesDestinationConfiguration: config.S3TablesDestinationConfiguration } : {}),
    ...(config.EncryptionConfiguration ? { EncryptionConfiguration: config.EncryptionConfiguration } : {}),
    LoggingConfiguration: config.LoggingConfiguration,
  };
}

export function channelSummaryView(channel: ChannelState): object {
  return {
    ...head(channel),
    ChannelDestinationType: channel.destination,
    Streams: channel.sources.map((s) => ({ StreamARN: s.streamArn, StreamCreationTimestamp: new Timestamp(s.streamCreatedMs) })),
  };
}
