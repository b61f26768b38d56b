// EnableEnhancedMonitoring and DisableEnhancedMonitoring: current and desired metric sets, ALL,
// DescribeStream's EnhancedMonitoring, UPDATING, and the errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateStreamCommand, DescribeStreamCommand, DescribeStreamSummaryCommand, DisableEnhancedMonitoringCommand, EnableEnhancedMonitoringCommand, PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { ACCOUNT, rawRequest, REGION, rejectsWith, startServer, useServer } from './helpers.mjs';

const ALL = [
  'IncomingBytes', 'IncomingRecords', 'OutgoingBytes', 'OutgoingRecords',
  'WriteProvisionedThroughputExceeded', 'ReadProvisionedThroughputExceeded', 'IteratorAgeMilliseconds',
];
const arnOf = (name) => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
const notActive = (name, state) => `Stream ${name} under account ${ACCOUNT} not ACTIVE, instead in state ${state}`;

const metricsOf = async (client, StreamName) =>
  (await client.send(new DescribeStreamCommand({ StreamName }))).StreamDescription.EnhancedMonitoring;

describe('enhanced monitoring', () => {
  let server;
  let client;
  const enable = (StreamName, ShardLevelMetrics) => client.send(new EnableEnhancedMonitoringCommand({ StreamName, ShardLevelMetrics }));
  const disable = (StreamName, ShardLevelMetrics) => client.send(new DisableEnhancedMonitoringCommand({ StreamName, ShardLevelMetrics }));
  before(async () => {
    server = await startServer();
    client = server.client();
  });
  after(async () => { await server.stop(); server.cleanup(); });

  it('a new stream has no shard-level metrics', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'fresh', ShardCount: 1 }));
    assert.deepEqual(await metricsOf(client, 'fresh'), [{ ShardLevelMetrics: [] }]);
  });

  it('enable answers the metrics before and after, and adds to those already on', async () => {
    const name = 'enable';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const res = await rawRequest(server.endpoint, { target: 'EnableEnhancedMonitoring', body: { StreamName: name, ShardLevelMetrics: ['OutgoingBytes', 'IncomingBytes'] } });
    assert.equal(res.status, 200, res.body.toString());
    assert.deepEqual(res.json, {
      StreamName: name, StreamARN: arnOf(name), CurrentShardLevelMetrics: [], DesiredShardLevelMetrics: ['IncomingBytes', 'OutgoingBytes'],
    });
    assert.deepEqual(await metricsOf(client, name), [{ ShardLevelMetrics: ['IncomingBytes', 'OutgoingBytes'] }]);

    const more = await enable(name, ['IteratorAgeMilliseconds', 'IncomingBytes']);
    assert.deepEqual(more.CurrentShardLevelMetrics, ['IncomingBytes', 'OutgoingBytes']);
    assert.deepEqual(more.DesiredShardLevelMetrics, ['IncomingBytes', 'OutgoingBytes', 'IteratorAgeMilliseconds']);
    assert.equal(more.StreamName, name);
    assert.equal(more.StreamARN, arnOf(name));
    assert.deepEqual(await metricsOf(client, name), [{ ShardLevelMetrics: ['IncomingBytes', 'OutgoingBytes', 'IteratorAgeMilliseconds'] }]);
  });

  it('ALL stands for the seven metrics, on enable and disable', async () => {
    const name = 'all';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await enable(name, ['IncomingRecords']);
    const on = await enable(name, ['ALL']);
    assert.deepEqual(on.CurrentShardLevelMetrics, ['IncomingRecords']);
    assert.deepEqual(on.DesiredShardLevelMetrics, ALL);
    assert.deepEqual(await metricsOf(client, name), [{ ShardLevelMetrics: ALL }]);
    const summary = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
    assert.deepEqual(summary.EnhancedMonitoring, [{ ShardLevelMetrics: ALL }]);

    const some = await disable(name, ['IncomingRecords', 'WriteProvisionedThroughputExceeded']);
    assert.deepEqual(some.CurrentShardLevelMetrics, ALL);
    assert.deepEqual(some.DesiredShardLevelMetrics, ALL.filter((m) => m !== 'IncomingRecords' && m !== 'WriteProvisionedThroughputExceeded'));

    const off = await disable(name, ['ALL']);
    assert.deepEqual(off.CurrentShardLevelMetrics, some.DesiredShardLevelMetrics);
    assert.deepEqual(off.DesiredShardLevelMetrics, []);
    assert.deepEqual(await metricsOf(client, name), [{ ShardLevelMetrics: [] }]);
  });

  it('disabling metrics that are not on changes nothing; StreamARN addresses the stream', async () => {
    const name = 'byarn';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await client.send(new EnableEnhancedMonitoringCommand({ StreamARN: arnOf(name), ShardLevelMetrics: ['OutgoingRecords'] }));
    const out = await client.send(new DisableEnhancedMonitoringCommand({ StreamARN: arnOf(name), ShardLevelMetrics: ['IncomingBytes'] }));
    assert.deepEqual(out.CurrentShardLevelMetrics, ['OutgoingRecords']);
    assert.deepEqual(out.DesiredShardLevelMetrics, ['OutgoingRecords']);
    assert.deepEqual(await metricsOf(client, name), [{ ShardLevelMetrics: ['OutgoingRecords'] }]);
  });

  it('validates ShardLevelMetrics with AWS wording; a missing stream is ResourceNotFoundException', async () => {
    const bad = await rawRequest(server.endpoint, { target: 'EnableEnhancedMonitoring', body: { StreamName: 'x', ShardLevelMetrics: ['Bogus'] } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.__type, 'ValidationException');
    assert.match(bad.json.message, /^1 validation error detected: Value '\[Bogus\]' at 'shardLevelMetrics' failed to satisfy constraint: Member must satisfy constraint: \[Member must satisfy enum value set: \[/);
    const empty = await rawRequest(server.endpoint, { target: 'DisableEnhancedMonitoring', body: { StreamName: 'x', ShardLevelMetrics: [] } });
    assert.equal(empty.json.__type, 'ValidationException');
    assert.equal(empty.json.message, "1 validation error detected: Value '[]' at 'shardLevelMetrics' failed to satisfy constraint: Member must have length greater than or equal to 1");
    const none = await rawRequest(server.endpoint, { target: 'EnableEnhancedMonitoring', body: { StreamName: 'x' } });
    assert.equal(none.json.message, "1 validation error detected: Value null at 'shardLevelMetrics' failed to satisfy constraint: Member must not be null");

    await rejectsWith(enable('missing', ['ALL']), 'ResourceNotFoundException', `Stream missing under account ${ACCOUNT} not found.`);
    await rejectsWith(disable('missing', ['ALL']), 'ResourceNotFoundException', `Stream missing under account ${ACCOUNT} not found.`);
  });
});

describe('enhanced monitoring with a delay (--update-stream-ms 60000)', () => {
  let server;
  let client;
  useServer({ args: ['--update-stream-ms', '60000'] }, (s) => { server = s; client = s.client(); });

  it('the stream is UPDATING until the delay passes, writes keep working, and other changes are refused', async () => {
    const name = 'slow';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const out = await client.send(new EnableEnhancedMonitoringCommand({ StreamName: name, ShardLevelMetrics: ['IncomingBytes'] }));
    assert.deepEqual(out.DesiredShardLevelMetrics, ['IncomingBytes']);
    const d = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
    assert.equal(d.StreamStatus, 'UPDATING');
    assert.deepEqual(d.EnhancedMonitoring, [{ ShardLevelMetrics: ['IncomingBytes'] }]);
    await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('x') }));
    await rejectsWith(client.send(new DisableEnhancedMonitoringCommand({ StreamName: name, ShardLevelMetrics: ['ALL'] })),
      'ResourceInUseException', notActive(name, 'UPDATING'));
    await server.advanceClock(60_100);
    assert.equal((await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription.StreamStatus, 'ACTIVE');
    const off = await client.send(new DisableEnhancedMonitoringCommand({ StreamName: name, ShardLevelMetrics: ['ALL'] }));
    assert.deepEqual(off.CurrentShardLevelMetrics, ['IncomingBytes'], 'the refused call changed nothing');
    assert.deepEqual(off.DesiredShardLevelMetrics, []);
  });
});
