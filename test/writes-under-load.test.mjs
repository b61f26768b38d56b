// Record writes and other writes at once. On the embedded engine, record writes are stored by a
// thread of their own while streams, shards and tags are written by the event loop's connection
// (src/storage/sqlite/write-gate.ts orders them): a split or a merge must close a shard after every
// write routed to it has landed and before any routed after, and a tag or a new stream must not
// wait long, nor fail, while records flow without a pause.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AddTagsToStreamCommand, CreateStreamCommand, DescribeStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand,
  GetShardIteratorCommand, ListShardsCommand, ListTagsForStreamCommand, MergeShardsCommand, PutRecordsCommand,
  RemoveTagsFromStreamCommand, SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { shardId, startServer, waitFor } from './helpers.mjs';

async function waitActive(client, name) {
  await waitFor(async () => (await client.send(new DescribeStreamSummaryCommand({ StreamName: name })))
    .StreamDescriptionSummary.StreamStatus === 'ACTIVE', { timeoutMs: 15_000 });
}

/** Every record of a shard from TRIM_HORIZON, until the end of a closed shard or an empty page. */
async function readShard(client, stream, shard) {
  let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const records = [];
  while (iterator) {
    const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    records.push(...out.Records);
    if (out.Records.length === 0 && out.MillisBehindLatest === 0) break;
    iterator = out.NextShardIterator;
  }
  for (let i = 1; i < records.length; i++) {
    assert.ok(BigInt(records[i].SequenceNumber) > BigInt(records[i - 1].SequenceNumber), 'sequence numbers rise within a shard');
  }
  return records;
}

const batch = (prefix, n, size = 200) => Array.from({ length: n }, (_, i) => {
  const data = Buffer.alloc(size, i % 251);
  data.write(`${prefix}-${i}|`);
  return { PartitionKey: `${prefix}-${i}`, Data: data };
});
const textOf = (data) => Buffer.from(data).toString().split('|')[0];

function noErrorsLogged(server) {
  const errors = server.stdout.split('\n').filter((line) => /"level":(50|60)/.test(line));
  assert.deepEqual(errors, [], 'no errors logged');
}

describe('writes under load', () => {
  it('a split and a merge while writers keep writing into the shards: each parent ends once, every acknowledged record is where it was acknowledged', async () => {
    const server = await startServer({ args: ['--update-stream-ms', '100'] });
    try {
      const client = server.client();
      await client.send(new CreateStreamCommand({ StreamName: 'resharding', ShardCount: 2 }));
      await waitActive(client, 'resharding');
      const acked = new Map();
      let stop = false;
      const writers = Array.from({ length: 6 }, (_, w) => (async () => {
        for (let i = 0; !stop || i < 2; i++) {
          const records = batch(`w${w}-${i}`, 40);
          const out = await client.send(new PutRecordsCommand({ StreamName: 'resharding', Records: records }));
          assert.equal(out.FailedRecordCount, 0);
          out.Records.forEach((r, j) => acked.set(records[j].PartitionKey, { shard: r.ShardId, seq: r.SequenceNumber }));
        }
      })());
      await waitFor(() => acked.size >= 2000, { timeoutMs: 15_000 });
      // Shard 0 splits in two (2, 3); then 3 and 1, adjacent in that order, merge (4).
      await client.send(new SplitShardCommand({ StreamName: 'resharding', ShardToSplit: shardId(0), NewStartingHashKey: (1n << 126n).toString() }));
      await waitActive(client, 'resharding');
      await waitFor(() => [...acked.values()].filter((v) => v.shard === shardId(3)).length >= 200, { timeoutMs: 15_000 });
      await client.send(new MergeShardsCommand({ StreamName: 'resharding', ShardToMerge: shardId(3), AdjacentShardToMerge: shardId(1) }));
      await waitActive(client, 'resharding');
      await waitFor(() => [...acked.values()].filter((v) => v.shard === shardId(4)).length >= 200, { timeoutMs: 15_000 });
      const closedAtEnd = {};
      for (const s of [0, 1, 3]) closedAtEnd[s] = (await readShard(client, 'resharding', shardId(s))).map((r) => r.SequenceNumber);
      stop = true;
      await Promise.all(writers);

      const described = (await client.send(new DescribeStreamCommand({ StreamName: 'resharding' }))).StreamDescription.Shards;
      assert.deepEqual(described.map((s) => s.ShardId), [0, 1, 2, 3, 4].map(shardId));
      const seen = new Set();
      for (const shard of described) {
        const records = await readShard(client, 'resharding', shard.ShardId);
        const index = Number(shard.ShardId.slice(-12));
        if (index in closedAtEnd) {
          // A closed shard took no record after it closed, and every one of its records is within its range.
          assert.deepEqual(records.map((r) => r.SequenceNumber), closedAtEnd[index], `${shard.ShardId} ended when it closed`);
          const ending = BigInt(shard.SequenceNumberRange.EndingSequenceNumber);
          for (const r of records) assert.ok(BigInt(r.SequenceNumber) <= ending, `${shard.ShardId}: ${r.SequenceNumber} after its end ${ending}`);
        } else {
          assert.equal(shard.SequenceNumberRange.EndingSequenceNumber, undefined);
        }
        for (const r of records) {
          const key = textOf(r.Data);
          assert.equal(key, r.PartitionKey);
          assert.ok(!seen.has(key), `${key} read once`);
          seen.add(key);
          assert.deepEqual(acked.get(key), { shard: shard.ShardId, seq: r.SequenceNumber }, key);
        }
      }
      assert.equal(seen.size, acked.size, 'every acknowledged record is there');
      noErrorsLogged(server);
    } finally {
      await server.stop();
      await server.cleanup();
    }
  });

  it('tags and new streams are written promptly while PutRecords of 500 records flow without a pause', async (t) => {
    // A small log bound: the checkpointer also holds writes back now and then meanwhile.
    const server = await startServer({ args: ['--wal-limit-mib', '2'] });
    try {
      const client = server.client();
      await client.send(new CreateStreamCommand({ StreamName: 'flood', ShardCount: 4 }));
      await waitActive(client, 'flood');
      let stop = false;
      let written = 0;
      const writers = Array.from({ length: 8 }, (_, w) => (async () => {
        for (let i = 0; !stop; i++) {
          const out = await client.send(new PutRecordsCommand({ StreamName: 'flood', Records: batch(`f${w}-${i}`, 500, 1024) }));
          assert.equal(out.FailedRecordCount, 0);
          written += 500;
        }
      })());
      await waitFor(() => written >= 5000, { timeoutMs: 15_000 });
      const slowest = { ms: 0, what: '' };
      const timed = async (what, command) => {
        const t0 = performance.now();
        await client.send(command);
        const ms = performance.now() - t0;
        if (ms > slowest.ms) Object.assign(slowest, { ms, what });
      };
      for (let i = 0; i < 10; i++) {
        await timed(`tag ${i}`, new AddTagsToStreamCommand({ StreamName: 'flood', Tags: { [`t${i}`]: `v${i}` } }));
        if (i % 2) await timed(`untag ${i}`, new RemoveTagsFromStreamCommand({ StreamName: 'flood', TagKeys: [`t${i}`] }));
        if (i % 5 === 0) await timed(`stream ${i}`, new CreateStreamCommand({ StreamName: `side-${i}`, ShardCount: 1 }));
      }
      const writtenMeanwhile = written;
      stop = true;
      await Promise.all(writers);
      assert.ok(written >= 10_000, `records kept flowing (${writtenMeanwhile} written by the last control write)`);
      t.diagnostic(`slowest control write: ${slowest.what} in ${slowest.ms.toFixed(0)} ms; ${written} records written`);
      assert.ok(slowest.ms < 3000, `slowest control write: ${slowest.what} in ${slowest.ms.toFixed(0)} ms`);
      const tags = (await client.send(new ListTagsForStreamCommand({ StreamName: 'flood' }))).Tags.map((t) => t.Key).sort();
      assert.deepEqual(tags, ['t0', 't2', 't4', 't6', 't8']);
      for (const i of [0, 5]) await waitActive(client, `side-${i}`);
      let read = 0;
      for (const shard of (await client.send(new ListShardsCommand({ StreamName: 'flood' }))).Shards) {
        read += (await readShard(client, 'flood', shard.ShardId)).length;
      }
      assert.equal(read, written);
      noErrorsLogged(server);
    } finally {
      await server.stop();
      await server.cleanup();
    }
  });

  it('small and large writes at once into one shard: a reader polling meanwhile sees every record once, in order', async (t) => {
    const server = await startServer();
    try {
      const client = server.client();
      await client.send(new CreateStreamCommand({ StreamName: 'mixed', ShardCount: 1 }));
      await waitActive(client, 'mixed');
      let stop = false;
      let acked = 0;
      // Large writes go to the writer thread when others are in flight; small ones may be stored at
      // once only when nothing is in flight, or a reader could see them before earlier numbers.
      const writers = Array.from({ length: 8 }, (_, w) => (async () => {
        for (let i = 0; !stop; i++) {
          const out = await client.send(new PutRecordsCommand({ StreamName: 'mixed', Records: batch(`m${w}-${i}`, w % 2 ? 3 : 300, 1024) }));
          assert.equal(out.FailedRecordCount, 0);
          acked += out.Records.length;
        }
      })());
      const polled = [];
      let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: 'mixed', ShardId: shardId(0), ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      const started = performance.now();
      while (performance.now() - started < 4000) {
        const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
        for (const r of out.Records) polled.push(r.SequenceNumber);
        iterator = out.NextShardIterator;
      }
      stop = true;
      await Promise.all(writers);
      for (;;) {
        const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
        for (const r of out.Records) polled.push(r.SequenceNumber);
        iterator = out.NextShardIterator;
        if (out.Records.length === 0 && out.MillisBehindLatest === 0) break;
      }
      const all = (await readShard(client, 'mixed', shardId(0))).map((r) => r.SequenceNumber);
      t.diagnostic(`${acked} records acknowledged, ${polled.length} polled`);
      assert.equal(all.length, acked);
      assert.equal(polled.length, all.length, 'the poller saw every record once');
      assert.deepEqual(polled, all);
      noErrorsLogged(server);
    } finally {
      await server.stop();
      await server.cleanup();
    }
  });
});

