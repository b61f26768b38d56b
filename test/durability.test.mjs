// Durability of the embedded store: a clean restart keeps everything (iterators included), a
// kill -9 loses no acknowledged record and reuses no sequence number, --in-memory keeps nothing,
// and a second server cannot open a data directory that is in use.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import {
  AddTagsToStreamCommand, CreateStreamCommand, DeleteStreamCommand, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand,
  ListStreamsCommand, ListTagsForStreamCommand, PutRecordCommand, PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { rawRequest, shardId, sqliteOnly, startServer, tempDir, waitFor } from './helpers.mjs';

async function waitStatus(client, name, status) {
  return waitFor(async () => {
    const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
    return d.StreamDescription.StreamStatus === status ? d.StreamDescription : undefined;
  });
}

/** Every record of a shard from TRIM_HORIZON, via raw JSON (Limit 10000 per call). */
async function readShard(endpoint, stream, shard) {
  const it = await rawRequest(endpoint, { target: 'GetShardIterator', body: { StreamName: stream, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' } });
  assert.equal(it.status, 200, it.body.toString());
  let iterator = it.json.ShardIterator;
  const records = [];
  for (let i = 0; i < 1000; i++) {
    const res = await rawRequest(endpoint, { target: 'GetRecords', body: { ShardIterator: iterator, Limit: 10000 } });
    assert.equal(res.status, 200, res.body.toString());
    records.push(...res.json.Records);
    iterator = res.json.NextShardIterator;
    if (res.json.Records.length === 0 && res.json.MillisBehindLatest === 0) return records;
  }
  throw new Error('shard did not end');
}

/** Creates a stream over raw JSON and waits until it is ACTIVE. */
async function createActiveStream(endpoint, name, shards) {
  const created = await rawRequest(endpoint, { target: 'CreateStream', body: { StreamName: name, ShardCount: shards } });
  assert.equal(created.status, 200);
  await waitFor(async () => (await rawRequest(endpoint, { target: 'DescribeStream', body: { StreamName: name } })).json.StreamDescription.StreamStatus === 'ACTIVE');
}

/** Writer w's records of one batch: keys `w<w>-b<batch>-r<i>`, data of `size` bytes, in base64. */
function writerRecords(w, batch, n, size) {
  return Array.from({ length: n }, (_, i) => ({
    PartitionKey: `w${w}-b${batch}-r${i}`,
    Data: Buffer.from(`writer ${w} batch ${batch} record ${i} `.padEnd(size, '.')).toString('base64'),
  }));
}

/** Every stored record (sequence number → { shard, pk, data }), each shard's numbers checked to rise, and each shard's highest. */
async function readStored(endpoint, name, shards) {
  const stored = new Map();
  const maxSeq = {};
  for (let s = 0; s < shards; s++) {
    const id = shardId(s);
    let last = -1n;
    for (const r of await readShard(endpoint, name, id)) {
      const seq = BigInt(r.SequenceNumber);
      assert.ok(seq > last, `sequence numbers increase within ${id}`);
      last = seq;
      stored.set(r.SequenceNumber, { shard: id, pk: r.PartitionKey, data: r.Data });
    }
    maxSeq[id] = last;
  }
  return { stored, maxSeq };
}

/** Writes 200 new records, whose numbers must be above everything stored on their shard (maxSeq); the answer. */
async function writeAbove(endpoint, name, maxSeq) {
  const after = await rawRequest(endpoint, {
    target: 'PutRecords',
    body: { StreamName: name, Records: Array.from({ length: 200 }, (_, i) => ({ PartitionKey: `after-${i}`, Data: 'YWZ0ZXI=' })) },
  });
  assert.equal(after.status, 200);
  for (const entry of after.json.Records) {
    assert.ok(BigInt(entry.SequenceNumber) > maxSeq[entry.ShardId], `${entry.SequenceNumber} reuses or precedes a stored number on ${entry.ShardId}`);
  }
  return after;
}

/**
 * Writes `calls` PutRecords of 500 × 600 B to `name`, four at a time (writes this large go to the
 * writer thread, and so to segment files); what was acknowledged (sequence number → { shard, pk, data }).
 */
async function loadSegments(endpoint, name, calls) {
  const acked = new Map();
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async (_, w) => {
    for (let batch = next++; batch < calls; batch = next++) {
      const records = writerRecords(w, batch, 500, 600);
      const res = await rawRequest(endpoint, { target: 'PutRecords', body: { StreamName: name, Records: records } });
      assert.equal(res.status, 200, res.body.toString());
      assert.equal(res.json.FailedRecordCount, 0);
      res.json.Records.forEach((entry, i) => acked.set(entry.SequenceNumber, { shard: entry.ShardId, pk: records[i].PartitionKey, data: records[i].Data }));
    }
  }));
  return acked;
}

/** The records stored in `name` (of `shards` shards) are exactly those acknowledged. */
async function storedExactly(endpoint, name, shards, acked) {
  const { stored } = await readStored(endpoint, name, shards);
  assert.equal(stored.size, acked.size, `${name}: as many records as were acknowledged`);
  for (const [seq, rec] of acked) assert.deepEqual(stored.get(seq), rec, `${name}: acknowledged record ${seq}`);
}

const exited = (child) => (child.exitCode !== null || child.signalCode !== null
  ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  : new Promise((r) => child.once('exit', (code, signal) => r({ code, signal }))));

describe('durability', () => {
  it('streams, records, tags and shard iterators survive a SIGTERM restart', async () => {
    const dataDir = tempDir();
    let server = await startServer({ dataDir });
    try {
      let client = server.client();
      const name = 'persisted';
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2, Tags: { env: 'test' } }));
      await waitStatus(client, name, 'ACTIVE');
      await client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { owner: 'wire' } }));
      const puts = await client.send(new PutRecordsCommand({
        StreamName: name,
        Records: Array.from({ length: 40 }, (_, i) => ({ PartitionKey: `key-${i}`, Data: Buffer.from(`value-${i}`) })),
      }));
      assert.equal(puts.FailedRecordCount, 0);
      const before = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
      const tagsBefore = await client.send(new ListTagsForStreamCommand({ StreamName: name }));
      assert.deepEqual(tagsBefore.Tags, [{ Key: 'env', Value: 'test' }, { Key: 'owner', Value: 'wire' }]);

      const iterators = {};
      for (const shard of before.Shards) {
        iterators[shard.ShardId] = {
          trim: (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator,
          latest: (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId, ShardIteratorType: 'LATEST' }))).ShardIterator,
        };
      }
      const firstPage = {};
      for (const shard of before.Shards) {
        firstPage[shard.ShardId] = (await client.send(new GetRecordsCommand({ ShardIterator: iterators[shard.ShardId].trim }))).Records;
      }
      assert.equal(Object.values(firstPage).flat().length, 40);

      await server.stop();
      assert.deepEqual(await exited(server.child), { code: 0, signal: null });
      assert.match(server.stderr, /^$/, 'a clean stop writes nothing to stderr');

      server = await startServer({ dataDir });
      client = server.client();
      const streams = await client.send(new ListStreamsCommand({}));
      assert.deepEqual(streams.StreamNames, [name]);
      const after = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
      assert.deepEqual(after, before);
      assert.deepEqual((await client.send(new ListTagsForStreamCommand({ StreamName: name }))).Tags, tagsBefore.Tags);

      for (const shard of before.Shards) {
        // An iterator issued before the restart still reads the same records.
        const again = await client.send(new GetRecordsCommand({ ShardIterator: iterators[shard.ShardId].trim }));
        assert.deepEqual(again.Records.map((r) => [r.SequenceNumber, Buffer.from(r.Data).toString(), r.PartitionKey]),
          firstPage[shard.ShardId].map((r) => [r.SequenceNumber, Buffer.from(r.Data).toString(), r.PartitionKey]));
      }

      // A LATEST iterator from before the restart sees exactly what is written after it.
      const fresh = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'after-restart', Data: Buffer.from('new') }));
      const lastBefore = firstPage[fresh.ShardId].at(-1).SequenceNumber;
      assert.ok(BigInt(fresh.SequenceNumber) > BigInt(lastBefore), 'sequence numbers keep increasing after a restart');
      const latest = await client.send(new GetRecordsCommand({ ShardIterator: iterators[fresh.ShardId].latest }));
      assert.deepEqual(latest.Records.map((r) => r.SequenceNumber), [fresh.SequenceNumber]);
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('pending lifecycle transitions are persisted and complete after a restart', async () => {
    const dataDir = tempDir();
    const slow = ['--create-stream-ms', '60000', '--delete-stream-ms', '60000'];
    let server = await startServer({ dataDir, args: slow });
    try {
      let client = server.client();
      await client.send(new CreateStreamCommand({ StreamName: 'creating', ShardCount: 1 }));
      await client.send(new CreateStreamCommand({ StreamName: 'deleting', ShardCount: 1 }));
      await server.advanceClock(61_000);
      await waitStatus(client, 'deleting', 'ACTIVE');
      await client.send(new CreateStreamCommand({ StreamName: 'creating-2', ShardCount: 1 }));
      await client.send(new DeleteStreamCommand({ StreamName: 'deleting' }));
      assert.equal((await client.send(new DescribeStreamCommand({ StreamName: 'creating-2' }))).StreamDescription.StreamStatus, 'CREATING');
      assert.equal((await client.send(new DescribeStreamCommand({ StreamName: 'deleting' }))).StreamDescription.StreamStatus, 'DELETING');
      await server.stop();

      server = await startServer({ dataDir, args: slow });
      client = server.client();
      assert.equal((await client.send(new DescribeStreamCommand({ StreamName: 'creating-2' }))).StreamDescription.StreamStatus, 'CREATING');
      assert.equal((await client.send(new DescribeStreamCommand({ StreamName: 'deleting' }))).StreamDescription.StreamStatus, 'DELETING');
      // The test clock's offset is not persisted: the changes fell due 61 s + 60 s after the first start.
      await server.advanceClock(130_000);
      await waitStatus(client, 'creating-2', 'ACTIVE');
      await waitFor(async () => (await client.send(new ListStreamsCommand({}))).StreamNames.join() === 'creating,creating-2');
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('kill -9 mid-stream loses no acknowledged record and reuses no sequence number', async (t) => {
    const dataDir = tempDir();
    let server = await startServer({ dataDir });
    const name = 'hammered';
    const SHARDS = 4;
    try {
      await createActiveStream(server.endpoint, name, SHARDS);

      /** seq → { shard, pk, data } for every record whose PutRecords answer came back. */
      const acked = new Map();
      let failedEntries = 0;
      let requestErrors = 0;
      const endpoint = server.endpoint;
      const writer = async (w) => {
        for (let batch = 0; ; batch++) {
          const records = writerRecords(w, batch, 100, 120);
          let res;
          try {
            res = await rawRequest(endpoint, { target: 'PutRecords', body: { StreamName: name, Records: records } });
          } catch {
            requestErrors++;
            return; // the server is gone
          }
          assert.equal(res.status, 200, res.body.toString());
          res.json.Records.forEach((entry, i) => {
            if (!entry.SequenceNumber) { failedEntries++; return; }
            assert.ok(!acked.has(entry.SequenceNumber), 'a sequence number was given twice');
            acked.set(entry.SequenceNumber, { shard: entry.ShardId, pk: records[i].PartitionKey, data: records[i].Data });
          });
        }
      };
      const writers = Array.from({ length: 6 }, (_, w) => writer(w));
      await new Promise((r) => setTimeout(r, 2000));
      const countAtKill = acked.size;
      await server.kill9();
      assert.equal(server.child.signalCode, 'SIGKILL');
      await Promise.all(writers);
      assert.ok(countAtKill > 1000, `only ${countAtKill} records were acknowledged in 2 s`);
      assert.ok(requestErrors > 0, 'writers were still writing when the server was killed');

      server = await startServer({ dataDir });
      const { stored, maxSeq } = await readStored(server.endpoint, name, SHARDS);
      let missing = 0;
      let different = 0;
      for (const [seq, rec] of acked) {
        const got = stored.get(seq);
        if (!got) missing++;
        else if (got.shard !== rec.shard || got.pk !== rec.pk || got.data !== rec.data) different++;
      }
      assert.equal(missing, 0, `${missing} of ${acked.size} acknowledged records are gone`);
      assert.equal(different, 0, `${different} acknowledged records came back different`);
      assert.ok(stored.size >= acked.size);
      t.diagnostic(`acknowledged ${acked.size} records in 2 s; ${stored.size} stored after kill -9; ${failedEntries} entries refused`);
      // Anything stored but not acknowledged must at least be a record some writer sent.
      for (const [, rec] of stored) assert.match(rec.pk, /^w\d-b\d+-r\d+$/);

      // New writes continue above everything ever stored on each shard (no reuse after the crash).
      const after = await writeAbove(server.endpoint, name, maxSeq);
      assert.equal(after.json.FailedRecordCount, 0);
      const seen = new Set();
      for (const entry of after.json.Records) {
        assert.ok(!acked.has(entry.SequenceNumber) && !seen.has(entry.SequenceNumber));
        seen.add(entry.SequenceNumber);
      }
      assert.equal(new Set(after.json.Records.map((r) => r.ShardId)).size, SHARDS);
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a writer thread that fails mid-stream loses no acknowledged record, and writes go on without it', { skip: sqliteOnly('the writer thread is the embedded engine\'s') }, async (t) => {
    const dataDir = tempDir();
    // The thread ends itself after 25 writes, as a failing thread would; writes in flight then are
    // refused (InternalFailure, which clients retry), later ones are stored by the event loop.
    let server = await startServer({ dataDir, env: { SLUICE_TEST_WRITER_EXIT_AFTER: '25' } });
    const name = 'orphaned';
    const SHARDS = 4;
    let writers = [];
    let stop = false;
    try {
      await createActiveStream(server.endpoint, name, SHARDS);

      const acked = new Map();
      let refused = 0;
      let refusedLater = 0;
      let ackedAfterFailure = 0;
      let largeAfterFailure = 0;
      let failed = false;
      let settled = false;
      const writer = async (w) => {
        for (let batch = 0; !stop; batch++) {
          // Large writes (over 256 KiB go to the thread; their data reach it in shared memory) and
          // small ones (copied into the writer's shared memory when they go to the thread while a large one is there).
          const [n, size] = batch % 2 ? [100, 150] : [500, 600];
          const records = writerRecords(w, batch, n, size);
          const res = await rawRequest(server.endpoint, { target: 'PutRecords', body: { StreamName: name, Records: records } });
          if (res.status === 500) {
            assert.equal(res.headers['x-amzn-errortype'], 'InternalFailure', res.body.toString());
            refused++;
            if (settled) refusedLater++;
            continue;
          }
          assert.equal(res.status, 200, res.body.toString());
          assert.equal(res.json.FailedRecordCount, 0);
          res.json.Records.forEach((entry, i) => {
            assert.ok(!acked.has(entry.SequenceNumber), 'a sequence number was given twice');
            acked.set(entry.SequenceNumber, { shard: entry.ShardId, pk: records[i].PartitionKey, data: records[i].Data });
          });
          if (failed) {
            ackedAfterFailure += n;
            if (n === 500) largeAfterFailure++;
          }
        }
      };
      writers = Array.from({ length: 6 }, (_, w) => writer(w));
      await waitFor(() => server.stdout.includes('the writer thread failed'), { timeoutMs: 20_000 });
      failed = true;
      // Writes that were with the thread when it failed (if any) are refused; none sent after that may be.
      await new Promise((r) => setTimeout(r, 500));
      settled = true;
      await waitFor(() => ackedAfterFailure >= 5000 && largeAfterFailure >= 10, { timeoutMs: 20_000 });
      stop = true;
      await Promise.all(writers);
      t.diagnostic(`acknowledged ${acked.size} records, ${ackedAfterFailure} after the thread failed; ${refused} requests refused`);
      assert.equal(refusedLater, 0, 'writes sent after the failure are stored without the thread');

      /** Every acknowledged record is stored once, as sent, and each shard's numbers rise. */
      const check = async (endpoint) => {
        const { stored, maxSeq } = await readStored(endpoint, name, SHARDS);
        for (const [seq, rec] of acked) assert.deepEqual(stored.get(seq), rec, `acknowledged record ${seq}`);
        return maxSeq;
      };
      await check(server.endpoint);

      // The same after a kill -9 and a restart (with a working thread), and new writes go above.
      await server.kill9();
      server = await startServer({ dataDir });
      await writeAbove(server.endpoint, name, await check(server.endpoint));
    } finally {
      // Writers still running (a failed check) end before the server does.
      stop = true;
      await Promise.allSettled(writers);
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('bodies written under load go to segment files: read back exact after a restart, a torn tail is never read, a segment goes once no row names it', { skip: sqliteOnly('reads the segment files') }, async () => {
    const dataDir = tempDir();
    const segmentsDir = join(dataDir, 'segments');
    const segments = () => readdirSync(segmentsDir).filter((f) => f.endsWith('.seg')).sort();
    /** Rows whose body is in a segment, and rows whose body is inline. */
    const rowKinds = () => {
      const db = new Database(join(dataDir, 'sluice.db'), { readonly: true });
      try {
        return db.prepare('SELECT count(segment) AS inFiles, count(*) - count(segment) AS inline FROM chunks').get();
      } finally {
        db.close();
      }
    };
    let server = await startServer({ dataDir });
    try {
      // First process: 'short' (24 hours) fills its segments.
      await createActiveStream(server.endpoint, 'short', 2);
      const short = await loadSegments(server.endpoint, 'short', 24);
      await server.stop();
      const first = segments();
      assert.ok(first.length >= 1, 'the writer thread wrote segment files');
      const rows = rowKinds();
      assert.ok(rows.inFiles > rows.inline, `most chunks have their body in a segment (${rows.inFiles} in files, ${rows.inline} inline)`);
      // A kill in the middle of a write leaves a body whose row never committed at a segment's end.
      appendFileSync(join(segmentsDir, first.at(-1)), randomBytes(100_000));

      // Second process: a segment of its own for 'long' (48 hours); the torn tail is never read.
      server = await startServer({ dataDir });
      await storedExactly(server.endpoint, 'short', 2, short);
      await createActiveStream(server.endpoint, 'long', 2);
      const increased = await rawRequest(server.endpoint, { target: 'IncreaseStreamRetentionPeriod', body: { StreamName: 'long', RetentionPeriodHours: 48 } });
      assert.equal(increased.status, 200);
      const long = await loadSegments(server.endpoint, 'long', 12);
      await server.stop();
      const second = segments().filter((f) => !first.includes(f));
      assert.ok(second.length >= 1 && second[0] > first.at(-1), `a new segment after the old ones (${first} then ${second})`);

      // Third process: once 'short' ages out its segments go; those 'long' still names stay.
      server = await startServer({ dataDir });
      await storedExactly(server.endpoint, 'short', 2, short);
      await storedExactly(server.endpoint, 'long', 2, long);
      await server.advanceClock(25 * 3_600_000);
      assert.deepEqual(segments(), second, 'the segments of the expired records are deleted, the others kept');
      await storedExactly(server.endpoint, 'short', 2, new Map());
      await storedExactly(server.endpoint, 'long', 2, long);
      await server.advanceClock(24 * 3_600_000);
      assert.deepEqual(segments(), [], 'no row names a segment any more');
      await storedExactly(server.endpoint, 'long', 2, new Map());
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a segment cut short or gone (as a power loss can leave one) makes the reads that need it fail with InternalFailure, the server goes on, and its id is never used again', { skip: sqliteOnly('cuts a segment file') }, async () => {
    const dataDir = tempDir();
    let server = await startServer({ dataDir });
    try {
      await createActiveStream(server.endpoint, 'cut', 1);
      await loadSegments(server.endpoint, 'cut', 12);
      await server.stop();
      const [segment] = readdirSync(join(dataDir, 'segments'));
      const file = join(dataDir, 'segments', segment);
      truncateSync(file, Math.floor(statSync(file).size / 2));

      server = await startServer({ dataDir });
      const it = await rawRequest(server.endpoint, { target: 'GetShardIterator', body: { StreamName: 'cut', ShardId: shardId(0), ShardIteratorType: 'TRIM_HORIZON' } });
      let iterator = it.json.ShardIterator;
      let failed;
      for (let i = 0; i < 20 && !failed; i++) {
        const res = await rawRequest(server.endpoint, { target: 'GetRecords', body: { ShardIterator: iterator, Limit: 10000 } });
        if (res.status !== 200) failed = res;
        else iterator = res.json.NextShardIterator;
      }
      assert.ok(failed, 'a read reached the missing half');
      assert.equal(failed.status, 500);
      assert.equal(failed.headers['x-amzn-errortype'], 'InternalFailure');
      const listed = await rawRequest(server.endpoint, { target: 'ListStreams', body: {} });
      assert.deepEqual(listed.json.StreamNames, ['cut']);

      // With the file gone altogether, the next segment still gets a new id: rows that name the
      // lost one never read another's bodies.
      await server.stop();
      rmSync(file);
      server = await startServer({ dataDir });
      await createActiveStream(server.endpoint, 'after', 1);
      await loadSegments(server.endpoint, 'after', 4);
      const segments = readdirSync(join(dataDir, 'segments'));
      assert.ok(segments.length > 0 && segments.every((f) => f > segment), `new segments (${segments}) come after the lost ${segment}`);
      const again = await rawRequest(server.endpoint, { target: 'GetShardIterator', body: { StreamName: 'cut', ShardId: shardId(0), ShardIteratorType: 'TRIM_HORIZON' } });
      const first = await rawRequest(server.endpoint, { target: 'GetRecords', body: { ShardIterator: again.json.ShardIterator, Limit: 10000 } });
      assert.equal(first.status, 500, 'the lost segment\'s records are not read from another file');
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('retention deletes expired records from storage, not only from answers', { skip: sqliteOnly('reads or locks the SQLite files') }, async () => {
    const server = await startServer();
    try {
      const client = server.client();
      await client.send(new CreateStreamCommand({ StreamName: 'trimmed', ShardCount: 2 }));
      const data = Buffer.alloc(100, 1);
      // More than one trimming batch per shard (2000 keys).
      for (let b = 0; b < 12; b++) {
        const records = Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `k${b}-${i}`, Data: data }));
        const out = await client.send(new PutRecordsCommand({ StreamName: 'trimmed', Records: records }));
        assert.equal(out.FailedRecordCount, 0);
      }
      await server.advanceClock(25 * 3_600_000);
      await client.send(new PutRecordCommand({ StreamName: 'trimmed', PartitionKey: 'fresh', Data: Buffer.from('new') }));
      await server.stop();
      const db = new Database(join(server.dataDir, 'sluice.db'), { readonly: true });
      const { n } = db.prepare('SELECT coalesce(sum(last_counter - (key & 1099511627775) + 1), 0) AS n FROM chunks').get();
      db.close();
      assert.equal(n, 1, 'only the record written after the retention period is left on disk');
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  it('sequence numbers keep rising after every record of a shard aged out and the server restarted', async () => {
    const server = await startServer();
    let next;
    try {
      const client = server.client();
      await client.send(new CreateStreamCommand({ StreamName: 'aged', ShardCount: 1 }));
      await waitStatus(client, 'aged', 'ACTIVE');
      let last;
      for (let i = 0; i < 3; i++) {
        last = (await client.send(new PutRecordCommand({ StreamName: 'aged', PartitionKey: `k${i}`, Data: Buffer.from('old') }))).SequenceNumber;
      }
      await server.advanceClock(25 * 3_600_000); // every record is past retention and trimmed
      assert.deepEqual(await readShard(server.endpoint, 'aged', 'shardId-000000000000'), []);
      await server.stop();
      next = await startServer({ dataDir: server.dataDir, database: server.database });
      const fresh = await next.client().send(new PutRecordCommand({ StreamName: 'aged', PartitionKey: 'k', Data: Buffer.from('new') }));
      assert.ok(BigInt(fresh.SequenceNumber) > BigInt(last), `${fresh.SequenceNumber} follows ${last}`);
    } finally {
      await server.stop();
      await next?.stop();
      server.cleanup();
      await next?.cleanup();
    }
  });

  it('a data directory written with one row per record is migrated to chunks, every record kept', { skip: sqliteOnly('writes the SQLite file of an older version') }, async () => {
    const { MIGRATIONS } = await import('../dist/storage/sqlite/schema.js');
    const dir = tempDir();
    // The schema as versions before chunks left it, with records written the way they wrote them.
    const db = new Database(join(dir, 'sluice.db'));
    db.pragma('journal_mode = WAL');
    for (let v = 0; v < 4; v++) db.exec(MIGRATIONS[v]);
    db.pragma('user_version = 4');
    const created = Date.now() - 60_000;
    db.prepare(`INSERT INTO streams (account, region, name, status, created_ms, retention_hours, mode, max_record_kib, next_shard_index)
      VALUES ('000000000000', 'us-east-1', 'legacy', 'ACTIVE', ?, 24, 'PROVISIONED', 1024, 2)`).run(created);
    const max = (1n << 128n) - 1n;
    db.prepare(`INSERT INTO shards (uid, stream_uid, idx, created_ms, start_hash, end_hash, last_counter) VALUES (1, 1, 0, ?, '0', ?, 5)`).run(created, String(max / 2n));
    db.prepare(`INSERT INTO shards (uid, stream_uid, idx, created_ms, start_hash, end_hash, last_counter) VALUES (2, 1, 1, ?, ?, ?, 2)`).run(created, String(max / 2n + 1n), String(max));
    const insert = db.prepare('INSERT INTO records (key, arrival_ms, partition_key, data, encrypted) VALUES (?, ?, ?, ?, ?)');
    const key = (shardUid, counter) => (BigInt(shardUid) << 40n) | BigInt(counter);
    // Shard 0: two records of one write, one later, two more (one encrypted); shard 1: two.
    const rows = [[1, 1, created + 1000, 'a'], [1, 2, created + 1000, 'b'], [1, 3, created + 2000, 'c'], [1, 4, created + 3000, 'd'], [1, 5, created + 3000, 'e', 1],
      [2, 1, created + 1000, 'x'], [2, 2, created + 1000, 'y']];
    for (const [shard, counter, arrival, text, encrypted = 0] of rows) insert.run(key(shard, counter), arrival, `pk-${text}`, Buffer.from(text), encrypted);
    db.close();
    const server = await startServer({ dataDir: dir });
    try {
      const shard0 = await readShard(server.endpoint, 'legacy', 'shardId-000000000000');
      assert.deepEqual(shard0.map((r) => Buffer.from(r.Data, 'base64').toString()), ['a', 'b', 'c', 'd', 'e']);
      assert.deepEqual(shard0.map((r) => r.PartitionKey), ['pk-a', 'pk-b', 'pk-c', 'pk-d', 'pk-e']);
      assert.deepEqual(shard0.map((r) => r.EncryptionType), [undefined, undefined, undefined, undefined, 'KMS']);
      assert.deepEqual(shard0.map((r) => r.ApproximateArrivalTimestamp * 1000), rows.slice(0, 5).map((r) => r[2]));
      assert.deepEqual(shard0.map((r) => BigInt(r.SequenceNumber) % (1n << 32n)), [1n, 2n, 3n, 4n, 5n]);
      const shard1 = await readShard(server.endpoint, 'legacy', 'shardId-000000000001');
      assert.deepEqual(shard1.map((r) => Buffer.from(r.Data, 'base64').toString()), ['x', 'y']);
      // Reading from the middle of a migrated chunk starts at the right record.
      const at = await rawRequest(server.endpoint, { target: 'GetShardIterator', body: { StreamName: 'legacy', ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: shard0[1].SequenceNumber } });
      const page = await rawRequest(server.endpoint, { target: 'GetRecords', body: { ShardIterator: at.json.ShardIterator } });
      assert.deepEqual(page.json.Records.map((r) => r.PartitionKey), ['pk-b', 'pk-c', 'pk-d', 'pk-e']);
      const check = new Database(join(dir, 'sluice.db'), { readonly: true });
      const tables = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('records', 'chunks')").all().map((t) => t.name);
      const chunks = check.prepare('SELECT count(*) AS n FROM chunks').get().n;
      check.close();
      assert.deepEqual(tables, ['chunks']);
      assert.equal(chunks, 5, 'a chunk per run of one shard, one arrival time and one encryption flag');
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('under writes that never pause, the WAL stays bounded: writes wait while it starts over, none fails or is lost', { skip: sqliteOnly('reads the SQLite files') }, async () => {
    const server = await startServer({ args: ['--wal-limit-mib', '2'] });
    try {
      const created = await rawRequest(server.endpoint, { target: 'CreateStream', body: { StreamName: 'wal', ShardCount: 4 } });
      assert.equal(created.status, 200);
      // 32 MiB in PutRecords of 100 × 1 KiB, eight at a time, back to back. Writes this small are
      // stored on the event loop with their bodies in the database (larger ones put theirs in
      // segment files, and only their rows go through the log).
      const data = Buffer.alloc(1024, 7).toString('base64');
      let next = 0;
      const sent = new Set();
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < 320) {
          const call = next++;
          const records = Array.from({ length: 100 }, (_, i) => ({ Data: data, PartitionKey: `c${call}-${i}` }));
          const res = await rawRequest(server.endpoint, { target: 'PutRecords', body: { StreamName: 'wal', Records: records } });
          assert.equal(res.status, 200, res.body.toString());
          assert.equal(res.json.FailedRecordCount, 0);
          for (const r of records) sent.add(r.PartitionKey);
        }
      }));
      const wal = statSync(join(server.dataDir, 'sluice.db-wal')).size;
      assert.ok(wal < 24 * 1024 * 1024, `the log started over on the way (${(wal / 1048576).toFixed(1)} MiB after 32 MiB of records)`);
      const seen = new Set();
      for (let shard = 0; shard < 4; shard++) {
        const records = await readShard(server.endpoint, 'wal', `shardId-00000000000${shard}`);
        for (let i = 1; i < records.length; i++) assert.ok(BigInt(records[i].SequenceNumber) > BigInt(records[i - 1].SequenceNumber));
        for (const r of records) seen.add(r.PartitionKey);
      }
      assert.equal(seen.size, sent.size);
      // Background work (lifecycle changes, trimming) met the log starting over without failing.
      const errors = server.stdout.split('\n').filter((l) => /"level":(50|60)/.test(l));
      assert.deepEqual(errors, []);
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  it('--in-memory keeps nothing across restarts and writes nothing to disk', { skip: sqliteOnly('reads or locks the SQLite files') }, async () => {
    let server = await startServer({ inMemory: true });
    try {
      const client = server.client();
      await client.send(new CreateStreamCommand({ StreamName: 'ephemeral', ShardCount: 1 }));
      await waitStatus(client, 'ephemeral', 'ACTIVE');
      await client.send(new PutRecordCommand({ StreamName: 'ephemeral', PartitionKey: 'k', Data: Buffer.from('x') }));
      assert.deepEqual((await client.send(new ListStreamsCommand({}))).StreamNames, ['ephemeral']);
      assert.deepEqual(readdirSync(server.dataDir), []);
      await server.stop();
      server.cleanup();

      server = await startServer({ inMemory: true });
      assert.deepEqual((await server.client().send(new ListStreamsCommand({}))).StreamNames, []);
      assert.deepEqual(readdirSync(server.dataDir), []);
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  it('a second server on a data directory in use refuses to start; the first is unharmed', { skip: sqliteOnly('reads or locks the SQLite files') }, async () => {
    const dataDir = tempDir();
    const first = await startServer({ dataDir });
    try {
      const client = first.client();
      await client.send(new CreateStreamCommand({ StreamName: 'owned', ShardCount: 1 }));
      await waitStatus(client, 'owned', 'ACTIVE');
      const put = await client.send(new PutRecordCommand({ StreamName: 'owned', PartitionKey: 'k', Data: Buffer.from('before') }));

      await assert.rejects(startServer({ dataDir }), (err) => {
        assert.match(err.message, /server exited with 1/);
        assert.match(err.message, /locked|in use/i);
        return true;
      });

      // The first server still reads and writes, and its data is intact.
      const put2 = await client.send(new PutRecordCommand({ StreamName: 'owned', PartitionKey: 'k', Data: Buffer.from('after') }));
      assert.ok(BigInt(put2.SequenceNumber) > BigInt(put.SequenceNumber));
      const records = await readShard(first.endpoint, 'owned', 'shardId-000000000000');
      assert.deepEqual(records.map((r) => Buffer.from(r.Data, 'base64').toString()), ['before', 'after']);
      await first.stop();

      // Once it has stopped, the directory opens again with everything in it.
      const second = await startServer({ dataDir });
      try {
        const again = await readShard(second.endpoint, 'owned', 'shardId-000000000000');
        assert.deepEqual(again.map((r) => r.SequenceNumber), [put.SequenceNumber, put2.SequenceNumber]);
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
