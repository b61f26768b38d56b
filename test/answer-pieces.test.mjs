// Answers holding records are written in pieces of reused memory (src/protocol/pieces.ts), each
// taken back once its connection has sent it. A piece reused too early would put one answer's
// bytes into another: many large pages read at once, over HTTP/1.1, HTTP/2 and CBOR, and by
// clients that stop reading for a while or go away, must each hold exactly the records written.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { describe, it } from 'node:test';
import { addExtension, decode as cborDecode, encode as cborEncode } from 'cbor-x';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { rawRequest, SIGNED, useServer } from './helpers.mjs';

const CBOR = 'application/x-amz-cbor-1.1';
// Arrival times come as tag 1 around 64-bit milliseconds, which cbor-x's own tag 1 cannot read.
class Millis { constructor(value) { this.value = value; } }
addExtension({ Class: Millis, tag: 1, encode: () => { throw new Error('not used'); }, decode: (v) => new Millis(v) });
const STREAM = 'pieces';
const SHARDS = ['shardId-000000000000', 'shardId-000000000001'];

/** Data that names its record, so a byte from another answer shows. */
function dataFor(key, size) {
  const data = Buffer.alloc(size);
  data.write(`${key}|`);
  for (let j = key.length + 1; j < size; j++) data[j] = (key.length * 131 + j * 7) % 256;
  return data;
}

describe('answers in pieces', () => {
  let server;
  const wanted = new Map();
  useServer(async (s) => {
    server = s;
    const created = await rawRequest(s.endpoint, { target: 'CreateStream', body: { StreamName: STREAM, ShardCount: 2 } });
    assert.equal(created.status, 200, created.body.toString());
    // 2,400 records of 1.5–4.5 KiB over two shards: pages of several MB, each tens of pieces.
    for (let call = 0; call < 8; call++) {
      const Records = [];
      for (let i = 0; i < 300; i++) {
        const key = `c${call}-r${i}${i % 41 === 0 ? '-ключ' : ''}`;
        const data = dataFor(key, 1536 + ((call * 300 + i) * 37) % 3072);
        wanted.set(key, data);
        Records.push({ PartitionKey: key, Data: data.toString('base64') });
      }
      const res = await rawRequest(s.endpoint, { target: 'PutRecords', body: { StreamName: STREAM, Records } });
      assert.equal(res.status, 200, res.body.toString());
      assert.equal(res.json.FailedRecordCount, 0);
    }
  });

  const iterator = async (shard) => (await rawRequest(server.endpoint, {
    target: 'GetShardIterator', body: { StreamName: STREAM, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' },
  })).json.ShardIterator;

  /** Checks a page's records against what was written; how many there were. */
  function check(records, how) {
    for (const r of records) {
      const expected = wanted.get(r.PartitionKey);
      assert.ok(expected, `${how}: an unknown key ${JSON.stringify(r.PartitionKey).slice(0, 80)}`);
      const data = typeof r.Data === 'string' ? Buffer.from(r.Data, 'base64') : Buffer.from(r.Data);
      assert.ok(data.equals(expected), `${how}: the data of ${r.PartitionKey}`);
    }
    return records.length;
  }

  /** A whole GetRecords over HTTP/1.1, its reading paused for `pauseMs` once the answer began. */
  function slowGet(shardIterator, codec, pauseMs) {
    const body = codec === 'cbor' ? cborEncode({ ShardIterator: shardIterator }) : Buffer.from(JSON.stringify({ ShardIterator: shardIterator }));
    return new Promise((resolve, reject) => {
      const req = http.request(server.endpoint, {
        method: 'POST',
        agent: false,
        headers: { ...SIGNED, 'content-type': codec === 'cbor' ? CBOR : 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.GetRecords', 'content-length': body.length },
        highWaterMark: 1024,
      }, (res) => {
        const chunks = [];
        res.pause();
        setTimeout(() => {
          res.on('data', (c) => chunks.push(c));
          res.resume();
        }, pauseMs);
        res.on('end', () => {
          const whole = Buffer.concat(chunks);
          assert.equal(whole.length, Number(res.headers['content-length']));
          resolve(codec === 'cbor' ? cborDecode(whole) : JSON.parse(whole.toString('utf8')));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('many large pages read at once, over HTTP/1.1, HTTP/2 and CBOR, fast and slow, hold exactly their records', async () => {
    const sdk = server.client();
    const h1 = server.http1Client();
    const readers = [];
    for (let round = 0; round < 3; round++) {
      for (const shard of SHARDS) {
        readers.push((async () => {
          const out = await sdk.send(new GetRecordsCommand({ ShardIterator: await iterator(shard) }));
          return check(out.Records, 'sdk http/2');
        })());
        readers.push((async () => {
          const out = await h1.send(new GetRecordsCommand({ ShardIterator: (await h1.send(new GetShardIteratorCommand({ StreamName: STREAM, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator }));
          return check(out.Records, 'sdk http/1.1');
        })());
        readers.push((async () => check((await slowGet(await iterator(shard), 'json', 150 * round)).Records, 'slow json'))());
        readers.push((async () => check((await slowGet(await iterator(shard), 'cbor', 100 + 100 * round)).Records, 'slow cbor'))());
      }
    }
    const counts = await Promise.all(readers);
    // Every reader read its whole shard in one page: the two shards' counts add up to all records.
    const perShard = counts.slice(0, 4 * SHARDS.length);
    assert.equal(new Set(counts.filter((_, i) => i % 8 < 4)).size, 1);
    assert.equal(new Set(counts.filter((_, i) => i % 8 >= 4)).size, 1);
    assert.equal(perShard[0] + perShard[4], wanted.size);
  });

  it('a client that goes away in the middle of an answer leaves the server answering the others', async () => {
    for (let i = 0; i < 6; i++) {
      const shardIterator = await iterator(SHARDS[i % 2]);
      await new Promise((resolve, reject) => {
        const body = Buffer.from(JSON.stringify({ ShardIterator: shardIterator }));
        const req = http.request(server.endpoint, {
          method: 'POST', agent: false,
          headers: { ...SIGNED, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.GetRecords', 'content-length': body.length },
        }, (res) => {
          res.once('data', () => { req.destroy(); resolve(); });
        });
        req.on('error', (err) => (err.code === 'ECONNRESET' ? resolve() : reject(err)));
        req.end(body);
      });
      // The same over HTTP/2: the stream is cancelled after its first data.
      await new Promise((resolve, reject) => {
        const session = http2.connect(server.endpoint);
        session.on('error', () => undefined);
        const req = session.request({ ':method': 'POST', ':path': '/', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.GetRecords', ...SIGNED });
        req.once('data', () => { req.close(http2.constants.NGHTTP2_CANCEL); session.close(); resolve(); });
        req.on('error', reject);
        req.end(JSON.stringify({ ShardIterator: shardIterator }));
      });
    }
    let total = 0;
    for (const shard of SHARDS) total += check((await slowGet(await iterator(shard), 'json', 0)).Records, 'after');
    assert.equal(total, wanted.size);
  });
});
