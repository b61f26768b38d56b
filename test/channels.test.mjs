// Channels: CreateChannel, DescribeChannel, ListChannels (SDK paginator), UpdateChannel, DeleteChannel;
// their lifecycle with delays and across a restart, AWS's defaults, and each documented error.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateChannelCommand, CreateStreamCommand, DeleteChannelCommand, DescribeChannelCommand, ListChannelsCommand,
  UpdateChannelCommand, paginateListChannels,
} from '@aws-sdk/client-kinesis';
import { ACCOUNT, rawRequest, REGION, rejectsWith, startServer, useServer, waitFor } from './helpers.mjs';

const streamArn = (name, region = REGION, account = ACCOUNT) => `arn:aws:kinesis:${region}:${account}:stream/${name}`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/channel-role`;
const BUCKET = 'arn:aws:s3:::channel-bucket';
const GSR = `arn:aws:glue:${REGION}:${ACCOUNT}:schema/registry/schema`;
const DEFAULT_TEMPLATE = 'kinesis-channel/!{channel-name}/!{channel-id}/!{yyyy}/!{MM}/!{dd}/!{HH}/' +
  '!{channel-name}-!{channel-id}-!{yyyy}-!{MM}-!{dd}-!{HH}-!{mm}!{extension}';

/** A CreateChannel request delivering `stream` to a general purpose S3 bucket. */
function s3Channel(name, stream, extra = {}) {
  return {
    ChannelName: name,
    ServiceExecutionRoleARN: ROLE,
    StreamConfigurationList: [{ StreamARN: streamArn(stream), RecordConfiguration: { RecordFormatType: 'JSON' } }],
    S3DestinationConfiguration: { StorageConfiguration: { BucketARN: BUCKET, ExpectedBucketOwner: ACCOUNT, CompressionType: 'GZIP' } },
    ...extra,
  };
}

/** A CreateChannel request delivering `stream` to a streaming table (S3 Tables). */
function tablesChannel(name, stream, extra = {}) {
  return {
    ChannelName: name,
    ServiceExecutionRoleARN: ROLE,
    StreamConfigurationList: [{ StreamARN: streamArn(stream), RecordConfiguration: { RecordFormatType: 'GSR_JSON', GSRSchemaARN: GSR } }],
    S3TablesDestinationConfiguration: {
      DeadLetterQueueS3Configuration: { BucketARN: 'arn:aws:s3:::dlq-bucket', ExpectedBucketOwner: ACCOUNT },
      S3TablesConfigurationList: [{
        TableBucketARN: `arn:aws:s3tables:${REGION}:${ACCOUNT}:bucket/tables`, Namespace: 'ns', TableName: 'events',
        CompressionType: 'ZSTD', PartitionSpec: { PartitionFields: [{ Transform: 'TIME_HOUR', SourceName: 'created_at' }] },
      }],
    },
    ...extra,
  };
}

async function onDemandStream(client, name) {
  await client.send(new CreateStreamCommand({ StreamName: name, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
}

async function describeChannel(client, arn) {
  return (await client.send(new DescribeChannelCommand({ ChannelARN: arn }))).ChannelDescription;
}

describe('channel lifecycle with delays', () => {
  let server;
  let client;
  useServer({ args: ['--create-stream-ms', '60000', '--update-stream-ms', '60000', '--delete-stream-ms', '60000'] }, async (s) => {
    server = s;
    client = s.client();
    await onDemandStream(client, 'life-src');
    await server.advanceClock(60_000);
  });

  it('CREATING → ACTIVE → UPDATING → ACTIVE → DELETING → gone, as the clock passes each delay', async () => {
    const created = (await client.send(new CreateChannelCommand(s3Channel('life', 'life-src')))).ChannelDescription;
    assert.equal(created.ChannelStatus, 'CREATING');
    assert.match(created.ChannelId, /^[0-9a-f-]{36}$/);
    assert.equal(created.ChannelARN, `arn:aws:kinesis:${REGION}:${ACCOUNT}:channel/${created.ChannelId}`);
    assert.equal((await describeChannel(client, created.ChannelARN)).ChannelStatus, 'CREATING');
    // Not ACTIVE yet: it cannot be updated.
    await rejectsWith(client.send(new UpdateChannelCommand({ ChannelARN: created.ChannelARN, S3DestinationConfiguration: { DataFreshnessInSeconds: 600 } })),
      'ResourceInUseException', `Channel life under account ${ACCOUNT} not ACTIVE, instead in state CREATING`);

    await server.advanceClock(59_000);
    assert.equal((await describeChannel(client, created.ChannelARN)).ChannelStatus, 'CREATING');
    await server.advanceClock(1_000);
    assert.equal((await describeChannel(client, created.ChannelARN)).ChannelStatus, 'ACTIVE');

    const updated = (await client.send(new UpdateChannelCommand({
      ChannelARN: created.ChannelARN, S3DestinationConfiguration: { DataFreshnessInSeconds: 600 },
    }))).ChannelDescription;
    assert.equal(updated.ChannelStatus, 'UPDATING');
    assert.equal(updated.S3DestinationConfiguration.DataFreshnessInSeconds, 600);
    const during = await describeChannel(client, created.ChannelARN);
    assert.equal(during.ChannelStatus, 'UPDATING');
    assert.equal(during.S3DestinationConfiguration.DataFreshnessInSeconds, 600);
    await rejectsWith(client.send(new UpdateChannelCommand({ ChannelARN: created.ChannelARN, S3DestinationConfiguration: { DataFreshnessInSeconds: 900 } })),
      'ResourceInUseException', `Channel life under account ${ACCOUNT} not ACTIVE, instead in state UPDATING`);
    await server.advanceClock(60_000);
    assert.equal((await describeChannel(client, created.ChannelARN)).ChannelStatus, 'ACTIVE');

    await client.send(new DeleteChannelCommand({ ChannelARN: created.ChannelARN }));
    assert.equal((await describeChannel(client, created.ChannelARN)).ChannelStatus, 'DELETING');
    // Deleting again while DELETING is accepted; the name stays taken until the channel is gone.
    await client.send(new DeleteChannelCommand({ ChannelARN: created.ChannelARN }));
    await rejectsWith(client.send(new CreateChannelCommand(s3Channel('life', 'life-src'))), 'ResourceInUseException',
      `Channel life under account ${ACCOUNT} already exists.`);
    const listed = await client.send(new ListChannelsCommand({}));
    assert.deepEqual(listed.ChannelSummaries.map((c) => [c.ChannelName, c.ChannelStatus]), [['life', 'DELETING']]);
    await server.advanceClock(60_000);
    await rejectsWith(describeChannel(client, created.ChannelARN), 'ResourceNotFoundException',
      `Channel ${created.ChannelId} under account ${ACCOUNT} not found.`);
    assert.deepEqual((await client.send(new ListChannelsCommand({}))).ChannelSummaries, []);

    // Created again under the same name: a new id and ARN.
    const again = (await client.send(new CreateChannelCommand(s3Channel('life', 'life-src')))).ChannelDescription;
    assert.notEqual(again.ChannelARN, created.ChannelARN);
  });

  it('a channel can be deleted while CREATING', async () => {
    await onDemandStream(client, 'early-src');
    await server.advanceClock(60_000);
    const c = (await client.send(new CreateChannelCommand(s3Channel('early', 'early-src')))).ChannelDescription;
    await client.send(new DeleteChannelCommand({ ChannelARN: c.ChannelARN }));
    assert.equal((await describeChannel(client, c.ChannelARN)).ChannelStatus, 'DELETING');
    await server.advanceClock(60_000);
    await rejectsWith(describeChannel(client, c.ChannelARN), 'ResourceNotFoundException');
  });
});

describe('channels: descriptions, defaults and errors', () => {
  let server;
  let client;
  useServer(async (s) => {
    server = s;
    client = s.client();
    await onDemandStream(client, 'src');
    await onDemandStream(client, 'src2');
    await client.send(new CreateStreamCommand({ StreamName: 'provisioned', ShardCount: 1 }));
  });

  it('CreateChannel (S3) answers the description with AWS defaults; DescribeChannel and ListChannels agree', async () => {
    const created = (await client.send(new CreateChannelCommand(s3Channel('s3-defaults', 'src', { Tags: { team: 'data' } })))).ChannelDescription;
    const id = created.ChannelId;
    assert.equal(created.ChannelName, 's3-defaults');
    assert.equal(created.ChannelStatus, 'CREATING');
    assert.equal(created.ServiceExecutionRoleARN, ROLE);
    assert.ok(created.ChannelCreationTimestamp instanceof Date);
    assert.ok(Math.abs(created.ChannelCreationTimestamp.getTime() - Date.now()) < 60_000);
    assert.equal(created.StreamConfigurationList.length, 1);
    assert.equal(created.StreamConfigurationList[0].StreamARN, streamArn('src'));
    assert.ok(created.StreamConfigurationList[0].StreamCreationTimestamp instanceof Date);
    assert.deepEqual(created.StreamConfigurationList[0].RecordConfiguration, { RecordFormatType: 'JSON' });
    assert.deepEqual(created.S3DestinationConfiguration, {
      DataFreshnessInSeconds: 300,
      // No dead-letter queue given: the destination bucket with an error prefix.
      DeadLetterQueueS3Configuration: { BucketARN: BUCKET, ExpectedBucketOwner: ACCOUNT, ErrorOutputPrefix: `kinesis-channel/errors/s3-defaults/${id}/` },
      StorageConfiguration: { BucketARN: BUCKET, ExpectedBucketOwner: ACCOUNT, CompressionType: 'GZIP', OutputKeyTemplate: DEFAULT_TEMPLATE, StorageClass: 'STANDARD' },
    });
    assert.equal(created.S3TablesDestinationConfiguration, undefined);
    assert.equal(created.EncryptionConfiguration, undefined);
    assert.deepEqual(created.LoggingConfiguration, { CloudWatchLogs: { Enabled: false } });

    const described = await describeChannel(client, created.ChannelARN);
    assert.equal(described.ChannelStatus, 'ACTIVE'); // no delay configured
    assert.deepEqual({ ...described, ChannelStatus: 'CREATING' }, created);

    const [summary] = (await client.send(new ListChannelsCommand({ StreamFilter: [{ StreamARN: streamArn('src') }] }))).ChannelSummaries
      .filter((c) => c.ChannelName === 's3-defaults');
    assert.deepEqual(summary, {
      ChannelName: 's3-defaults', ChannelARN: created.ChannelARN, ChannelId: id, ChannelStatus: 'ACTIVE',
      ChannelCreationTimestamp: created.ChannelCreationTimestamp, ChannelDestinationType: 'S3',
      Streams: [{ StreamARN: streamArn('src'), StreamCreationTimestamp: created.StreamConfigurationList[0].StreamCreationTimestamp }],
    });
  });

  it('CreateChannel (S3 Tables) keeps what was given and fills the dead-letter prefix and logging defaults', async () => {
    const input = tablesChannel('tables', 'src', {
      EncryptionConfiguration: { EncryptionType: 'KMS', KeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab` },
      LoggingConfiguration: { CloudWatchLogs: { Enabled: true } },
    });
    input.S3TablesDestinationConfiguration.DataFreshnessInSeconds = 900;
    const d = (await client.send(new CreateChannelCommand(input))).ChannelDescription;
    assert.deepEqual(d.S3TablesDestinationConfiguration, {
      DataFreshnessInSeconds: 900,
      DeadLetterQueueS3Configuration: { BucketARN: 'arn:aws:s3:::dlq-bucket', ExpectedBucketOwner: ACCOUNT, ErrorOutputPrefix: `kinesis-channel/errors/tables/${d.ChannelId}/` },
      S3TablesConfigurationList: input.S3TablesDestinationConfiguration.S3TablesConfigurationList,
    });
    assert.deepEqual(d.StreamConfigurationList[0].RecordConfiguration, { RecordFormatType: 'GSR_JSON', GSRSchemaARN: GSR });
    assert.deepEqual(d.EncryptionConfiguration, input.EncryptionConfiguration);
    assert.deepEqual(d.LoggingConfiguration, {
      CloudWatchLogs: { Enabled: true, LogGroupName: `/aws/kinesis/tables/${d.ChannelId}`, LogStreamName: 'DestinationDelivery' },
    });
    assert.equal(d.S3DestinationConfiguration, undefined);
    const listed = (await client.send(new ListChannelsCommand({}))).ChannelSummaries.find((c) => c.ChannelName === 'tables');
    assert.equal(listed.ChannelDestinationType, 'S3_TABLES');
  });

  it('UpdateChannel changes data freshness and logging only for the channel\'s destination type', async () => {
    const c = (await client.send(new CreateChannelCommand(s3Channel('upd', 'src2')))).ChannelDescription;
    const u = (await client.send(new UpdateChannelCommand({
      ChannelARN: c.ChannelARN,
      S3DestinationConfiguration: { DataFreshnessInSeconds: 450 },
      LoggingConfiguration: { CloudWatchLogs: { Enabled: true, LogGroupName: '/my/group', LogStreamName: 'mine' } },
    }))).ChannelDescription;
    assert.equal(u.ChannelStatus, 'UPDATING');
    const d = await describeChannel(client, c.ChannelARN);
    assert.equal(d.ChannelStatus, 'ACTIVE');
    assert.equal(d.S3DestinationConfiguration.DataFreshnessInSeconds, 450);
    assert.deepEqual(d.S3DestinationConfiguration.StorageConfiguration, c.S3DestinationConfiguration.StorageConfiguration);
    assert.deepEqual(d.LoggingConfiguration, { CloudWatchLogs: { Enabled: true, LogGroupName: '/my/group', LogStreamName: 'mine' } });

    await rejectsWith(client.send(new UpdateChannelCommand({ ChannelARN: c.ChannelARN, S3TablesDestinationConfiguration: { DataFreshnessInSeconds: 400 } })),
      'InvalidArgumentException', /S3TablesDestinationConfiguration cannot be updated/);
    await rejectsWith(client.send(new UpdateChannelCommand({ ChannelARN: c.ChannelARN })), 'InvalidArgumentException',
      'At least one of S3DestinationConfiguration, S3TablesDestinationConfiguration or LoggingConfiguration must be specified.');
    await rejectsWith(client.send(new UpdateChannelCommand({ ChannelARN: c.ChannelARN, S3DestinationConfiguration: { DataFreshnessInSeconds: 901 } })),
      'InvalidArgumentException', 'DataFreshnessInSeconds 901 is not valid. Valid values are from 300 to 900 seconds.');
    assert.equal((await describeChannel(client, c.ChannelARN)).S3DestinationConfiguration.DataFreshnessInSeconds, 450);
  });

  it('refuses a second channel of the same destination type on a stream (LimitExceededException), not one of the other type', async () => {
    await onDemandStream(client, 'limit-src');
    await client.send(new CreateChannelCommand(s3Channel('limit-s3', 'limit-src')));
    await rejectsWith(client.send(new CreateChannelCommand(s3Channel('limit-s3b', 'limit-src'))), 'LimitExceededException',
      `Stream ${streamArn('limit-src')} already has a channel that delivers to S3. A stream can have one channel per destination type.`);
    await client.send(new CreateChannelCommand(tablesChannel('limit-tables', 'limit-src')));
    await rejectsWith(client.send(new CreateChannelCommand(tablesChannel('limit-tables2', 'limit-src'))), 'LimitExceededException', /delivers to S3_TABLES/);
  });

  it('refuses a name already in use (ResourceInUseException)', async () => {
    await onDemandStream(client, 'dup-src');
    await onDemandStream(client, 'dup-src2');
    await client.send(new CreateChannelCommand(s3Channel('dup', 'dup-src')));
    await rejectsWith(client.send(new CreateChannelCommand(s3Channel('dup', 'dup-src2'))), 'ResourceInUseException',
      `Channel dup under account ${ACCOUNT} already exists.`);
  });

  it('refuses streams that do not exist, are elsewhere, provisioned or not ACTIVE', async () => {
    await rejectsWith(client.send(new CreateChannelCommand(s3Channel('x', 'missing'))), 'ResourceNotFoundException',
      `Stream missing under account ${ACCOUNT} not found.`);
    await rejectsWith(client.send(new CreateChannelCommand(s3Channel('x', 'provisioned'))), 'InvalidArgumentException',
      `Stream provisioned under account ${ACCOUNT} uses the PROVISIONED capacity mode. Channels are only supported for data streams with the on-demand capacity mode.`);
    // A stream of the same account in another region.
    const eu = server.client({ region: 'eu-west-1' });
    await onDemandStream(eu, 'eu-src');
    const elsewhere = s3Channel('x', 'src');
    elsewhere.StreamConfigurationList[0].StreamARN = streamArn('eu-src', 'eu-west-1');
    await rejectsWith(client.send(new CreateChannelCommand(elsewhere)), 'InvalidArgumentException',
      `Stream ${streamArn('eu-src', 'eu-west-1')} must be in the same account and Region as the channel.`);
    // Nothing was created by the refused requests.
    assert.equal((await client.send(new ListChannelsCommand({}))).ChannelSummaries.filter((c) => c.ChannelName === 'x').length, 0);
  });

  it('refuses a stream that is not ACTIVE yet', async () => {
    const slow = await startServer({ args: ['--create-stream-ms', '60000'] });
    try {
      const c = slow.client();
      await onDemandStream(c, 'young');
      await rejectsWith(c.send(new CreateChannelCommand(s3Channel('y', 'young'))), 'ResourceInUseException',
        `Stream young under account ${ACCOUNT} not ACTIVE, instead in state CREATING`);
    } finally {
      await slow.stop();
      slow.cleanup();
    }
  });

  it('refuses destination configurations AWS does not accept (InvalidArgumentException)', async () => {
    const both = s3Channel('bad', 'src', { S3TablesDestinationConfiguration: tablesChannel('bad', 'src').S3TablesDestinationConfiguration });
    await rejectsWith(client.send(new CreateChannelCommand(both)), 'InvalidArgumentException',
      'You must specify either S3DestinationConfiguration or S3TablesDestinationConfiguration, but not both.');
    const neither = s3Channel('bad', 'src');
    delete neither.S3DestinationConfiguration;
    await rejectsWith(client.send(new CreateChannelCommand(neither)), 'InvalidArgumentException',
      'You must specify either S3DestinationConfiguration or S3TablesDestinationConfiguration, but not both.');

    const twoStreams = s3Channel('bad', 'src');
    twoStreams.StreamConfigurationList.push({ StreamARN: streamArn('src2'), RecordConfiguration: { RecordFormatType: 'JSON' } });
    await rejectsWith(client.send(new CreateChannelCommand(twoStreams)), 'InvalidArgumentException',
      'StreamConfigurationList has 2 streams. Currently, one stream is supported per channel.');
    const noStream = s3Channel('bad', 'src', { StreamConfigurationList: [] });
    await rejectsWith(client.send(new CreateChannelCommand(noStream)), 'InvalidArgumentException', /has 0 streams/);

    const twoTables = tablesChannel('bad', 'src');
    const table = twoTables.S3TablesDestinationConfiguration.S3TablesConfigurationList[0];
    twoTables.S3TablesDestinationConfiguration.S3TablesConfigurationList.push({ ...table, TableName: 'other' });
    await rejectsWith(client.send(new CreateChannelCommand(twoTables)), 'InvalidArgumentException',
      'S3TablesConfigurationList has 2 tables. Currently, one table is supported per channel.');

    const stringToTables = tablesChannel('bad', 'src');
    stringToTables.StreamConfigurationList[0].RecordConfiguration = { RecordFormatType: 'STRING', GSRSchemaARN: GSR };
    await rejectsWith(client.send(new CreateChannelCommand(stringToTables)), 'InvalidArgumentException',
      'RecordFormatType STRING is not supported for delivery to a streaming table (Amazon S3 Tables).');
    const gsrToS3 = s3Channel('bad', 'src');
    gsrToS3.StreamConfigurationList[0].RecordConfiguration = { RecordFormatType: 'GSR_JSON' };
    await rejectsWith(client.send(new CreateChannelCommand(gsrToS3)), 'InvalidArgumentException',
      'RecordFormatType GSR_JSON is not supported for delivery to a general purpose Amazon S3 bucket.');
    const noSchema = tablesChannel('bad', 'src');
    noSchema.StreamConfigurationList[0].RecordConfiguration = { RecordFormatType: 'JSON' };
    await rejectsWith(client.send(new CreateChannelCommand(noSchema)), 'InvalidArgumentException',
      'GSRSchemaARN is required when the channel destination is a streaming table.');
    const foreignSchema = tablesChannel('bad', 'src');
    foreignSchema.StreamConfigurationList[0].RecordConfiguration.GSRSchemaARN = 'arn:aws:glue:eu-west-1:111111111111:schema/r/s';
    await rejectsWith(client.send(new CreateChannelCommand(foreignSchema)), 'InvalidArgumentException', /must be in the same account and Region/);

    const stale = s3Channel('bad', 'src');
    stale.S3DestinationConfiguration.DataFreshnessInSeconds = 299;
    await rejectsWith(client.send(new CreateChannelCommand(stale)), 'InvalidArgumentException',
      'DataFreshnessInSeconds 299 is not valid. Valid values are from 300 to 900 seconds.');

    await rejectsWith(client.send(new CreateChannelCommand(s3Channel('bad', 'src', {
      EncryptionConfiguration: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    }))), 'InvalidArgumentException', /service key \(aws\/kinesis\)/);

    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    await rejectsWith(client.send(new CreateChannelCommand(s3Channel('bad', 'src', { Tags: tags }))), 'InvalidArgumentException',
      `Failed to create channel bad under account ${ACCOUNT} because a given tag exceeded the limit of 50 tags.`);
    assert.equal((await client.send(new ListChannelsCommand({}))).ChannelSummaries.filter((c) => c.ChannelName === 'bad').length, 0);
  });

  it('answers ResourceNotFoundException for channels that do not exist, in this account and region or another', async () => {
    const missing = `arn:aws:kinesis:${REGION}:${ACCOUNT}:channel/nope`;
    await rejectsWith(describeChannel(client, missing), 'ResourceNotFoundException', `Channel nope under account ${ACCOUNT} not found.`);
    await rejectsWith(client.send(new UpdateChannelCommand({ ChannelARN: missing, S3DestinationConfiguration: { DataFreshnessInSeconds: 300 } })),
      'ResourceNotFoundException', `Channel nope under account ${ACCOUNT} not found.`);
    await rejectsWith(client.send(new DeleteChannelCommand({ ChannelARN: missing })), 'ResourceNotFoundException',
      `Channel nope under account ${ACCOUNT} not found.`);
    // A real channel's id under another account or region is another channel (which does not exist).
    const c = (await client.send(new ListChannelsCommand({}))).ChannelSummaries[0];
    await rejectsWith(describeChannel(client, c.ChannelARN.replace(`:${ACCOUNT}:`, ':111111111111:')), 'ResourceNotFoundException',
      `Channel ${c.ChannelId} under account 111111111111 not found.`);
    await rejectsWith(describeChannel(client, c.ChannelARN.replace(`:${REGION}:`, ':eu-west-1:')), 'ResourceNotFoundException');
    // The ARN names the account and region: a client configured for another region still finds it.
    const eu = server.client({ region: 'eu-west-1' });
    assert.equal((await describeChannel(eu, c.ChannelARN)).ChannelId, c.ChannelId);
    assert.deepEqual((await eu.send(new ListChannelsCommand({}))).ChannelSummaries, []);
  });
});

describe('ListChannels pagination and filters', () => {
  let server;
  let client;
  const names = [];
  before(async () => {
    server = await startServer();
    client = server.client();
    for (let i = 0; i < 6; i++) {
      await onDemandStream(client, `page-src-${i}`);
      // Two channels per stream (one per destination type), created out of name order.
      for (const [name, make] of [[`ch-${i}-t`, tablesChannel], [`ch-${i}-s`, s3Channel]]) {
        await client.send(new CreateChannelCommand(make(name, `page-src-${i}`)));
        names.push(name);
      }
    }
    names.sort();
  });
  after(async () => { await server.stop(); server.cleanup(); });

  it('the SDK paginator reaches the last page, in name order, with each channel once', async () => {
    const pages = [];
    for await (const page of paginateListChannels({ client, pageSize: 5 }, {})) pages.push(page);
    assert.deepEqual(pages.map((p) => p.ChannelSummaries.length), [5, 5, 2]);
    assert.deepEqual(pages.flatMap((p) => p.ChannelSummaries.map((c) => c.ChannelName)), names);
    assert.ok(pages[0].NextToken && pages[1].NextToken);
    assert.equal(pages[2].NextToken, undefined);
  });

  it('the paginator keeps a stream filter across pages', async () => {
    const filter = [{ StreamARN: streamArn('page-src-1') }, { StreamARN: streamArn('page-src-4') }];
    const seen = [];
    for await (const page of paginateListChannels({ client, pageSize: 1 }, { StreamFilter: filter })) {
      seen.push(...page.ChannelSummaries.map((c) => c.ChannelName));
    }
    assert.deepEqual(seen, ['ch-1-s', 'ch-1-t', 'ch-4-s', 'ch-4-t']);
  });

  it('a filter with the stream\'s creation time matches; another creation time matches nothing', async () => {
    const [one] = (await client.send(new ListChannelsCommand({ StreamFilter: [{ StreamARN: streamArn('page-src-2') }], MaxResults: 1 }))).ChannelSummaries;
    const created = one.Streams[0].StreamCreationTimestamp;
    const same = await client.send(new ListChannelsCommand({ StreamFilter: [{ StreamARN: streamArn('page-src-2'), StreamCreationTimestamp: created }] }));
    assert.deepEqual(same.ChannelSummaries.map((c) => c.ChannelName), ['ch-2-s', 'ch-2-t']);
    const other = await client.send(new ListChannelsCommand({
      StreamFilter: [{ StreamARN: streamArn('page-src-2'), StreamCreationTimestamp: new Date(created.getTime() - 60_000) }],
    }));
    assert.deepEqual(other.ChannelSummaries, []);
    assert.equal(other.NextToken, undefined);
  });

  it('takes MaxResults up to 10000 (AWS answers at most 100) and gives no NextToken when nothing is left', async () => {
    const all = await client.send(new ListChannelsCommand({ MaxResults: 10000 }));
    assert.equal(all.ChannelSummaries.length, 12);
    assert.equal(all.NextToken, undefined);
  });

  it('refuses a foreign or altered NextToken (InvalidArgumentException) and an old one (ExpiredNextTokenException)', async () => {
    const first = await client.send(new ListChannelsCommand({ MaxResults: 2 }));
    const res = await rawRequest(server.endpoint, { target: 'ListChannels', body: { NextToken: `${first.NextToken.slice(0, -4)}AAAA` } });
    assert.equal(res.status, 400);
    assert.equal(res.json.__type, 'InvalidArgumentException');
    // Another region's client cannot use this region's token.
    const eu = server.client({ region: 'eu-west-1' });
    await rejectsWith(eu.send(new ListChannelsCommand({ NextToken: first.NextToken })), 'InvalidArgumentException', `Invalid NextToken: ${first.NextToken}`);
    // A ListStreams token is not a ListChannels token.
    const streams = await rawRequest(server.endpoint, { target: 'ListStreams', body: { Limit: 1 } });
    await rejectsWith(client.send(new ListChannelsCommand({ NextToken: streams.json.NextToken })), 'InvalidArgumentException');
    const second = await client.send(new ListChannelsCommand({ NextToken: first.NextToken, MaxResults: 2 }));
    assert.deepEqual(second.ChannelSummaries.map((c) => c.ChannelName), names.slice(2, 4));
    await server.advanceClock(300_001);
    await rejectsWith(client.send(new ListChannelsCommand({ NextToken: first.NextToken })), 'ExpiredNextTokenException',
      `The timestamp on the NextToken has expired: ${first.NextToken}`);
  });
});

describe('channels across a restart', () => {
  it('keeps channels, their configuration and their pending transitions', async () => {
    const first = await startServer({ args: ['--create-stream-ms', '0', '--update-stream-ms', '600000', '--delete-stream-ms', '600000'] });
    let second;
    try {
      const c1 = first.client();
      await onDemandStream(c1, 'rs-src');
      await onDemandStream(c1, 'rs-src2');
      const kept = (await c1.send(new CreateChannelCommand(s3Channel('kept', 'rs-src')))).ChannelDescription;
      const updating = (await c1.send(new CreateChannelCommand(tablesChannel('updating', 'rs-src')))).ChannelDescription;
      const deleting = (await c1.send(new CreateChannelCommand(s3Channel('deleting', 'rs-src2')))).ChannelDescription;
      await c1.send(new UpdateChannelCommand({ ChannelARN: updating.ChannelARN, S3TablesDestinationConfiguration: { DataFreshnessInSeconds: 777 } }));
      await c1.send(new DeleteChannelCommand({ ChannelARN: deleting.ChannelARN }));
      const before = await describeChannel(c1, kept.ChannelARN);
      await first.stop();

      second = await startServer({ dataDir: first.dataDir, args: ['--update-stream-ms', '600000', '--delete-stream-ms', '600000'] });
      const c2 = second.client();
      assert.deepEqual(await describeChannel(c2, kept.ChannelARN), before);
      const u = await describeChannel(c2, updating.ChannelARN);
      assert.equal(u.ChannelStatus, 'UPDATING');
      assert.equal(u.S3TablesDestinationConfiguration.DataFreshnessInSeconds, 777);
      assert.equal((await describeChannel(c2, deleting.ChannelARN)).ChannelStatus, 'DELETING');
      // The transitions complete once their time comes, after the restart.
      await second.advanceClock(600_000);
      await waitFor(async () => (await describeChannel(c2, updating.ChannelARN)).ChannelStatus === 'ACTIVE');
      await rejectsWith(describeChannel(c2, deleting.ChannelARN), 'ResourceNotFoundException');
      const list = await c2.send(new ListChannelsCommand({}));
      assert.deepEqual(list.ChannelSummaries.map((c) => [c.ChannelName, c.ChannelStatus]), [['kept', 'ACTIVE'], ['updating', 'ACTIVE']]);
      // The per-stream limit still holds after the restart.
      await rejectsWith(c2.send(new CreateChannelCommand(s3Channel('kept2', 'rs-src'))), 'LimitExceededException');
    } finally {
      await second?.stop();
      await first.stop();
      first.cleanup();
    }
  });
});
