// Record writes and other writes at once. On the embedded engine, record writes are stored by a
// thread of their own while streams, shards and tags are written by the event loop's connection
// (src/storage/sqlite/write-gate.ts orders them): a split or a merge must close a shard after every
// write routed to it has landed and before any routed after, and a tag or a new stream must not
// wait long, nor fail, while records flow without a pause.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AddTagsToStreamCommand, CreateStreamCommand, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand,
  ListShardsCommand, ListTagsForStreamCommand, MergeShardsCommand, PutRecordsCommand, RemoveTagsFromStreamCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { readAllInOrder, readShardInOrder, shardId, startServer, waitActive, waitFor } from './helpers.mjs';

const batch = (prefix, n, size = 200) => Array.from({ length: n }, (_, i) => {
  const data = Buffer.alloc(size, i % 251);
  data.write(`${prefix}-${i}|`);
  return { PartitionKey: `${prefix}-${i}`, Data: data };
});
const textOf = (data) => Buffer.from(data).toString().split('|')[0];

/**
 * A server started with `args` and a stream `name` of `shards` shards, ACTIVE: `use(server, client)`
 * runs, then no error must have been logged; the server stops either way.
 */
async function withStream(name, shards, args, use) {
  const server = await startServer({ args });
  try {
    const client = server.client();
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    await waitActive(client, name, { timeoutMs: 15_000 });
    await use(server, client);
    const errors = server.stdout.split('\n').filter((line) => /"level":(50|60)/.test(line));
    assert.deepEqual(errors, [], 'no errors logged');
  } finally {
    await server.stop();
    await server.cleanup();
  }
}

/** `count` writers, each calling `write(w, i)` for i = 0, 1, … until stop() (after at least `atLeast` calls); stop() resolves once all are done. */
function keepWriting(count, write, { atLeast = 0 } = {}) {
  let stopped = false;
  const writers = Array.from({ length: count }, async (_, w) => {
    for (let i = 0; !stopped || i < atLeast; i++) await write(w, i);
  });
  return { stop: () => { stopped = true; return Promise.all(writers); } };
}

describe('writes under load', () => {
  it('a split and a merge while writers keep writing into the shards: each parent ends once, every acknowledged record is where it was acknowledged', async () => {
    await withStream('resharding', 2, ['--update-stream-ms', '100'], async (server, client) => {
      const acked = new Map();
      const writers = keepWriting(6, async (w, i) => {
        const records = batch(`w${w}-${i}`, 40);
        const out = await client.send(new PutRecordsCommand({ StreamName: 'resharding', Records: records }));
        assert.equal(out.FailedRecordCount, 0);
        out.Records.forEach((r, j) => acked.set(records[j].PartitionKey, { shard: r.ShardId, seq: r.SequenceNumber }));
      }, { atLeast: 2 });
      await waitFor(() => acked.size >= 2000, { timeoutMs: 15_000 });
      // Shard 0 splits in two (2, 3); then 3 and 1, adjacent in that order, merge (4).
      await client.send(new SplitShardCommand({ StreamName: 'resharding', ShardToSplit: shardId(0), NewStartingHashKey: (1n << 126n).toString() }));
      await waitActive(client, 'resharding', { timeoutMs: 15_000 });
      await waitFor(() => [...acked.values()].filter((v) => v.shard === shardId(3)).length >= 200, { timeoutMs: 15_000 });
      await client.send(new MergeShardsCommand({ StreamName: 'resharding', ShardToMerge: shardId(3), AdjacentShardToMerge: shardId(1) }));
      await waitActive(client, 'resharding', { timeoutMs: 15_000 });
      await waitFor(() => [...acked.values()].filter((v) => v.shard === shardId(4)).length >= 200, { timeoutMs: 15_000 });
      const closedAtEnd = {};
      for (const s of [0, 1, 3]) closedAtEnd[s] = (await readShardInOrder(client, 'resharding', shardId(s))).map((r) => r.SequenceNumber);
      await writers.stop();

      const described = (await client.send(new DescribeStreamCommand({ StreamName: 'resharding' }))).StreamDescription.Shards;
      assert.deepEqual(described.map((s) => s.ShardId), [0, 1, 2, 3, 4].map(shardId));
      const seen = new Set();
      for (const shard of described) {
        const records = await readShardInOrder(client, 'resharding', shard.ShardId);
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
    });
  });

  it('tags and new streams are written promptly while PutRecords of 500 records flow without a pause', async (t) => {
    // A small log bound: the checkpointer also holds writes back now and then meanwhile.
    await withStream('flood', 4, ['--wal-limit-mib', '2'], async (server, client) => {
      let written = 0;
      const writers = keepWriting(8, async (w, i) => {
        const out = await client.send(new PutRecordsCommand({ StreamName: 'flood', Records: batch(`f${w}-${i}`, 500, 1024) }));
        assert.equal(out.FailedRecordCount, 0);
        written += 500;
      });
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
      await writers.stop();
      assert.ok(written >= 10_000, `records kept flowing (${writtenMeanwhile} written by the last control write)`);
      t.diagnostic(`slowest control write: ${slowest.what} in ${slowest.ms.toFixed(0)} ms; ${written} records written`);
      assert.ok(slowest.ms < 3000, `slowest control write: ${slowest.what} in ${slowest.ms.toFixed(0)} ms`);
      const tags = (await client.send(new ListTagsForStreamCommand({ StreamName: 'flood' }))).Tags.map((t) => t.Key).sort();
      assert.deepEqual(tags, ['t0', 't2', 't4', 't6', 't8']);
      for (const i of [0, 5]) await waitActive(client, `side-${i}`, { timeoutMs: 15_000 });
      let read = 0;
      for (const shard of (await client.send(new ListShardsCommand({ StreamName: 'flood' }))).Shards) {
        read += (await readShardInOrder(client, 'flood', shard.ShardId)).length;
      }
      assert.equal(read, written);
    });
  });

  it('small and large writes at once into one shard: a reader polling meanwhile sees every record once, in order', async (t) => {
    await withStream('mixed', 1, [], async (server, client) => {
      let acked = 0;
      // Large writes go to the writer thread when others are in flight; small ones may be stored at
      // once only when nothing is in flight, or a reader could see them before earlier numbers.
      const writers = keepWriting(8, async (w, i) => {
        const out = await client.send(new PutRecordsCommand({ StreamName: 'mixed', Records: batch(`m${w}-${i}`, w % 2 ? 3 : 300, 1024) }));
        assert.equal(out.FailedRecordCount, 0);
        acked += out.Records.length;
      });
      const polled = [];
      let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: 'mixed', ShardId: shardId(0), ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      const started = performance.now();
      while (performance.now() - started < 4000) {
        const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
        for (const r of out.Records) polled.push(r.SequenceNumber);
        iterator = out.NextShardIterator;
      }
      await writers.stop();
      // The writes are all answered: the poller's iterator reads the rest up to the first empty page.
      for (const r of (await readAllInOrder(client, iterator, { GetRecordsCommand })).records) polled.push(r.SequenceNumber);
      const all = (await readShardInOrder(client, 'mixed', shardId(0))).map((r) => r.SequenceNumber);
      t.diagnostic(`${acked} records acknowledged, ${polled.length} polled`);
      assert.equal(all.length, acked);
      assert.equal(polled.length, all.length, 'the poller saw every record once');
      assert.deepEqual(polled, all);
    });
  });
});

