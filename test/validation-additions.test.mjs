// The shapes of scripts/model-additions.smithy.json (Channels, UpdateStreamRecordDistributionStrategy)
// are validated like the rest of the model: ValidationException in the service's Coral format, members
// in the model's order, nested paths as `list.<n>.member.field`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateChannelCommand, ListChannelsCommand } from '@aws-sdk/client-kinesis';
import { ACCOUNT, REGION, rawRequest, startServer } from './helpers.mjs';

const NOT_NULL = 'Member must not be null';
const pattern = (p) => `Member must satisfy regular expression pattern: ${p}`;
const enumSet = (values) => `Member must satisfy enum value set: [${values.join(', ')}]`;
const minLen = (n) => `Member must have length greater than or equal to ${n}`;
const maxLen = (n) => `Member must have length less than or equal to ${n}`;
const minVal = (n) => `Member must have value greater than or equal to ${n}`;
const maxVal = (n) => `Member must have value less than or equal to ${n}`;
const item = (value, path, constraint) => `Value ${value === null ? 'null' : `'${value}'`} at '${path}' failed to satisfy constraint: ${constraint}`;
const message = (items) => `${items.length} validation error${items.length === 1 ? '' : 's'} detected: ${items.join('; ')}`;

const CHANNEL_ARN = String.raw`arn:aws.*:kinesis:.*:\d{12}:channel/\S+`;
const STREAM_ARN = String.raw`arn:aws.*:kinesis:.*:\d{12}:stream/\S+`;
const STREAM = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/s`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/r`;
const STORAGE = { BucketARN: 'arn:aws:s3:::bucket', ExpectedBucketOwner: ACCOUNT, CompressionType: 'GZIP' };

describe('validation of the added operations', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server.stop(); server.cleanup(); });

  async function assertValidation(target, body, items) {
    const res = await rawRequest(server.endpoint, { target, body });
    assert.equal(res.status, 400, res.body.toString());
    assert.deepEqual(Object.keys(res.json), ['__type', 'message']);
    assert.equal(res.json.__type, 'ValidationException');
    assert.equal(res.json.message, message(items));
  }

  it('CreateChannel: required members, in the model\'s member order', async () => {
    await assertValidation('CreateChannel', {}, [
      item(null, 'channelName', NOT_NULL), item(null, 'serviceExecutionRoleARN', NOT_NULL), item(null, 'streamConfigurationList', NOT_NULL),
    ]);
  });

  it('CreateChannel: channel name pattern and lengths', async () => {
    const base = { ServiceExecutionRoleARN: ROLE, StreamConfigurationList: [{ StreamARN: STREAM, RecordConfiguration: { RecordFormatType: 'JSON' } }], S3DestinationConfiguration: { StorageConfiguration: STORAGE } };
    await assertValidation('CreateChannel', { ...base, ChannelName: 'no spaces' }, [item('no spaces', 'channelName', pattern('[a-zA-Z0-9_.-]+'))]);
    await assertValidation('CreateChannel', { ...base, ChannelName: '' }, [item('', 'channelName', pattern('[a-zA-Z0-9_.-]+')), item('', 'channelName', minLen(1))]);
    const long = 'c'.repeat(129);
    await assertValidation('CreateChannel', { ...base, ChannelName: long }, [item(long, 'channelName', maxLen(128))]);
  });

  it('CreateChannel: nested structures, lists and enums report their full paths', async () => {
    await assertValidation('CreateChannel', {
      ChannelName: 'ok',
      ServiceExecutionRoleARN: ROLE,
      StreamConfigurationList: [{ StreamARN: 'not-an-arn', RecordConfiguration: { RecordFormatType: 'XML' } }, {}],
      S3DestinationConfiguration: {
        StorageConfiguration: { BucketARN: 'arn:aws:s3:::B', ExpectedBucketOwner: '1234', CompressionType: 'LZ4', StorageClass: 'COLD' },
        DeadLetterQueueS3Configuration: { BucketARN: 'arn:aws:s3:::dlq' },
      },
      LoggingConfiguration: { CloudWatchLogs: { LogStreamName: 'a:b' } },
    }, [
      // Twelve violations, of which the service lists the first ten (loggingConfiguration's are left out).
      item('not-an-arn', 'streamConfigurationList.1.member.streamARN', pattern(STREAM_ARN)),
      item('XML', 'streamConfigurationList.1.member.recordConfiguration.recordFormatType', enumSet(['GSR_JSON', 'JSON', 'STRING', 'BYTE_ARRAY'])),
      item(null, 'streamConfigurationList.2.member.streamARN', NOT_NULL),
      item(null, 'streamConfigurationList.2.member.recordConfiguration', NOT_NULL),
      item(null, 's3DestinationConfiguration.deadLetterQueueS3Configuration.expectedBucketOwner', NOT_NULL),
      item('arn:aws:s3:::B', 's3DestinationConfiguration.storageConfiguration.bucketARN', pattern('arn:aws[-a-z0-9]*:s3:::[a-z0-9._-]{3,63}')),
      item('1234', 's3DestinationConfiguration.storageConfiguration.expectedBucketOwner', pattern(String.raw`\d{12}`)),
      item('1234', 's3DestinationConfiguration.storageConfiguration.expectedBucketOwner', minLen(12)),
      item('COLD', 's3DestinationConfiguration.storageConfiguration.storageClass', enumSet(['STANDARD', 'INTELLIGENT_TIERING', 'GLACIER_IR'])),
      item('LZ4', 's3DestinationConfiguration.storageConfiguration.compressionType', enumSet(['NONE', 'GZIP', 'ZSTD'])),
    ]);
    await assertValidation('CreateChannel', {
      ChannelName: 'ok', ServiceExecutionRoleARN: ROLE,
      StreamConfigurationList: [{ StreamARN: STREAM, RecordConfiguration: { RecordFormatType: 'JSON' } }],
      S3TablesDestinationConfiguration: {
        DeadLetterQueueS3Configuration: { BucketARN: 'arn:aws:s3:::dlq', ExpectedBucketOwner: ACCOUNT },
        S3TablesConfigurationList: [{ TableBucketARN: 'arn:aws:s3:::b', Namespace: 'Upper', TableName: 't', CompressionType: 'ZSTD', PartitionSpec: { PartitionFields: [] } }],
      },
      LoggingConfiguration: { CloudWatchLogs: { Enabled: true, LogStreamName: 'a:b' } },
      EncryptionConfiguration: { EncryptionType: 'AES', KeyId: '' },
    }, [
      item('arn:aws:s3:::b', 's3TablesDestinationConfiguration.s3TablesConfigurationList.1.member.tableBucketARN',
        pattern(String.raw`arn:aws[-a-z0-9]*:s3tables:[-a-z0-9]+:\d{12}:bucket/[a-z0-9_-]{3,63}`)),
      item('Upper', 's3TablesDestinationConfiguration.s3TablesConfigurationList.1.member.namespace', pattern('[0-9a-z_]+')),
      item('[]', 's3TablesDestinationConfiguration.s3TablesConfigurationList.1.member.partitionSpec.partitionFields', minLen(1)),
      item('AES', 'encryptionConfiguration.encryptionType', enumSet(['KMS'])),
      item('', 'encryptionConfiguration.keyId', minLen(1)),
      item('a:b', 'loggingConfiguration.cloudWatchLogs.logStreamName', pattern('[^:*]*')),
    ]);
  });

  it('DescribeChannel, DeleteChannel and UpdateChannel: the channel ARN', async () => {
    for (const target of ['DescribeChannel', 'DeleteChannel', 'UpdateChannel']) {
      await assertValidation(target, {}, [item(null, 'channelARN', NOT_NULL)]);
      await assertValidation(target, { ChannelARN: STREAM }, [item(STREAM, 'channelARN', pattern(CHANNEL_ARN))]);
    }
    await assertValidation('UpdateChannel', {
      ChannelARN: `arn:aws:kinesis:${REGION}:${ACCOUNT}:channel/x`, S3DestinationConfiguration: {}, LoggingConfiguration: { CloudWatchLogs: {} },
    }, [
      item(null, 's3DestinationConfiguration.dataFreshnessInSeconds', NOT_NULL),
      item(null, 'loggingConfiguration.cloudWatchLogs.enabled', NOT_NULL),
    ]);
  });

  it('ListChannels: MaxResults range and StreamFilter length', async () => {
    await assertValidation('ListChannels', { MaxResults: 0 }, [item('0', 'maxResults', minVal(1))]);
    await assertValidation('ListChannels', { MaxResults: 10001 }, [item('10001', 'maxResults', maxVal(10000))]);
    await assertValidation('ListChannels', { StreamFilter: [], NextToken: '' }, [item('[]', 'streamFilter', minLen(1)), item('', 'nextToken', minLen(1))]);
    await assertValidation('ListChannels', { StreamFilter: [{}] }, [item(null, 'streamFilter.1.member.streamARN', NOT_NULL)]);
  });

  it('UpdateStreamRecordDistributionStrategy: StreamARN and the strategy enum', async () => {
    await assertValidation('UpdateStreamRecordDistributionStrategy', {}, [
      item(null, 'streamARN', NOT_NULL), item(null, 'recordDistributionStrategy', NOT_NULL),
    ]);
    await assertValidation('UpdateStreamRecordDistributionStrategy', { StreamARN: 'x', RecordDistributionStrategy: 'RANDOM' }, [
      item('x', 'streamARN', pattern(STREAM_ARN)), item('RANDOM', 'recordDistributionStrategy', enumSet(['AUTO', 'USER_PARTITION_KEY'])),
    ]);
  });

  it('the SDK sees the same errors as ValidationException', async () => {
    const client = server.client();
    await assert.rejects(client.send(new ListChannelsCommand({ MaxResults: 0 })), (err) => {
      assert.equal(err.name, 'ValidationException');
      assert.equal(err.message, message([item('0', 'maxResults', minVal(1))]));
      return true;
    });
    await assert.rejects(client.send(new CreateChannelCommand({
      ChannelName: 'bad name', ServiceExecutionRoleARN: ROLE,
      StreamConfigurationList: [{ StreamARN: STREAM, RecordConfiguration: { RecordFormatType: 'JSON' } }],
      S3DestinationConfiguration: { StorageConfiguration: STORAGE },
    })), (err) => {
      assert.equal(err.name, 'ValidationException');
      assert.equal(err.message, message([item('bad name', 'channelName', pattern('[a-zA-Z0-9_.-]+'))]));
      return true;
    });
  });
});
