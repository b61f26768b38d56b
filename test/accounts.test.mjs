// Accounts and regions: a 12-digit access key id names the caller's account (any other key is the
// default account), the SigV4 credential scope names the region. Streams, limits and ARNs are
// separate per account and region; ARN-addressed calls reach the account and region the ARN names.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateStreamCommand, DeleteStreamCommand, DescribeLimitsCommand, DescribeStreamCommand, GetRecordsCommand,
  GetResourcePolicyCommand, GetShardIteratorCommand, ListStreamsCommand, ListTagsForResourceCommand, PutRecordCommand,
  PutResourcePolicyCommand, StartStreamEncryptionCommand, TagResourceCommand,
} from '@aws-sdk/client-kinesis';
import { ACCOUNT, rawRequest, REGION, rejectsWith, startServer } from './helpers.mjs';

const A = '111111111111';
const B = '222222222222';
const EU = 'eu-west-1';
const arnOf = (account, region, name) => `arn:aws:kinesis:${region}:${account}:stream/${name}`;
const notFound = (name, account) => `Stream ${name} under account ${account} not found.`;
const limitMessage = (account, region, open, limit, adding) =>
  `This request would exceed the shard limit for the account ${account} in ${region}. ` +
  `Current shard count for the account: ${open}. Limit: ${limit}. ` +
  `Number of additional shards that would have resulted from this request: ${adding}. ` +
  'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
  'for current limits and how to request higher limits.';

const names = async (client) => (await client.send(new ListStreamsCommand({}))).StreamNames;
const describe_ = async (client, input) => (await client.send(new DescribeStreamCommand(input))).StreamDescription;

describe('accounts and regions', () => {
  let server;
  let a; // account A in us-east-1
  let b; // account B in us-east-1
  let aEu; // account A in eu-west-1
  let anon; // a key that is not an account id: the default account
  before(async () => {
    server = await startServer({ args: ['--shard-limit', '3'] });
    const as = (accessKeyId, region = REGION) => server.client({ credentials: { accessKeyId, secretAccessKey: 'secret' }, region });
    a = as(A);
    b = as(B);
    aEu = as(A, EU);
    anon = as('AKIAIOSFODNN7EXAMPLE');
  });
  after(async () => { await server.stop(); server.cleanup(); });

  it('the same stream name lives separately in each account and region, with its own ARN', async () => {
    for (const c of [a, b, aEu, anon]) await c.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 1 }));
    const expected = [[a, A, REGION], [b, B, REGION], [aEu, A, EU], [anon, ACCOUNT, REGION]];
    for (const [c, account, region] of expected) {
      const d = await describe_(c, { StreamName: 'orders' });
      assert.equal(d.StreamARN, arnOf(account, region, 'orders'));
      assert.equal(d.StreamStatus, 'ACTIVE');
    }
    // A record written in one account is not in the others.
    await a.send(new PutRecordCommand({ StreamName: 'orders', PartitionKey: 'k', Data: Buffer.from('for A only') }));
    for (const [c, , , count] of [[a, 0, 0, 1], [b, 0, 0, 0], [aEu, 0, 0, 0], [anon, 0, 0, 0]]) {
      const { ShardIterator } = await c.send(new GetShardIteratorCommand({ StreamName: 'orders', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
      assert.equal((await c.send(new GetRecordsCommand({ ShardIterator }))).Records.length, count);
    }
  });

  it('ListStreams shows only the caller account and region; errors name the caller account', async () => {
    await b.send(new CreateStreamCommand({ StreamName: 'only-b', ShardCount: 1 }));
    assert.ok((await names(b)).includes('only-b'));
    for (const c of [a, aEu, anon]) assert.ok(!(await names(c)).includes('only-b'));
    await rejectsWith(describe_(a, { StreamName: 'only-b' }), 'ResourceNotFoundException', notFound('only-b', A));
    await rejectsWith(describe_(aEu, { StreamName: 'only-b' }), 'ResourceNotFoundException', notFound('only-b', A));
    await rejectsWith(describe_(anon, { StreamName: 'only-b' }), 'ResourceNotFoundException', notFound('only-b', ACCOUNT));
    await rejectsWith(b.send(new CreateStreamCommand({ StreamName: 'only-b', ShardCount: 1 })), 'ResourceInUseException',
      `Stream only-b under account ${B} already exists.`);
    // Deleting in one account leaves the same name elsewhere alone.
    await a.send(new CreateStreamCommand({ StreamName: 'twin', ShardCount: 1 }));
    await b.send(new CreateStreamCommand({ StreamName: 'twin', ShardCount: 1 }));
    await a.send(new DeleteStreamCommand({ StreamName: 'twin' }));
    await rejectsWith(describe_(a, { StreamName: 'twin' }), 'ResourceNotFoundException', notFound('twin', A));
    assert.equal((await describe_(b, { StreamName: 'twin' })).StreamStatus, 'ACTIVE');
    await b.send(new DeleteStreamCommand({ StreamName: 'twin' }));
  });

  it('the shard limit counts per account and region', async () => {
    // --shard-limit 3; A and B hold 2 each in us-east-1 (orders, only-b/…), A holds 1 in eu-west-1.
    await a.send(new CreateStreamCommand({ StreamName: 'fill', ShardCount: 2 }));
    await rejectsWith(a.send(new CreateStreamCommand({ StreamName: 'over', ShardCount: 1 })), 'LimitExceededException',
      limitMessage(A, REGION, 3, 3, 1));
    // The other account in the same region and the same account in another region still have room.
    await rejectsWith(b.send(new CreateStreamCommand({ StreamName: 'big', ShardCount: 2 })), 'LimitExceededException',
      limitMessage(B, REGION, 2, 3, 2));
    await b.send(new CreateStreamCommand({ StreamName: 'fits', ShardCount: 1 }));
    await aEu.send(new CreateStreamCommand({ StreamName: 'fill', ShardCount: 2 }));
    await rejectsWith(aEu.send(new CreateStreamCommand({ StreamName: 'over', ShardCount: 1 })), 'LimitExceededException',
      limitMessage(A, EU, 3, 3, 1));
    const limits = async (c) => c.send(new DescribeLimitsCommand({}));
    assert.equal((await limits(a)).OpenShardCount, 3);
    assert.equal((await limits(b)).OpenShardCount, 3);
    assert.equal((await limits(aEu)).OpenShardCount, 3);
    assert.equal((await limits(anon)).OpenShardCount, 1);
    assert.equal((await limits(a)).ShardLimit, 3);
  });

  it('a StreamARN reaches the account and region it names', async () => {
    const bOrders = arnOf(B, REGION, 'orders');
    const d = await describe_(a, { StreamARN: bOrders });
    assert.equal(d.StreamARN, bOrders);
    const put = await a.send(new PutRecordCommand({ StreamARN: bOrders, PartitionKey: 'k', Data: Buffer.from('from A into B') }));
    const { ShardIterator } = await a.send(new GetShardIteratorCommand({ StreamARN: bOrders, ShardId: put.ShardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: put.SequenceNumber }));
    const [record] = (await b.send(new GetRecordsCommand({ ShardIterator, StreamARN: bOrders }))).Records;
    assert.equal(Buffer.from(record.Data).toString(), 'from A into B', "B's own client reads what A wrote through the ARN");

    // Another region of another account, from the default account.
    const euOrders = arnOf(A, EU, 'orders');
    assert.equal((await describe_(anon, { StreamARN: euOrders })).StreamARN, euOrders);
    // StreamName together with the ARN must agree; the ARN's account is the one named in errors.
    assert.equal((await describe_(a, { StreamARN: bOrders, StreamName: 'orders' })).StreamARN, bOrders);
    await rejectsWith(describe_(a, { StreamARN: arnOf(B, EU, 'orders') }), 'ResourceNotFoundException', notFound('orders', B));
    await rejectsWith(a.send(new PutRecordCommand({ StreamARN: arnOf(B, REGION, 'nope'), PartitionKey: 'k', Data: Buffer.from('x') })),
      'ResourceNotFoundException', notFound('nope', B));
  });

  it('ARN-addressed settings, tags and policies land on the named account', async () => {
    const bOrders = arnOf(B, REGION, 'orders');
    await a.send(new TagResourceCommand({ ResourceARN: bOrders, Tags: { owner: 'b' } }));
    assert.deepEqual((await b.send(new ListTagsForResourceCommand({ ResourceARN: bOrders }))).Tags, [{ Key: 'owner', Value: 'b' }]);
    assert.deepEqual((await a.send(new ListTagsForResourceCommand({ ResourceARN: arnOf(A, REGION, 'orders') }))).Tags, []);

    const policy = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: A }, Action: 'kinesis:*', Resource: bOrders }] });
    await b.send(new PutResourcePolicyCommand({ ResourceARN: bOrders, Policy: policy }));
    assert.equal((await a.send(new GetResourcePolicyCommand({ ResourceARN: bOrders }))).Policy, policy);
    assert.equal((await a.send(new GetResourcePolicyCommand({ ResourceARN: arnOf(A, REGION, 'orders') }))).Policy, '{}');

    await a.send(new StartStreamEncryptionCommand({ StreamARN: bOrders, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }));
    assert.equal((await describe_(b, { StreamName: 'orders' })).EncryptionType, 'KMS');
    assert.equal((await describe_(a, { StreamName: 'orders' })).EncryptionType, 'NONE');
  });

  it('the region comes from the credential scope of a raw SigV4 request', async () => {
    const signed = (key, region) => ({
      authorization: `AWS4-HMAC-SHA256 Credential=${key}/20150830/${region}/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`,
    });
    const res = await rawRequest(server.endpoint, { target: 'DescribeStream', body: { StreamName: 'fill' }, headers: signed(A, EU) });
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.json.StreamDescription.StreamARN, arnOf(A, EU, 'fill'));
    const other = await rawRequest(server.endpoint, { target: 'DescribeStream', body: { StreamName: 'fill' }, headers: signed(B, 'ap-south-1') });
    assert.equal(other.json.__type, 'ResourceNotFoundException');
    assert.equal(other.json.message, notFound('fill', B));
  });
});

describe('the default account (--account-id)', () => {
  it('keys that are not account ids map to --account-id, and its ARNs name it', async () => {
    const server = await startServer({ args: ['--account-id', '333333333333', '--region', 'us-west-2'] });
    try {
      const c = server.client({ credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, region: 'us-west-2' });
      await c.send(new CreateStreamCommand({ StreamName: 's', ShardCount: 1 }));
      assert.equal((await describe_(c, { StreamName: 's' })).StreamARN, arnOf('333333333333', 'us-west-2', 's'));
      const byAccountKey = server.client({ credentials: { accessKeyId: '333333333333', secretAccessKey: 'x' }, region: 'us-west-2' });
      assert.deepEqual(await names(byAccountKey), ['s'], 'the 12-digit key of the default account is the same account');
    } finally {
      await server.stop();
      server.cleanup();
    }
  });
});
