// Large bodies are decoded on decoding threads (--decode-threads): the answers must be exactly
// those of decoding on the event loop, for good and bad bodies alike, in JSON and CBOR.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { decode as cborDecode, encode as cborEncode } from 'cbor-x';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { rawRequest, startServer } from './helpers.mjs';

const CBOR = 'application/x-amz-cbor-1.1';

describe('decoding threads', () => {
  let threaded;
  let inline;

  before(async () => {
    [threaded, inline] = await Promise.all([
      startServer({ args: ['--decode-threads', '2'] }),
      startServer({ args: ['--decode-threads', '0'] }),
    ]);
    for (const server of [threaded, inline]) {
      const res = await rawRequest(server.endpoint, { target: 'CreateStream', body: { StreamName: 'big', ShardCount: 4 } });
      assert.equal(res.status, 200, res.body.toString());
    }
  });
  after(async () => {
    await Promise.all([threaded.stop(), inline.stop()]);
    threaded.cleanup();
    inline.cleanup();
  });

  const records = (n, size = 100) => Array.from({ length: n }, (_, i) => ({
    Data: Buffer.alloc(size, i % 251).toString('base64'), PartitionKey: `key-${i}`,
  }));

  /** Sends the same request to both servers; both answers, status and body (ids aside). */
  async function both(target, body, contentType) {
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    assert.ok(payload.length >= 32 * 1024, `a large body (${payload.length} bytes)`);
    const [a, b] = await Promise.all([threaded, inline].map((s) => rawRequest(s.endpoint, { target, body: payload, ...(contentType ? { contentType } : {}) })));
    return [a, b];
  }

  async function sameError(target, body, type, contentType) {
    const [a, b] = await both(target, body, contentType);
    assert.equal(a.status, 400, a.body.toString());
    assert.equal(a.headers['x-amzn-errortype'], type);
    assert.equal(a.status, b.status);
    assert.equal(a.headers['content-type'], b.headers['content-type']);
    assert.deepEqual(a.body, b.body, `${a.body} vs ${b.body}`);
    return a;
  }

  it('stores a large PutRecords exactly as decoded on the event loop, in JSON and in CBOR', async () => {
    const json = records(500, 200);
    const [a, b] = await both('PutRecords', { StreamName: 'big', Records: json });
    assert.equal(a.status, 200, a.body.toString());
    assert.equal(a.json.FailedRecordCount, 0);
    assert.deepEqual(a.json.Records.map((r) => r.ShardId), b.json.Records.map((r) => r.ShardId));
    const cbor = cborEncode({ StreamName: 'big', Records: json.map((r) => ({ Data: Buffer.from(r.Data, 'base64'), PartitionKey: r.PartitionKey })) });
    const [c] = await both('PutRecords', cbor, CBOR);
    assert.equal(c.status, 200);
    // Read back from the threaded server: every record, its bytes intact, JSON ones then CBOR ones.
    const byShard = new Map();
    for (const shard of ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002', 'shardId-000000000003']) {
      const it = await rawRequest(threaded.endpoint, { target: 'GetShardIterator', body: { StreamName: 'big', ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' } });
      const got = await rawRequest(threaded.endpoint, { target: 'GetRecords', body: { ShardIterator: it.json.ShardIterator } });
      byShard.set(shard, got.json.Records);
    }
    // The large bodies went to a decoding thread: the threaded server runs more threads.
    if (process.platform === 'linux') {
      const threads = (server) => readdirSync(`/proc/${server.child.pid}/task`).length;
      assert.ok(threads(threaded) > threads(inline), `${threads(threaded)} threads vs ${threads(inline)}`);
    }
    const all = [...byShard.values()].flat();
    assert.equal(all.length, 1000);
    const wanted = new Map(json.map((r) => [r.PartitionKey, r.Data]));
    for (const r of all) assert.equal(r.Data, wanted.get(r.PartitionKey));
  });

  /**
   * 48 large PutRecords, 12 at a time, each record's bytes unique, a third each in JSON, through the
   * SDK in its default HTTP/2 (bodies arriving as h2 frames) and in CBOR (whose decoded data are
   * views of the body): a body's memory handed back to the pool before its records were stored, or
   * records read at the wrong place in it, would show as records whose bytes belong to another.
   * Some records name an ExplicitHashKey.
   */
  async function concurrentLargePuts(server, stream, { calls = 48, onlyCbor = false } = {}) {
    const perCall = 120;
    const wanted = new Map();
    const bodies = [];
    for (let c = 0; c < calls; c++) {
      const recs = [];
      for (let i = 0; i < perCall; i++) {
        const key = `c${c}-r${i}`;
        const data = Buffer.alloc(300 + ((c * 7 + i) % 200));
        data.write(`${key}|`);
        for (let j = key.length + 1; j < data.length; j++) data[j] = (c * 31 + i * 17 + j) % 256;
        wanted.set(key, data.toString('base64'));
        recs.push(i % 10 === 3 ? { Data: data, PartitionKey: key, ExplicitHashKey: String(BigInt(i) * 10n ** 36n) } : { Data: data, PartitionKey: key });
      }
      bodies.push({ StreamName: stream, Records: recs });
    }
    const created = await rawRequest(server.endpoint, { target: 'CreateStream', body: { StreamName: stream, ShardCount: 3 } });
    assert.equal(created.status, 200, created.body.toString());
    for (let i = 0; i < 100; i++) {
      const d = await rawRequest(server.endpoint, { target: 'DescribeStreamSummary', body: { StreamName: stream } });
      if (d.json.StreamDescriptionSummary.StreamStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const shardOf = new Map();
    let next = 0;
    const sdk = server.client();
    await Promise.all(Array.from({ length: 12 }, async () => {
      while (next < calls) {
        const call = next++;
        const body = bodies[call];
        let results;
        if (!onlyCbor && call % 3 === 0) {
          const json = { ...body, Records: body.Records.map((r) => ({ ...r, Data: r.Data.toString('base64') })) };
          const res = await rawRequest(server.endpoint, { target: 'PutRecords', body: json });
          assert.equal(res.status, 200, res.body.toString());
          assert.equal(res.json.FailedRecordCount, 0);
          results = res.json.Records;
        } else if (!onlyCbor && call % 3 === 1) {
          const out = await sdk.send(new PutRecordsCommand(body));
          assert.equal(out.FailedRecordCount, 0);
          results = out.Records;
        } else {
          const res = await rawRequest(server.endpoint, { target: 'PutRecords', body: cborEncode(body), contentType: CBOR });
          assert.equal(res.status, 200, res.body.toString());
          results = cborDecode(res.body).Records;
        }
        assert.equal(results.length, perCall);
        results.forEach((r, i) => shardOf.set(body.Records[i].PartitionKey, r.ShardId));
      }
    }));
    // An explicit hash key decides the shard: 3·10^36 and above lie past the first third of 2^128.
    const third = (1n << 128n) / 3n;
    for (const [i, key] of [[3, 'c0-r3'], [113, 'c5-r113']]) {
      const expected = BigInt(i) * 10n ** 36n < third ? 'shardId-000000000000' : BigInt(i) * 10n ** 36n < 2n * third ? 'shardId-000000000001' : 'shardId-000000000002';
      assert.equal(shardOf.get(key), expected, key);
    }
    let read = 0;
    for (const shard of ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']) {
      let it = (await rawRequest(server.endpoint, { target: 'GetShardIterator', body: { StreamName: stream, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' } })).json.ShardIterator;
      for (;;) {
        const got = await rawRequest(server.endpoint, { target: 'GetRecords', body: { ShardIterator: it } });
        assert.equal(got.status, 200);
        for (const r of got.json.Records) {
          assert.equal(r.Data, wanted.get(r.PartitionKey), `bytes of ${r.PartitionKey}`);
          assert.equal(shardOf.get(r.PartitionKey), shard);
          read++;
        }
        if (got.json.Records.length === 0) break;
        it = got.json.NextShardIterator;
      }
    }
    assert.equal(read, calls * perCall);
  }

  it('keeps every record of many concurrent large PutRecords intact, decoded on threads (bodies travel in reused memory)', async () => {
    await concurrentLargePuts(threaded, 'many-threaded');
  });

  it('keeps every record of many concurrent large PutRecords intact, decoded on the event loop (bodies gathered in reused memory)', async () => {
    // A small WAL bound makes record writes wait often (while the log starts over): requests that
    // arrive meanwhile are gathered into the pool's memory while earlier inputs wait to be stored.
    const server = await startServer({ args: ['--decode-threads', '0', '--wal-limit-mib', '1'] });
    try {
      await concurrentLargePuts(server, 'many-inline');
      // CBOR only: its decoded data are views of the body, so a body's memory handed back early shows.
      await concurrentLargePuts(server, 'many-inline-cbor', { calls: 96, onlyCbor: true });
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  it('answers an unreadable large body with SerializationException', async () => {
    const text = JSON.stringify({ StreamName: 'big', Records: records(400) });
    await sameError('PutRecords', text.slice(0, -10), 'SerializationException');
    await sameError('PutRecords', Buffer.concat([Buffer.from([0xbf]), Buffer.alloc(40_000, 0xff)]), 'SerializationException', CBOR);
  });

  it('answers wrong types and bad base64 deep in a large body as the event loop does', async () => {
    const wrongType = records(400);
    wrongType[7].Data = 12;
    await sameError('PutRecords', { StreamName: 'big', Records: wrongType }, 'SerializationException');
    const badBase64 = records(400);
    badBase64[123].Data = 'abc!';
    await sameError('PutRecords', { StreamName: 'big', Records: badBase64 }, 'SerializationException');
  });

  it('lists the same validation errors for a large body', async () => {
    const bad = records(600);
    bad[299].PartitionKey = 'p'.repeat(257);
    bad[300].PartitionKey = '';
    const res = await sameError('PutRecords', { StreamName: 'bad name!', Records: bad }, 'ValidationException');
    assert.match(res.json.message, /^\d+ validation errors detected: /);
    // One record too large for the stream, in a PutRecord.
    await sameError('PutRecord', { StreamName: 'big', PartitionKey: 'k', Data: Buffer.alloc(1024 * 1024 + 1).toString('base64') }, 'ValidationException');
  });

  it('answers an unknown operation with a large body before any decoding, on either server', async () => {
    const [a, b] = await both('NoSuchOperation', { Padding: 'x'.repeat(40_000) });
    assert.equal(a.status, 400);
    assert.equal(a.headers['x-amzn-errortype'], 'UnknownOperationException');
    assert.deepEqual(a.body, b.body);
  });
});
