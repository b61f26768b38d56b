// Capacity and stream summary: DescribeStreamSummary, DescribeLimits, UpdateShardCount (uniform
// scaling through a lineage a consumer can follow; UPDATING then ACTIVE; reads and writes during it),
// UpdateStreamMode, the on-demand stream limit, UpdateMaxRecordSize, UpdateStreamWarmThroughput and
// UpdateStreamRecordDistributionStrategy (AUTO spreads records evenly on on-demand streams).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateStreamCommand, DescribeLimitsCommand, DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand,
  ListShardsCommand, PutRecordCommand, PutRecordsCommand, SplitShardCommand, UpdateAccountSettingsCommand,
  UpdateMaxRecordSizeCommand, UpdateShardCountCommand, UpdateStreamModeCommand, UpdateStreamRecordDistributionStrategyCommand,
  UpdateStreamWarmThroughputCommand,
} from '@aws-sdk/client-kinesis';
import { ACCOUNT, rawRequest, REGION, rejectsWith, shardId, startServer, useServer, waitFor } from './helpers.mjs';

const SPACE = 1n << 128n;
const MAX_HASH = SPACE - 1n;
const arnOf = (name, account = ACCOUNT) => `arn:aws:kinesis:${REGION}:${account}:stream/${name}`;
const notFound = (name, account = ACCOUNT) => `Stream ${name} under account ${account} not found.`;
const notActive = (name, status) => `Stream ${name} under account ${ACCOUNT} not ACTIVE, instead in state ${status}`;
const limitMessage = (account, open, limit, adding) =>
  `This request would exceed the shard limit for the account ${account} in ${REGION}. ` +
  `Current shard count for the account: ${open}. Limit: ${limit}. ` +
  `Number of additional shards that would have resulted from this request: ${adding}. ` +
  'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
  'for current limits and how to request higher limits.';

const summary = async (client, StreamName) =>
  (await client.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary;

async function listAll(client, input) {
  const shards = [];
  let out = await client.send(new ListShardsCommand(input));
  shards.push(...out.Shards);
  while (out.NextToken) {
    out = await client.send(new ListShardsCommand({ NextToken: out.NextToken }));
    shards.push(...out.Shards);
  }
  return shards;
}

const range = (s) => [BigInt(s.HashKeyRange.StartingHashKey), BigInt(s.HashKeyRange.EndingHashKey)];
const isOpen = (s) => s.SequenceNumberRange.EndingSequenceNumber === undefined;

/** CreateStream's even division of the hash key space into n ranges. */
function evenRanges(n) {
  const w = SPACE / BigInt(n);
  return Array.from({ length: n }, (_, i) => [w * BigInt(i), i === n - 1 ? MAX_HASH : w * BigInt(i + 1) - 1n]);
}

/**
 * The open shards divide the hash key space evenly into `target` ranges, each key covered once; and
 * every shard made by resharding has parents (closed) whose ranges cover its own: one parent holding
 * its range (split), or a parent and the adjacent parent right after it, together exactly its range (merge).
 */
function assertUniform(shards, target, initial) {
  const open = shards.filter(isOpen).sort((a, b) => (range(a)[0] < range(b)[0] ? -1 : 1));
  assert.deepEqual(open.map(range), evenRanges(target), 'open shards divide the hash key space evenly');
  const byId = new Map(shards.map((s) => [s.ShardId, s]));
  for (const s of shards) {
    const index = Number(s.ShardId.slice(8));
    if (index < initial) {
      assert.equal(s.ParentShardId, undefined);
      continue;
    }
    const parent = byId.get(s.ParentShardId);
    assert.ok(parent, `${s.ShardId} has its parent ${s.ParentShardId} listed`);
    assert.ok(!isOpen(parent), `${s.ShardId}'s parent is closed`);
    const [start, end] = range(s);
    if (s.AdjacentParentShardId) {
      const adjacent = byId.get(s.AdjacentParentShardId);
      assert.ok(adjacent && !isOpen(adjacent), `${s.ShardId}'s adjacent parent is listed and closed`);
      assert.equal(range(parent)[1] + 1n, range(adjacent)[0], 'the adjacent parent follows the parent');
      assert.deepEqual([start, end], [range(parent)[0], range(adjacent)[1]], 'a merge covers both parents');
    } else {
      assert.ok(start >= range(parent)[0] && end <= range(parent)[1], `${s.ShardId} lies inside its parent`);
    }
    assert.ok(BigInt(s.SequenceNumberRange.StartingSequenceNumber) > BigInt(parent.SequenceNumberRange.EndingSequenceNumber));
  }
}

/**
 * Reads the whole stream as a KCL-style consumer: from the shards open at the trim horizon, each
 * shard to its end, then the children whose parents are all finished; open shards until caught up.
 */
async function consumeLineage(client, StreamName) {
  const roots = await listAll(client, { StreamName, ShardFilter: { Type: 'AT_TRIM_HORIZON' } });
  const done = new Set();
  const queued = new Set(roots.map((s) => s.ShardId));
  const ready = roots.map((s) => s.ShardId);
  const waiting = new Map(); // child → its parents
  const records = [];
  while (ready.length > 0) {
    const ShardId = ready.shift();
    let { ShardIterator: it } = await client.send(new GetShardIteratorCommand({ StreamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    for (let i = 0; ; i++) {
      assert.ok(i < 1000, `shard ${ShardId} never ends`);
      const out = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 25 }));
      records.push(...out.Records.map((r) => ({ ...r, ShardId })));
      if (!out.NextShardIterator) {
        for (const child of out.ChildShards ?? []) waiting.set(child.ShardId, child.ParentShards);
        break;
      }
      if (out.Records.length === 0) break; // an open shard, caught up
      it = out.NextShardIterator;
    }
    done.add(ShardId);
    for (const [child, parents] of waiting) {
      if (!queued.has(child) && parents.every((p) => done.has(p))) {
        queued.add(child);
        ready.push(child);
      }
    }
  }
  return { records, visited: done };
}

describe('DescribeStreamSummary and DescribeLimits', () => {
  let server;
  let client;
  useServer({ args: ['--shard-limit', '30'] }, (s) => { server = s; client = s.client(); });

  it('summarizes a provisioned stream: open shards, monitoring, encryption, mode, record size; no warm throughput', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'sum', ShardCount: 3 }));
    const s = await summary(client, 'sum');
    assert.equal(s.StreamName, 'sum');
    assert.equal(s.StreamARN, arnOf('sum'));
    assert.equal(s.StreamStatus, 'ACTIVE');
    assert.deepEqual(s.StreamModeDetails, { StreamMode: 'PROVISIONED' });
    assert.equal(s.RetentionPeriodHours, 24);
    assert.ok(s.StreamCreationTimestamp instanceof Date && Math.abs(s.StreamCreationTimestamp.getTime() - Date.now()) < 60_000);
    assert.deepEqual(s.EnhancedMonitoring, [{ ShardLevelMetrics: [] }]);
    assert.equal(s.EncryptionType, 'NONE');
    assert.equal(s.KeyId, undefined);
    assert.equal(s.OpenShardCount, 3);
    assert.equal(s.ConsumerCount, 0);
    assert.equal(s.MaxRecordSizeInKiB, 1024);
    assert.equal(s.WarmThroughput, undefined);
    assert.equal(s.RecordDistributionStrategy, undefined, 'only on-demand streams report a distribution strategy');
    const byArn = (await client.send(new DescribeStreamSummaryCommand({ StreamARN: arnOf('sum') }))).StreamDescriptionSummary;
    assert.deepEqual(byArn, s);
  });

  it('counts only open shards after a split, and summarizes an on-demand stream', async () => {
    await client.send(new SplitShardCommand({ StreamName: 'sum', ShardToSplit: shardId(0), NewStartingHashKey: '1000' }));
    assert.equal((await summary(client, 'sum')).OpenShardCount, 4);
    await client.send(new CreateStreamCommand({ StreamName: 'sum-od', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    const s = await summary(client, 'sum-od');
    assert.deepEqual(s.StreamModeDetails, { StreamMode: 'ON_DEMAND' });
    assert.equal(s.OpenShardCount, 4);
    assert.equal(s.RecordDistributionStrategy, 'USER_PARTITION_KEY');
  });

  it('answers ResourceNotFoundException for an unknown stream', async () => {
    await rejectsWith(client.send(new DescribeStreamSummaryCommand({ StreamName: 'sum-none' })), 'ResourceNotFoundException', notFound('sum-none'));
    await rejectsWith(client.send(new DescribeStreamSummaryCommand({ StreamARN: arnOf('sum-none') })), 'ResourceNotFoundException', notFound('sum-none'));
  });

  it('DescribeLimits reports the shard limit, the open shards and the on-demand streams of the account and region', async () => {
    // 4 open in 'sum', 4 in 'sum-od'.
    const { $metadata, ...limits } = await client.send(new DescribeLimitsCommand({}));
    assert.deepEqual(limits, { ShardLimit: 30, OpenShardCount: 8, OnDemandStreamCount: 1, OnDemandStreamCountLimit: 50 });
    const other = server.client({ credentials: { accessKeyId: '444455556666', secretAccessKey: 'x' } });
    const theirs = await other.send(new DescribeLimitsCommand({}));
    assert.equal(theirs.OpenShardCount, 0);
    assert.equal(theirs.OnDemandStreamCount, 0);
    await other.send(new CreateStreamCommand({ StreamName: 'theirs', ShardCount: 5 }));
    assert.equal((await other.send(new DescribeLimitsCommand({}))).OpenShardCount, 5);
    assert.equal((await client.send(new DescribeLimitsCommand({}))).OpenShardCount, 8);
  });

  it('UpdateShardCount stays within the account shard limit (LimitExceededException)', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'sum-12', ShardCount: 12 }));
    // 20 open: doubling would make 32.
    await rejectsWith(client.send(new UpdateShardCountCommand({ StreamName: 'sum-12', TargetShardCount: 24, ScalingType: 'UNIFORM_SCALING' })),
      'LimitExceededException', limitMessage(ACCOUNT, 20, 30, 12));
    const out = await client.send(new UpdateShardCountCommand({ StreamName: 'sum-12', TargetShardCount: 22, ScalingType: 'UNIFORM_SCALING' }));
    assert.equal(out.TargetShardCount, 22);
    assert.equal((await client.send(new DescribeLimitsCommand({}))).OpenShardCount, 30);
    // Scaling down needs no room.
    await client.send(new UpdateShardCountCommand({ StreamName: 'sum-12', TargetShardCount: 11, ScalingType: 'UNIFORM_SCALING' }));
    assert.equal((await client.send(new DescribeLimitsCommand({}))).OpenShardCount, 19);
  });
});

describe('UpdateShardCount', () => {
  let server;
  let client;
  useServer({ args: ['--shard-limit', '5000'] }, (s) => { server = s; client = s.client(); });

  const cases = [[1, 2], [2, 1], [2, 4], [4, 2], [3, 5], [5, 3], [3, 4], [4, 3], [7, 13], [13, 7], [10, 20], [20, 10], [6, 6]];
  for (const [from, to] of cases) {
    it(`scales ${from} → ${to} to even ranges through a lineage of closed parents and open children`, async () => {
      const StreamName = `usc-${from}-${to}`;
      await client.send(new CreateStreamCommand({ StreamName, ShardCount: from }));
      const out = await client.send(new UpdateShardCountCommand({ StreamName, TargetShardCount: to, ScalingType: 'UNIFORM_SCALING' }));
      assert.deepEqual({ ...out, $metadata: undefined },
        { $metadata: undefined, StreamName, CurrentShardCount: from, TargetShardCount: to, StreamARN: arnOf(StreamName) });
      const shards = await listAll(client, { StreamName });
      assertUniform(shards, to, from);
      assert.equal((await summary(client, StreamName)).OpenShardCount, to);
      if (from === to) assert.equal(shards.length, from, 'already even: nothing to do');
      // Where the even ranges of both counts line up (2^128 divides exactly), no short-lived shards are needed.
      if (SPACE % BigInt(from) === 0n && SPACE % BigInt(to) === 0n) {
        if (to === 2 * from) assert.equal(shards.length, from + to, 'doubling splits each shard once');
        if (2 * to === from) assert.equal(shards.length, from + to, 'halving merges pairs');
      }
    });
  }

  it('starts from uneven shards (after SplitShard) and scales again and again', async () => {
    const StreamName = 'usc-chain';
    await client.send(new CreateStreamCommand({ StreamName, ShardCount: 4 }));
    await client.send(new SplitShardCommand({ StreamName, ShardToSplit: shardId(1), NewStartingHashKey: String((1n << 126n) + 12345678901234567890n) }));
    for (const target of [7, 4, 8, 5, 3]) {
      const current = (await summary(client, StreamName)).OpenShardCount;
      const out = await client.send(new UpdateShardCountCommand({ StreamName, TargetShardCount: target, ScalingType: 'UNIFORM_SCALING' }));
      assert.equal(out.CurrentShardCount, current);
      assertUniform(await listAll(client, { StreamName }), target, 4);
    }
  });

  it('refuses more than double, less than half, and more than 10000 shards (LimitExceededException)', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'usc-bounds', ShardCount: 5 }));
    const update = (TargetShardCount) => client.send(new UpdateShardCountCommand({ StreamName: 'usc-bounds', TargetShardCount, ScalingType: 'UNIFORM_SCALING' }));
    await rejectsWith(update(11), 'LimitExceededException',
      'UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 5, Target shard count: 11');
    await rejectsWith(update(2), 'LimitExceededException',
      'UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: 5, Target shard count: 2');
    await rejectsWith(update(10001), 'LimitExceededException',
      'Target shard count or number of open shards cannot be greater than 10000. Current open shard count: 5, Target shard count: 10001');
    assert.equal((await listAll(client, { StreamName: 'usc-bounds' })).length, 5, 'nothing changed');
    await update(3); // 3 ≥ 5/2
    await update(6);
  });

  it('refuses on-demand streams (ValidationException), unknown streams and a bad ScalingType', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'usc-od', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    await rejectsWith(client.send(new UpdateShardCountCommand({ StreamName: 'usc-od', TargetShardCount: 5, ScalingType: 'UNIFORM_SCALING' })),
      'ValidationException', 'UpdateShardCount is not supported for streams with the ON_DEMAND capacity mode.');
    await rejectsWith(client.send(new UpdateShardCountCommand({ StreamName: 'usc-none', TargetShardCount: 5, ScalingType: 'UNIFORM_SCALING' })),
      'ResourceNotFoundException', notFound('usc-none'));
    const res = await rawRequest(server.endpoint, { target: 'UpdateShardCount', body: { StreamName: 'usc-od', TargetShardCount: 0, ScalingType: 'FAST' } });
    assert.equal(res.json.__type, 'ValidationException');
    assert.equal(res.json.message, "2 validation errors detected: Value '0' at 'targetShardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
      "Value 'FAST' at 'scalingType' failed to satisfy constraint: Member must satisfy enum value set: [UNIFORM_SCALING]");
  });
});

describe('UpdateShardCount lifecycle (--update-stream-ms 300)', () => {
  let server;
  let client;
  useServer({ args: ['--update-stream-ms', '300'] }, (s) => { server = s; client = s.client(); });

  const written = [];
  const counters = {};
  async function write(StreamName, n) {
    const Records = Array.from({ length: n }, (_, i) => {
      const key = `key${i % 7}`;
      counters[key] = (counters[key] ?? 0) + 1;
      return { PartitionKey: key, Data: Buffer.from(`${key}:${counters[key]}`) };
    });
    const out = await client.send(new PutRecordsCommand({ StreamName, Records }));
    assert.equal(out.FailedRecordCount, 0);
    written.push(...Records.map((r) => r.Data.toString()));
  }
  const waitActive = (StreamName) => waitFor(async () => (await summary(client, StreamName)).StreamStatus === 'ACTIVE', { timeoutMs: 5000 });

  it('goes UPDATING, keeps serving reads and writes, then ACTIVE; a consumer following the lineage reads every record once, in order per key', async () => {
    const StreamName = 'usc-live';
    await client.send(new CreateStreamCommand({ StreamName, ShardCount: 3 }));
    await waitFor(async () => (await summary(client, StreamName)).StreamStatus === 'ACTIVE');
    await write(StreamName, 70);

    const out = await client.send(new UpdateShardCountCommand({ StreamName, TargetShardCount: 5, ScalingType: 'UNIFORM_SCALING' }));
    assert.equal(out.CurrentShardCount, 3);
    const during = await summary(client, StreamName);
    assert.equal(during.StreamStatus, 'UPDATING');
    assert.equal(during.OpenShardCount, 3, 'the old shards serve until the change completes');
    await write(StreamName, 70);
    const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName, ShardId: shardId(0), ShardIteratorType: 'TRIM_HORIZON' }));
    assert.ok((await client.send(new GetRecordsCommand({ ShardIterator }))).Records.length > 0, 'reads work while UPDATING');
    await rejectsWith(client.send(new UpdateShardCountCommand({ StreamName, TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' })),
      'ResourceInUseException', notActive(StreamName, 'UPDATING'));
    await waitActive(StreamName);
    assertUniform(await listAll(client, { StreamName }), 5, 3);
    await write(StreamName, 70);

    await client.send(new UpdateShardCountCommand({ StreamName, TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING' }));
    await write(StreamName, 35);
    await waitActive(StreamName);
    const shards = await listAll(client, { StreamName });
    assertUniform(shards, 3, 3);
    assert.ok(shards.some((s) => s.SequenceNumberRange.StartingSequenceNumber === s.SequenceNumberRange.EndingSequenceNumber),
      '3 → 5 needed short-lived intermediate shards');
    await write(StreamName, 35);

    const { records, visited } = await consumeLineage(client, StreamName);
    assert.equal(visited.size, shards.length, 'the consumer reached every shard of the lineage');
    const read = records.map((r) => Buffer.from(r.Data).toString());
    assert.equal(read.length, written.length, 'as many records read as written');
    assert.deepEqual([...read].sort(), [...written].sort(), 'every record exactly once');
    for (const key of Object.keys(counters)) {
      const seq = read.filter((d) => d.startsWith(`${key}:`)).map((d) => Number(d.split(':')[1]));
      assert.deepEqual(seq, Array.from({ length: counters[key] }, (_, i) => i + 1), `records of ${key} in order`);
    }
  });
});

describe('UpdateStreamMode, on-demand limits, warm throughput and record size', () => {
  let server;
  let client;
  const committed = '555566667777';
  let rich; // a client of an account with the minimum throughput billing commitment
  before(async () => {
    server = await startServer({ args: ['--update-stream-ms', '300'] });
    client = server.client();
    rich = server.client({ credentials: { accessKeyId: committed, secretAccessKey: 'x' } });
    await rich.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: 'ENABLED' } }));
  });
  after(async () => { await server.stop(); server.cleanup(); });

  const waitActive = (c, StreamName) => waitFor(async () => (await summary(c, StreamName)).StreamStatus === 'ACTIVE', { timeoutMs: 5000 });
  const setMode = (c, StreamARN, StreamMode, extra = {}) =>
    c.send(new UpdateStreamModeCommand({ StreamARN, StreamModeDetails: { StreamMode }, ...extra }));

  it('switches PROVISIONED → ON_DEMAND → PROVISIONED through UPDATING; shard counts follow the mode', async () => {
    const StreamName = 'mode';
    await client.send(new CreateStreamCommand({ StreamName, ShardCount: 2 }));
    await waitActive(client, StreamName);
    await setMode(client, arnOf(StreamName), 'ON_DEMAND');
    let s = await summary(client, StreamName);
    assert.equal(s.StreamStatus, 'UPDATING');
    await client.send(new PutRecordCommand({ StreamName, PartitionKey: 'k', Data: Buffer.from('during') }));
    await rejectsWith(setMode(client, arnOf(StreamName), 'PROVISIONED'), 'ResourceInUseException', notActive(StreamName, 'UPDATING'));
    await waitActive(client, StreamName);
    s = await summary(client, StreamName);
    assert.deepEqual(s.StreamModeDetails, { StreamMode: 'ON_DEMAND' });
    assert.equal(s.OpenShardCount, 2, 'the shards stay as they were');
    await rejectsWith(client.send(new UpdateShardCountCommand({ StreamName, TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING' })), 'ValidationException');
    await setMode(client, arnOf(StreamName), 'ON_DEMAND'); // already: nothing to do
    assert.equal((await summary(client, StreamName)).StreamStatus, 'ACTIVE');
    await setMode(client, arnOf(StreamName), 'PROVISIONED');
    await waitActive(client, StreamName);
    assert.deepEqual((await summary(client, StreamName)).StreamModeDetails, { StreamMode: 'PROVISIONED' });
    await client.send(new UpdateShardCountCommand({ StreamName, TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING' }));
    await waitActive(client, StreamName);
    assert.equal((await summary(client, StreamName)).OpenShardCount, 3);
  });

  it('answers ResourceNotFoundException for an unknown stream, and ValidationException without StreamARN', async () => {
    await rejectsWith(setMode(client, arnOf('mode-none'), 'ON_DEMAND'), 'ResourceNotFoundException', notFound('mode-none'));
    const res = await rawRequest(server.endpoint, { target: 'UpdateStreamMode', body: { StreamModeDetails: { StreamMode: 'ON_DEMAND' } } });
    assert.equal(res.json.__type, 'ValidationException');
  });

  it('keeps at most 50 on-demand streams an account (LimitExceededException) in CreateStream and UpdateStreamMode', async () => {
    const account = '666677778888';
    const c = server.client({ credentials: { accessKeyId: account, secretAccessKey: 'x' } });
    for (let i = 0; i < 50; i++) await c.send(new CreateStreamCommand({ StreamName: `od-${i}`, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    const limits = await c.send(new DescribeLimitsCommand({}));
    assert.equal(limits.OnDemandStreamCount, 50);
    assert.equal(limits.OpenShardCount, 200);
    const message = `This request would exceed the on-demand stream limit for the account ${account} in ${REGION}. Current on-demand stream count for the account: 50. Limit: 50.`;
    await rejectsWith(c.send(new CreateStreamCommand({ StreamName: 'od-50', StreamModeDetails: { StreamMode: 'ON_DEMAND' } })), 'LimitExceededException', message);
    await c.send(new CreateStreamCommand({ StreamName: 'prov', ShardCount: 1 }));
    await waitActive(c, 'prov');
    await rejectsWith(setMode(c, arnOf('prov', account), 'ON_DEMAND'), 'LimitExceededException', message);
    assert.equal((await c.send(new DescribeLimitsCommand({}))).OnDemandStreamCount, 50);
    // Other accounts are not affected.
    await client.send(new CreateStreamCommand({ StreamName: 'od-mine', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
  });

  it('takes WarmThroughputMiBps only when switching to ON_DEMAND, and only with the billing commitment', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'warm-mode', ShardCount: 1 }));
    await waitActive(client, 'warm-mode');
    await rejectsWith(setMode(client, arnOf('warm-mode'), 'PROVISIONED', { WarmThroughputMiBps: 10 }), 'InvalidArgumentException',
      'WarmThroughputMiBps can only be specified when updating the stream mode to ON_DEMAND.');
    await rejectsWith(setMode(client, arnOf('warm-mode'), 'ON_DEMAND', { WarmThroughputMiBps: 10 }), 'ValidationException', /MinimumThroughputBillingCommitment/);
    assert.equal((await summary(client, 'warm-mode')).StreamModeDetails.StreamMode, 'PROVISIONED');

    await rich.send(new CreateStreamCommand({ StreamName: 'warm-mode', ShardCount: 1 }));
    await waitActive(rich, 'warm-mode');
    await setMode(rich, arnOf('warm-mode', committed), 'ON_DEMAND', { WarmThroughputMiBps: 100 });
    await waitActive(rich, 'warm-mode');
    assert.deepEqual((await summary(rich, 'warm-mode')).WarmThroughput, { TargetMiBps: 100, CurrentMiBps: 100 });
    await setMode(rich, arnOf('warm-mode', committed), 'PROVISIONED');
    await waitActive(rich, 'warm-mode');
    assert.equal((await summary(rich, 'warm-mode')).WarmThroughput, undefined, 'warm throughput belongs to on-demand streams');
  });

  it('CreateStream takes WarmThroughputMiBps for on-demand streams of committed accounts', async () => {
    await rich.send(new CreateStreamCommand({ StreamName: 'warm-create', StreamModeDetails: { StreamMode: 'ON_DEMAND' }, WarmThroughputMiBps: 50 }));
    await waitActive(rich, 'warm-create');
    assert.deepEqual((await summary(rich, 'warm-create')).WarmThroughput, { TargetMiBps: 50, CurrentMiBps: 50 });
    await rejectsWith(client.send(new CreateStreamCommand({ StreamName: 'warm-create', StreamModeDetails: { StreamMode: 'ON_DEMAND' }, WarmThroughputMiBps: 50 })),
      'ValidationException', `Warm throughput is only supported for accounts with MinimumThroughputBillingCommitment enabled. Account ${ACCOUNT} does not have it enabled in ${REGION}.`);
    await rejectsWith(rich.send(new CreateStreamCommand({ StreamName: 'warm-create-p', ShardCount: 1, WarmThroughputMiBps: 50 })),
      'InvalidArgumentException', 'WarmThroughputMiBps can only be specified for streams with the ON_DEMAND capacity mode.');
    await rejectsWith(rich.send(new CreateStreamCommand({ StreamName: 'warm-create-big', StreamModeDetails: { StreamMode: 'ON_DEMAND' }, WarmThroughputMiBps: 20000 })),
      'LimitExceededException', /exceeds the limit of 10240 MiBps/);
    await rejectsWith(client.send(new DescribeStreamSummaryCommand({ StreamName: 'warm-create' })), 'ResourceNotFoundException');
  });

  it('UpdateStreamWarmThroughput: on-demand streams of committed accounts only, up to 10 GiB/s, through UPDATING', async () => {
    await rich.send(new CreateStreamCommand({ StreamName: 'warm', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    await rich.send(new CreateStreamCommand({ StreamName: 'warm-prov', ShardCount: 1 }));
    await client.send(new CreateStreamCommand({ StreamName: 'warm-poor', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    await waitActive(rich, 'warm');
    await waitActive(rich, 'warm-prov');
    await waitActive(client, 'warm-poor');
    const out = await rich.send(new UpdateStreamWarmThroughputCommand({ StreamARN: arnOf('warm', committed), WarmThroughputMiBps: 200 }));
    assert.equal(out.StreamName, 'warm');
    assert.equal(out.StreamARN, arnOf('warm', committed));
    assert.deepEqual(out.WarmThroughput, { TargetMiBps: 200 });
    assert.equal((await summary(rich, 'warm')).StreamStatus, 'UPDATING');
    await rejectsWith(rich.send(new UpdateStreamWarmThroughputCommand({ StreamName: 'warm', WarmThroughputMiBps: 300 })),
      'ResourceInUseException', `Stream warm under account ${committed} not ACTIVE, instead in state UPDATING`);
    await waitActive(rich, 'warm');
    assert.deepEqual((await summary(rich, 'warm')).WarmThroughput, { TargetMiBps: 200, CurrentMiBps: 200 });
    const again = await rich.send(new UpdateStreamWarmThroughputCommand({ StreamName: 'warm', WarmThroughputMiBps: 300 }));
    assert.deepEqual(again.WarmThroughput, { TargetMiBps: 300, CurrentMiBps: 200 });
    await waitActive(rich, 'warm');

    await rejectsWith(rich.send(new UpdateStreamWarmThroughputCommand({ StreamName: 'warm', WarmThroughputMiBps: 10241 })), 'LimitExceededException', /10240 MiBps/);
    await rejectsWith(rich.send(new UpdateStreamWarmThroughputCommand({ StreamName: 'warm-prov', WarmThroughputMiBps: 10 })), 'ValidationException',
      'UpdateStreamWarmThroughput is not supported for streams with the PROVISIONED capacity mode.');
    await rejectsWith(client.send(new UpdateStreamWarmThroughputCommand({ StreamName: 'warm-poor', WarmThroughputMiBps: 10 })), 'ValidationException',
      /MinimumThroughputBillingCommitment/);
    await rejectsWith(client.send(new UpdateStreamWarmThroughputCommand({ StreamName: 'warm-none', WarmThroughputMiBps: 10 })), 'ResourceNotFoundException', notFound('warm-none'));
  });

  it('UpdateMaxRecordSize raises and lowers the record limit that puts enforce (data + partition key)', async () => {
    const StreamName = 'big';
    await client.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
    await waitActive(client, StreamName);
    const data = Buffer.alloc(2 * 1024 * 1024, 7);
    const tooBig = "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=2097152 cap=2097152]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576";
    await rejectsWith(client.send(new PutRecordCommand({ StreamName, PartitionKey: 'k', Data: data })), 'ValidationException', tooBig);
    await client.send(new UpdateMaxRecordSizeCommand({ StreamARN: arnOf(StreamName), MaxRecordSizeInKiB: 2049 }));
    assert.equal((await summary(client, StreamName)).MaxRecordSizeInKiB, 2049);
    const put = await client.send(new PutRecordCommand({ StreamName, PartitionKey: 'k', Data: data }));
    const batch = await client.send(new PutRecordsCommand({ StreamName, Records: [{ PartitionKey: 'k', Data: data }] }));
    assert.equal(batch.FailedRecordCount, 0);
    const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName, ShardId: put.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const read = await client.send(new GetRecordsCommand({ ShardIterator }));
    assert.equal(read.Records.length, 2);
    assert.ok(Buffer.from(read.Records[0].Data).equals(data));
    // 2049 KiB leave room for a 2 MiB record with a key of up to 1024 bytes.
    const at = (n) => Buffer.alloc(2049 * 1024 - n, 1);
    await client.send(new PutRecordCommand({ StreamName, PartitionKey: 'ab', Data: at(2) }));
    await rejectsWith(client.send(new PutRecordsCommand({ StreamName, Records: [{ PartitionKey: 'ab', Data: at(1) }] })), 'ValidationException',
      /at 'records\.1\.member\.data' failed to satisfy constraint: Member must have length less than or equal to 2098174$/);
    await client.send(new UpdateMaxRecordSizeCommand({ StreamARN: arnOf(StreamName), MaxRecordSizeInKiB: 1024 }));
    await rejectsWith(client.send(new PutRecordCommand({ StreamName, PartitionKey: 'k', Data: data })), 'ValidationException', tooBig);
  });

  it('UpdateMaxRecordSize checks its range (ValidationException), the stream and its status', async () => {
    for (const [value, bound] of [[1023, 'greater than or equal to 1024'], [10241, 'less than or equal to 10240']]) {
      const res = await rawRequest(server.endpoint, { target: 'UpdateMaxRecordSize', body: { StreamARN: arnOf('big'), MaxRecordSizeInKiB: value } });
      assert.equal(res.json.__type, 'ValidationException');
      assert.equal(res.json.message, `1 validation error detected: Value '${value}' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value ${bound}`);
    }
    await rejectsWith(client.send(new UpdateMaxRecordSizeCommand({ StreamARN: arnOf('big-none'), MaxRecordSizeInKiB: 2048 })), 'ResourceNotFoundException', notFound('big-none'));
    await rejectsWith(client.send(new UpdateMaxRecordSizeCommand({ MaxRecordSizeInKiB: 2048 })), 'InvalidArgumentException', 'StreamARN must be provided.');
    await client.send(new UpdateShardCountCommand({ StreamName: 'big', TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }));
    await rejectsWith(client.send(new UpdateMaxRecordSizeCommand({ StreamARN: arnOf('big'), MaxRecordSizeInKiB: 2048 })),
      'ResourceInUseException', notActive('big', 'UPDATING'));
    await waitActive(client, 'big');
    await client.send(new UpdateMaxRecordSizeCommand({ StreamARN: arnOf('big'), MaxRecordSizeInKiB: 10240 }));
    assert.equal((await summary(client, 'big')).MaxRecordSizeInKiB, 10240);
  });
});

describe('UpdateStreamRecordDistributionStrategy', () => {
  let server;
  let client;
  useServer(async (s) => {
    server = s;
    client = s.client();
    await client.send(new CreateStreamCommand({ StreamName: 'auto', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    await client.send(new CreateStreamCommand({ StreamName: 'auto-prov', ShardCount: 4 }));
  });

  const setStrategy = (StreamName, RecordDistributionStrategy) =>
    client.send(new UpdateStreamRecordDistributionStrategyCommand({ StreamARN: arnOf(StreamName), RecordDistributionStrategy }));
  /** Records per shard for 400 records that all share one partition key (and one explicit hash key). */
  async function spread(StreamName) {
    const counts = {};
    for (let b = 0; b < 3; b++) {
      const out = await client.send(new PutRecordsCommand({ StreamName, Records: Array.from({ length: 100 }, () => ({ PartitionKey: 'same', Data: Buffer.from('x') })) }));
      for (const r of out.Records) counts[r.ShardId] = (counts[r.ShardId] ?? 0) + 1;
    }
    for (let i = 0; i < 100; i++) {
      const r = await client.send(new PutRecordCommand({ StreamName, PartitionKey: 'same', ExplicitHashKey: '0', Data: Buffer.from('y') }));
      counts[r.ShardId] = (counts[r.ShardId] ?? 0) + 1;
    }
    return counts;
  }

  it('AUTO spreads records evenly over the open shards, whatever their partition and explicit hash keys', async () => {
    await setStrategy('auto', 'AUTO');
    assert.equal((await summary(client, 'auto')).RecordDistributionStrategy, 'AUTO');
    const counts = await spread('auto');
    assert.deepEqual(Object.keys(counts).sort(), [0, 1, 2, 3].map(shardId));
    for (const n of Object.values(counts)) assert.ok(n >= 90 && n <= 110, `even spread: ${JSON.stringify(counts)}`);
  });

  it('USER_PARTITION_KEY routes by partition key again', async () => {
    await setStrategy('auto', 'USER_PARTITION_KEY');
    assert.equal((await summary(client, 'auto')).RecordDistributionStrategy, 'USER_PARTITION_KEY');
    const counts = await spread('auto');
    assert.equal(Object.keys(counts).length, 2, 'one shard for the key, shard 0 for hash key 0');
    assert.equal(counts[shardId(0)] >= 100, true);
  });

  it('refuses provisioned streams (InvalidArgumentException) and unknown streams; checks the strategy', async () => {
    await rejectsWith(setStrategy('auto-prov', 'AUTO'), 'InvalidArgumentException', /ON_DEMAND capacity mode/);
    const counts = await spread('auto-prov');
    assert.equal(Object.keys(counts).length, 2, 'a provisioned stream keeps routing by key');
    await rejectsWith(setStrategy('auto-none', 'AUTO'), 'ResourceNotFoundException', notFound('auto-none'));
    const res = await rawRequest(server.endpoint, { target: 'UpdateStreamRecordDistributionStrategy', body: { StreamARN: arnOf('auto'), RecordDistributionStrategy: 'RANDOM' } });
    assert.equal(res.json.__type, 'ValidationException');
    assert.match(res.json.message, /Value 'RANDOM' at 'recordDistributionStrategy' failed to satisfy constraint: Member must satisfy enum value set/);
  });

  it('ends with the on-demand mode: switching to PROVISIONED drops AUTO', async () => {
    await setStrategy('auto', 'AUTO');
    await client.send(new UpdateStreamModeCommand({ StreamARN: arnOf('auto'), StreamModeDetails: { StreamMode: 'PROVISIONED' } }));
    assert.equal((await summary(client, 'auto')).RecordDistributionStrategy, undefined);
    assert.equal(Object.keys(await spread('auto')).length, 2);
    await client.send(new UpdateStreamModeCommand({ StreamARN: arnOf('auto'), StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    assert.equal((await summary(client, 'auto')).RecordDistributionStrategy, 'USER_PARTITION_KEY');
  });
});
