// The write path: PutRecord and PutRecords routing, sequence numbers, limits and their messages,
// over the SDK's default HTTP/2 client, HTTP/1.1 and raw requests.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CreateStreamCommand, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, PutRecordCommand, PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { ACCOUNT, rawRequest, readAllInOrder, rejectsWith, startServer, useServer, waitFor } from './helpers.mjs';

const MiB = 1024 * 1024;

const MAX_HASH = (1n << 128n) - 1n;

/** The hash key a partition key routes by: MD5 of its UTF-8 bytes as an unsigned 128-bit integer. */
function md5Key(partitionKey) {
  return BigInt('0x' + createHash('md5').update(partitionKey, 'utf8').digest('hex'));
}

/** The shard id whose hash range holds `hash`, from DescribeStream's shard list. */
function shardFor(shards, hash) {
  const found = shards.filter((s) => BigInt(s.HashKeyRange.StartingHashKey) <= hash && hash <= BigInt(s.HashKeyRange.EndingHashKey));
  assert.equal(found.length, 1, `exactly one shard holds ${hash}`);
  return found[0].ShardId;
}

const notFoundMessage = (name) => `Stream ${name} under account ${ACCOUNT} not found.`;

describe('PutRecord and PutRecords', () => {
  let server;
  let client;
  let streams = 0;

  before(async () => {
    server = await startServer();
    client = server.client();
  });
  after(async () => { await server.stop(); server.cleanup(); });

  async function newStream(shardCount = 1, extra = {}) {
    const name = `records-${++streams}`;
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount, ...extra }));
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamName: name }));
    assert.equal(StreamDescription.StreamStatus, 'ACTIVE');
    return { name, shards: StreamDescription.Shards };
  }

  async function readShard(name, shardId, c = client) {
    const { ShardIterator } = await c.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    return (await readAllInOrder(c, ShardIterator, { GetRecordsCommand })).records;
  }

  it('routes each partition key to the shard whose range holds the MD5 of the key, always the same shard', async () => {
    const { name, shards } = await newStream(5);
    const keys = [];
    for (let i = 0; i < 300; i++) keys.push(`key-${i}`);
    keys.push('ü', '日本語', 'a'.repeat(256), ' ', '\u{1F600}');
    const seen = new Set();
    const put = await client.send(new PutRecordsCommand({
      StreamName: name, Records: keys.map((k) => ({ PartitionKey: k, Data: Buffer.from(k) })),
    }));
    assert.equal(put.FailedRecordCount, 0);
    put.Records.forEach((r, i) => {
      assert.equal(r.ShardId, shardFor(shards, md5Key(keys[i])), `PutRecords key ${keys[i]}`);
      seen.add(r.ShardId);
    });
    assert.equal(seen.size, 5, '300 keys spread over all five shards');
    // PutRecord routes the same way, and a key lands on the same shard every time.
    for (const k of keys.slice(0, 40).concat(keys.slice(-5))) {
      const expected = shardFor(shards, md5Key(k));
      for (let j = 0; j < 2; j++) {
        const r = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: k, Data: Buffer.from('x') }));
        assert.equal(r.ShardId, expected, `PutRecord key ${k}`);
      }
    }
    // And the records are in those shards when read back.
    for (const shard of shards) {
      for (const rec of await readShard(name, shard.ShardId)) {
        assert.equal(shardFor(shards, md5Key(rec.PartitionKey)), shard.ShardId);
      }
    }
  });

  it('lets ExplicitHashKey override the partition key, at the exact range boundaries', async () => {
    const { name, shards } = await newStream(4);
    const cases = [];
    for (const s of shards) {
      cases.push([s.HashKeyRange.StartingHashKey, s.ShardId], [s.HashKeyRange.EndingHashKey, s.ShardId]);
    }
    cases.push(['0', 'shardId-000000000000'], [MAX_HASH.toString(), 'shardId-000000000003']);
    // The partition key alone would go elsewhere for at least some of these.
    const pk = 'always-the-same-key';
    for (const [hashKey, shardId] of cases) {
      const r = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: pk, Data: Buffer.from(hashKey), ExplicitHashKey: hashKey }));
      assert.equal(r.ShardId, shardId, `ExplicitHashKey ${hashKey}`);
    }
    const batch = await client.send(new PutRecordsCommand({
      StreamName: name, Records: cases.map(([hashKey]) => ({ PartitionKey: pk, Data: Buffer.from('b'), ExplicitHashKey: hashKey })),
    }));
    assert.deepEqual(batch.Records.map((r) => r.ShardId), cases.map(([, s]) => s));
  });

  it('refuses an ExplicitHashKey above 2^128-1, failing the whole PutRecords request', async () => {
    const { name } = await newStream(1);
    const tooBig = (1n << 128n).toString();
    const message = `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${tooBig}`;
    await rejectsWith(client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('x'), ExplicitHashKey: tooBig })),
      'InvalidArgumentException', message);
    await rejectsWith(client.send(new PutRecordsCommand({
      StreamName: name,
      Records: [
        { PartitionKey: 'a', Data: Buffer.from('first') },
        { PartitionKey: 'b', Data: Buffer.from('second'), ExplicitHashKey: tooBig },
      ],
    })), 'InvalidArgumentException', message);
    // A value that is not a decimal number fails validation against the model's pattern.
    const res = await rawRequest(server.endpoint, {
      target: 'PutRecord', body: { StreamName: name, PartitionKey: 'k', Data: '', ExplicitHashKey: '-1' },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, {
      __type: 'ValidationException',
      message: "1 validation error detected: Value '-1' at 'explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})",
    });
    assert.equal((await readShard(name, 'shardId-000000000000')).length, 0, 'nothing of the refused requests was written');
  });

  it('gives 56-digit sequence numbers, strictly increasing within a shard and unique in the stream', async () => {
    const { name, shards } = await newStream(3);
    const all = [];
    for (let round = 0; round < 5; round++) {
      const batch = await client.send(new PutRecordsCommand({
        StreamName: name, Records: Array.from({ length: 100 }, (_, i) => ({ PartitionKey: `k${i % 17}`, Data: Buffer.from(`${round}-${i}`) })),
      }));
      batch.Records.forEach((r) => all.push(r));
      for (let i = 0; i < 10; i++) {
        all.push(await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: `single-${i}`, Data: Buffer.from('s') })));
      }
    }
    const lastInShard = new Map();
    for (const r of all) {
      assert.match(r.SequenceNumber, /^\d{56}$/);
      const seq = BigInt(r.SequenceNumber);
      const prev = lastInShard.get(r.ShardId);
      if (prev !== undefined) assert.ok(seq > prev, `${r.SequenceNumber} follows ${prev} in ${r.ShardId}`);
      lastInShard.set(r.ShardId, seq);
    }
    assert.equal(new Set(all.map((r) => r.SequenceNumber)).size, all.length, 'no sequence number repeats in the stream');
    // Every record is after its shard's StartingSequenceNumber.
    for (const s of shards) {
      const start = BigInt(s.SequenceNumberRange.StartingSequenceNumber);
      for (const r of all.filter((x) => x.ShardId === s.ShardId)) assert.ok(BigInt(r.SequenceNumber) > start);
    }
  });

  it('answers PutRecords with one entry per record, in request order, and FailedRecordCount 0', async () => {
    const { name, shards } = await newStream(4);
    const records = Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `pk-${i % 37}`, Data: Buffer.from(`payload-${i}`) }));
    const out = await client.send(new PutRecordsCommand({ StreamName: name, Records: records }));
    assert.equal(out.FailedRecordCount, 0);
    assert.equal(out.Records.length, 500);
    for (const r of out.Records) {
      assert.deepEqual(Object.keys(r).sort(), ['SequenceNumber', 'ShardId']);
    }
    // Reading every shard back maps each returned sequence number to the data of the same request index.
    const stored = new Map();
    for (const s of shards) {
      for (const rec of await readShard(name, s.ShardId)) stored.set(rec.SequenceNumber, { shard: s.ShardId, rec });
    }
    assert.equal(stored.size, 500);
    out.Records.forEach((r, i) => {
      const hit = stored.get(r.SequenceNumber);
      assert.ok(hit, `record ${i} is stored`);
      assert.equal(hit.shard, r.ShardId);
      assert.equal(Buffer.from(hit.rec.Data).toString(), `payload-${i}`);
      assert.equal(hit.rec.PartitionKey, records[i].PartitionKey);
    });
    // Within a shard, the request's order is the sequence order.
    for (const s of shards) {
      const indexes = out.Records.map((r, i) => [r, i]).filter(([r]) => r.ShardId === s.ShardId);
      for (let j = 1; j < indexes.length; j++) assert.ok(BigInt(indexes[j][0].SequenceNumber) > BigInt(indexes[j - 1][0].SequenceNumber));
    }
  });

  it('refuses more than 500 records and an empty list, with the service\'s validation messages', async () => {
    const { name } = await newStream(1);
    const entry = { PartitionKey: 'k', Data: '' };
    const res = await rawRequest(server.endpoint, { target: 'PutRecords', body: { StreamName: name, Records: Array(501).fill(entry) } });
    assert.equal(res.status, 400);
    const listed = Array(501).fill('com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@c965e310').join(', ');
    assert.deepEqual(res.json, {
      __type: 'ValidationException',
      message: `1 validation error detected: Value '[${listed}]' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500`,
    });
    await rejectsWith(client.send(new PutRecordsCommand({ StreamName: name, Records: Array(501).fill({ PartitionKey: 'k', Data: Buffer.alloc(0) }) })),
      'ValidationException', /at 'records' failed to satisfy constraint: Member must have length less than or equal to 500$/);
    await rejectsWith(client.send(new PutRecordsCommand({ StreamName: name, Records: [] })), 'ValidationException',
      "1 validation error detected: Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1");
    assert.equal((await readShard(name, 'shardId-000000000000')).length, 0);
  });

  it('limits data plus partition key to 1 MiB on a default stream', async () => {
    const { name } = await newStream(1);
    // Exactly 1 MiB counting the key is accepted, by PutRecord and PutRecords.
    const exact = Buffer.alloc(MiB - 2, 7);
    await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'pk', Data: exact }));
    await client.send(new PutRecordsCommand({ StreamName: name, Records: [{ PartitionKey: 'pk', Data: exact }] }));
    // One byte more (here in the key) is refused; the message names the room the key leaves for data.
    const over = (n, key) => `1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]' at 'data' failed to satisfy constraint: Member must have length less than or equal to ${n > MiB ? MiB : MiB - key.length}`;
    await rejectsWith(client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'pk3', Data: exact })), 'ValidationException', over(MiB - 2, 'pk3'));
    await rejectsWith(client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.alloc(MiB + 1) })), 'ValidationException', over(MiB + 1, 'k'));
    // In PutRecords the member path names the record (1-based).
    await rejectsWith(client.send(new PutRecordsCommand({
      StreamName: name, Records: [{ PartitionKey: 'ok', Data: Buffer.from('fine') }, { PartitionKey: 'k', Data: Buffer.alloc(MiB) }],
    })), 'ValidationException',
    `1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=${MiB} cap=${MiB}]' at 'records.2.member.data' failed to satisfy constraint: Member must have length less than or equal to ${MiB - 1}`);
    const stored = await readShard(name, 'shardId-000000000000');
    assert.equal(stored.length, 2, 'only the two accepted records were written');
    for (const r of stored) assert.ok(Buffer.from(r.Data).equals(exact));
  });

  it('accepts bigger records on a stream created with a larger MaxRecordSizeInKiB', async () => {
    const { name } = await newStream(1, { MaxRecordSizeInKiB: 2048 });
    const big = Buffer.alloc(1.5 * MiB);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
    const put = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'big', Data: big }));
    const exact = Buffer.alloc(2 * MiB - 3, 1);
    await client.send(new PutRecordsCommand({ StreamName: name, Records: [{ PartitionKey: 'big', Data: exact }] }));
    await rejectsWith(client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'big', Data: Buffer.alloc(2 * MiB) })), 'ValidationException',
      `1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=${2 * MiB} cap=${2 * MiB}]' at 'data' failed to satisfy constraint: Member must have length less than or equal to ${2 * MiB - 3}`);
    await rejectsWith(client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'big', Data: Buffer.alloc(2 * MiB + 1) })), 'ValidationException',
      `1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=${2 * MiB + 1} cap=${2 * MiB + 1}]' at 'data' failed to satisfy constraint: Member must have length less than or equal to ${2 * MiB}`);
    const stored = await readShard(name, 'shardId-000000000000');
    assert.equal(stored.length, 2);
    assert.equal(stored[0].SequenceNumber, put.SequenceNumber);
    assert.ok(Buffer.from(stored[0].Data).equals(big), 'the 1.5 MiB record comes back byte for byte');
    assert.ok(Buffer.from(stored[1].Data).equals(exact));
  });

  it('validates the partition key length: 1 to 256 characters', async () => {
    const { name } = await newStream(1);
    await rejectsWith(client.send(new PutRecordCommand({ StreamName: name, PartitionKey: '', Data: Buffer.from('x') })), 'ValidationException',
      "1 validation error detected: Value '' at 'partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1");
    const long = 'p'.repeat(257);
    await rejectsWith(client.send(new PutRecordCommand({ StreamName: name, PartitionKey: long, Data: Buffer.from('x') })), 'ValidationException',
      `1 validation error detected: Value '${long}' at 'partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256`);
    await rejectsWith(client.send(new PutRecordsCommand({ StreamName: name, Records: [{ PartitionKey: 'ok', Data: Buffer.from('x') }, { PartitionKey: long, Data: Buffer.from('x') }] })),
      'ValidationException',
      `1 validation error detected: Value '${long}' at 'records.2.member.partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256`);
    // The limit counts characters, not bytes: 256 two-byte characters are fine.
    for (const pk of ['p'.repeat(256), 'é'.repeat(256), 'x']) {
      const r = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: pk, Data: Buffer.from('x') }));
      assert.equal(r.ShardId, 'shardId-000000000000');
    }
    const stored = await readShard(name, 'shardId-000000000000');
    assert.deepEqual(stored.map((r) => r.PartitionKey), ['p'.repeat(256), 'é'.repeat(256), 'x']);
  });

  it('refuses a PutRecords request above 10 MiB in all, and accepts exactly 10 MiB', async () => {
    const { name } = await newStream(2);
    // 11 records of 1000 KiB each: every one is within the record limit, the request is not.
    const tooMuch = Array.from({ length: 11 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.alloc(1000 * 1024, i) }));
    await rejectsWith(client.send(new PutRecordsCommand({ StreamName: name, Records: tooMuch })), 'InvalidArgumentException', /^Records size exceeds \d+ MB limit$/);
    // Ten records of exactly 1 MiB (data + key) make 10 MiB, which is allowed.
    const exact = Array.from({ length: 10 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.alloc(MiB - 2, i) }));
    const out = await client.send(new PutRecordsCommand({ StreamName: name, Records: exact }));
    assert.equal(out.FailedRecordCount, 0);
    assert.equal(out.Records.length, 10);
    let count = 0;
    for (const shard of ['shardId-000000000000', 'shardId-000000000001']) count += (await readShard(name, shard)).length;
    assert.equal(count, 10, 'only the accepted request was written');
  });

  it('reads requests of large records far enough to refuse them with the operation\'s error', async () => {
    // Two 6 MiB records on a stream allowing 10 MiB records: 16 MiB of base64 on the wire.
    const { name } = await newStream(1, { MaxRecordSizeInKiB: 10240 });
    const records = [0, 1].map((i) => ({ PartitionKey: `k${i}`, Data: Buffer.alloc(6 * MiB, i) }));
    await rejectsWith(client.send(new PutRecordsCommand({ StreamName: name, Records: records })), 'InvalidArgumentException', /^Records size exceeds \d+ MB limit$/);
    // A body beyond what any request needs gets 413, still shaped as an AWS error.
    const huge = await rawRequest(server.endpoint, { target: 'PutRecords', body: Buffer.alloc(25 * MiB, 0x20) });
    assert.equal(huge.status, 413);
    assert.match(huge.headers['x-amzn-requestid'], /^[0-9a-f-]{36}$/);
    assert.equal(huge.json.__type, 'SerializationException');
  });

  it('answers ResourceNotFoundException for a stream that does not exist', async () => {
    await rejectsWith(client.send(new PutRecordCommand({ StreamName: 'no-such-stream', PartitionKey: 'k', Data: Buffer.from('x') })),
      'ResourceNotFoundException', notFoundMessage('no-such-stream'));
    await rejectsWith(client.send(new PutRecordsCommand({ StreamName: 'no-such-stream', Records: [{ PartitionKey: 'k', Data: Buffer.from('x') }] })),
      'ResourceNotFoundException', notFoundMessage('no-such-stream'));
    await rejectsWith(client.send(new PutRecordCommand({
      StreamARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/missing-by-arn`, PartitionKey: 'k', Data: Buffer.from('x'),
    })), 'ResourceNotFoundException', notFoundMessage('missing-by-arn'));
    const res = await rawRequest(server.endpoint, { target: 'PutRecord', body: { StreamName: 'no-such-stream', PartitionKey: 'k', Data: 'eA==' } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, { __type: 'ResourceNotFoundException', message: notFoundMessage('no-such-stream') });
    assert.ok(res.headers['x-amzn-requestid']);
  });

  it('accepts SequenceNumberForOrdering and refuses one it never issued', async () => {
    const { name } = await newStream(1);
    const first = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('1') }));
    const second = await client.send(new PutRecordCommand({
      StreamName: name, PartitionKey: 'k', Data: Buffer.from('2'), SequenceNumberForOrdering: first.SequenceNumber,
    }));
    assert.ok(BigInt(second.SequenceNumber) > BigInt(first.SequenceNumber));
    await rejectsWith(client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('3'), SequenceNumberForOrdering: '123' })),
      'InvalidArgumentException', `ExclusiveMinimumSequenceNumber 123 used in PutRecord on stream ${name} under account ${ACCOUNT} is invalid.`);
    assert.deepEqual((await readShard(name, 'shardId-000000000000')).map((r) => Buffer.from(r.Data).toString()), ['1', '2']);
  });

  it('accepts StreamARN in place of StreamName', async () => {
    const { name } = await newStream(1);
    const StreamARN = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${name}`;
    const a = await client.send(new PutRecordCommand({ StreamARN, PartitionKey: 'k', Data: Buffer.from('by-arn') }));
    const b = await client.send(new PutRecordsCommand({ StreamARN, Records: [{ PartitionKey: 'k', Data: Buffer.from('by-arn-2') }] }));
    const stored = await readShard(name, 'shardId-000000000000');
    assert.deepEqual(stored.map((r) => r.SequenceNumber), [a.SequenceNumber, b.Records[0].SequenceNumber]);
  });

  for (const transport of ['http2', 'http1']) {
    it(`puts and reads records over ${transport}`, async () => {
      const c = transport === 'http2' ? server.client() : server.http1Client();
      const name = `records-${transport}`;
      await c.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
      const data = Buffer.from(Array.from({ length: 256 }, (_, i) => i)); // every byte value survives base64
      const one = await c.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'one', Data: data }));
      const many = await c.send(new PutRecordsCommand({
        StreamName: name, Records: Array.from({ length: 50 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`r${i}`) })),
      }));
      assert.equal(many.FailedRecordCount, 0);
      const stored = new Map();
      for (const shard of ['shardId-000000000000', 'shardId-000000000001']) {
        for (const r of await readShard(name, shard, c)) stored.set(r.SequenceNumber, r);
      }
      assert.equal(stored.size, 51);
      assert.ok(Buffer.from(stored.get(one.SequenceNumber).Data).equals(data));
      assert.equal(stored.get(one.SequenceNumber).PartitionKey, 'one');
      assert.ok(stored.get(one.SequenceNumber).ApproximateArrivalTimestamp instanceof Date);
      many.Records.forEach((r, i) => assert.equal(Buffer.from(stored.get(r.SequenceNumber).Data).toString(), `r${i}`));
    });
  }
});

describe('GetRecords in JSON', () => {
  let server;
  let client;
  useServer((s) => { server = s; client = s.client(); });

  it('returns partition keys and data exactly, whatever characters and bytes they hold', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'chars', ShardCount: 1 }));
    await waitFor(async () => (await client.send(new DescribeStreamCommand({ StreamName: 'chars' }))).StreamDescription.StreamStatus === 'ACTIVE');
    const keys = ['plain', 'quote"d', 'back\\slash', 'line\nbreak', 'tab\t', '\u0001ctl', '\u2028sep', 'ü', '日本語', '\u{1F600}', '\ud800lone', '</script>'];
    const data = keys.map((_, i) => Buffer.from(Array.from({ length: i * 37 }, (_, j) => (j * 7 + i) & 0xff)));
    const put = await client.send(new PutRecordsCommand({ StreamName: 'chars', Records: keys.map((k, i) => ({ PartitionKey: k, Data: data[i] })) }));
    assert.equal(put.FailedRecordCount, 0);
    const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName: 'chars', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
    // Raw HTTP/1.1: the body is JSON that any parser reads to the same values.
    const raw = await rawRequest(server.endpoint, { target: 'GetRecords', body: { ShardIterator } });
    assert.equal(raw.status, 200);
    assert.ok(raw.json, 'the body parses as JSON');
    assert.equal(raw.json.Records.length, keys.length);
    raw.json.Records.forEach((r, i) => {
      assert.equal(r.PartitionKey, keys[i].replace('\ud800', '\ufffd'));
      assert.deepEqual(Buffer.from(r.Data, 'base64'), data[i]);
      assert.equal(typeof r.ApproximateArrivalTimestamp, 'number');
      assert.match(r.SequenceNumber, /^\d{56}$/);
      assert.equal(r.SequenceNumber, put.Records[i].SequenceNumber);
    });
    assert.equal(typeof raw.json.NextShardIterator, 'string');
    assert.equal(raw.json.MillisBehindLatest, 0);
    // And the SDK (HTTP/2) reads the same.
    const sdk = await client.send(new GetRecordsCommand({ ShardIterator }));
    sdk.Records.forEach((r, i) => {
      assert.equal(r.PartitionKey, keys[i].replace('\ud800', '\ufffd'));
      assert.deepEqual(Buffer.from(r.Data), data[i]);
    });
  });

  it('reads a large write back one record at a time, in order, with any Limit and from any sequence number', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'big-write', ShardCount: 1 }));
    await waitFor(async () => (await client.send(new DescribeStreamCommand({ StreamName: 'big-write' }))).StreamDescription.StreamStatus === 'ACTIVE');
    // 3 MiB in one call: more than a stored chunk holds, so it is read across several.
    const records = Array.from({ length: 30 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.alloc(100 * 1024 + i, i) }));
    const put = await client.send(new PutRecordsCommand({ StreamName: 'big-write', Records: records }));
    assert.equal(put.FailedRecordCount, 0);
    const shardIterator = async (type, extra = {}) => (await client.send(new GetShardIteratorCommand({
      StreamName: 'big-write', ShardId: 'shardId-000000000000', ShardIteratorType: type, ...extra,
    }))).ShardIterator;
    for (const limit of [1, 3, 7, 30]) {
      let iterator = await shardIterator('TRIM_HORIZON');
      const got = [];
      for (let calls = 0; calls < 40 && got.length < 30; calls++) {
        const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
        assert.ok(out.Records.length <= limit);
        got.push(...out.Records);
        iterator = out.NextShardIterator;
      }
      assert.deepEqual(got.map((r) => r.SequenceNumber), put.Records.map((r) => r.SequenceNumber), `Limit ${limit}`);
      got.forEach((r, i) => assert.ok(Buffer.from(r.Data).equals(records[i].Data), `record ${i} with Limit ${limit}`));
    }
    for (const at of [0, 9, 10, 11, 29]) {
      const iterator = await shardIterator('AT_SEQUENCE_NUMBER', { StartingSequenceNumber: put.Records[at].SequenceNumber });
      const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 2 }));
      assert.deepEqual(out.Records.map((r) => r.PartitionKey), [`k${at}`, `k${at + 1}`].slice(0, 30 - at));
      const after = await shardIterator('AFTER_SEQUENCE_NUMBER', { StartingSequenceNumber: put.Records[at].SequenceNumber });
      const next = await client.send(new GetRecordsCommand({ ShardIterator: after, Limit: 1 }));
      assert.deepEqual(next.Records.map((r) => r.PartitionKey), at === 29 ? [] : [`k${at + 1}`]);
    }
  });

  it('answers large reads on many HTTP/1.1 connections at once, every byte right', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'wide', ShardCount: 4 }));
    await waitFor(async () => (await client.send(new DescribeStreamCommand({ StreamName: 'wide' }))).StreamDescription.StreamStatus === 'ACTIVE');
    const dataOf = (key) => Buffer.alloc(1024, key).toString('base64');
    for (let call = 0; call < 12; call++) {
      const records = Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `p${call}-${i}`, Data: dataOf(`p${call}-${i}`) }));
      const res = await rawRequest(server.endpoint, { target: 'PutRecords', body: { StreamName: 'wide', Records: records } });
      assert.equal(res.status, 200);
    }
    // Four readers, each on its own connection, in pages of ~1.4 MB, twice over.
    let total = 0;
    await Promise.all([0, 1, 2, 3, 0, 1, 2, 3].map(async (shard) => {
      const it = await rawRequest(server.endpoint, { target: 'GetShardIterator', body: { StreamName: 'wide', ShardId: `shardId-00000000000${shard}`, ShardIteratorType: 'TRIM_HORIZON' } });
      let iterator = it.json.ShardIterator;
      for (;;) {
        const page = await rawRequest(server.endpoint, { target: 'GetRecords', body: { ShardIterator: iterator, Limit: 1000 } });
        assert.equal(page.status, 200);
        for (const r of page.json.Records) assert.equal(r.Data, dataOf(r.PartitionKey), r.PartitionKey);
        total += page.json.Records.length;
        if (page.json.Records.length === 0) break;
        iterator = page.json.NextShardIterator;
      }
    }));
    assert.equal(total, 2 * 6000);
  });
});
