// StartStreamEncryption and StopStreamEncryption: key forms, errors, UPDATING, and EncryptionType
// on the stream, on PutRecord(s) answers and on records read back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateStreamCommand, DescribeStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, PutRecordCommand,
  PutRecordsCommand, StartStreamEncryptionCommand, StopStreamEncryptionCommand,
} from '@aws-sdk/client-kinesis';
import { ACCOUNT, rawRequest, REGION, rejectsWith, startServer, useServer } from './helpers.mjs';

const KEY_UUID = '12345678-1234-1234-1234-123456789012';
const KEY_ARN = `arn:aws:kms:us-east-1:123456789012:key/${KEY_UUID}`;
const ALIAS_ARN = 'arn:aws:kms:us-east-1:123456789012:alias/MyAliasName';
const MRK = 'mrk-1234abcd12ab34cd56ef1234567890ab';
const arnOf = (name) => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
const notActive = (name, state) => `Stream ${name} under account ${ACCOUNT} not ACTIVE, instead in state ${state}`;

const describeStream = async (client, StreamName) => (await client.send(new DescribeStreamCommand({ StreamName }))).StreamDescription;
const summaryOf = async (client, StreamName) => (await client.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary;

async function readShard(client, StreamName) {
  const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
  return (await client.send(new GetRecordsCommand({ ShardIterator }))).Records;
}

describe('stream encryption', () => {
  let server;
  let client;
  const start = (StreamName, KeyId, extra = {}) => client.send(new StartStreamEncryptionCommand({ StreamName, EncryptionType: 'KMS', KeyId, ...extra }));
  const stop = (StreamName, KeyId, extra = {}) => client.send(new StopStreamEncryptionCommand({ StreamName, EncryptionType: 'KMS', KeyId, ...extra }));
  before(async () => {
    server = await startServer();
    client = server.client();
  });
  after(async () => { await server.stop(); server.cleanup(); });

  it('a new stream is unencrypted: EncryptionType NONE, no KeyId, no EncryptionType on records', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'plain', ShardCount: 1 }));
    const d = await describeStream(client, 'plain');
    assert.equal(d.EncryptionType, 'NONE');
    assert.equal('KeyId' in d, false);
    const put = await client.send(new PutRecordCommand({ StreamName: 'plain', PartitionKey: 'k', Data: Buffer.from('x') }));
    assert.equal(put.EncryptionType, undefined);
    const raw = await rawRequest(server.endpoint, { target: 'PutRecords', body: { StreamName: 'plain', Records: [{ PartitionKey: 'k', Data: 'eA==' }] } });
    assert.equal('EncryptionType' in raw.json, false, 'no EncryptionType member (not even null) when unencrypted');
    const [record] = await readShard(client, 'plain');
    assert.equal(record.EncryptionType, undefined);
  });

  it('start: records written while on carry KMS on PutRecord, PutRecords and GetRecords; stop: later ones do not', async () => {
    const name = 'cycle';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('before') }));

    const res = await rawRequest(server.endpoint, { target: 'StartStreamEncryption', body: { StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' } });
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.body.length, 0, 'no output');
    let d = await describeStream(client, name);
    assert.equal(d.StreamStatus, 'ACTIVE');
    assert.equal(d.EncryptionType, 'KMS');
    assert.equal(d.KeyId, 'alias/aws/kinesis');
    const summary = await summaryOf(client, name);
    assert.equal(summary.EncryptionType, 'KMS');
    assert.equal(summary.KeyId, 'alias/aws/kinesis');

    const put = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('during-1') }));
    assert.equal(put.EncryptionType, 'KMS');
    const puts = await client.send(new PutRecordsCommand({ StreamName: name, Records: [{ PartitionKey: 'k', Data: Buffer.from('during-2') }] }));
    assert.equal(puts.EncryptionType, 'KMS');
    assert.equal(puts.FailedRecordCount, 0);

    await stop(name, 'alias/aws/kinesis');
    d = await describeStream(client, name);
    assert.equal(d.EncryptionType, 'NONE');
    assert.equal('KeyId' in d, false, 'KeyId is gone once encryption stops');
    const stopped = await rawRequest(server.endpoint, { target: 'DescribeStreamSummary', body: { StreamName: name } });
    assert.equal(stopped.json.StreamDescriptionSummary.EncryptionType, 'NONE');
    assert.equal('KeyId' in stopped.json.StreamDescriptionSummary, false);
    const after = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('after') }));
    assert.equal(after.EncryptionType, undefined);
    const raw = await rawRequest(server.endpoint, { target: 'PutRecord', body: { StreamName: name, PartitionKey: 'k', Data: 'eA==' } });
    assert.equal('EncryptionType' in raw.json, false);

    const records = await readShard(client, name);
    assert.deepEqual(records.map((r) => [Buffer.from(r.Data).toString(), r.EncryptionType]), [
      ['before', undefined], ['during-1', 'KMS'], ['during-2', 'KMS'], ['after', undefined], ['x', undefined],
    ]);
  });

  it('accepts a key id, key ARN, alias name, alias ARN, multi-Region key and the StreamARN; a new key replaces the old', async () => {
    const name = 'keys';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    for (const key of [KEY_UUID, KEY_ARN, 'alias/MyAliasName', ALIAS_ARN, MRK, 'alias/aws/kinesis']) {
      await start(name, key);
      const d = await describeStream(client, name);
      assert.equal(d.EncryptionType, 'KMS');
      assert.equal(d.KeyId, key, 'KeyId is shown as given');
    }
    await client.send(new StartStreamEncryptionCommand({ StreamARN: arnOf(name), EncryptionType: 'KMS', KeyId: KEY_ARN }));
    assert.equal((await describeStream(client, name)).KeyId, KEY_ARN);
    // Stop accepts any key (the service does not look it up).
    await client.send(new StopStreamEncryptionCommand({ StreamARN: arnOf(name), EncryptionType: 'KMS', KeyId: 'alias/other' }));
    assert.equal((await describeStream(client, name)).EncryptionType, 'NONE');
  });

  it('refuses malformed key ids with KMSNotFoundException', async () => {
    const name = 'badkeys';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    for (const key of ['not-a-key', 'aws/kinesis', 'alias/', '1234', `${KEY_UUID}x`, 'arn:aws:kms:us-east-1:123456789012:key/nope',
      'arn:aws:kms:us-east-1:1234:alias/x', 'alias/with space']) {
      await rejectsWith(start(name, key), 'KMSNotFoundException', `Invalid keyId ${key}`);
    }
    const d = await describeStream(client, name);
    assert.equal(d.EncryptionType, 'NONE', 'a refused key changes nothing');
    assert.equal(d.StreamStatus, 'ACTIVE');
  });

  it('refuses EncryptionType NONE on both operations', async () => {
    const name = 'nonetype';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await rejectsWith(start(name, KEY_UUID, { EncryptionType: 'NONE' }), 'InvalidArgumentException', 'Encryption type cannot be NONE.');
    await start(name, KEY_UUID);
    await rejectsWith(stop(name, KEY_UUID, { EncryptionType: 'NONE' }), 'InvalidArgumentException', 'Encryption type cannot be NONE.');
    assert.equal((await describeStream(client, name)).EncryptionType, 'KMS');
  });

  it('validates members with AWS wording and answers missing streams with ResourceNotFoundException', async () => {
    const res = await rawRequest(server.endpoint, { target: 'StartStreamEncryption', body: { StreamName: 'x', EncryptionType: 'AES', KeyId: '' } });
    assert.equal(res.status, 400);
    assert.equal(res.json.__type, 'ValidationException');
    assert.match(res.json.message, /^2 validation errors detected: /);
    assert.match(res.json.message, /Value 'AES' at 'encryptionType' failed to satisfy constraint: Member must satisfy enum value set: \[/);
    assert.match(res.json.message, /Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1/);
    const missingKey = await rawRequest(server.endpoint, { target: 'StopStreamEncryption', body: { StreamName: 'x', EncryptionType: 'KMS' } });
    assert.equal(missingKey.json.__type, 'ValidationException');
    assert.equal(missingKey.json.message, "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null");

    await rejectsWith(start('missing', KEY_UUID), 'ResourceNotFoundException', `Stream missing under account ${ACCOUNT} not found.`);
    await rejectsWith(stop('missing', KEY_UUID), 'ResourceNotFoundException', `Stream missing under account ${ACCOUNT} not found.`);
  });
});

describe('stream encryption lifecycle with a delay (--update-stream-ms 60000)', () => {
  let server;
  let client;
  useServer({ args: ['--update-stream-ms', '60000'] }, (s) => { server = s; client = s.client(); });

  it('UPDATING until the delay passes; reads and writes work meanwhile; other changes are refused', async () => {
    const name = 'slow';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await client.send(new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }));
    let d = await describeStream(client, name);
    assert.equal(d.StreamStatus, 'UPDATING');
    assert.equal(d.EncryptionType, 'KMS');
    assert.equal((await summaryOf(client, name)).StreamStatus, 'UPDATING');
    assert.equal(d.KeyId, 'alias/aws/kinesis');

    const put = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('while-updating') }));
    assert.equal(put.ShardId, 'shardId-000000000000');
    assert.deepEqual((await readShard(client, name)).map((r) => Buffer.from(r.Data).toString()), ['while-updating']);

    await assert.rejects(client.send(new StopStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' })),
      (err) => err.name === 'ResourceInUseException' && err.message === notActive(name, 'UPDATING'));
    await assert.rejects(client.send(new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: KEY_UUID })),
      (err) => err.name === 'ResourceInUseException' && err.message === notActive(name, 'UPDATING'));

    await server.advanceClock(59_000);
    assert.equal((await describeStream(client, name)).StreamStatus, 'UPDATING', 'still UPDATING before the delay ends');
    await server.advanceClock(1_100);
    d = await describeStream(client, name);
    assert.equal(d.StreamStatus, 'ACTIVE');
    assert.equal(d.KeyId, 'alias/aws/kinesis', 'the refused second key did not replace the first');

    await client.send(new StopStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }));
    d = await describeStream(client, name);
    assert.equal(d.StreamStatus, 'UPDATING');
    assert.equal(d.EncryptionType, 'NONE');
    await server.advanceClock(60_100);
    assert.equal((await describeStream(client, name)).StreamStatus, 'ACTIVE');
  });

  it('a stream still CREATING is refused with ResourceInUseException', async () => {
    const name = 'creating';
    const slow = await startServer({ args: ['--create-stream-ms', '60000'] });
    try {
      const c = slow.client();
      await c.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      await assert.rejects(c.send(new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: KEY_UUID })),
        (err) => err.name === 'ResourceInUseException' && err.message === notActive(name, 'CREATING'));
    } finally {
      await slow.stop();
      slow.cleanup();
    }
  });
});
