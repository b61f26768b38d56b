// ListShards: paging with an opaque, expiring NextToken that must come alone, MaxResults (at most
// 1000 a page), ExclusiveStartShardId, StreamCreationTimestamp, and every ShardFilter type over a
// shard lineage (split, merge) as the trim horizon moves past it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateStreamCommand, DeleteStreamCommand, DescribeStreamCommand, DescribeStreamSummaryCommand, KinesisClient,
  ListShardsCommand, MergeShardsCommand, SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { createPaginator } from '@smithy/core';
import { ACCOUNT, rawRequest, REGION, rejectsWith, shardId, startServer, useServer } from './helpers.mjs';

const SPACE = 1n << 128n;
const HOUR = 3_600_000;
const arnOf = (name) => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
const ids = (shards) => shards.map((s) => s.ShardId);

/** Every page of a listing, following NextToken alone as AWS requires. */
async function listAll(client, first) {
  const pages = [];
  let out = await client.send(new ListShardsCommand(first));
  pages.push(out);
  while (out.NextToken) {
    out = await client.send(new ListShardsCommand({ NextToken: out.NextToken, ...(first.MaxResults ? { MaxResults: first.MaxResults } : {}) }));
    pages.push(out);
  }
  return { pages, shards: pages.flatMap((p) => p.Shards) };
}

describe('ListShards paging and arguments', () => {
  let server;
  let client;
  useServer({ args: ['--shard-limit', '2000'] }, async (s) => {
    server = s;
    client = s.client();
    await client.send(new CreateStreamCommand({ StreamName: 'ls-small', ShardCount: 3 }));
    await client.send(new CreateStreamCommand({ StreamName: 'ls-25', ShardCount: 25 }));
    await client.send(new CreateStreamCommand({ StreamName: 'ls-big', ShardCount: 1203 }));
  });

  it('lists every shard with its ranges, by StreamName or StreamARN, as DescribeStream shows them', async () => {
    const byName = await client.send(new ListShardsCommand({ StreamName: 'ls-small' }));
    const byArn = await client.send(new ListShardsCommand({ StreamARN: arnOf('ls-small') }));
    const described = (await client.send(new DescribeStreamCommand({ StreamName: 'ls-small' }))).StreamDescription.Shards;
    assert.deepEqual(byName.Shards, described);
    assert.deepEqual(byArn.Shards, described);
    assert.equal(byName.NextToken, undefined);
    assert.deepEqual(ids(byName.Shards), [shardId(0), shardId(1), shardId(2)]);
    const third = SPACE / 3n;
    assert.deepEqual(byName.Shards.map((s) => s.HashKeyRange), [
      { StartingHashKey: '0', EndingHashKey: String(third - 1n) },
      { StartingHashKey: String(third), EndingHashKey: String(2n * third - 1n) },
      { StartingHashKey: String(2n * third), EndingHashKey: String(SPACE - 1n) },
    ]);
    for (const s of byName.Shards) {
      assert.match(s.SequenceNumberRange.StartingSequenceNumber, /^\d{56}$/);
      assert.equal(s.SequenceNumberRange.EndingSequenceNumber, undefined);
    }
  });

  it('pages with MaxResults and a NextToken used alone, to the last page', async () => {
    const { pages, shards } = await listAll(client, { StreamName: 'ls-25', MaxResults: 10 });
    assert.deepEqual(pages.map((p) => p.Shards.length), [10, 10, 5]);
    assert.equal(pages[2].NextToken, undefined, 'the last page has no NextToken');
    assert.deepEqual(ids(shards), Array.from({ length: 25 }, (_, i) => shardId(i)));
    // A later page may ask for a different page size.
    const first = await client.send(new ListShardsCommand({ StreamName: 'ls-25', MaxResults: 20 }));
    const rest = await client.send(new ListShardsCommand({ NextToken: first.NextToken, MaxResults: 2 }));
    assert.deepEqual(ids(rest.Shards), [shardId(20), shardId(21)]);
    assert.ok(rest.NextToken);
  });

  it('returns at most 1000 shards a page, by default and whatever MaxResults (up to 10000) asks', async () => {
    const byDefault = await client.send(new ListShardsCommand({ StreamName: 'ls-big' }));
    assert.equal(byDefault.Shards.length, 1000);
    assert.ok(byDefault.NextToken);
    const asked = await client.send(new ListShardsCommand({ StreamName: 'ls-big', MaxResults: 10000 }));
    assert.equal(asked.Shards.length, 1000);
    const { pages, shards } = await listAll(client, { StreamName: 'ls-big' });
    assert.deepEqual(pages.map((p) => p.Shards.length), [1000, 203]);
    assert.equal(new Set(ids(shards)).size, 1203);
    assert.equal(shards[1202].ShardId, shardId(1202));
  });

  it('SDK v3 has no paginateListShards; a paginator built the way the SDK builds them is refused on page 2, as by AWS', async () => {
    // @aws-sdk/client-kinesis generates paginators only for operations the model marks as paginated,
    // and ListShards is not, because a NextToken must come without StreamName. This is the paginator
    // the SDK would generate: it resends the first input with the token, which AWS refuses.
    const paginateListShards = createPaginator(KinesisClient, ListShardsCommand, 'NextToken', 'NextToken', 'MaxResults');
    const seen = [];
    await rejectsWith((async () => {
      for await (const page of paginateListShards({ client, pageSize: 10 }, { StreamName: 'ls-25' })) seen.push(...page.Shards);
    })(), 'InvalidArgumentException', 'NextToken and StreamName cannot be provided together.');
    assert.equal(seen.length, 10, 'the first page came back');
  });

  it('refuses a NextToken together with anything that names the stream or the start (InvalidArgumentException)', async () => {
    const { NextToken } = await client.send(new ListShardsCommand({ StreamName: 'ls-25', MaxResults: 5 }));
    const cases = [
      [{ StreamName: 'ls-25' }, 'StreamName'],
      [{ StreamARN: arnOf('ls-25') }, 'StreamARN'],
      [{ ExclusiveStartShardId: shardId(3) }, 'ExclusiveStartShardId'],
      [{ StreamCreationTimestamp: new Date() }, 'StreamCreationTimestamp'],
      [{ ShardFilter: { Type: 'AT_LATEST' } }, 'ShardFilter'],
    ];
    for (const [extra, name] of cases) {
      await rejectsWith(client.send(new ListShardsCommand({ NextToken, ...extra })),
        'InvalidArgumentException', `NextToken and ${name} cannot be provided together.`);
    }
  });

  it('refuses a NextToken it did not issue, or one for another account (InvalidArgumentException)', async () => {
    await rejectsWith(client.send(new ListShardsCommand({ NextToken: 'bm90IGEgdG9rZW4gYXQgYWxsIGJ1dCBsb25nIGVub3VnaA==' })),
      'InvalidArgumentException', /^Invalid NextToken/);
    const { NextToken } = await client.send(new ListShardsCommand({ StreamName: 'ls-25', MaxResults: 5 }));
    const other = server.client({ credentials: { accessKeyId: '111122223333', secretAccessKey: 'x' } });
    await rejectsWith(other.send(new ListShardsCommand({ NextToken })), 'InvalidArgumentException', /^Invalid NextToken/);
  });

  it('needs a stream or a NextToken, and answers ResourceNotFoundException for an unknown stream', async () => {
    await rejectsWith(client.send(new ListShardsCommand({})), 'InvalidArgumentException', 'Either NextToken or StreamName should be provided.');
    await rejectsWith(client.send(new ListShardsCommand({ StreamName: 'ls-none' })), 'ResourceNotFoundException',
      `Stream ls-none under account ${ACCOUNT} not found.`);
    await rejectsWith(client.send(new ListShardsCommand({ StreamARN: arnOf('ls-none') })), 'ResourceNotFoundException',
      `Stream ls-none under account ${ACCOUNT} not found.`);
  });

  it('validates MaxResults against the model (1..10000)', async () => {
    for (const MaxResults of [0, 10001]) {
      const res = await rawRequest(server.endpoint, { target: 'ListShards', body: { StreamName: 'ls-small', MaxResults } });
      assert.equal(res.status, 400);
      assert.equal(res.json.__type, 'ValidationException');
      assert.match(res.json.message, new RegExp(`Value '${MaxResults}' at 'maxResults' failed to satisfy constraint: Member must have value (greater|less) than or equal to (1|10000)`));
    }
  });

  it('starts after ExclusiveStartShardId, and pages on from there', async () => {
    const out = await client.send(new ListShardsCommand({ StreamName: 'ls-25', ExclusiveStartShardId: shardId(20) }));
    assert.deepEqual(ids(out.Shards), [21, 22, 23, 24].map(shardId));
    const { shards } = await listAll(client, { StreamName: 'ls-25', ExclusiveStartShardId: shardId(10), MaxResults: 4 });
    assert.deepEqual(ids(shards), Array.from({ length: 14 }, (_, i) => shardId(i + 11)));
    const none = await client.send(new ListShardsCommand({ StreamName: 'ls-25', ExclusiveStartShardId: shardId(24) }));
    assert.deepEqual(none.Shards, []);
    assert.equal(none.NextToken, undefined);
  });

  it('tells apart streams of the same name by StreamCreationTimestamp (ResourceNotFoundException when it does not match)', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'ls-again', ShardCount: 1 }));
    const old = (await client.send(new DescribeStreamSummaryCommand({ StreamName: 'ls-again' }))).StreamDescriptionSummary.StreamCreationTimestamp;
    await client.send(new DeleteStreamCommand({ StreamName: 'ls-again' }));
    await server.advanceClock(1000);
    await client.send(new CreateStreamCommand({ StreamName: 'ls-again', ShardCount: 2 }));
    const now = (await client.send(new DescribeStreamSummaryCommand({ StreamName: 'ls-again' }))).StreamDescriptionSummary.StreamCreationTimestamp;
    const out = await client.send(new ListShardsCommand({ StreamName: 'ls-again', StreamCreationTimestamp: now }));
    assert.equal(out.Shards.length, 2);
    await rejectsWith(client.send(new ListShardsCommand({ StreamName: 'ls-again', StreamCreationTimestamp: old })),
      'ResourceNotFoundException', `Stream ls-again under account ${ACCOUNT} not found.`);
  });

  it('lets a NextToken expire after 300 seconds (ExpiredNextTokenException)', async () => {
    const { NextToken } = await client.send(new ListShardsCommand({ StreamName: 'ls-25', MaxResults: 5 }));
    await server.advanceClock(299_000);
    const fresh = await client.send(new ListShardsCommand({ NextToken, MaxResults: 5 }));
    assert.deepEqual(ids(fresh.Shards), [5, 6, 7, 8, 9].map(shardId));
    await server.advanceClock(2_000);
    await rejectsWith(client.send(new ListShardsCommand({ NextToken, MaxResults: 5 })), 'ExpiredNextTokenException', /NextToken has expired/);
    // The token handed out a moment ago is still good.
    const next = await client.send(new ListShardsCommand({ NextToken: fresh.NextToken }));
    assert.equal(next.Shards[0].ShardId, shardId(10));
  });

  it('answers ResourceNotFoundException for a NextToken whose stream was deleted', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'ls-gone', ShardCount: 4 }));
    const { NextToken } = await client.send(new ListShardsCommand({ StreamName: 'ls-gone', MaxResults: 2 }));
    await client.send(new DeleteStreamCommand({ StreamName: 'ls-gone' }));
    await rejectsWith(client.send(new ListShardsCommand({ NextToken })), 'ResourceNotFoundException',
      `Stream ls-gone under account ${ACCOUNT} not found.`);
  });
});

describe('ListShards while a stream is being created', () => {
  let server;
  let client;
  useServer({ args: ['--create-stream-ms', '60000'] }, (s) => { server = s; client = s.client(); });

  it('answers ResourceInUseException until the stream is ACTIVE', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'ls-creating', ShardCount: 2 }));
    await rejectsWith(client.send(new ListShardsCommand({ StreamName: 'ls-creating' })), 'ResourceInUseException',
      `Stream ls-creating under account ${ACCOUNT} not ACTIVE, instead in state CREATING`);
    await server.advanceClock(60_000);
    const out = await client.send(new ListShardsCommand({ StreamName: 'ls-creating' }));
    assert.equal(out.Shards.length, 2);
  });
});

describe('ListShards ShardFilter over a shard lineage', () => {
  // Timeline (stream retention 24 h): T0 create shards 0, 1; T0+1h split 0 → 2, 3;
  // T0+2h merge 3 + 1 → 4. Open now: 2 and 4.
  let server;
  let client;
  let t0;
  const list = async (ShardFilter, extra = {}) =>
    ids((await listAll(client, { StreamName: 'lineage', ...(ShardFilter ? { ShardFilter } : {}), ...extra })).shards);
  const at = (ms) => new Date(ms);

  before(async () => {
    server = await startServer();
    client = server.client();
    await client.send(new CreateStreamCommand({ StreamName: 'lineage', ShardCount: 2 }));
    t0 = (await client.send(new DescribeStreamSummaryCommand({ StreamName: 'lineage' }))).StreamDescriptionSummary.StreamCreationTimestamp.getTime();
    await server.advanceClock(HOUR);
    await client.send(new SplitShardCommand({ StreamName: 'lineage', ShardToSplit: shardId(0), NewStartingHashKey: String(1n << 125n) }));
    await server.advanceClock(HOUR);
    await client.send(new MergeShardsCommand({ StreamName: 'lineage', ShardToMerge: shardId(3), AdjacentShardToMerge: shardId(1) }));
  });
  after(async () => { await server.stop(); server.cleanup(); });

  it('FROM_TRIM_HORIZON (and no filter) lists every shard within retention', async () => {
    assert.deepEqual(await list(), [0, 1, 2, 3, 4].map(shardId));
    assert.deepEqual(await list({ Type: 'FROM_TRIM_HORIZON' }), [0, 1, 2, 3, 4].map(shardId));
  });

  it('AT_LATEST lists the open shards', async () => {
    assert.deepEqual(await list({ Type: 'AT_LATEST' }), [2, 4].map(shardId));
  });

  it('AT_TRIM_HORIZON lists the shards open at the trim horizon (the first shards of a young stream)', async () => {
    assert.deepEqual(await list({ Type: 'AT_TRIM_HORIZON' }), [0, 1].map(shardId));
  });

  it('AT_TIMESTAMP lists the shards open at that moment', async () => {
    assert.deepEqual(await list({ Type: 'AT_TIMESTAMP', Timestamp: at(t0 + HOUR / 2) }), [0, 1].map(shardId));
    assert.deepEqual(await list({ Type: 'AT_TIMESTAMP', Timestamp: at(t0 + 1.5 * HOUR) }), [1, 2, 3].map(shardId));
    assert.deepEqual(await list({ Type: 'AT_TIMESTAMP', Timestamp: at(t0 + 2.5 * HOUR) }), [2, 4].map(shardId));
    // Before the stream existed: its first shards.
    assert.deepEqual(await list({ Type: 'AT_TIMESTAMP', Timestamp: at(t0 - HOUR) }), [0, 1].map(shardId));
  });

  it('FROM_TIMESTAMP lists the shards closed at or after that moment and the open ones', async () => {
    assert.deepEqual(await list({ Type: 'FROM_TIMESTAMP', Timestamp: at(t0 + 1.5 * HOUR) }), [1, 2, 3, 4].map(shardId));
    assert.deepEqual(await list({ Type: 'FROM_TIMESTAMP', Timestamp: at(t0 + 2.5 * HOUR) }), [2, 4].map(shardId));
    assert.deepEqual(await list({ Type: 'FROM_TIMESTAMP', Timestamp: at(t0 - HOUR) }), [0, 1, 2, 3, 4].map(shardId));
  });

  it('AFTER_SHARD_ID lists the shards after the given one', async () => {
    assert.deepEqual(await list({ Type: 'AFTER_SHARD_ID', ShardId: shardId(1) }), [2, 3, 4].map(shardId));
    assert.deepEqual(await list({ Type: 'AFTER_SHARD_ID', ShardId: shardId(4) }), []);
  });

  it('keeps the filter across pages of one shard each', async () => {
    assert.deepEqual(await list({ Type: 'AT_TIMESTAMP', Timestamp: at(t0 + 1.5 * HOUR) }, { MaxResults: 1 }), [1, 2, 3].map(shardId));
    assert.deepEqual(await list({ Type: 'AT_LATEST' }, { MaxResults: 1 }), [2, 4].map(shardId));
  });

  it('checks the members each filter type needs and allows (InvalidArgumentException)', async () => {
    await rejectsWith(client.send(new ListShardsCommand({ StreamName: 'lineage', ShardFilter: { Type: 'AFTER_SHARD_ID' } })),
      'InvalidArgumentException', 'ShardId must be specified in the ShardFilter when its Type is AFTER_SHARD_ID.');
    for (const Type of ['AT_TIMESTAMP', 'FROM_TIMESTAMP']) {
      await rejectsWith(client.send(new ListShardsCommand({ StreamName: 'lineage', ShardFilter: { Type } })),
        'InvalidArgumentException', `Timestamp must be specified in the ShardFilter when its Type is ${Type}.`);
    }
    await rejectsWith(client.send(new ListShardsCommand({ StreamName: 'lineage', ShardFilter: { Type: 'AT_LATEST', ShardId: shardId(1) } })),
      'InvalidArgumentException', 'ShardId can only be specified in the ShardFilter when its Type is AFTER_SHARD_ID, not AT_LATEST.');
    await rejectsWith(client.send(new ListShardsCommand({ StreamName: 'lineage', ShardFilter: { Type: 'AT_TRIM_HORIZON', Timestamp: new Date() } })),
      'InvalidArgumentException', 'Timestamp can only be specified in the ShardFilter when its Type is AT_TIMESTAMP or FROM_TIMESTAMP, not AT_TRIM_HORIZON.');
    const res = await rawRequest(server.endpoint, { target: 'ListShards', body: { StreamName: 'lineage', ShardFilter: { Type: 'LATEST' } } });
    assert.equal(res.json.__type, 'ValidationException');
  });

  it('drops shards from every listing once their data is past retention, as the trim horizon moves on', async () => {
    // Now ≈ T0+25.5h: the horizon (T0+1.5h) is past shard 0's end (T0+1h), not yet past 1's and 3's (T0+2h).
    await server.advanceClock(23.5 * HOUR);
    assert.deepEqual(await list(), [1, 2, 3, 4].map(shardId));
    assert.deepEqual(await list({ Type: 'AT_TRIM_HORIZON' }), [1, 2, 3].map(shardId));
    assert.deepEqual(await list({ Type: 'FROM_TIMESTAMP', Timestamp: at(t0) }), [1, 2, 3, 4].map(shardId));
    assert.deepEqual(await list({ Type: 'AT_TIMESTAMP', Timestamp: at(t0) }), [1, 2, 3].map(shardId), 'a moment before the horizon means the horizon');
    // Now ≈ T0+26.5h: only the open shards are left.
    await server.advanceClock(HOUR);
    assert.deepEqual(await list(), [2, 4].map(shardId));
    assert.deepEqual(await list({ Type: 'AT_TRIM_HORIZON' }), [2, 4].map(shardId));
    assert.deepEqual(await list({ Type: 'AFTER_SHARD_ID', ShardId: shardId(0) }), [2, 4].map(shardId));
  });
});
