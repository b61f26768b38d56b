// Control plane: CreateStream, DeleteStream, DescribeStream, ListStreams, StreamARN targeting,
// and lifecycle transitions that survive a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AddTagsToStreamCommand, CreateStreamCommand, DeleteStreamCommand, DescribeStreamCommand, GetRecordsCommand,
  GetShardIteratorCommand, ListStreamsCommand, ListTagsForStreamCommand, MergeShardsCommand, PutRecordCommand, SplitShardCommand,
  paginateListStreams,
  waitUntilStreamExists, waitUntilStreamNotExists,
} from '@aws-sdk/client-kinesis';
import { ACCOUNT, rawRequest, REGION, rejectsWith, shardId, startServer, useServer, waitFor } from './helpers.mjs';

const SPACE = 1n << 128n;
const MAX_HASH = SPACE - 1n;
const arnOf = (name) => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
const notFoundMessage = (name, account = ACCOUNT) => `Stream ${name} under account ${account} not found.`;
const limitMessage = (open, limit, adding) =>
  `This request would exceed the shard limit for the account ${ACCOUNT} in ${REGION}. ` +
  `Current shard count for the account: ${open}. Limit: ${limit}. ` +
  `Number of additional shards that would have resulted from this request: ${adding}. ` +
  'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
  'for current limits and how to request higher limits.';

/** A raw JSON request that must fail with `type` and exactly `message`. */
async function rawRejects(endpoint, target, body, type, message) {
  const res = await rawRequest(endpoint, { target, body });
  assert.equal(res.status, 400, res.body.toString());
  assert.equal(res.json.__type, type, res.body.toString());
  if (message !== undefined) assert.equal(res.json.message, message);
  return res.json;
}

async function describe1(client, name) {
  return (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
}

describe('CreateStream and DeleteStream lifecycle with delays', () => {
  let server;
  let client;
  useServer({ args: ['--create-stream-ms', '300', '--delete-stream-ms', '300'] }, (s) => { server = s; client = s.client(); });

  it('answers CREATING at once, with no shards, then ACTIVE after the delay', async () => {
    const started = Date.now();
    await client.send(new CreateStreamCommand({ StreamName: 'life', ShardCount: 3 }));
    const first = await describe1(client, 'life');
    assert.equal(first.StreamStatus, 'CREATING');
    assert.deepEqual(first.Shards, []);
    assert.equal(first.HasMoreShards, false);
    assert.equal(first.StreamName, 'life');
    assert.equal(first.StreamARN, arnOf('life'));
    assert.equal(first.RetentionPeriodHours, 24);
    // Writes to a stream that is not yet ACTIVE find nothing.
    await rejectsWith(client.send(new PutRecordCommand({ StreamName: 'life', PartitionKey: 'k', Data: Buffer.from('x') })),
      'ResourceNotFoundException', notFoundMessage('life'));
    const active = await waitFor(async () => {
      const d = await describe1(client, 'life');
      return d.StreamStatus === 'ACTIVE' ? d : undefined;
    }, { timeoutMs: 5000, intervalMs: 25 });
    assert.ok(Date.now() - started >= 250, `became ACTIVE after only ${Date.now() - started} ms`);
    assert.equal(active.Shards.length, 3);
    assert.deepEqual(active.Shards.map((s) => s.ShardId), [shardId(0), shardId(1), shardId(2)]);
    const put = await client.send(new PutRecordCommand({ StreamName: 'life', PartitionKey: 'k', Data: Buffer.from('x') }));
    assert.match(put.SequenceNumber, /^\d{56}$/);
  });

  it('works with the SDK waiters waitUntilStreamExists and waitUntilStreamNotExists', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'waited', ShardCount: 1 }));
    assert.equal((await describe1(client, 'waited')).StreamStatus, 'CREATING');
    const exists = await waitUntilStreamExists({ client, minDelay: 0.05, maxDelay: 0.1, maxWaitTime: 10 }, { StreamName: 'waited' });
    assert.equal(exists.state, 'SUCCESS');
    assert.equal((await describe1(client, 'waited')).StreamStatus, 'ACTIVE');

    await client.send(new DeleteStreamCommand({ StreamName: 'waited' }));
    const gone = await waitUntilStreamNotExists({ client, minDelay: 0.05, maxDelay: 0.1, maxWaitTime: 10 }, { StreamName: 'waited' });
    assert.equal(gone.state, 'SUCCESS');
    await rejectsWith(describe1(client, 'waited'), 'ResourceNotFoundException', notFoundMessage('waited'));
  });

  it('DeleteStream shows DELETING, then the stream is gone', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'doomed', ShardCount: 2 }));
    await waitUntilStreamExists({ client, minDelay: 0.05, maxDelay: 0.1, maxWaitTime: 10 }, { StreamName: 'doomed' });
    await client.send(new AddTagsToStreamCommand({ StreamName: 'doomed', Tags: { a: '1' } }));
    const raw = await rawRequest(server.endpoint, { target: 'DeleteStream', body: { StreamName: 'doomed' } });
    assert.equal(raw.status, 200);
    assert.equal(raw.body.length, 0, 'DeleteStream answers with an empty body');
    const deleting = await describe1(client, 'doomed');
    assert.equal(deleting.StreamStatus, 'DELETING');
    assert.deepEqual(deleting.Shards, []);
    assert.equal(deleting.HasMoreShards, false);
    await waitFor(async () => {
      try { await describe1(client, 'doomed'); return false; } catch (err) { return err.name === 'ResourceNotFoundException'; }
    });
    await rejectsWith(client.send(new DeleteStreamCommand({ StreamName: 'doomed' })), 'ResourceNotFoundException', notFoundMessage('doomed'));
    // The name is free again, and the old tags are not carried over.
    await client.send(new CreateStreamCommand({ StreamName: 'doomed', ShardCount: 1 }));
    const tags = await client.send(new ListTagsForStreamCommand({ StreamName: 'doomed' }));
    assert.deepEqual(tags.Tags, []);
  });

  it('allows deleting a stream that is still CREATING', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'early', ShardCount: 1 }));
    assert.equal((await describe1(client, 'early')).StreamStatus, 'CREATING');
    await client.send(new DeleteStreamCommand({ StreamName: 'early' }));
    assert.equal((await describe1(client, 'early')).StreamStatus, 'DELETING');
    // It never becomes ACTIVE on the way out.
    const seen = new Set();
    await waitFor(async () => {
      try { seen.add((await describe1(client, 'early')).StreamStatus); return false; } catch (err) { return err.name === 'ResourceNotFoundException'; }
    });
    assert.ok(!seen.has('ACTIVE'), `statuses seen: ${[...seen]}`);
  });

  it('refuses a duplicate name while the first stream is still CREATING', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'twice', ShardCount: 1 }));
    await rejectsWith(client.send(new CreateStreamCommand({ StreamName: 'twice', ShardCount: 1 })),
      'ResourceInUseException', `Stream twice under account ${ACCOUNT} already exists.`);
  });

  it('refuses resharding a stream that is CREATING or DELETING', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'busy', ShardCount: 2 }));
    await rejectsWith(client.send(new SplitShardCommand({ StreamName: 'busy', ShardToSplit: shardId(0), NewStartingHashKey: '100' })),
      'ResourceInUseException', `Stream busy under account ${ACCOUNT} not ACTIVE, instead in state CREATING`);
    await rejectsWith(client.send(new MergeShardsCommand({ StreamName: 'busy', ShardToMerge: shardId(0), AdjacentShardToMerge: shardId(1) })),
      'ResourceInUseException', `Stream busy under account ${ACCOUNT} not ACTIVE, instead in state CREATING`);
    await client.send(new DeleteStreamCommand({ StreamName: 'busy' }));
    await rejectsWith(client.send(new SplitShardCommand({ StreamName: 'busy', ShardToSplit: shardId(0), NewStartingHashKey: '100' })),
      'ResourceInUseException', `Stream busy under account ${ACCOUNT} not ACTIVE, instead in state DELETING`);
  });
});

describe('CreateStream shapes and validation', () => {
  let server;
  let client;
  useServer((s) => { server = s; client = s.client(); });

  for (const n of [1, 2, 3, 5]) {
    it(`divides the hash space evenly over ${n} shard(s)`, async () => {
      const name = `even-${n}`;
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: n }));
      const d = await describe1(client, name);
      assert.equal(d.StreamStatus, 'ACTIVE');
      assert.equal(d.Shards.length, n);
      const w = SPACE / BigInt(n);
      d.Shards.forEach((s, i) => {
        assert.equal(s.ShardId, shardId(i));
        assert.equal(s.HashKeyRange.StartingHashKey, (w * BigInt(i)).toString());
        assert.equal(s.HashKeyRange.EndingHashKey, (i === n - 1 ? MAX_HASH : w * BigInt(i + 1) - 1n).toString());
        assert.equal(s.ParentShardId, undefined);
        assert.equal(s.AdjacentParentShardId, undefined);
        assert.match(s.SequenceNumberRange.StartingSequenceNumber, /^\d{56}$/);
        assert.equal(s.SequenceNumberRange.EndingSequenceNumber, undefined);
      });
      // Contiguous and complete.
      for (let i = 1; i < n; i++) {
        assert.equal(BigInt(d.Shards[i].HashKeyRange.StartingHashKey), BigInt(d.Shards[i - 1].HashKeyRange.EndingHashKey) + 1n);
      }
    });
  }

  it('matches the published boundaries for 2 and 3 shards', async () => {
    const two = await describe1(client, 'even-2');
    assert.equal(two.Shards[1].HashKeyRange.StartingHashKey, '170141183460469231731687303715884105728');
    const three = await describe1(client, 'even-3');
    assert.deepEqual(three.Shards.map((s) => [s.HashKeyRange.StartingHashKey, s.HashKeyRange.EndingHashKey]), [
      ['0', '113427455640312821154458202477256070484'],
      ['113427455640312821154458202477256070485', '226854911280625642308916404954512140969'],
      ['226854911280625642308916404954512140970', '340282366920938463463374607431768211455'],
    ]);
  });

  it('describes the stream fully: ARN, status, retention, mode, timestamps, monitoring', async () => {
    const before = Date.now();
    await client.send(new CreateStreamCommand({ StreamName: 'full.desc_1-x', ShardCount: 1 }));
    const d = await describe1(client, 'full.desc_1-x');
    assert.equal(d.StreamARN, 'arn:aws:kinesis:us-east-1:000000000000:stream/full.desc_1-x');
    assert.equal(d.StreamStatus, 'ACTIVE');
    assert.equal(d.RetentionPeriodHours, 24);
    assert.equal(d.EncryptionType, 'NONE');
    assert.equal(d.KeyId, undefined);
    assert.deepEqual(d.StreamModeDetails, { StreamMode: 'PROVISIONED' });
    assert.deepEqual(d.EnhancedMonitoring, [{ ShardLevelMetrics: [] }]);
    assert.equal(d.HasMoreShards, false);
    assert.ok(d.StreamCreationTimestamp instanceof Date);
    assert.ok(Math.abs(d.StreamCreationTimestamp.getTime() - before) < 5000, `creation time ${d.StreamCreationTimestamp.toISOString()}`);
    // On the wire: epoch seconds, and no null members anywhere.
    const raw = await rawRequest(server.endpoint, { target: 'DescribeStream', body: { StreamName: 'full.desc_1-x' } });
    assert.equal(raw.status, 200);
    assert.equal(typeof raw.json.StreamDescription.StreamCreationTimestamp, 'number');
    assert.ok(raw.json.StreamDescription.StreamCreationTimestamp < 1e11, 'timestamp is in seconds');
    assert.ok(!raw.body.toString().includes('null'), raw.body.toString());
  });

  it('answers CreateStream with an empty 200 body', async () => {
    const res = await rawRequest(server.endpoint, { target: 'CreateStream', body: { StreamName: 'emptybody', ShardCount: 1 } });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 0);
  });

  it('refuses a duplicate stream name with ResourceInUseException', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'dup', ShardCount: 1 }));
    await rejectsWith(client.send(new CreateStreamCommand({ StreamName: 'dup', ShardCount: 2 })),
      'ResourceInUseException', `Stream dup under account ${ACCOUNT} already exists.`);
    assert.equal((await describe1(client, 'dup')).Shards.length, 1, 'the first stream is untouched');
  });

  it('attaches Tags given on create', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'tagged', ShardCount: 1, Tags: { team: 'data', env: 'test' } }));
    const out = await client.send(new ListTagsForStreamCommand({ StreamName: 'tagged' }));
    assert.deepEqual(out.Tags, [{ Key: 'env', Value: 'test' }, { Key: 'team', Value: 'data' }]);
    assert.equal(out.HasMoreTags, false);
  });

  it('creates an ON_DEMAND stream with 4 shards and shows its mode', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'od', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    const d = await describe1(client, 'od');
    assert.deepEqual(d.StreamModeDetails, { StreamMode: 'ON_DEMAND' });
    assert.equal(d.Shards.length, 4);
    assert.equal(d.Shards[3].HashKeyRange.EndingHashKey, MAX_HASH.toString());
    const list = await client.send(new ListStreamsCommand({ ExclusiveStartStreamName: 'oc', Limit: 1 }));
    assert.equal(list.StreamSummaries[0].StreamName, 'od');
    assert.deepEqual(list.StreamSummaries[0].StreamModeDetails, { StreamMode: 'ON_DEMAND' });
    await rejectsWith(client.send(new CreateStreamCommand({ StreamName: 'od2', ShardCount: 2, StreamModeDetails: { StreamMode: 'ON_DEMAND' } })),
      'ValidationException');
    await rejectsWith(describe1(client, 'od2'), 'ResourceNotFoundException');
    // PROVISIONED given explicitly still needs a ShardCount.
    await rejectsWith(client.send(new CreateStreamCommand({ StreamName: 'prov', StreamModeDetails: { StreamMode: 'PROVISIONED' } })),
      'ValidationException', "1 validation error detected: Value null at 'shardCount' failed to satisfy constraint: Member must not be null");
  });

  it('honours MaxRecordSizeInKiB and validates its range', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'big', ShardCount: 1, MaxRecordSizeInKiB: 2048 }));
    const data = Buffer.alloc(1536 * 1024, 7);
    const put = await client.send(new PutRecordCommand({ StreamName: 'big', PartitionKey: 'k', Data: data }));
    assert.equal(put.ShardId, shardId(0));
    // The same record on a default (1 MiB) stream is too large.
    await client.send(new CreateStreamCommand({ StreamName: 'small', ShardCount: 1 }));
    await rejectsWith(client.send(new PutRecordCommand({ StreamName: 'small', PartitionKey: 'k', Data: data })), 'ValidationException');
    await rawRejects(server.endpoint, 'CreateStream', { StreamName: 'tiny', ShardCount: 1, MaxRecordSizeInKiB: 100 }, 'ValidationException',
      "1 validation error detected: Value '100' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value greater than or equal to 1024");
    await rawRejects(server.endpoint, 'CreateStream', { StreamName: 'huge', ShardCount: 1, MaxRecordSizeInKiB: 10241 }, 'ValidationException',
      "1 validation error detected: Value '10241' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value less than or equal to 10240");
  });

  it('validates stream names in the service format', async () => {
    const e = server.endpoint;
    const PATTERN = 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+';
    await rawRejects(e, 'CreateStream', { StreamName: 'a b', ShardCount: 1 }, 'ValidationException',
      `1 validation error detected: Value 'a b' at 'streamName' failed to satisfy constraint: ${PATTERN}`);
    await rawRejects(e, 'CreateStream', { StreamName: 'slash/name', ShardCount: 1 }, 'ValidationException',
      `1 validation error detected: Value 'slash/name' at 'streamName' failed to satisfy constraint: ${PATTERN}`);
    await rawRejects(e, 'CreateStream', { StreamName: '', ShardCount: 1 }, 'ValidationException',
      `2 validation errors detected: Value '' at 'streamName' failed to satisfy constraint: ${PATTERN}; ` +
      "Value '' at 'streamName' failed to satisfy constraint: Member must have length greater than or equal to 1");
    const long = 'a'.repeat(129);
    await rawRejects(e, 'CreateStream', { StreamName: long, ShardCount: 1 }, 'ValidationException',
      `1 validation error detected: Value '${long}' at 'streamName' failed to satisfy constraint: Member must have length less than or equal to 128`);
    // 128 characters is fine.
    await client.send(new CreateStreamCommand({ StreamName: 'b'.repeat(128), ShardCount: 1 }));
    // Two members wrong at once: both listed (the service's order is not stable, so compare as a set).
    const two = await rawRejects(e, 'CreateStream', { StreamName: 'a b', ShardCount: 0 }, 'ValidationException');
    assert.ok(two.message.startsWith('2 validation errors detected: '), two.message);
    assert.deepEqual(two.message.slice('2 validation errors detected: '.length).split('; ').sort(), [
      "Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
      `Value 'a b' at 'streamName' failed to satisfy constraint: ${PATTERN}`,
    ]);
    // Validation comes before the existence check.
    await rawRejects(e, 'DescribeStream', { StreamName: 'no such' }, 'ValidationException',
      `1 validation error detected: Value 'no such' at 'streamName' failed to satisfy constraint: ${PATTERN}`);
  });

  it('requires ShardCount for a PROVISIONED stream', async () => {
    await rawRejects(server.endpoint, 'CreateStream', { StreamName: 'noshards' }, 'ValidationException',
      "1 validation error detected: Value null at 'shardCount' failed to satisfy constraint: Member must not be null");
    await rejectsWith(client.send(new CreateStreamCommand({ StreamName: 'noshards' })), 'ValidationException',
      "1 validation error detected: Value null at 'shardCount' failed to satisfy constraint: Member must not be null");
    await rejectsWith(describe1(client, 'noshards'), 'ResourceNotFoundException');
  });

  it('answers ResourceNotFoundException for a stream that does not exist', async () => {
    await rejectsWith(describe1(client, 'missing'), 'ResourceNotFoundException', notFoundMessage('missing'));
    await rejectsWith(client.send(new DeleteStreamCommand({ StreamName: 'missing' })), 'ResourceNotFoundException', notFoundMessage('missing'));
  });
});

describe('account shard limit', () => {
  let server;
  let client;
  useServer({ args: ['--shard-limit', '5'] }, (s) => { server = s; client = s.client(); });

  it('refuses a stream that would exceed the limit, with the service message', async () => {
    await rejectsWith(client.send(new CreateStreamCommand({ StreamName: 'toobig', ShardCount: 6 })), 'LimitExceededException', limitMessage(0, 5, 6));
    await client.send(new CreateStreamCommand({ StreamName: 'three', ShardCount: 3 }));
    await rejectsWith(client.send(new CreateStreamCommand({ StreamName: 'another', ShardCount: 3 })), 'LimitExceededException', limitMessage(3, 5, 3));
    await rejectsWith(client.send(new CreateStreamCommand({ StreamName: 'od', StreamModeDetails: { StreamMode: 'ON_DEMAND' } })),
      'LimitExceededException', limitMessage(3, 5, 4));
    await rejectsWith(describe1(client, 'another'), 'ResourceNotFoundException');
    // Exactly up to the limit is allowed.
    await client.send(new CreateStreamCommand({ StreamName: 'two', ShardCount: 2 }));
    await rejectsWith(client.send(new CreateStreamCommand({ StreamName: 'one', ShardCount: 1 })), 'LimitExceededException', limitMessage(5, 5, 1));
    // Deleting a stream gives its shards back.
    await client.send(new DeleteStreamCommand({ StreamName: 'three' }));
    await client.send(new CreateStreamCommand({ StreamName: 'one', ShardCount: 3 }));
  });
});

describe('DescribeStream paging', () => {
  let server;
  let client;
  useServer(async (s) => {
    server = s;
    client = s.client();
    await client.send(new CreateStreamCommand({ StreamName: 'paged', ShardCount: 7 }));
  });

  it('pages with Limit, ExclusiveStartShardId and HasMoreShards', async () => {
    const first = (await client.send(new DescribeStreamCommand({ StreamName: 'paged', Limit: 3 }))).StreamDescription;
    assert.deepEqual(first.Shards.map((s) => s.ShardId), [0, 1, 2].map(shardId));
    assert.equal(first.HasMoreShards, true);
    const second = (await client.send(new DescribeStreamCommand({ StreamName: 'paged', Limit: 3, ExclusiveStartShardId: shardId(2) }))).StreamDescription;
    assert.deepEqual(second.Shards.map((s) => s.ShardId), [3, 4, 5].map(shardId));
    assert.equal(second.HasMoreShards, true);
    const third = (await client.send(new DescribeStreamCommand({ StreamName: 'paged', Limit: 3, ExclusiveStartShardId: shardId(5) }))).StreamDescription;
    assert.deepEqual(third.Shards.map((s) => s.ShardId), [shardId(6)]);
    assert.equal(third.HasMoreShards, false);
    const exact = (await client.send(new DescribeStreamCommand({ StreamName: 'paged', Limit: 7 }))).StreamDescription;
    assert.equal(exact.Shards.length, 7);
    assert.equal(exact.HasMoreShards, false);
    const past = (await client.send(new DescribeStreamCommand({ StreamName: 'paged', ExclusiveStartShardId: shardId(6) }))).StreamDescription;
    assert.deepEqual(past.Shards, []);
    assert.equal(past.HasMoreShards, false);
  });

  it('pages by hand through every shard (the SDK has no DescribeStream paginator)', async () => {
    const ids = [];
    let start;
    for (let pages = 0; pages < 20; pages++) {
      const d = (await client.send(new DescribeStreamCommand({ StreamName: 'paged', Limit: 2, ...(start ? { ExclusiveStartShardId: start } : {}) }))).StreamDescription;
      ids.push(...d.Shards.map((s) => s.ShardId));
      if (!d.HasMoreShards) break;
      start = d.Shards[d.Shards.length - 1].ShardId;
    }
    assert.deepEqual(ids, [0, 1, 2, 3, 4, 5, 6].map(shardId));
  });

  it('validates Limit and ExclusiveStartShardId', async () => {
    await rawRejects(server.endpoint, 'DescribeStream', { StreamName: 'paged', Limit: 0 }, 'ValidationException',
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
    await rawRejects(server.endpoint, 'DescribeStream', { StreamName: 'paged', Limit: 10001 }, 'ValidationException',
      "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000");
    await rawRejects(server.endpoint, 'DescribeStream', { StreamName: 'paged', ExclusiveStartShardId: 'bad id' }, 'ValidationException',
      "1 validation error detected: Value 'bad id' at 'exclusiveStartShardId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  });
});

describe('ListStreams paging', () => {
  let server;
  let client;
  const names = [];
  before(async () => {
    server = await startServer();
    client = server.client();
    // 105 names created out of order; ListStreams must sort them.
    for (let i = 0; i < 105; i++) names.push(`ls-${String((i * 37) % 105).padStart(3, '0')}`);
    for (let i = 0; i < names.length; i += 15) {
      await Promise.all(names.slice(i, i + 15).map((n) => client.send(new CreateStreamCommand({ StreamName: n, ShardCount: 1 }))));
    }
    names.sort();
  });
  after(async () => { await server.stop(); server.cleanup(); });

  it('returns at most 100 names by default and for a larger Limit', async () => {
    const all = await client.send(new ListStreamsCommand({}));
    assert.equal(all.StreamNames.length, 100);
    assert.deepEqual(all.StreamNames, names.slice(0, 100));
    assert.equal(all.HasMoreStreams, true);
    assert.ok(all.NextToken);
    const big = await client.send(new ListStreamsCommand({ Limit: 1000 }));
    assert.equal(big.StreamNames.length, 100);
    assert.equal(big.HasMoreStreams, true);
  });

  it('pages with Limit, ExclusiveStartStreamName and HasMoreStreams', async () => {
    const seen = [];
    let start;
    for (let pages = 0; pages < 50; pages++) {
      const out = await client.send(new ListStreamsCommand({ Limit: 10, ...(start ? { ExclusiveStartStreamName: start } : {}) }));
      assert.ok(out.StreamNames.length <= 10);
      seen.push(...out.StreamNames);
      if (!out.HasMoreStreams) break;
      start = out.StreamNames[out.StreamNames.length - 1];
    }
    assert.deepEqual(seen, names);
    // ExclusiveStartStreamName is exclusive and need not name an existing stream.
    const mid = await client.send(new ListStreamsCommand({ Limit: 2, ExclusiveStartStreamName: 'ls-050' }));
    assert.deepEqual(mid.StreamNames, ['ls-051', 'ls-052']);
    const between = await client.send(new ListStreamsCommand({ Limit: 1, ExclusiveStartStreamName: 'ls-050a' }));
    assert.deepEqual(between.StreamNames, ['ls-051']);
    const end = await client.send(new ListStreamsCommand({ ExclusiveStartStreamName: 'ls-104' }));
    assert.deepEqual(end.StreamNames, []);
    assert.equal(end.HasMoreStreams, false);
    assert.equal(end.NextToken, undefined);
  });

  it('pages with NextToken and returns StreamSummaries', async () => {
    const seen = [];
    let token;
    let pages = 0;
    for (; pages < 50; pages++) {
      const out = await client.send(new ListStreamsCommand(token ? { NextToken: token, Limit: 7 } : { Limit: 7 }));
      assert.deepEqual(out.StreamSummaries.map((s) => s.StreamName), out.StreamNames);
      for (const s of out.StreamSummaries) {
        assert.equal(s.StreamARN, arnOf(s.StreamName));
        assert.equal(s.StreamStatus, 'ACTIVE');
        assert.deepEqual(s.StreamModeDetails, { StreamMode: 'PROVISIONED' });
        assert.ok(s.StreamCreationTimestamp instanceof Date);
      }
      seen.push(...out.StreamNames);
      assert.equal(out.HasMoreStreams, out.NextToken !== undefined);
      if (!out.NextToken) break;
      token = out.NextToken;
    }
    assert.equal(pages + 1, 15, 'page count');
    assert.deepEqual(seen, names);
  });

  it('reaches the last page with the SDK paginator paginateListStreams', async () => {
    const seen = [];
    let pages = 0;
    for await (const page of paginateListStreams({ client, pageSize: 25 }, {})) {
      pages++;
      seen.push(...page.StreamNames);
    }
    assert.equal(pages, 5);
    assert.deepEqual(seen, names);
  });

  it('refuses NextToken with ExclusiveStartStreamName, and a token that is not one', async () => {
    const { NextToken } = await client.send(new ListStreamsCommand({ Limit: 1 }));
    await rejectsWith(client.send(new ListStreamsCommand({ NextToken, ExclusiveStartStreamName: 'ls-000' })), 'InvalidArgumentException');
    await rejectsWith(client.send(new ListStreamsCommand({ NextToken: 'bm90IGEgdG9rZW4=' })), 'InvalidArgumentException');
    await rawRejects(server.endpoint, 'ListStreams', { Limit: 0 }, 'ValidationException',
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
  });

  it('expires a NextToken after 300 seconds', async () => {
    const { NextToken } = await client.send(new ListStreamsCommand({ Limit: 3 }));
    const page = await client.send(new ListStreamsCommand({ NextToken }));
    assert.equal(page.StreamNames[0], names[3], 'the token works while fresh');
    await server.advanceClock(301_000);
    await rejectsWith(client.send(new ListStreamsCommand({ NextToken })), 'ExpiredNextTokenException');
    // A fresh one works again.
    const fresh = await client.send(new ListStreamsCommand({ Limit: 3 }));
    const next = await client.send(new ListStreamsCommand({ NextToken: fresh.NextToken, Limit: 1 }));
    assert.deepEqual(next.StreamNames, [names[3]]);
  });
});

describe('StreamARN in place of StreamName', () => {
  let server;
  let client;
  useServer(async (s) => {
    server = s;
    client = s.client();
    await client.send(new CreateStreamCommand({ StreamName: 'byarn', ShardCount: 2 }));
    await client.send(new CreateStreamCommand({ StreamName: 'other', ShardCount: 1 }));
  });

  it('accepts StreamARN in DescribeStream, tags, PutRecord, GetShardIterator and DeleteStream', async () => {
    const StreamARN = arnOf('byarn');
    const d = (await client.send(new DescribeStreamCommand({ StreamARN }))).StreamDescription;
    assert.equal(d.StreamName, 'byarn');
    assert.equal(d.StreamARN, StreamARN);
    // Both given and agreeing is fine; StreamId is accepted and ignored.
    const both = (await client.send(new DescribeStreamCommand({ StreamARN, StreamName: 'byarn' }))).StreamDescription;
    assert.equal(both.StreamName, 'byarn');
    const withId = await rawRequest(server.endpoint, { target: 'DescribeStream', body: { StreamARN, StreamId: 'abcdefghij0123456789-abc' } });
    assert.equal(withId.status, 200, withId.body.toString());

    await client.send(new AddTagsToStreamCommand({ StreamARN, Tags: { via: 'arn' } }));
    const tags = await client.send(new ListTagsForStreamCommand({ StreamName: 'byarn' }));
    assert.deepEqual(tags.Tags, [{ Key: 'via', Value: 'arn' }]);
    assert.deepEqual((await client.send(new ListTagsForStreamCommand({ StreamARN }))).Tags, [{ Key: 'via', Value: 'arn' }]);

    const put = await client.send(new PutRecordCommand({ StreamARN, PartitionKey: 'p', Data: Buffer.from('via arn') }));
    const { ShardIterator } = await client.send(new GetShardIteratorCommand({
      StreamARN, ShardId: put.ShardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: put.SequenceNumber,
    }));
    const got = await client.send(new GetRecordsCommand({ ShardIterator, StreamARN }));
    assert.equal(Buffer.from(got.Records[0].Data).toString(), 'via arn');

    await client.send(new DeleteStreamCommand({ StreamARN }));
    await rejectsWith(client.send(new DescribeStreamCommand({ StreamARN })), 'ResourceNotFoundException', notFoundMessage('byarn'));
  });

  it('refuses a StreamName and StreamARN that disagree', async () => {
    await rejectsWith(client.send(new DescribeStreamCommand({ StreamName: 'other', StreamARN: arnOf('byarn2') })), 'InvalidArgumentException');
    await rejectsWith(client.send(new PutRecordCommand({ StreamName: 'other', StreamARN: arnOf('nope'), PartitionKey: 'k', Data: Buffer.from('x') })),
      'InvalidArgumentException');
    await rejectsWith(client.send(new AddTagsToStreamCommand({ StreamName: 'other', StreamARN: arnOf('nope'), Tags: { a: 'b' } })),
      'InvalidArgumentException');
    assert.deepEqual((await client.send(new ListTagsForStreamCommand({ StreamName: 'other' }))).Tags, []);
  });

  it('needs one of StreamName and StreamARN, and a well-formed ARN', async () => {
    const res = await rawRequest(server.endpoint, { target: 'DescribeStream', body: {} });
    assert.equal(res.status, 400);
    assert.ok(['InvalidArgumentException', 'ValidationException'].includes(res.json.__type), res.body.toString());
    await rawRejects(server.endpoint, 'DescribeStream', { StreamARN: 'arn:aws:s3:::bucket' }, 'ValidationException',
      "1 validation error detected: Value 'arn:aws:s3:::bucket' at 'streamARN' failed to satisfy constraint: " +
      'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+');
  });

  it('does not find a stream through an ARN of another account or region', async () => {
    await rejectsWith(client.send(new DescribeStreamCommand({ StreamARN: 'arn:aws:kinesis:us-east-1:111111111111:stream/other' })),
      'ResourceNotFoundException', notFoundMessage('other', '111111111111'));
    await rejectsWith(client.send(new DescribeStreamCommand({ StreamARN: 'arn:aws:kinesis:eu-west-1:000000000000:stream/other' })),
      'ResourceNotFoundException');
  });
});

describe('pending transitions across a restart', () => {
  it('a stream CREATING (or DELETING) when the server stops becomes ACTIVE (or gone) after the restart', async () => {
    const first = await startServer({ args: ['--create-stream-ms', '2000', '--delete-stream-ms', '2000'] });
    try {
      const c1 = first.client();
      await c1.send(new CreateStreamCommand({ StreamName: 'restart-create', ShardCount: 2 }));
      await c1.send(new CreateStreamCommand({ StreamName: 'restart-delete', ShardCount: 1 }));
      assert.equal((await describe1(c1, 'restart-create')).StreamStatus, 'CREATING');
      await c1.send(new DeleteStreamCommand({ StreamName: 'restart-delete' }));
      assert.equal((await describe1(c1, 'restart-delete')).StreamStatus, 'DELETING');
      await first.stop();

      const second = await startServer({ dataDir: first.dataDir });
      try {
        const c2 = second.client();
        const d = await waitFor(async () => {
          const x = await describe1(c2, 'restart-create');
          return x.StreamStatus === 'ACTIVE' ? x : undefined;
        });
        assert.equal(d.Shards.length, 2);
        await waitFor(async () => {
          try { await describe1(c2, 'restart-delete'); return false; } catch (err) { return err.name === 'ResourceNotFoundException'; }
        });
        const list = await c2.send(new ListStreamsCommand({}));
        assert.deepEqual(list.StreamNames, ['restart-create']);
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
      first.cleanup();
    }
  });
});
