// The read path: GetShardIterator's five starting points and its errors, GetRecords paging, limits,
// MillisBehindLatest, concurrent polling, tamper-proof and expiring iterators, and retention.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CreateStreamCommand, DeleteStreamCommand, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, PutRecordCommand, PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { ACCOUNT, rawRequest, readAllInOrder, rejectsWith, startServer, useServer } from './helpers.mjs';

const MiB = 1024 * 1024;

const SHARD0 = 'shardId-000000000000';
const SHARD1 = 'shardId-000000000001';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const EITHER = 'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber.';
const JAVA_DATE = String.raw`(\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4})`;
const EXPIRED = new RegExp(`^Iterator expired\\. The iterator was created at time ${JAVA_DATE} while right now it is ${JAVA_DATE} which is further in the future than the tolerated delay of 300000 milliseconds\\.$`);

/** Parses Java's Date.toString in UTC ("Thu Jan 22 01:22:02 UTC 2015") to epoch ms. */
function parseJavaDate(text) {
  const [, mon, day, time, , year] = text.split(' ');
  return Date.parse(`${day} ${mon} ${year} ${time} GMT`);
}

/** Creates a stream and returns helpers bound to it. */
async function makeStream(client, name, shardCount = 1, extra = {}) {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount, ...extra }));
  const s = {
    name,
    async iterator(type = 'TRIM_HORIZON', more = {}, shardId = SHARD0) {
      const out = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: type, ...more }));
      return out.ShardIterator;
    },
    async put(n, prefix = 'r', partitionKey = 'pk') {
      const out = await client.send(new PutRecordsCommand({
        StreamName: name, Records: Array.from({ length: n }, (_, i) => ({ PartitionKey: partitionKey, Data: Buffer.from(`${prefix}${i}`) })),
      }));
      assert.equal(out.FailedRecordCount, 0);
      return out.Records;
    },
    async readFrom(type = 'TRIM_HORIZON', more = {}, shardId = SHARD0) {
      return (await readAllInOrder(client, await s.iterator(type, more, shardId), { GetRecordsCommand })).records;
    },
    get: (ShardIterator, Limit) => client.send(new GetRecordsCommand({ ShardIterator, ...(Limit ? { Limit } : {}) })),
  };
  return s;
}

const seqs = (records) => records.map((r) => r.SequenceNumber);
const texts = (records) => records.map((r) => Buffer.from(r.Data).toString());

describe('GetShardIterator and GetRecords', () => {
  let server;
  let client;
  useServer((s) => { server = s; client = s.client(); });

  it('starts at TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER', async () => {
    const s = await makeStream(client, 'it-types');
    const latestBefore = await s.iterator('LATEST');
    const written = await s.put(10);
    const all = await s.readFrom('TRIM_HORIZON');
    assert.deepEqual(seqs(all), seqs(written));
    assert.deepEqual(texts(all), Array.from({ length: 10 }, (_, i) => `r${i}`));

    // LATEST taken before the writes sees all of them; taken after, it sees only what comes next.
    assert.deepEqual(seqs((await readAllInOrder(client, latestBefore, { GetRecordsCommand })).records), seqs(written));
    const latestAfter = await s.iterator('LATEST');
    assert.equal((await s.get(latestAfter)).Records.length, 0);
    const more = await s.put(2, 'late');
    assert.deepEqual(seqs((await readAllInOrder(client, latestAfter, { GetRecordsCommand })).records), seqs(more));

    const at = await s.readFrom('AT_SEQUENCE_NUMBER', { StartingSequenceNumber: written[4].SequenceNumber });
    assert.deepEqual(seqs(at), [...seqs(written.slice(4)), ...seqs(more)]);
    const afterSeq = await s.readFrom('AFTER_SEQUENCE_NUMBER', { StartingSequenceNumber: written[4].SequenceNumber });
    assert.deepEqual(seqs(afterSeq), [...seqs(written.slice(5)), ...seqs(more)]);
    const afterLast = await s.readFrom('AFTER_SEQUENCE_NUMBER', { StartingSequenceNumber: more[1].SequenceNumber });
    assert.deepEqual(afterLast, []);

    // The shard's StartingSequenceNumber (as consumers take it from DescribeStream) starts at the beginning.
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamName: s.name }));
    const start = StreamDescription.Shards[0].SequenceNumberRange.StartingSequenceNumber;
    for (const type of ['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER']) {
      assert.deepEqual(seqs(await s.readFrom(type, { StartingSequenceNumber: start })), [...seqs(written), ...seqs(more)], type);
    }
  });

  it('starts AT_TIMESTAMP at the first record that arrived at or after the timestamp', async () => {
    const s = await makeStream(client, 'it-timestamp');
    const early = await s.put(5, 'early');
    await sleep(30);
    const late = await s.put(5, 'late');
    const stored = await s.readFrom('TRIM_HORIZON');
    assert.deepEqual(seqs(stored), [...seqs(early), ...seqs(late)]);
    const firstLate = stored[5].ApproximateArrivalTimestamp;
    assert.ok(stored[4].ApproximateArrivalTimestamp < firstLate);

    assert.deepEqual(seqs(await s.readFrom('AT_TIMESTAMP', { Timestamp: firstLate })), seqs(late));
    assert.deepEqual(seqs(await s.readFrom('AT_TIMESTAMP', { Timestamp: new Date(firstLate.getTime() - 1) })), seqs(late));
    assert.deepEqual(seqs(await s.readFrom('AT_TIMESTAMP', { Timestamp: new Date(0) })), seqs(stored), 'a timestamp before everything reads all');

    // A timestamp after the last record: an answer at once, empty, with an iterator that continues.
    await sleep(5);
    const it1 = await s.iterator('AT_TIMESTAMP', { Timestamp: new Date() });
    const started = Date.now();
    const empty = await s.get(it1);
    assert.ok(Date.now() - started < 1000, 'GetRecords does not wait');
    assert.deepEqual(empty.Records, []);
    assert.equal(empty.MillisBehindLatest, 0);
    assert.ok(empty.NextShardIterator);
    const next = await s.put(1, 'next');
    const got = await s.get(empty.NextShardIterator);
    assert.deepEqual(seqs(got.Records), seqs(next));
  });

  it('refuses an AT_TIMESTAMP in the future and one without a Timestamp', async () => {
    const s = await makeStream(client, 'it-future');
    const future = Date.now() + 3_600_000;
    const before = Date.now();
    const err = await rejectsWith(s.iterator('AT_TIMESTAMP', { Timestamp: new Date(future) }), 'InvalidArgumentException',
      /^The timestampInMillis parameter cannot be greater than the currentTimestampInMillis\. timestampInMillis: (\d+), currentTimestampInMillis: (\d+)$/);
    const [, asked, current] = /timestampInMillis: (\d+), currentTimestampInMillis: (\d+)$/.exec(err.message);
    assert.equal(Number(asked), future);
    assert.ok(Number(current) >= before && Number(current) <= Date.now(), 'the server\'s current time in ms');
    await rejectsWith(s.iterator('AT_TIMESTAMP'), 'InvalidArgumentException',
      'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.');
  });

  it('gives the service\'s messages for a missing or misplaced StartingSequenceNumber', async () => {
    const s = await makeStream(client, 'it-seq-errors', 2);
    for (const type of ['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER']) {
      await rejectsWith(s.iterator(type), 'InvalidArgumentException', `${EITHER} Request specified ${type} and no StartingSequenceNumber.`);
    }
    const [rec] = await s.put(1, 'x', 'a');
    for (const type of ['TRIM_HORIZON', 'LATEST']) {
      await rejectsWith(s.iterator(type, { StartingSequenceNumber: rec.SequenceNumber }), 'InvalidArgumentException',
        `${EITHER} Request specified ${type} and also a StartingSequenceNumber.`);
    }
    // A sequence number of the other shard is detected.
    const other = rec.ShardId === SHARD0 ? SHARD1 : SHARD0;
    await rejectsWith(s.iterator('AT_SEQUENCE_NUMBER', { StartingSequenceNumber: rec.SequenceNumber }, other), 'InvalidArgumentException',
      `Invalid StartingSequenceNumber. It encodes ${rec.ShardId}, while it was used in a call to a shard with ${other}`);
    // One this server never issued.
    await rejectsWith(s.iterator('AFTER_SEQUENCE_NUMBER', { StartingSequenceNumber: '12345' }), 'InvalidArgumentException',
      `StartingSequenceNumber 12345 used in GetShardIterator on shard ${SHARD0} in stream it-seq-errors under account ${ACCOUNT} is invalid.`);
  });

  it('answers unknown shards and streams with the service\'s not-found messages', async () => {
    const s = await makeStream(client, 'it-missing', 2);
    await rejectsWith(s.iterator('TRIM_HORIZON', {}, 'shardId-000000000005'), 'ResourceNotFoundException',
      `Shard shardId-000000000005 in stream it-missing under account ${ACCOUNT} does not exist`);
    await rejectsWith(s.iterator('TRIM_HORIZON', {}, 'shardId-5'), 'ResourceNotFoundException',
      `Shard shardId-000000000005 in stream it-missing under account ${ACCOUNT} does not exist`);
    await rejectsWith(s.iterator('TRIM_HORIZON', {}, 'ABKLFD8'), 'ResourceNotFoundException',
      `Could not find shard ABKLFD8 in stream it-missing under account ${ACCOUNT}.`);
    await rejectsWith(client.send(new GetShardIteratorCommand({ StreamName: 'no-such', ShardId: SHARD0, ShardIteratorType: 'LATEST' })),
      'ResourceNotFoundException', `Shard ${SHARD0} in stream no-such under account ${ACCOUNT} does not exist`);
    // Short forms of an existing shard id resolve to it.
    const [rec] = await s.put(1, 'x', 'k');
    const index = Number(rec.ShardId.slice(-1));
    const got = await s.readFrom('TRIM_HORIZON', {}, `shard-${index}`);
    assert.deepEqual(seqs(got), [rec.SequenceNumber]);
  });

  it('accepts StreamARN instead of StreamName, and answers with exactly a ShardIterator', async () => {
    const s = await makeStream(client, 'it-arn');
    const written = await s.put(3);
    const StreamARN = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/it-arn`;
    const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamARN, ShardId: SHARD0, ShardIteratorType: 'TRIM_HORIZON' }));
    assert.deepEqual(seqs((await readAllInOrder(client, ShardIterator, { GetRecordsCommand })).records), seqs(written));
    const res = await rawRequest(server.endpoint, { target: 'GetShardIterator', body: { StreamARN, ShardId: SHARD0, ShardIteratorType: 'LATEST' } });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.json), ['ShardIterator']);
    assert.ok(res.json.ShardIterator.length >= 1 && res.json.ShardIterator.length <= 512);
    await rejectsWith(client.send(new GetShardIteratorCommand({
      StreamARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/it-arn-missing`, ShardId: SHARD0, ShardIteratorType: 'LATEST',
    })), 'ResourceNotFoundException', `Shard ${SHARD0} in stream it-arn-missing under account ${ACCOUNT} does not exist`);
  });

  it('keeps iterators within 512 characters for the longest stream name', async () => {
    const s = await makeStream(client, 'n'.repeat(128));
    const written = await s.put(2);
    const it = await s.iterator();
    assert.ok(it.length <= 512, `iterator of ${it.length} characters`);
    const out = await s.get(it);
    assert.deepEqual(seqs(out.Records), seqs(written));
    assert.ok(out.NextShardIterator.length <= 512);
  });

  it('answers GetRecords in the wire shape: base64 data, arrival in epoch seconds, no empty members', async () => {
    const s = await makeStream(client, 'it-wire-shape');
    const before = Date.now();
    const [rec] = await s.put(1, 'wire');
    const it0 = await s.iterator();
    const res = await rawRequest(server.endpoint, { target: 'GetRecords', body: { ShardIterator: it0 } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/x-amz-json-1.1');
    assert.deepEqual(Object.keys(res.json).sort(), ['MillisBehindLatest', 'NextShardIterator', 'Records']);
    assert.equal(res.json.MillisBehindLatest, 0);
    const [r] = res.json.Records;
    assert.deepEqual(Object.keys(r).sort(), ['ApproximateArrivalTimestamp', 'Data', 'PartitionKey', 'SequenceNumber']);
    assert.equal(r.SequenceNumber, rec.SequenceNumber);
    assert.equal(r.Data, Buffer.from('wire0').toString('base64'));
    assert.equal(r.PartitionKey, 'pk');
    assert.equal(typeof r.ApproximateArrivalTimestamp, 'number');
    assert.ok(r.ApproximateArrivalTimestamp * 1000 >= before - 1 && r.ApproximateArrivalTimestamp * 1000 <= Date.now() + 1, 'epoch seconds');
    const empty = await rawRequest(server.endpoint, { target: 'GetRecords', body: { ShardIterator: res.json.NextShardIterator } });
    assert.deepEqual(Object.keys(empty.json).sort(), ['MillisBehindLatest', 'NextShardIterator', 'Records']);
    assert.deepEqual(empty.json.Records, []);
  });

  it('honours Limit and validates it to 1..10000', async () => {
    const s = await makeStream(client, 'it-limit');
    const written = await s.put(25);
    const it0 = await s.iterator();
    const a = await s.get(it0, 3);
    assert.deepEqual(seqs(a.Records), seqs(written.slice(0, 3)));
    assert.ok(a.MillisBehindLatest >= 0);
    const b = await s.get(a.NextShardIterator, 10000);
    assert.deepEqual(seqs(b.Records), seqs(written.slice(3)));
    assert.equal(b.MillisBehindLatest, 0);
    const c = await s.get(b.NextShardIterator, 1);
    assert.deepEqual(c.Records, []);
    const msg = (v, rule) => `1 validation error detected: Value '${v}' at 'limit' failed to satisfy constraint: Member must have value ${rule}`;
    await rejectsWith(client.send(new GetRecordsCommand({ ShardIterator: it0, Limit: 0 })), 'ValidationException', msg(0, 'greater than or equal to 1'));
    await rejectsWith(client.send(new GetRecordsCommand({ ShardIterator: it0, Limit: 10001 })), 'ValidationException', msg(10001, 'less than or equal to 10000'));
    // The iterator was not used up by the refused calls.
    assert.deepEqual(seqs((await s.get(it0, 1)).Records), [written[0].SequenceNumber]);
  });

  it('returns at most 10 MiB per response and the rest in the next', async () => {
    const s = await makeStream(client, 'it-10mib', 1, { MaxRecordSizeInKiB: 2048 });
    const size = 1.5 * MiB;
    // Four PutRecords of two 1.5 MiB records: 12 MiB in the shard.
    const written = [];
    for (let j = 0; j < 4; j++) {
      const out = await client.send(new PutRecordsCommand({
        StreamName: s.name, Records: [0, 1].map((i) => ({ PartitionKey: 'k', Data: Buffer.alloc(size, j * 2 + i) })),
      }));
      written.push(...out.Records);
    }
    const first = await s.get(await s.iterator());
    const bytes = first.Records.reduce((n, r) => n + r.Data.length + r.PartitionKey.length, 0);
    assert.ok(bytes <= 10 * MiB, `first response carries ${bytes} bytes`);
    assert.equal(first.Records.length, 6, 'as many as fit in 10 MiB');
    assert.ok(first.MillisBehindLatest >= 0);
    const second = await s.get(first.NextShardIterator);
    assert.equal(second.Records.length, 2);
    assert.equal(second.MillisBehindLatest, 0);
    const all = [...first.Records, ...second.Records];
    assert.deepEqual(seqs(all), seqs(written));
    all.forEach((r, i) => assert.ok(r.Data[0] === i && r.Data[size - 1] === i && r.Data.length === size));
    assert.deepEqual((await s.get(second.NextShardIterator)).Records, []);
  });

  it('returns a single record of 10 MiB on its own', async () => {
    const s = await makeStream(client, 'it-huge', 1, { MaxRecordSizeInKiB: 10240 });
    const data = Buffer.alloc(10 * MiB - 1, 9);
    const a = await client.send(new PutRecordCommand({ StreamName: s.name, PartitionKey: 'k', Data: data }));
    const b = await client.send(new PutRecordCommand({ StreamName: s.name, PartitionKey: 'k', Data: Buffer.from('small') }));
    const first = await s.get(await s.iterator());
    assert.deepEqual(seqs(first.Records), [a.SequenceNumber]);
    assert.ok(Buffer.from(first.Records[0].Data).equals(data));
    const second = await s.get(first.NextShardIterator);
    assert.deepEqual(seqs(second.Records), [b.SequenceNumber]);
  });

  it('advances correctly through empty answers', async () => {
    const s = await makeStream(client, 'it-empty');
    const start = await s.iterator('LATEST');
    let it = start;
    const issued = new Set([start]);
    for (let i = 0; i < 5; i++) {
      const out = await s.get(it);
      assert.deepEqual(out.Records, []);
      assert.equal(out.MillisBehindLatest, 0);
      assert.ok(out.NextShardIterator);
      issued.add(out.NextShardIterator);
      it = out.NextShardIterator;
    }
    assert.equal(issued.size, 6, 'every answer carries a fresh iterator');
    const written = await s.put(3);
    const viaLast = await s.get(it);
    assert.deepEqual(seqs(viaLast.Records), seqs(written));
    // An earlier empty iterator points at the same place.
    assert.deepEqual(seqs((await s.get(start)).Records), seqs(written));
    const after3 = await s.get(viaLast.NextShardIterator);
    assert.deepEqual(after3.Records, []);
    const one = await s.put(1, 'more');
    assert.deepEqual(seqs((await s.get(after3.NextShardIterator)).Records), seqs(one));
  });

  it('never skips or repeats a record while a poller reads during concurrent writes', async () => {
    const s = await makeStream(client, 'it-concurrent', 2);
    const reader = server.client();
    const writers = [server.client(), server.http1Client()];
    const starts = await Promise.all([SHARD0, SHARD1].map((id) => s.iterator('TRIM_HORIZON', {}, id)));
    const written = [];
    let writing = true;
    const write = async (w, id) => {
      for (let b = 0; b < 50; b++) {
        const records = Array.from({ length: 20 }, (_, i) => ({ PartitionKey: `w${id}-${b}-${i}`, Data: Buffer.from(`w${id}-${b}-${i}`) }));
        const out = await w.send(new PutRecordsCommand({ StreamName: s.name, Records: records }));
        out.Records.forEach((r, i) => written.push({ ...r, text: records[i].Data.toString() }));
      }
    };
    const poll = async (iterator) => {
      const got = [];
      let it = iterator;
      let polls = 0;
      const deadline = Date.now() + 20_000;
      for (;;) {
        const out = await reader.send(new GetRecordsCommand({ ShardIterator: it, Limit: 37 }));
        polls++;
        got.push(...out.Records);
        it = out.NextShardIterator;
        if (!writing && out.Records.length === 0) return { got, polls };
        assert.ok(Date.now() < deadline, 'poller finished in time');
      }
    };
    const polling = starts.map(poll);
    await Promise.all(writers.map(write));
    writing = false;
    const results = await Promise.all(polling);
    assert.equal(written.length, 2000);
    for (const [i, shardId] of [SHARD0, SHARD1].entries()) {
      const { got, polls } = results[i];
      assert.ok(polls > 5, `the poller of ${shardId} read during the writes (${polls} polls)`);
      const expected = written.filter((r) => r.ShardId === shardId)
        .sort((a, b) => (BigInt(a.SequenceNumber) < BigInt(b.SequenceNumber) ? -1 : 1));
      assert.ok(expected.length > 500);
      assert.deepEqual(seqs(got), seqs(expected), `${shardId}: same records, same order, no gaps or duplicates`);
      assert.deepEqual(texts(got), expected.map((r) => r.text));
    }
  });

  it('refuses altered or foreign iterators with "Invalid ShardIterator."', async () => {
    const s = await makeStream(client, 'it-tamper-proof');
    await s.put(2);
    const good = await s.iterator();
    assert.ok(!good.includes('it-tamper-proof') && !Buffer.from(good, 'base64').toString('latin1').includes('it-tamper-proof'), 'opaque');
    const positions = [0, 5, Math.floor(good.length / 2), good.length - 3, good.length - 1];
    for (const p of positions) {
      const flipped = good.slice(0, p) + (good[p] === 'A' ? 'B' : 'A') + good.slice(p + 1);
      await rejectsWith(s.get(flipped), 'InvalidArgumentException', 'Invalid ShardIterator.');
    }
    // Flipping one bit of the decoded bytes anywhere is detected too.
    const raw = Buffer.from(good, 'base64');
    for (let i = 0; i < raw.length; i += 7) {
      const copy = Buffer.from(raw);
      copy[i] ^= 0x01;
      await rejectsWith(s.get(copy.toString('base64')), 'InvalidArgumentException', 'Invalid ShardIterator.');
    }
    for (const bogus of ['x', good + 'AAAA', good.slice(0, -4), 'A'.repeat(good.length), Buffer.alloc(200).toString('base64')]) {
      await rejectsWith(s.get(bogus), 'InvalidArgumentException', 'Invalid ShardIterator.');
    }
    // An iterator made by another server (another secret) means nothing here.
    const other = await startServer({ inMemory: true });
    try {
      const c = other.client();
      await c.send(new CreateStreamCommand({ StreamName: 'it-tamper-proof', ShardCount: 1 }));
      const foreign = (await c.send(new GetShardIteratorCommand({ StreamName: 'it-tamper-proof', ShardId: SHARD0, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      await rejectsWith(s.get(foreign), 'InvalidArgumentException', 'Invalid ShardIterator.');
    } finally {
      await other.stop();
      other.cleanup();
    }
    // The untouched one still works.
    assert.equal((await s.get(good)).Records.length, 2);
  });

  it('answers an iterator of a deleted stream with the shard not-found message', async () => {
    const s = await makeStream(client, 'it-deleted');
    await s.put(1);
    const it = await s.iterator();
    await client.send(new DeleteStreamCommand({ StreamName: s.name }));
    await rejectsWith(s.get(it), 'ResourceNotFoundException', `Shard ${SHARD0} in stream it-deleted under account ${ACCOUNT} does not exist`);
  });
});

describe('time: iterator expiry, MillisBehindLatest, retention', () => {
  let server;
  let client;
  useServer((s) => { server = s; client = s.client(); });

  it('refuses a sequence number from another stream whose shard has the same index', async () => {
    const a = await makeStream(client, 'time-seq-a');
    await server.advanceClock(2000);
    const b = await makeStream(client, 'time-seq-b');
    const [rec] = await a.put(1);
    await b.put(1);
    await rejectsWith(b.iterator('AT_SEQUENCE_NUMBER', { StartingSequenceNumber: rec.SequenceNumber }), 'InvalidArgumentException',
      `StartingSequenceNumber ${rec.SequenceNumber} used in GetShardIterator on shard ${SHARD0} in stream time-seq-b under account ${ACCOUNT} is invalid because it did not come from this stream.`);
  });

  it('expires iterators 5 minutes after they were issued', async () => {
    const s = await makeStream(client, 'time-expiry');
    const written = await s.put(4);
    const it1 = await s.iterator();
    await server.advanceClock(299_000);
    const page = await s.get(it1, 2); // still good at 299 s, and its successor is new
    assert.deepEqual(seqs(page.Records), seqs(written.slice(0, 2)));
    await server.advanceClock(2_000);
    const err = await rejectsWith(s.get(it1), 'ExpiredIteratorException', EXPIRED);
    const [, created, now] = EXPIRED.exec(err.message);
    const age = parseJavaDate(now) - parseJavaDate(created);
    assert.ok(age >= 300_000 && age <= 303_000, `the message's two times are ${age} ms apart`);
    // The iterator handed out at 299 s is 2 s old and reads on.
    const rest = await s.get(page.NextShardIterator);
    assert.deepEqual(seqs(rest.Records), seqs(written.slice(2)));
    await server.advanceClock(301_000);
    await rejectsWith(s.get(rest.NextShardIterator), 'ExpiredIteratorException', EXPIRED);
    // A new iterator works again.
    assert.deepEqual(seqs(await s.readFrom('AFTER_SEQUENCE_NUMBER', { StartingSequenceNumber: written[1].SequenceNumber })), seqs(written.slice(2)));
  });

  it('reports MillisBehindLatest while behind, and 0 once caught up', async () => {
    const s = await makeStream(client, 'time-behind');
    await s.put(5, 'old');
    await server.advanceClock(60_000);
    await s.put(1, 'new');
    const first = await s.get(await s.iterator(), 1);
    assert.equal(first.Records.length, 1);
    assert.ok(first.MillisBehindLatest >= 59_000 && first.MillisBehindLatest <= 65_000, `MillisBehindLatest ${first.MillisBehindLatest}`);
    const second = await s.get(first.NextShardIterator, 4);
    assert.deepEqual(texts(second.Records), ['old1', 'old2', 'old3', 'old4']);
    assert.ok(second.MillisBehindLatest < 59_000, `MillisBehindLatest ${second.MillisBehindLatest}`);
    const third = await s.get(second.NextShardIterator);
    assert.deepEqual(texts(third.Records), ['new0']);
    assert.equal(third.MillisBehindLatest, 0);
  });

  it('stops returning records past the 24-hour retention, and keeps the newer ones readable', async () => {
    const s = await makeStream(client, 'time-retention');
    const old = await s.put(5, 'old');
    await server.advanceClock(23 * 3_600_000);
    assert.deepEqual(texts(await s.readFrom()), ['old0', 'old1', 'old2', 'old3', 'old4'], 'still there after 23 h');
    const mid = await s.put(3, 'mid');
    await server.advanceClock(3_540_000); // 23 h 59 min
    const horizonBefore = await s.iterator();
    await server.advanceClock(120_000); // 24 h 1 min after the old records
    assert.deepEqual(texts(await s.readFrom()), ['mid0', 'mid1', 'mid2'], 'TRIM_HORIZON moved past the expired records');
    assert.deepEqual(texts((await readAllInOrder(client, horizonBefore, { GetRecordsCommand })).records), ['mid0', 'mid1', 'mid2'],
      'an iterator taken before they expired does not return them either');
    const atOld = await s.readFrom('AT_SEQUENCE_NUMBER', { StartingSequenceNumber: old[2].SequenceNumber });
    assert.deepEqual(seqs(atOld), seqs(mid));
    const fresh = await s.put(2, 'new');
    assert.ok(BigInt(fresh[0].SequenceNumber) > BigInt(mid[2].SequenceNumber));
    assert.deepEqual(texts(await s.readFrom()), ['mid0', 'mid1', 'mid2', 'new0', 'new1']);
    assert.deepEqual(texts(await s.readFrom('AT_TIMESTAMP', { Timestamp: new Date(0) })), ['mid0', 'mid1', 'mid2', 'new0', 'new1']);
    // Another day later only what was written since is left, and writing and reading go on.
    await server.advanceClock(24 * 3_600_000 + 1000);
    assert.deepEqual(await s.readFrom(), []);
    const last = await s.put(1, 'last');
    assert.deepEqual(seqs(await s.readFrom()), seqs(last));
  });

  it('never returns a record past retention, even before the background trim has deleted it', async () => {
    const s = await makeStream(client, 'time-retention-untrimmed');
    await s.put(3, 'old');
    await server.advanceClock(24 * 3_600_000 - 1000); // runs the trim while the records are still 1 s inside retention
    const it = await s.iterator();
    await sleep(1500); // the server's clock moves on by itself; the next trim is seconds away
    const out = await s.get(it);
    assert.deepEqual(out.Records, []);
    assert.deepEqual(await s.readFrom(), []);
    assert.deepEqual(await s.readFrom('AT_TIMESTAMP', { Timestamp: new Date(0) }), []);
  });
});
