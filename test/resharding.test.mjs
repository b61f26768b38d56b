// SplitShard and MergeShards: lifecycle, shard lineage, refusals with the service's messages,
// and reading records across a reshard (parent → children) exactly once and in per-key order.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  CreateStreamCommand, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, MergeShardsCommand,
  PutRecordCommand, PutRecordsCommand, SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { ACCOUNT, rawRequest, REGION, rejectsWith, shardId, startServer, useServer, waitFor } from './helpers.mjs';

const SPACE = 1n << 128n;
const MAX_HASH = SPACE - 1n;
const HALF = 1n << 127n;
const arnOf = (name) => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
const md5 = (key) => BigInt('0x' + createHash('md5').update(key, 'utf8').digest('hex'));
const inRange = (hash, shard) => hash >= BigInt(shard.HashKeyRange.StartingHashKey) && hash <= BigInt(shard.HashKeyRange.EndingHashKey);
const limitMessage = (open, limit, adding) =>
  `This request would exceed the shard limit for the account ${ACCOUNT} in ${REGION}. ` +
  `Current shard count for the account: ${open}. Limit: ${limit}. ` +
  `Number of additional shards that would have resulted from this request: ${adding}. ` +
  'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
  'for current limits and how to request higher limits.';
const closedMessage = (stream, shard) =>
  `Shard ${shardId(shard)} in stream ${stream} under account ${ACCOUNT} has already been merged or split, and thus is not eligible for merging or splitting.`;
const notActiveMessage = (stream, status) => `Stream ${stream} under account ${ACCOUNT} not ACTIVE, instead in state ${status}`;
const rangeMessage = (key, shard, stream, start, end) =>
  `NewStartingHashKey ${key} used in SplitShard() on shard ${shardId(shard)} in stream ${stream} under account ${ACCOUNT} ` +
  `is not both greater than one plus the shard's StartingHashKey ${start} and less than the shard's EndingHashKey ${end}.`;

async function describeAll(client, name) {
  const shards = [];
  let d;
  for (let start; ;) {
    d = (await client.send(new DescribeStreamCommand({ StreamName: name, ...(start ? { ExclusiveStartShardId: start } : {}) }))).StreamDescription;
    shards.push(...d.Shards);
    if (!d.HasMoreShards) break;
    start = d.Shards[d.Shards.length - 1].ShardId;
  }
  return { ...d, Shards: shards };
}

const byId = (d) => Object.fromEntries(d.Shards.map((s) => [s.ShardId, s]));
const split = (client, StreamName, shard, key) =>
  client.send(new SplitShardCommand({ StreamName, ShardToSplit: shardId(shard), NewStartingHashKey: key.toString() }));
const merge = (client, StreamName, a, b) =>
  client.send(new MergeShardsCommand({ StreamName, ShardToMerge: shardId(a), AdjacentShardToMerge: shardId(b) }));

/** Reads one shard from TRIM_HORIZON to its end (closed) or to an empty page (open). */
async function readShard(client, StreamName, ShardId, limit = 10000) {
  let { ShardIterator: it } = await client.send(new GetShardIteratorCommand({ StreamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
  const records = [];
  for (let i = 0; i < 1000; i++) {
    const out = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: limit }));
    records.push(...out.Records);
    if (!out.NextShardIterator) return { records, closed: true, childShards: out.ChildShards, last: out };
    assert.equal(out.ChildShards, undefined, 'ChildShards only at the end of a closed shard');
    if (out.Records.length === 0) return { records, closed: false, last: out };
    it = out.NextShardIterator;
  }
  throw new Error('shard never ended');
}

describe('resharding lifecycle with a delay (--update-stream-ms 300)', () => {
  let server;
  let client;
  useServer({ args: ['--update-stream-ms', '300'] }, (s) => { server = s; client = s.client(); });

  it('SplitShard: UPDATING with reads and writes working, then ACTIVE with the new lineage', async () => {
    const name = 'split-slow';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const before = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('before') }));
    const started = Date.now();
    const res = await rawRequest(server.endpoint, { target: 'SplitShard', body: { StreamName: name, ShardToSplit: shardId(0), NewStartingHashKey: HALF.toString() } });
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.body.length, 0);

    const updating = await describeAll(client, name);
    assert.equal(updating.StreamStatus, 'UPDATING');
    assert.deepEqual(updating.Shards.map((s) => s.ShardId), [shardId(0)]);
    assert.equal(updating.Shards[0].SequenceNumberRange.EndingSequenceNumber, undefined, 'the parent is still open while UPDATING');

    // Writes and reads keep working while UPDATING; writes still go to the parent.
    const during = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'b', Data: Buffer.from('during') }));
    assert.equal(during.ShardId, shardId(0));
    const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shardId(0), ShardIteratorType: 'TRIM_HORIZON' }));
    const read = await client.send(new GetRecordsCommand({ ShardIterator }));
    assert.deepEqual(read.Records.map((r) => Buffer.from(r.Data).toString()), ['before', 'during']);

    // A second reshard while UPDATING is refused.
    await rejectsWith(split(client, name, 0, HALF / 2n), 'ResourceInUseException', notActiveMessage(name, 'UPDATING'));
    await rejectsWith(merge(client, name, 0, 1), 'ResourceInUseException', notActiveMessage(name, 'UPDATING'));

    const active = await waitFor(async () => {
      const d = await describeAll(client, name);
      return d.StreamStatus === 'ACTIVE' ? d : undefined;
    });
    assert.ok(Date.now() - started >= 250, `ACTIVE after only ${Date.now() - started} ms`);
    const s = byId(active);
    assert.deepEqual(Object.keys(s), [0, 1, 2].map(shardId));
    const parentEnd = s[shardId(0)].SequenceNumberRange.EndingSequenceNumber;
    assert.match(parentEnd, /^\d{56}$/);
    assert.ok(BigInt(parentEnd) >= BigInt(during.SequenceNumber), 'the parent ends at or after its last record');
    assert.ok(BigInt(before.SequenceNumber) < BigInt(during.SequenceNumber));
    for (const child of [s[shardId(1)], s[shardId(2)]]) {
      assert.equal(child.ParentShardId, shardId(0));
      assert.equal(child.AdjacentParentShardId, undefined);
      assert.equal(child.SequenceNumberRange.EndingSequenceNumber, undefined);
      assert.ok(BigInt(child.SequenceNumberRange.StartingSequenceNumber) > BigInt(parentEnd),
        `child ${child.ShardId} starts at ${child.SequenceNumberRange.StartingSequenceNumber}, after the parent's end ${parentEnd}`);
    }
    assert.deepEqual(s[shardId(1)].HashKeyRange, { StartingHashKey: '0', EndingHashKey: (HALF - 1n).toString() });
    assert.deepEqual(s[shardId(2)].HashKeyRange, { StartingHashKey: HALF.toString(), EndingHashKey: MAX_HASH.toString() });
    assert.deepEqual(s[shardId(0)].HashKeyRange, { StartingHashKey: '0', EndingHashKey: MAX_HASH.toString() });
    // The closed parent cannot be split again.
    await rejectsWith(split(client, name, 0, HALF), 'InvalidArgumentException', closedMessage(name, 0));
  });

  it('MergeShards: UPDATING, then one child covering both ranges', async () => {
    const name = 'merge-slow';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
    const res = await rawRequest(server.endpoint, { target: 'MergeShards', body: { StreamName: name, ShardToMerge: shardId(0), AdjacentShardToMerge: shardId(1) } });
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.body.length, 0);
    assert.equal((await describeAll(client, name)).StreamStatus, 'UPDATING');
    const put = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'x', ExplicitHashKey: MAX_HASH.toString(), Data: Buffer.from('during') }));
    assert.equal(put.ShardId, shardId(1));
    await rejectsWith(split(client, name, 0, 5n), 'ResourceInUseException', notActiveMessage(name, 'UPDATING'));
    const active = await waitFor(async () => {
      const d = await describeAll(client, name);
      return d.StreamStatus === 'ACTIVE' ? d : undefined;
    });
    const s = byId(active);
    assert.deepEqual(Object.keys(s), [0, 1, 2].map(shardId));
    const child = s[shardId(2)];
    assert.equal(child.ParentShardId, shardId(0));
    assert.equal(child.AdjacentParentShardId, shardId(1));
    assert.deepEqual(child.HashKeyRange, { StartingHashKey: '0', EndingHashKey: MAX_HASH.toString() });
    for (const parent of [s[shardId(0)], s[shardId(1)]]) {
      const end = parent.SequenceNumberRange.EndingSequenceNumber;
      assert.match(end, /^\d{56}$/, `${parent.ShardId} is closed`);
      assert.ok(BigInt(child.SequenceNumberRange.StartingSequenceNumber) > BigInt(end));
    }
    assert.ok(BigInt(s[shardId(1)].SequenceNumberRange.EndingSequenceNumber) >= BigInt(put.SequenceNumber));
    const after = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'x', Data: Buffer.from('after') }));
    assert.equal(after.ShardId, shardId(2));
    await rejectsWith(merge(client, name, 0, 1), 'InvalidArgumentException', closedMessage(name, 0));
  });
});

describe('SplitShard and MergeShards refusals', () => {
  let server;
  let client;
  useServer(async (s) => {
    server = s;
    client = s.client();
    await client.send(new CreateStreamCommand({ StreamName: 'three', ShardCount: 3 }));
    await client.send(new CreateStreamCommand({ StreamName: 'ondemand', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
  });

  it('refuses to split or merge a shard that is already closed', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'closed', ShardCount: 1 }));
    await split(client, 'closed', 0, HALF);
    await rejectsWith(split(client, 'closed', 0, HALF / 2n), 'InvalidArgumentException', closedMessage('closed', 0));
    await rejectsWith(merge(client, 'closed', 0, 1), 'InvalidArgumentException', closedMessage('closed', 0));
    await merge(client, 'closed', 1, 2);
    await rejectsWith(merge(client, 'closed', 1, 2), 'InvalidArgumentException', closedMessage('closed', 1));
    await rejectsWith(split(client, 'closed', 2, HALF + 10n), 'InvalidArgumentException', closedMessage('closed', 2));
    const d = await describeAll(client, 'closed');
    assert.equal(d.StreamStatus, 'ACTIVE');
    assert.equal(d.Shards.length, 4, 'nothing changed after the refusals');
  });

  it('refuses a merge of shards that are not adjacent, or given in reverse order', async () => {
    const msg = (a, b) => `Shards ${shardId(a)} and ${shardId(b)} in stream three under account ${ACCOUNT} are not an adjacent pair of shards eligible for merging`;
    await rejectsWith(merge(client, 'three', 0, 2), 'InvalidArgumentException', msg(0, 2));
    await rejectsWith(merge(client, 'three', 1, 0), 'InvalidArgumentException', msg(1, 0));
    await rejectsWith(merge(client, 'three', 1, 1), 'InvalidArgumentException', msg(1, 1));
    assert.equal((await describeAll(client, 'three')).Shards.length, 3);
  });

  it('refuses a NewStartingHashKey outside the shard', async () => {
    const d = byId(await describeAll(client, 'three'));
    const s0 = d[shardId(0)].HashKeyRange;
    const s1 = d[shardId(1)].HashKeyRange;
    for (const key of ['0', '1', s0.EndingHashKey, s1.StartingHashKey, '999999999999999999999999999999999999999']) {
      await rejectsWith(split(client, 'three', 0, key), 'InvalidArgumentException', rangeMessage(key, 0, 'three', s0.StartingHashKey, s0.EndingHashKey));
    }
    const justAbove = (BigInt(s1.StartingHashKey) + 1n).toString();
    await rejectsWith(split(client, 'three', 1, justAbove), 'InvalidArgumentException', rangeMessage(justAbove, 1, 'three', s1.StartingHashKey, s1.EndingHashKey));
    await rejectsWith(split(client, 'three', 1, '5'), 'InvalidArgumentException', rangeMessage('5', 1, 'three', s1.StartingHashKey, s1.EndingHashKey));
    assert.equal((await describeAll(client, 'three')).Shards.length, 3);
    // The validation layer refuses what is not a hash key at all.
    const bad = await rawRequest(server.endpoint, { target: 'SplitShard', body: { StreamName: 'three', ShardToSplit: shardId(0), NewStartingHashKey: '-1' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.__type, 'ValidationException');
    assert.equal(bad.json.message, "1 validation error detected: Value '-1' at 'newStartingHashKey' failed to satisfy constraint: " +
      'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})');
  });

  it('accepts the tightest keys: start + 2 and end − 1', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'edges', ShardCount: 1 }));
    await split(client, 'edges', 0, 2n);
    await split(client, 'edges', 2, MAX_HASH - 1n);
    const s = byId(await describeAll(client, 'edges'));
    assert.deepEqual(s[shardId(1)].HashKeyRange, { StartingHashKey: '0', EndingHashKey: '1' });
    assert.deepEqual(s[shardId(2)].HashKeyRange, { StartingHashKey: '2', EndingHashKey: MAX_HASH.toString() });
    assert.deepEqual(s[shardId(3)].HashKeyRange, { StartingHashKey: '2', EndingHashKey: (MAX_HASH - 2n).toString() });
    assert.deepEqual(s[shardId(4)].HashKeyRange, { StartingHashKey: (MAX_HASH - 1n).toString(), EndingHashKey: MAX_HASH.toString() });
    assert.equal(s[shardId(3)].ParentShardId, shardId(2));
    assert.equal(s[shardId(4)].ParentShardId, shardId(2));
  });

  it('answers unknown shards and streams with the service messages', async () => {
    await rejectsWith(split(client, 'three', 5, HALF), 'ResourceNotFoundException',
      `Could not find shard ${shardId(5)} in stream three under account ${ACCOUNT}.`);
    await rejectsWith(client.send(new SplitShardCommand({ StreamName: 'three', ShardToSplit: 'shardId-5', NewStartingHashKey: '5' })),
      'ResourceNotFoundException', `Could not find shard ${shardId(5)} in stream three under account ${ACCOUNT}.`);
    await rejectsWith(merge(client, 'three', 2, 7), 'ResourceNotFoundException',
      `Could not find shard ${shardId(7)} in stream three under account ${ACCOUNT}.`);
    // A shard id that names no number is refused, as given, before the stream is looked up.
    await rejectsWith(client.send(new SplitShardCommand({ StreamName: 'nostream', ShardToSplit: 'ABKLFD8', NewStartingHashKey: '5' })),
      'ResourceNotFoundException', `Could not find shard ABKLFD8 in stream nostream under account ${ACCOUNT}.`);
    await rejectsWith(client.send(new MergeShardsCommand({ StreamName: 'nostream', ShardToMerge: shardId(0), AdjacentShardToMerge: 'shardId-002147483648' })),
      'ResourceNotFoundException', `Could not find shard shardId-002147483648 in stream nostream under account ${ACCOUNT}.`);
    await rejectsWith(split(client, 'nostream', 0, HALF), 'ResourceNotFoundException', `Stream nostream under account ${ACCOUNT} not found.`);
    await rejectsWith(merge(client, 'nostream', 0, 1), 'ResourceNotFoundException', `Stream nostream under account ${ACCOUNT} not found.`);
  });

  it('refuses resharding an ON_DEMAND stream', async () => {
    await rejectsWith(split(client, 'ondemand', 0, 5n), 'ValidationException');
    await rejectsWith(merge(client, 'ondemand', 0, 1), 'ValidationException');
    assert.equal((await describeAll(client, 'ondemand')).Shards.length, 4);
  });

  it('accepts StreamARN for SplitShard and MergeShards', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'arnsplit', ShardCount: 1 }));
    await client.send(new SplitShardCommand({ StreamARN: arnOf('arnsplit'), ShardToSplit: shardId(0), NewStartingHashKey: HALF.toString() }));
    await client.send(new MergeShardsCommand({ StreamARN: arnOf('arnsplit'), ShardToMerge: shardId(1), AdjacentShardToMerge: shardId(2) }));
    const s = byId(await describeAll(client, 'arnsplit'));
    assert.equal(s[shardId(3)].AdjacentParentShardId, shardId(2));
    await rejectsWith(client.send(new SplitShardCommand({ StreamName: 'three', StreamARN: arnOf('arnsplit'), ShardToSplit: shardId(3), NewStartingHashKey: '5' })),
      'InvalidArgumentException');
  });
});

describe('shard limit on split', () => {
  let server;
  let client;
  useServer({ args: ['--shard-limit', '3'] }, (s) => { server = s; client = s.client(); });

  it('refuses a split past the account limit and allows it after a merge', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'full', ShardCount: 3 }));
    await rejectsWith(split(client, 'full', 0, 100n), 'LimitExceededException', limitMessage(3, 3, 1));
    await merge(client, 'full', 0, 1);
    // Closed shards do not count: 2 open now.
    await split(client, 'full', 3, HALF / 2n);
    const d = await describeAll(client, 'full');
    assert.equal(d.Shards.filter((s) => !s.SequenceNumberRange.EndingSequenceNumber).length, 3);
    await rejectsWith(split(client, 'full', 2, MAX_HASH - 10n), 'LimitExceededException', limitMessage(3, 3, 1));
  });
});

describe('reading across a reshard', () => {
  let server;
  let client;
  useServer((s) => { server = s; client = s.client(); });

  it('keeps records written before a split readable from the closed parent, which ends with ChildShards', async () => {
    const name = 'parent-read';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const written = [];
    for (let i = 0; i < 5; i++) {
      written.push(await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: `k${i}`, Data: Buffer.from(`r${i}`) })));
    }
    await split(client, name, 0, HALF);
    // Paging with Limit 2: NextShardIterator until the end, then ChildShards and no iterator.
    const { records, closed, childShards } = await readShard(client, name, shardId(0), 2);
    assert.ok(closed);
    assert.deepEqual(records.map((r) => Buffer.from(r.Data).toString()), ['r0', 'r1', 'r2', 'r3', 'r4']);
    assert.deepEqual(records.map((r) => r.SequenceNumber), written.map((w) => w.SequenceNumber));
    assert.deepEqual(childShards, [
      { ShardId: shardId(1), ParentShards: [shardId(0)], HashKeyRange: { StartingHashKey: '0', EndingHashKey: (HALF - 1n).toString() } },
      { ShardId: shardId(2), ParentShards: [shardId(0)], HashKeyRange: { StartingHashKey: HALF.toString(), EndingHashKey: MAX_HASH.toString() } },
    ]);

    // On the wire the member is left out, never null.
    const { ShardIterator } = await client.send(new GetShardIteratorCommand({
      StreamName: name, ShardId: shardId(0), ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: written[4].SequenceNumber,
    }));
    const raw = await rawRequest(server.endpoint, { target: 'GetRecords', body: { ShardIterator } });
    assert.equal(raw.status, 200, raw.body.toString());
    assert.deepEqual(raw.json.Records, []);
    assert.ok(!('NextShardIterator' in raw.json), raw.body.toString());
    assert.equal(raw.json.ChildShards.length, 2);
    assert.ok(!raw.body.toString().includes('null'));

    // A LATEST iterator on the closed parent is at its end at once.
    const latest = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shardId(0), ShardIteratorType: 'LATEST' }));
    const end = await client.send(new GetRecordsCommand({ ShardIterator: latest.ShardIterator }));
    assert.deepEqual(end.Records, []);
    assert.equal(end.NextShardIterator, undefined);
    assert.equal(end.ChildShards.length, 2);

    // An open child is read as usual: an iterator, no ChildShards.
    const child = await readShard(client, name, shardId(1));
    assert.equal(child.closed, false);
    assert.equal(child.last.ChildShards, undefined);
  });

  it('sends new writes to the child whose range holds the hash key', async () => {
    const name = 'routing';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const keys = Array.from({ length: 20 }, (_, i) => `route-${i}`);
    for (const k of keys) {
      assert.equal((await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: k, Data: Buffer.from(k) }))).ShardId, shardId(0));
    }
    await split(client, name, 0, HALF);
    const s = byId(await describeAll(client, name));
    let low = 0;
    for (const k of keys) {
      const expected = inRange(md5(k), s[shardId(1)]) ? shardId(1) : shardId(2);
      if (expected === shardId(1)) low++;
      const put = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: k, Data: Buffer.from(k) }));
      assert.equal(put.ShardId, expected, `key ${k}`);
      // Always the same shard for the same key.
      assert.equal((await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: k, Data: Buffer.from(k) }))).ShardId, expected);
    }
    assert.ok(low > 0 && low < keys.length, 'the keys spread over both children');
    const explicit = async (h) => (await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'e', ExplicitHashKey: h.toString(), Data: Buffer.from('e') }))).ShardId;
    assert.equal(await explicit(0n), shardId(1));
    assert.equal(await explicit(HALF - 1n), shardId(1));
    assert.equal(await explicit(HALF), shardId(2));
    assert.equal(await explicit(MAX_HASH), shardId(2));
    const batch = await client.send(new PutRecordsCommand({
      StreamName: name,
      Records: keys.map((k) => ({ PartitionKey: k, Data: Buffer.from(k) })),
    }));
    assert.equal(batch.FailedRecordCount, 0);
    batch.Records.forEach((r, i) => assert.equal(r.ShardId, inRange(md5(keys[i]), s[shardId(1)]) ? shardId(1) : shardId(2)));
    // Nothing new lands in the closed parent.
    const parent = await readShard(client, name, shardId(0));
    assert.equal(parent.records.length, keys.length);
  });

  it('lets a reader follow parent → children and see every record exactly once, in per-key order', async () => {
    const name = 'lineage';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const keys = Array.from({ length: 16 }, (_, i) => `user-${i}`);
    const next = Object.fromEntries(keys.map((k) => [k, 0]));
    let total = 0;
    const writeBatch = async () => {
      const Records = [];
      for (let round = 0; round < 5; round++) {
        for (const k of keys) Records.push({ PartitionKey: k, Data: Buffer.from(`${k}#${next[k]++}`) });
      }
      const out = await client.send(new PutRecordsCommand({ StreamName: name, Records }));
      assert.equal(out.FailedRecordCount, 0);
      total += Records.length;
      return out;
    };
    await writeBatch(); //                       shard 0
    await split(client, name, 0, HALF); //       0 → 1 [0, 2^127), 2 [2^127, max]
    await writeBatch();
    await split(client, name, 1, HALF / 2n); //  1 → 3 [0, 2^126), 4 [2^126, 2^127)
    await writeBatch();
    await merge(client, name, 3, 4); //          3 + 4 → 5 [0, 2^127)
    await writeBatch();
    await split(client, name, 2, HALF + HALF / 2n); // 2 → 6, 7
    await writeBatch();

    const d = await describeAll(client, name);
    const shards = byId(d);
    assert.deepEqual(Object.keys(shards), [0, 1, 2, 3, 4, 5, 6, 7].map(shardId));
    assert.equal(shards[shardId(5)].ParentShardId, shardId(3));
    assert.equal(shards[shardId(5)].AdjacentParentShardId, shardId(4));
    assert.deepEqual(shards[shardId(5)].HashKeyRange, { StartingHashKey: '0', EndingHashKey: (HALF - 1n).toString() });
    for (const closed of [0, 1, 2, 3, 4]) assert.ok(shards[shardId(closed)].SequenceNumberRange.EndingSequenceNumber, `${closed} closed`);
    for (const open of [5, 6, 7]) assert.equal(shards[shardId(open)].SequenceNumberRange.EndingSequenceNumber, undefined);

    // A KCL-like reader: a shard is read only after all its parents are finished, and the
    // children to read next come from ChildShards at the end of each closed shard.
    const finished = new Set();
    const seen = Object.fromEntries(keys.map((k) => [k, []]));
    const allSeqs = new Set();
    const queue = d.Shards.filter((s) => !s.ParentShardId).map((s) => s.ShardId);
    const queued = new Set(queue);
    let count = 0;
    while (queue.length) {
      const id = queue.shift();
      const shard = shards[id];
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter(Boolean);
      assert.ok(parents.every((p) => finished.has(p)), `${id} read before its parents`);
      const { records, closed, childShards } = await readShard(client, name, id, 7);
      for (const r of records) {
        const [key, n] = Buffer.from(r.Data).toString().split('#');
        assert.equal(r.PartitionKey, key);
        assert.ok(inRange(md5(key), shard), `${key} found in ${id}, outside its range`);
        seen[key].push(Number(n));
        assert.ok(!allSeqs.has(`${id}/${r.SequenceNumber}`));
        allSeqs.add(`${id}/${r.SequenceNumber}`);
        count++;
      }
      finished.add(id);
      assert.equal(closed, Boolean(shard.SequenceNumberRange.EndingSequenceNumber), `${id} closed state`);
      if (!closed) continue;
      const expectedChildren = d.Shards.filter((s) => s.ParentShardId === id || s.AdjacentParentShardId === id).map((s) => s.ShardId);
      assert.deepEqual(childShards.map((c) => c.ShardId), expectedChildren, `children of ${id}`);
      for (const c of childShards) {
        assert.deepEqual(c.HashKeyRange, shards[c.ShardId].HashKeyRange);
        assert.deepEqual(c.ParentShards, [shards[c.ShardId].ParentShardId, shards[c.ShardId].AdjacentParentShardId].filter(Boolean));
        const ready = c.ParentShards.every((p) => finished.has(p));
        if (ready && !queued.has(c.ShardId)) { queue.push(c.ShardId); queued.add(c.ShardId); }
      }
    }
    assert.deepEqual([...finished].sort(), Object.keys(shards).sort(), 'every shard was reached through the lineage');
    assert.equal(count, total, 'every record exactly once');
    for (const k of keys) assert.deepEqual(seen[k], Array.from({ length: next[k] }, (_, i) => i), `order of ${k}`);
  });
});

describe('a pending reshard across a restart', () => {
  it('completes after the server restarts', async () => {
    const first = await startServer({ args: ['--update-stream-ms', '2000'] });
    try {
      const c1 = first.client();
      await c1.send(new CreateStreamCommand({ StreamName: 'resplit', ShardCount: 1 }));
      const put = await c1.send(new PutRecordCommand({ StreamName: 'resplit', PartitionKey: 'k', Data: Buffer.from('kept') }));
      await split(c1, 'resplit', 0, HALF);
      assert.equal((await describeAll(c1, 'resplit')).StreamStatus, 'UPDATING');
      await first.stop();

      const second = await startServer({ dataDir: first.dataDir });
      try {
        const c2 = second.client();
        const d = await waitFor(async () => {
          const x = await describeAll(c2, 'resplit');
          return x.StreamStatus === 'ACTIVE' ? x : undefined;
        });
        assert.deepEqual(d.Shards.map((s) => s.ShardId), [0, 1, 2].map(shardId));
        assert.ok(d.Shards[0].SequenceNumberRange.EndingSequenceNumber);
        const parent = await readShard(c2, 'resplit', shardId(0));
        assert.ok(parent.closed);
        assert.deepEqual(parent.records.map((r) => r.SequenceNumber), [put.SequenceNumber]);
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
      first.cleanup();
    }
  });
});
