// Enhanced fan-out consumers: RegisterStreamConsumer, DescribeStreamConsumer, ListStreamConsumers,
// DeregisterStreamConsumer; their lifecycle (with delays, across a restart), limits, pagination,
// DeleteStream with consumers, ConsumerCount, and tags and policies on consumer ARNs.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  AddTagsToStreamCommand, CreateStreamCommand, DeleteResourcePolicyCommand, DeleteStreamCommand, DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand, DescribeStreamSummaryCommand, GetResourcePolicyCommand, ListStreamConsumersCommand,
  ListTagsForResourceCommand, ListTagsForStreamCommand, PutResourcePolicyCommand, RegisterStreamConsumerCommand,
  TagResourceCommand, UntagResourceCommand, paginateListStreamConsumers,
} from '@aws-sdk/client-kinesis';
import { ACCOUNT, rawRequest, REGION, rejectsWith, startServer, useServer, tempDir, waitFor } from './helpers.mjs';

const streamArn = (name) => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
const NO_DELAYS = ['--register-consumer-ms', '0', '--deregister-consumer-ms', '0'];

const register = (client, stream, name, extra = {}) =>
  client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn(stream), ConsumerName: name, ...extra })).then((r) => r.Consumer);
const describeArn = (client, ConsumerARN) =>
  client.send(new DescribeStreamConsumerCommand({ ConsumerARN })).then((r) => r.ConsumerDescription);

describe('consumer lifecycle with delays', () => {
  let server;
  let client;
  useServer({ args: ['--register-consumer-ms', '300', '--deregister-consumer-ms', '300'] }, async (s) => {
    server = s;
    client = s.client();
    await client.send(new CreateStreamCommand({ StreamName: 'life', ShardCount: 1 }));
  });

  it('registers CREATING with an ARN in AWS form, becomes ACTIVE, deregisters DELETING, then is gone', async () => {
    const started = Date.now();
    const consumer = await register(client, 'life', 'app');
    assert.equal(consumer.ConsumerName, 'app');
    assert.equal(consumer.ConsumerStatus, 'CREATING');
    assert.ok(consumer.ConsumerCreationTimestamp instanceof Date);
    const seconds = Math.floor(consumer.ConsumerCreationTimestamp.getTime() / 1000);
    assert.equal(consumer.ConsumerARN, `${streamArn('life')}/consumer/app:${seconds}`);

    const creating = await describeArn(client, consumer.ConsumerARN);
    assert.deepEqual(creating, { ...consumer, StreamARN: streamArn('life') });
    // By StreamARN and ConsumerName, and with all three when they agree.
    const byName = await client.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn('life'), ConsumerName: 'app' }));
    assert.equal(byName.ConsumerDescription.ConsumerARN, consumer.ConsumerARN);
    await client.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn('life'), ConsumerName: 'app', ConsumerARN: consumer.ConsumerARN }));

    const active = await waitFor(async () => {
      const d = await describeArn(client, consumer.ConsumerARN);
      return d.ConsumerStatus === 'ACTIVE' ? d : undefined;
    });
    assert.ok(Date.now() - started >= 250, `ACTIVE after only ${Date.now() - started} ms`);
    assert.equal(active.ConsumerARN, consumer.ConsumerARN);

    await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumer.ConsumerARN }));
    assert.equal((await describeArn(client, consumer.ConsumerARN)).ConsumerStatus, 'DELETING');
    // Listed while DELETING, then gone.
    const listed = await client.send(new ListStreamConsumersCommand({ StreamARN: streamArn('life') }));
    assert.deepEqual(listed.Consumers.map((c) => [c.ConsumerName, c.ConsumerStatus]), [['app', 'DELETING']]);
    await waitFor(async () => {
      try {
        await describeArn(client, consumer.ConsumerARN);
        return false;
      } catch (err) {
        assert.equal(err.name, 'ResourceNotFoundException');
        assert.equal(err.message, `Consumer app under stream life under account ${ACCOUNT} not found.`);
        return true;
      }
    });
    assert.deepEqual((await client.send(new ListStreamConsumersCommand({ StreamARN: streamArn('life') }))).Consumers, []);
  });

  it('gives a consumer registered again under the same name a new ARN; the old ARN names nothing', async () => {
    const first = await register(client, 'life', 'again');
    await client.send(new DeregisterStreamConsumerCommand({ StreamARN: streamArn('life'), ConsumerName: 'again' }));
    await server.advanceClock(2000);
    const second = await register(client, 'life', 'again');
    assert.notEqual(second.ConsumerARN, first.ConsumerARN);
    await rejectsWith(describeArn(client, first.ConsumerARN), 'ResourceNotFoundException');
    assert.equal((await describeArn(client, second.ConsumerARN)).ConsumerName, 'again');
  });

  it('completes CREATING after a restart on the same data', async () => {
    const dataDir = tempDir();
    const args = ['--register-consumer-ms', '60000', '--deregister-consumer-ms', '60000'];
    let s = await startServer({ dataDir, args });
    try {
      let c = s.client();
      await c.send(new CreateStreamCommand({ StreamName: 'kept', ShardCount: 1 }));
      const consumer = await register(c, 'kept', 'durable');
      await s.stop();
      s = await startServer({ dataDir, args });
      c = s.client();
      assert.equal((await describeArn(c, consumer.ConsumerARN)).ConsumerStatus, 'CREATING');
      await s.advanceClock(60_001);
      assert.equal((await describeArn(c, consumer.ConsumerARN)).ConsumerStatus, 'ACTIVE');
      await c.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumer.ConsumerARN }));
      await s.stop();
      s = await startServer({ dataDir, args });
      c = s.client();
      assert.equal((await describeArn(c, consumer.ConsumerARN)).ConsumerStatus, 'DELETING');
      await s.advanceClock(120_002);
      await rejectsWith(describeArn(c, consumer.ConsumerARN), 'ResourceNotFoundException');
    } finally {
      await s.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('consumer limits and errors', () => {
  let server;
  let client;
  useServer({ args: NO_DELAYS }, async (s) => {
    server = s;
    client = s.client();
    await client.send(new CreateStreamCommand({ StreamName: 'lim', ShardCount: 1 }));
  });

  it('allows 20 consumers a stream, then LimitExceededException; ConsumerCount counts them', async () => {
    for (let i = 0; i < 20; i++) await register(client, 'lim', `c${String(i).padStart(2, '0')}`);
    await rejectsWith(register(client, 'lim', 'one-too-many'), 'LimitExceededException', /limit of 20 consumers for stream lim/);
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: 'lim' }));
    assert.equal(summary.StreamDescriptionSummary.ConsumerCount, 20);
    await client.send(new DeregisterStreamConsumerCommand({ StreamARN: streamArn('lim'), ConsumerName: 'c00' }));
    assert.equal((await client.send(new DescribeStreamSummaryCommand({ StreamName: 'lim' }))).StreamDescriptionSummary.ConsumerCount, 19);
    await register(client, 'lim', 'replacement');
  });

  it('refuses a name in use, unknown streams and consumers, and ambiguous targets', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'errs', ShardCount: 1 }));
    const c = await register(client, 'errs', 'dup');
    await rejectsWith(register(client, 'errs', 'dup'), 'ResourceInUseException', `Consumer dup under stream errs under account ${ACCOUNT} already exists.`);
    await rejectsWith(register(client, 'nostream', 'x'), 'ResourceNotFoundException', `Stream nostream under account ${ACCOUNT} not found.`);
    await rejectsWith(describeArn(client, `${streamArn('errs')}/consumer/dup:1`), 'ResourceNotFoundException',
      `Consumer dup under stream errs under account ${ACCOUNT} not found.`);
    await rejectsWith(client.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn('errs'), ConsumerName: 'nobody' })),
      'ResourceNotFoundException', `Consumer nobody under stream errs under account ${ACCOUNT} not found.`);
    await rejectsWith(client.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn('errs') })), 'InvalidArgumentException',
      'Either ConsumerARN or both StreamARN and ConsumerName must be provided.');
    await rejectsWith(client.send(new DeregisterStreamConsumerCommand({})), 'InvalidArgumentException');
    await rejectsWith(client.send(new DescribeStreamConsumerCommand({ ConsumerARN: c.ConsumerARN, ConsumerName: 'other' })), 'InvalidArgumentException');
    await rejectsWith(client.send(new DescribeStreamConsumerCommand({ ConsumerARN: c.ConsumerARN, StreamARN: streamArn('lim') })), 'InvalidArgumentException');
    // The model's validation comes first.
    const bad = await rawRequest(server.endpoint, { target: 'RegisterStreamConsumer', body: { StreamARN: streamArn('errs'), ConsumerName: 'no spaces' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.__type, 'ValidationException');
  });

  it('refuses DeleteStream while consumers are registered, unless EnforceConsumerDeletion', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'del', ShardCount: 1 }));
    const c = await register(client, 'del', 'holder');
    await rejectsWith(client.send(new DeleteStreamCommand({ StreamName: 'del' })), 'ResourceInUseException', /has 1 registered consumers/);
    await rejectsWith(client.send(new DeleteStreamCommand({ StreamName: 'del', EnforceConsumerDeletion: false })), 'ResourceInUseException');
    assert.equal((await describeArn(client, c.ConsumerARN)).ConsumerStatus, 'ACTIVE', 'a refused delete changes nothing');
    await client.send(new DeleteStreamCommand({ StreamName: 'del', EnforceConsumerDeletion: true }));
    await rejectsWith(describeArn(client, c.ConsumerARN), 'ResourceNotFoundException', `Stream del under account ${ACCOUNT} not found.`);
    // A stream made again under the name starts without consumers.
    await client.send(new CreateStreamCommand({ StreamName: 'del', ShardCount: 1 }));
    assert.deepEqual((await client.send(new ListStreamConsumersCommand({ StreamARN: streamArn('del') }))).Consumers, []);
    assert.equal((await client.send(new DescribeStreamSummaryCommand({ StreamName: 'del' }))).StreamDescriptionSummary.ConsumerCount, 0);
    // Without consumers, a plain DeleteStream works.
    await client.send(new DeleteStreamCommand({ StreamName: 'del' }));
  });

  it('keeps a consumer\'s tags and policy apart from its stream\'s, and drops them with it', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'tagged', ShardCount: 1, Tags: { owner: 'stream' } }));
    const c = await register(client, 'tagged', 'app', { Tags: { team: 'a', tier: 'gold' } });
    const tagsOf = async (ResourceARN) => (await client.send(new ListTagsForResourceCommand({ ResourceARN }))).Tags;
    assert.deepEqual(await tagsOf(c.ConsumerARN), [{ Key: 'team', Value: 'a' }, { Key: 'tier', Value: 'gold' }]);
    await client.send(new TagResourceCommand({ ResourceARN: c.ConsumerARN, Tags: { team: 'b', extra: 'x' } }));
    await client.send(new UntagResourceCommand({ ResourceARN: c.ConsumerARN, TagKeys: ['tier'] }));
    assert.deepEqual(await tagsOf(c.ConsumerARN), [{ Key: 'extra', Value: 'x' }, { Key: 'team', Value: 'b' }]);
    assert.deepEqual((await client.send(new ListTagsForStreamCommand({ StreamName: 'tagged' }))).Tags, [{ Key: 'owner', Value: 'stream' }]);
    await client.send(new AddTagsToStreamCommand({ StreamName: 'tagged', Tags: { more: 'y' } }));
    assert.equal((await tagsOf(c.ConsumerARN)).length, 2, 'stream tags do not reach the consumer');
    const fifty = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
    await rejectsWith(client.send(new TagResourceCommand({ ResourceARN: c.ConsumerARN, Tags: fifty })), 'InvalidArgumentException', /cannot have more than 50 tags/);
    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    await rejectsWith(register(client, 'tagged', 'toomany', { Tags: tooMany }), 'InvalidArgumentException');

    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kinesis:SubscribeToShard', Resource: c.ConsumerARN }] });
    await client.send(new PutResourcePolicyCommand({ ResourceARN: c.ConsumerARN, Policy: policy }));
    assert.equal((await client.send(new GetResourcePolicyCommand({ ResourceARN: c.ConsumerARN }))).Policy, policy);
    assert.equal((await client.send(new GetResourcePolicyCommand({ ResourceARN: streamArn('tagged') }))).Policy, '{}');
    await client.send(new DeleteResourcePolicyCommand({ ResourceARN: c.ConsumerARN }));
    assert.equal((await client.send(new GetResourcePolicyCommand({ ResourceARN: c.ConsumerARN }))).Policy, '{}');
    await client.send(new PutResourcePolicyCommand({ ResourceARN: c.ConsumerARN, Policy: policy }));

    await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: c.ConsumerARN }));
    await rejectsWith(tagsOf(c.ConsumerARN), 'ResourceNotFoundException');
    await rejectsWith(client.send(new GetResourcePolicyCommand({ ResourceARN: c.ConsumerARN })), 'ResourceNotFoundException');
  });
});

describe('consumers CREATING at once', () => {
  let server;
  let client;
  useServer({ args: ['--register-consumer-ms', '600000'] }, async (s) => {
    server = s;
    client = s.client();
    for (const s of ['a', 'b']) await client.send(new CreateStreamCommand({ StreamName: s, ShardCount: 1 }));
  });

  it('allows 5 CREATING in an account, across its streams; a 6th waits for one to become ACTIVE', async () => {
    for (let i = 0; i < 3; i++) await register(client, 'a', `a${i}`);
    for (let i = 0; i < 2; i++) await register(client, 'b', `b${i}`);
    await rejectsWith(register(client, 'b', 'sixth'), 'LimitExceededException', /5 consumers in CREATING status/);
    await server.advanceClock(600_001);
    assert.equal((await client.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn('a'), ConsumerName: 'a0' }))).ConsumerDescription.ConsumerStatus, 'ACTIVE');
    await register(client, 'b', 'sixth');
  });
});

describe('ListStreamConsumers pagination', () => {
  let server;
  let client;
  const names = Array.from({ length: 17 }, (_, i) => `consumer-${String(i).padStart(2, '0')}`);
  before(async () => {
    server = await startServer({ args: NO_DELAYS });
    client = server.client();
    await client.send(new CreateStreamCommand({ StreamName: 'pages', ShardCount: 1 }));
    for (const n of [...names].reverse()) await register(client, 'pages', n);
  });
  after(async () => { await server.stop(); server.cleanup(); });

  it('pages with MaxResults and NextToken, and the SDK paginator reaches the last page', async () => {
    const all = await client.send(new ListStreamConsumersCommand({ StreamARN: streamArn('pages') }));
    assert.deepEqual(all.Consumers.map((c) => c.ConsumerName), names);
    assert.equal(all.NextToken, undefined);
    assert.ok(all.Consumers.every((c) => c.ConsumerStatus === 'ACTIVE' && c.ConsumerARN.startsWith(`${streamArn('pages')}/consumer/`)));

    const pages = [];
    for await (const page of paginateListStreamConsumers({ client, pageSize: 5 }, { StreamARN: streamArn('pages') })) pages.push(page);
    assert.deepEqual(pages.map((p) => p.Consumers.length), [5, 5, 5, 2]);
    assert.deepEqual(pages.flatMap((p) => p.Consumers.map((c) => c.ConsumerName)), names);
    assert.equal(pages[3].NextToken, undefined);

    // Exactly a page's worth leaves no token behind.
    const exact = await client.send(new ListStreamConsumersCommand({ StreamARN: streamArn('pages'), MaxResults: 17 }));
    assert.equal(exact.NextToken, undefined);
  });

  it('refuses a token for another stream, a forged one, and one older than 300 s', async () => {
    const first = await client.send(new ListStreamConsumersCommand({ StreamARN: streamArn('pages'), MaxResults: 2 }));
    assert.ok(first.NextToken);
    await client.send(new CreateStreamCommand({ StreamName: 'other', ShardCount: 1 }));
    await rejectsWith(client.send(new ListStreamConsumersCommand({ StreamARN: streamArn('other'), NextToken: first.NextToken })), 'InvalidArgumentException');
    await rejectsWith(client.send(new ListStreamConsumersCommand({ StreamARN: streamArn('pages'), NextToken: 'bm90IGEgdG9rZW4gYXQgYWxsLCBqdXN0IHRleHQ=' })),
      'InvalidArgumentException', 'Invalid NextToken: bm90IGEgdG9rZW4gYXQgYWxsLCBqdXN0IHRleHQ=');
    const second = await client.send(new ListStreamConsumersCommand({ StreamARN: streamArn('pages'), NextToken: first.NextToken, MaxResults: 2 }));
    assert.deepEqual(second.Consumers.map((c) => c.ConsumerName), names.slice(2, 4));
    await server.advanceClock(301_000);
    await rejectsWith(client.send(new ListStreamConsumersCommand({ StreamARN: streamArn('pages'), NextToken: second.NextToken })),
      'ExpiredNextTokenException', `The timestamp on the NextToken has expired: ${second.NextToken}`);
  });

  it('checks StreamCreationTimestamp against the stream', async () => {
    const summary = (await client.send(new DescribeStreamSummaryCommand({ StreamName: 'pages' }))).StreamDescriptionSummary;
    const ok = await client.send(new ListStreamConsumersCommand({ StreamARN: streamArn('pages'), StreamCreationTimestamp: summary.StreamCreationTimestamp, MaxResults: 1 }));
    assert.equal(ok.Consumers.length, 1);
    await rejectsWith(client.send(new ListStreamConsumersCommand({ StreamARN: streamArn('pages'), StreamCreationTimestamp: new Date(1_000_000) })), 'ResourceNotFoundException');
  });
});
