// Several Sluice nodes on one PostgreSQL database (PostgreSQL runs only): concurrent writers on every
// node into the same shards, a split on one node while another writes, iterators and tokens made on
// one node used on another, a node killed with -9 during writes, push to a subscriber on another node,
// and nodes starting at once on an empty database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateStreamCommand, DescribeStreamConsumerCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand,
  ListStreamsCommand, MergeShardsCommand, PutRecordsCommand, RegisterStreamConsumerCommand, SplitShardCommand, SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import {
  ACCOUNT, createDatabase, dropDatabase, ON_POSTGRES, pgQuery, REGION, shardId, startServer, waitActive, waitFor,
} from './helpers.mjs';

const skip = ON_POSTGRES ? false : 'runs on PostgreSQL only (npm run test:postgres)';

/** Starts `count` nodes on one (new) database; returns them and a stop-all. */
async function cluster(count, args = []) {
  const database = await createDatabase();
  const nodes = await Promise.all(Array.from({ length: count }, () => startServer({ database, args })));
  return {
    database,
    nodes,
    async stop() {
      for (const node of nodes) {
        await node.stop();
        node.cleanup();
      }
      await dropDatabase(database);
      // No node logged an error (a failed lifecycle change, an internal failure answered).
      for (const node of nodes) {
        const errors = node.stderr.split('\n').filter((line) => /"level":(50|60)/.test(line));
        assert.deepEqual(errors, [], 'no errors logged');
      }
    },
  };
}

/** Every record of a shard from TRIM_HORIZON (reads until the end of a closed shard or an empty page). */
async function readShard(client, stream, shard) {
  let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const records = [];
  for (let i = 0; i < 10_000 && iterator; i++) {
    const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    records.push(...out.Records);
    if (out.Records.length === 0 && out.MillisBehindLatest === 0) break;
    iterator = out.NextShardIterator;
  }
  return records;
}

/** Checks sequence numbers strictly rise within each shard and returns them by data text. */
function bySequence(records) {
  for (let i = 1; i < records.length; i++) {
    assert.ok(BigInt(records[i].SequenceNumber) > BigInt(records[i - 1].SequenceNumber), 'sequence numbers rise within a shard');
  }
  return records.map((r) => Buffer.from(r.Data).toString());
}

function batch(prefix, n) {
  return Array.from({ length: n }, (_, i) => ({ PartitionKey: `${prefix}-${i % 7}`, Data: Buffer.from(`${prefix}-${i}`) }));
}

describe('several nodes on one database', { skip }, () => {
  it('nodes started at once on an empty database migrate it once and all serve', async () => {
    const c = await cluster(3);
    try {
      const { rows } = await pgQuery('SELECT version FROM schema_migrations ORDER BY version', [], c.database);
      assert.deepEqual(rows.map((r) => r.version), rows.map((_, i) => i + 1));
      assert.ok(rows.length >= 1);
      for (const node of c.nodes) assert.deepEqual((await node.client().send(new ListStreamsCommand({}))).StreamNames, []);
    } finally {
      await c.stop();
    }
  });

  it('concurrent PutRecords through three nodes into the same shards: every record read back once, in order', async () => {
    const c = await cluster(3);
    try {
      const clients = c.nodes.map((n) => n.client());
      await clients[0].send(new CreateStreamCommand({ StreamName: 'shared', ShardCount: 2 }));
      await waitActive(clients[0], 'shared');
      const acked = new Map(); // data → { shard, seq }
      const writers = [];
      for (let w = 0; w < 12; w++) {
        const client = clients[w % clients.length];
        writers.push((async () => {
          for (let b = 0; b < 8; b++) {
            const records = batch(`w${w}b${b}`, 50);
            const out = await client.send(new PutRecordsCommand({ StreamName: 'shared', Records: records }));
            assert.equal(out.FailedRecordCount, 0);
            out.Records.forEach((r, i) => acked.set(records[i].Data.toString(), { shard: r.ShardId, seq: r.SequenceNumber }));
          }
        })());
      }
      await Promise.all(writers);
      assert.equal(acked.size, 12 * 8 * 50);
      const seen = new Set();
      for (const shard of [shardId(0), shardId(1)]) {
        // Read through a node that wrote only a third of them.
        const records = await readShard(clients[1], 'shared', shard);
        bySequence(records);
        for (const r of records) {
          const text = Buffer.from(r.Data).toString();
          assert.ok(!seen.has(text), `${text} read once`);
          seen.add(text);
          assert.deepEqual(acked.get(text), { shard, seq: r.SequenceNumber }, `${text} where it was acknowledged`);
        }
        // Counters without gaps: the last sequence number's counter is the number of records.
        const counters = await pgQuery('SELECT last_counter FROM shards WHERE idx = $1', [Number(shard.slice(-1))], c.database);
        assert.equal(Number(counters.rows[0].last_counter), records.length);
      }
      assert.equal(seen.size, acked.size);
    } finally {
      await c.stop();
    }
  });

  it('a split applied on one node while another writes: nothing lost, nothing in the parent after its end', async () => {
    // A lifecycle delay, so that either node's maintenance may be the one to apply the split.
    const c = await cluster(2, ['--update-stream-ms', '300']);
    try {
      const [a, b] = c.nodes.map((n) => n.client());
      await a.send(new CreateStreamCommand({ StreamName: 'splitting', ShardCount: 1 }));
      await waitActive(a, 'splitting');
      const acked = new Map();
      let stop = false;
      const writer = (async () => {
        for (let i = 0; !stop || i < 5; i++) {
          const records = batch(`b${i}`, 40);
          const out = await b.send(new PutRecordsCommand({ StreamName: 'splitting', Records: records }));
          assert.equal(out.FailedRecordCount, 0);
          out.Records.forEach((r, j) => acked.set(records[j].Data.toString(), { shard: r.ShardId, seq: r.SequenceNumber }));
          if (i > 2000) throw new Error('the split never applied');
        }
      })();
      await waitFor(() => acked.size >= 400);
      await a.send(new SplitShardCommand({ StreamName: 'splitting', ShardToSplit: shardId(0), NewStartingHashKey: (2n ** 127n).toString() }));
      await waitActive(a, 'splitting');
      // Once a reader has reached the closed parent's end, nothing more may appear in it.
      const parentAtEnd = bySequence(await readShard(a, 'splitting', shardId(0)));
      // The writer keeps going until it has written into the children too.
      await waitFor(() => [...acked.values()].some((v) => v.shard !== shardId(0)), { timeoutMs: 10_000 });
      stop = true;
      await writer;
      assert.deepEqual(bySequence(await readShard(a, 'splitting', shardId(0))), parentAtEnd, 'the parent ended when it closed');

      const shards = (await b.send(new ListShardsCommand({ StreamName: 'splitting' }))).Shards;
      assert.deepEqual(shards.map((s) => s.ShardId), [shardId(0), shardId(1), shardId(2)], 'one split, applied once');
      const parent = shards[0];
      const ending = BigInt(parent.SequenceNumberRange.EndingSequenceNumber);
      const seen = new Set();
      for (const shard of shards) {
        const records = await readShard(a, 'splitting', shard.ShardId);
        bySequence(records);
        for (const r of records) {
          const text = Buffer.from(r.Data).toString();
          assert.ok(!seen.has(text), `${text} read once`);
          seen.add(text);
          assert.deepEqual(acked.get(text), { shard: shard.ShardId, seq: r.SequenceNumber });
          if (shard.ShardId === parent.ShardId) assert.ok(BigInt(r.SequenceNumber) <= ending, 'no record in the parent after its end');
        }
      }
      assert.equal(seen.size, acked.size, 'every acknowledged record is there');
    } finally {
      await c.stop();
    }
  });

  it('a merge while writers on both nodes write into both parents: each parent ends once, nothing lost', async () => {
    const c = await cluster(2, ['--update-stream-ms', '200']);
    try {
      const clients = c.nodes.map((n) => n.client());
      await clients[0].send(new CreateStreamCommand({ StreamName: 'merging', ShardCount: 2 }));
      await waitActive(clients[0], 'merging');
      const acked = new Map();
      let stop = false;
      const writers = Array.from({ length: 4 }, (_, w) => (async () => {
        const client = clients[w % 2];
        for (let i = 0; !stop || i < 3; i++) {
          const records = batch(`m${w}-${i}`, 30);
          const out = await client.send(new PutRecordsCommand({ StreamName: 'merging', Records: records }));
          assert.equal(out.FailedRecordCount, 0);
          out.Records.forEach((r, j) => acked.set(records[j].Data.toString(), { shard: r.ShardId, seq: r.SequenceNumber }));
        }
      })());
      await waitFor(() => acked.size >= 600);
      await clients[1].send(new MergeShardsCommand({ StreamName: 'merging', ShardToMerge: shardId(0), AdjacentShardToMerge: shardId(1) }));
      await waitActive(clients[0], 'merging');
      const atEnd = [bySequence(await readShard(clients[0], 'merging', shardId(0))), bySequence(await readShard(clients[1], 'merging', shardId(1)))];
      await waitFor(() => [...acked.values()].filter((v) => v.shard === shardId(2)).length >= 300, { timeoutMs: 10_000 });
      stop = true;
      await Promise.all(writers);
      assert.deepEqual(bySequence(await readShard(clients[1], 'merging', shardId(0))), atEnd[0], 'parent 0 ended when it closed');
      assert.deepEqual(bySequence(await readShard(clients[0], 'merging', shardId(1))), atEnd[1], 'parent 1 ended when it closed');
      const shards = (await clients[0].send(new ListShardsCommand({ StreamName: 'merging' }))).Shards;
      assert.deepEqual(shards.map((s) => s.ShardId), [shardId(0), shardId(1), shardId(2)], 'one merge, applied once');
      const seen = new Set();
      for (const shard of shards) {
        for (const r of await readShard(clients[0], 'merging', shard.ShardId)) {
          const text = Buffer.from(r.Data).toString();
          assert.ok(!seen.has(text), `${text} read once`);
          seen.add(text);
          assert.deepEqual(acked.get(text), { shard: shard.ShardId, seq: r.SequenceNumber });
        }
      }
      assert.equal(seen.size, acked.size, 'every acknowledged record is there');
    } finally {
      await c.stop();
    }
  });

  it('shard iterators and pagination tokens made on one node work on another', async () => {
    const c = await cluster(2);
    try {
      const [a, b] = c.nodes.map((n) => n.client());
      for (const name of ['tok-a', 'tok-b', 'tok-c']) await a.send(new CreateStreamCommand({ StreamName: name, ShardCount: 3 }));
      await waitActive(a, 'tok-c');
      await a.send(new PutRecordsCommand({ StreamName: 'tok-a', Records: [{ PartitionKey: 'k', Data: Buffer.from('hello'), ExplicitHashKey: '0' }] }));
      const iterator = (await a.send(new GetShardIteratorCommand({ StreamName: 'tok-a', ShardId: shardId(0), ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      const got = await b.send(new GetRecordsCommand({ ShardIterator: iterator }));
      assert.deepEqual(got.Records.map((r) => Buffer.from(r.Data).toString()), ['hello']);
      // The next iterator, made by B, works on A.
      const next = await a.send(new GetRecordsCommand({ ShardIterator: got.NextShardIterator }));
      assert.equal(next.Records.length, 0);

      const page = await a.send(new ListStreamsCommand({ Limit: 1 }));
      assert.deepEqual(page.StreamNames, ['tok-a']);
      const rest = await b.send(new ListStreamsCommand({ NextToken: page.NextToken }));
      assert.deepEqual(rest.StreamNames, ['tok-b', 'tok-c']);
      const shards = await b.send(new ListShardsCommand({ StreamName: 'tok-b', MaxResults: 1 }));
      const more = await a.send(new ListShardsCommand({ NextToken: shards.NextToken }));
      assert.deepEqual(more.Shards.map((s) => s.ShardId), [shardId(1), shardId(2)]);
    } finally {
      await c.stop();
    }
  });

  it('kill -9 of one node during writes loses no acknowledged record', async () => {
    const c = await cluster(2);
    try {
      const [victim, survivor] = c.nodes;
      const [va, sb] = [victim.client(), survivor.client()];
      await sb.send(new CreateStreamCommand({ StreamName: 'crash', ShardCount: 2 }));
      await waitActive(sb, 'crash');
      const acked = new Set();
      const write = async (client, prefix, rounds) => {
        for (let i = 0; i < rounds; i++) {
          const records = batch(`${prefix}${i}`, 25);
          let out;
          try {
            out = await client.send(new PutRecordsCommand({ StreamName: 'crash', Records: records }));
          } catch {
            return; // the node is gone: what it did not acknowledge may or may not be there
          }
          for (const r of records) acked.add(r.Data.toString());
        }
      };
      const writers = [
        ...Array.from({ length: 4 }, (_, w) => write(va, `v${w}-`, 10_000)),
        ...Array.from({ length: 2 }, (_, w) => write(sb, `s${w}-`, 40)),
      ];
      await waitFor(() => acked.size >= 2000, { timeoutMs: 20_000 });
      await victim.kill9();
      await Promise.all(writers);
      const seen = new Set();
      for (const shard of [shardId(0), shardId(1)]) {
        for (const text of bySequence(await readShard(sb, 'crash', shard))) {
          assert.ok(!seen.has(text), `${text} read once`);
          seen.add(text);
        }
      }
      for (const text of acked) assert.ok(seen.has(text), `acknowledged ${text} is there`);
      // Writes go on through the survivor.
      const after = await sb.send(new PutRecordsCommand({ StreamName: 'crash', Records: batch('after', 10) }));
      assert.equal(after.FailedRecordCount, 0);
    } finally {
      await c.stop();
    }
  });
});

describe('push across nodes', { skip }, () => {
  let c;
  before(async () => { c = await cluster(2, ['--register-consumer-ms', '0', '--deregister-consumer-ms', '0']); });
  after(async () => { await c?.stop(); });

  it('SubscribeToShard on node B receives a record put through node A promptly', async () => {
    const [a, b] = c.nodes.map((n) => n.client());
    await a.send(new CreateStreamCommand({ StreamName: 'pushed', ShardCount: 1 }));
    await waitActive(a, 'pushed');
    const consumer = (await b.send(new RegisterStreamConsumerCommand({
      StreamARN: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/pushed`, ConsumerName: 'listener',
    }))).Consumer;
    await waitFor(async () => (await a.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumer.ConsumerARN })))
      .ConsumerDescription.ConsumerStatus === 'ACTIVE');
    const abort = new AbortController();
    const out = await b.send(new SubscribeToShardCommand({
      ConsumerARN: consumer.ConsumerARN, ShardId: shardId(0), StartingPosition: { Type: 'LATEST' },
    }), { abortSignal: abort.signal });
    const events = out.EventStream[Symbol.asyncIterator]();
    try {
      const first = await events.next(); // the first event goes out at once, empty
      assert.equal(first.value.SubscribeToShardEvent.Records.length, 0);
      // Heartbeats come every 5 s: a record within well under that came by notification. From round
      // 3 on, the nodes' LISTEN connections are cut just before the put: polling, then a new
      // connection, take over.
      for (let round = 0; round < 6; round++) {
        if (round >= 3) {
          await pgQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'sluice-listen'`,
            [c.database]);
        }
        const started = performance.now();
        await a.send(new PutRecordsCommand({ StreamName: 'pushed', Records: [{ PartitionKey: 'k', Data: Buffer.from(`push-${round}`) }] }));
        let received;
        while (!received) {
          const next = await events.next();
          const records = next.value.SubscribeToShardEvent.Records;
          if (records.length > 0) received = records;
        }
        const latency = performance.now() - started;
        assert.deepEqual(received.map((r) => Buffer.from(r.Data).toString()), [`push-${round}`]);
        assert.ok(latency < 1500, `delivered in ${latency.toFixed(0)} ms`);
      }
    } finally {
      abort.abort();
      await events.return?.().catch(() => undefined);
    }
  });
});
