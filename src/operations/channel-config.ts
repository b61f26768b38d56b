// A channel's configuration: checked against the rules AWS documents beyond the model's shapes, with
// the defaults the service fills in, kept (as JSON) in the shape of a ChannelDescription.
import { invalidArgument } from '../core/errors.js';
import type { ChannelDestination } from '../storage/store.js';

type RecordFormat = 'GSR_JSON' | 'JSON' | 'STRING' | 'BYTE_ARRAY';

export interface RecordConfiguration {
  RecordFormatType: RecordFormat;
  GSRSchemaARN?: string;
}

export interface DeadLetterQueue {
  BucketARN: string;
  ExpectedBucketOwner: string;
  ErrorOutputPrefix?: string;
}

export interface S3Storage {
  BucketARN: string;
  ExpectedBucketOwner: string;
  OutputKeyTemplate?: string;
  StorageClass?: string;
  CompressionType: string;
}

export interface S3TablesTable {
  TableBucketARN: string;
  Namespace: string;
  TableName: string;
  CompressionType: string;
  PartitionSpec?: { PartitionFields: { Transform: string; SourceName: string }[] };
}

export interface CloudWatchLogs {
  Enabled: boolean;
  LogGroupName?: string;
  LogStreamName?: string;
}

export interface CreateChannelInput {
  ChannelName: string;
  ServiceExecutionRoleARN: string;
  StreamConfigurationList: { StreamARN: string; RecordConfiguration: RecordConfiguration }[];
  S3DestinationConfiguration?: { DataFreshnessInSeconds?: number; DeadLetterQueueS3Configuration?: DeadLetterQueue; StorageConfiguration: S3Storage };
  S3TablesDestinationConfiguration?: { DataFreshnessInSeconds?: number; DeadLetterQueueS3Configuration: DeadLetterQueue; S3TablesConfigurationList: S3TablesTable[] };
  EncryptionConfiguration?: { EncryptionType: string; KeyId: string };
  Tags?: Record<string, string>;
  LoggingConfiguration?: { CloudWatchLogs: CloudWatchLogs };
}

export interface UpdateChannelInput {
  ChannelARN: string;
  S3DestinationConfiguration?: { DataFreshnessInSeconds: number };
  S3TablesDestinationConfiguration?: { DataFreshnessInSeconds: number };
  LoggingConfiguration?: { CloudWatchLogs: CloudWatchLogs };
}

/** What is kept per channel: the description's configuration members (status and times live in the store). */
export interface ChannelConfig {
  ServiceExecutionRoleARN: string;
  StreamConfigurationList: { StreamARN: string; RecordConfiguration: RecordConfiguration }[];
  S3DestinationConfiguration?: { DataFreshnessInSeconds: number; DeadLetterQueueS3Configuration: DeadLetterQueue; StorageConfiguration: S3Storage };
  S3TablesDestinationConfiguration?: { DataFreshnessInSeconds: number; DeadLetterQueueS3Configuration: DeadLetterQueue; S3TablesConfigurationList: S3TablesTable[] };
  EncryptionConfiguration?: { EncryptionType: string; KeyId: string };
  LoggingConfiguration: { CloudWatchLogs: CloudWatchLogs };
}

/** "The default value is 300 seconds" (CreateChannel); "Valid range is 300 to 900 seconds" (the SDK docs of UpdateChannel). */
const DEFAULT_FRESHNESS_S = 300;
const MIN_FRESHNESS_S = 300;
const MAX_FRESHNESS_S = 900;
/** The S3 object key template AWS reports when none is given (the API reference's CreateChannel example). */
const DEFAULT_OUTPUT_KEY_TEMPLATE = 'kinesis-channel/!{channel-name}/!{channel-id}/!{yyyy}/!{MM}/!{dd}/!{HH}/' +
  '!{channel-name}-!{channel-id}-!{yyyy}-!{MM}-!{dd}-!{HH}-!{mm}!{extension}';
const DEFAULT_LOG_STREAM = 'DestinationDelivery';

/** Which record formats each destination type takes (RecordConfiguration's documentation). */
const FORMATS: Record<ChannelDestination, RecordFormat[]> = {
  S3: ['JSON', 'STRING', 'BYTE_ARRAY'],
  S3_TABLES: ['GSR_JSON', 'JSON'],
};
const DESTINATION_TEXT: Record<ChannelDestination, string> = {
  S3: 'general purpose Amazon S3 bucket',
  S3_TABLES: 'streaming table (Amazon S3 Tables)',
};

export function destinationOf(config: ChannelConfig): ChannelDestination {
  return config.S3TablesDestinationConfiguration ? 'S3_TABLES' : 'S3';
}

function freshness(value: number | undefined): number {
  if (value === undefined) return DEFAULT_FRESHNESS_S;
  if (value < MIN_FRESHNESS_S || value > MAX_FRESHNESS_S) {
    throw invalidArgument(`DataFreshnessInSeconds ${value} is not valid. Valid values are from ${MIN_FRESHNESS_S} to ${MAX_FRESHNESS_S} seconds.`);
  }
  return value;
}

function deadLetterQueue(dlq: DeadLetterQueue, name: string, id: string): DeadLetterQueue {
  return { ...dlq, ErrorOutputPrefix: dlq.ErrorOutputPrefix ?? `kinesis-channel/errors/${name}/${id}/` };
}

function logging(logs: CloudWatchLogs | undefined, name: string, id: string): { CloudWatchLogs: CloudWatchLogs } {
  if (!logs) return { CloudWatchLogs: { Enabled: false } };
  return {
    CloudWatchLogs: {
      Enabled: logs.Enabled,
      LogGroupName: logs.LogGroupName ?? `/aws/kinesis/${name}/${id}`,
      LogStreamName: logs.LogStreamName ?? DEFAULT_LOG_STREAM,
    },
  };
}

/** The `region` and `account` an ARN names, if it has the usual form. */
function arnScope(arn: string): { region: string; account: string } | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 ? { region: parts[3]!, account: parts[4]! } : undefined;
}

/**
 * Checks a CreateChannel request beyond the model (everything that needs no stream) and returns the
 * configuration to keep, with AWS's defaults filled in.
 */
export function newChannelConfig(input: CreateChannelInput, id: string, account: string, region: string): ChannelConfig {
  const s3 = input.S3DestinationConfiguration;
  const tables = input.S3TablesDestinationConfiguration;
  if ((s3 === undefined) === (tables === undefined)) {
    throw invalidArgument('You must specify either S3DestinationConfiguration or S3TablesDestinationConfiguration, but not both.');
  }
  const destination: ChannelDestination = tables ? 'S3_TABLES' : 'S3';
  if (input.StreamConfigurationList.length !== 1) {
    throw invalidArgument(`StreamConfigurationList has ${input.StreamConfigurationList.length} streams. Currently, one stream is supported per channel.`);
  }
  if (tables && tables.S3TablesConfigurationList.length !== 1) {
    throw invalidArgument(`S3TablesConfigurationList has ${tables.S3TablesConfigurationList.length} tables. Currently, one table is supported per channel.`);
  }
  for (const { RecordConfiguration: record } of input.StreamConfigurationList) {
    if (!FORMATS[destination].includes(record.RecordFormatType)) {
      throw invalidArgument(`RecordFormatType ${record.RecordFormatType} is not supported for delivery to a ${DESTINATION_TEXT[destination]}.`);
    }
    if (destination === 'S3_TABLES' && record.GSRSchemaARN === undefined) {
      throw invalidArgument('GSRSchemaARN is required when the channel destination is a streaming table.');
    }
    const scope = record.GSRSchemaARN !== undefined ? arnScope(record.GSRSchemaARN) : undefined;
    if (scope && (scope.account !== account || scope.region !== region)) {
      throw invalidArgument(`GSRSchemaARN ${record.GSRSchemaARN} must be in the same account and Region as the channel.`);
    }
  }
  const key = input.EncryptionConfiguration?.KeyId;
  if (key !== undefined && (key === 'alias/aws/kinesis' || key.endsWith(':alias/aws/kinesis'))) {
    throw invalidArgument('You cannot use the Amazon Kinesis Data Streams service key (aws/kinesis) for a channel. Specify a customer managed AWS KMS key.');
  }
  const name = input.ChannelName;
  const config: ChannelConfig = {
    ServiceExecutionRoleARN: input.ServiceExecutionRoleARN,
    StreamConfigurationList: input.StreamConfigurationList.map((s) => ({ StreamARN: s.StreamARN, RecordConfiguration: s.RecordConfiguration })),
    LoggingConfiguration: logging(input.LoggingConfiguration?.CloudWatchLogs, name, id),
  };
  if (s3) {
    const storage = s3.StorageConfiguration;
    config.S3DestinationConfiguration = {
      DataFreshnessInSeconds: freshness(s3.DataFreshnessInSeconds),
      // "If not specified, it defaults to the destination bucket with an error prefix."
      DeadLetterQueueS3Configuration: deadLetterQueue(s3.DeadLetterQueueS3Configuration
        ?? { BucketARN: storage.BucketARN, ExpectedBucketOwner: storage.ExpectedBucketOwner }, name, id),
      StorageConfiguration: {
        ...storage,
        OutputKeyTemplate: storage.OutputKeyTemplate ?? DEFAULT_OUTPUT_KEY_TEMPLATE,
        StorageClass: storage.StorageClass ?? 'STANDARD',
      },
    };
  }
  if (tables) {
    config.S3TablesDestinationConfiguration = {
      DataFreshnessInSeconds: freshness(tables.DataFreshnessInSeconds),
      DeadLetterQueueS3Configuration: deadLetterQueue(tables.DeadLetterQueueS3Configuration, name, id),
      S3TablesConfigurationList: tables.S3TablesConfigurationList,
    };
  }
  if (input.EncryptionConfiguration) config.EncryptionConfiguration = input.EncryptionConfiguration;
  return config;
}

/**
 * The configuration after an UpdateChannel: only the data freshness of the channel's own destination
 * type and the CloudWatch Logs settings can change.
 */
export function updatedChannelConfig(config: ChannelConfig, input: UpdateChannelInput, name: string, id: string): ChannelConfig {
  if (!input.S3DestinationConfiguration && !input.S3TablesDestinationConfiguration && !input.LoggingConfiguration) {
    throw invalidArgument('At least one of S3DestinationConfiguration, S3TablesDestinationConfiguration or LoggingConfiguration must be specified.');
  }
  const destination = destinationOf(config);
  const next: ChannelConfig = structuredClone(config);
  if (input.S3DestinationConfiguration) {
    if (!next.S3DestinationConfiguration) {
      throw invalidArgument(`Channel ${name} delivers to a ${DESTINATION_TEXT[destination]}: S3DestinationConfiguration cannot be updated.`);
    }
    next.S3DestinationConfiguration.DataFreshnessInSeconds = freshness(input.S3DestinationConfiguration.DataFreshnessInSeconds);
  }
  if (input.S3TablesDestinationConfiguration) {
    if (!next.S3TablesDestinationConfiguration) {
      throw invalidArgument(`Channel ${name} delivers to a ${DESTINATION_TEXT[destination]}: S3TablesDestinationConfiguration cannot be updated.`);
    }
    next.S3TablesDestinationConfiguration.DataFreshnessInSeconds = freshness(input.S3TablesDestinationConfiguration.DataFreshnessInSeconds);
  }
  if (input.LoggingConfiguration) next.LoggingConfiguration = logging(input.LoggingConfiguration.CloudWatchLogs, name, id);
  return next;
}
