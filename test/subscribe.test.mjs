// SubscribeToShard: the event stream over h2c (the SDK's default) and HTTP/1.1, CBOR payloads, every
// starting position, the end of a closed shard (ChildShards) and the children after it, a client that
// does not read, the 5-minute lifetime, the 5-second rule, and subscriptions ended by the consumer going.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { Decoder as CborDecoder, addExtension, encode as cborEncode } from 'cbor-x';
import {
  CreateStreamCommand, DeleteStreamCommand, DeregisterStreamConsumerCommand, DescribeStreamConsumerCommand,
  PutRecordCommand, PutRecordsCommand, RegisterStreamConsumerCommand, SplitShardCommand, SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { ACCOUNT, REGION, rejectsWith, shardId, useServer, waitFor } from './helpers.mjs';

const streamArn = (name) => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
const NO_DELAYS = ['--register-consumer-ms', '0', '--deregister-consumer-ms', '0'];
const SIGNED = {
  authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc',
  'x-amz-date': '20150830T123600Z',
};
const utf8 = {
  to: (b) => (typeof b === 'string' ? b : Buffer.from(b).toString('utf8')),
  from: (s) => Buffer.from(s, 'utf8'),
};

/**
 * Reads event stream messages from a byte stream: the codec decodes whole messages, so chunks are
 * cut at the prelude's total length first. Returns feed(chunk) → decoded messages.
 */
function messageReader() {
  const codec = new EventStreamCodec(utf8.to, utf8.from);
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    const out = [];
    while (pending.length >= 4 && pending.length >= pending.readUInt32BE(0)) {
      const length = pending.readUInt32BE(0);
      out.push(codec.decode(pending.subarray(0, length)));
      pending = pending.subarray(length);
    }
    return out;
  };
}

function withTimeout(promise, ms, what = 'event') {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

async function register(client, stream, name) {
  return (await client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn(stream), ConsumerName: name }))).Consumer.ConsumerARN;
}

/** An SDK subscription: next() gives the next SubscribeToShardEvent (or { done }), close() cancels it. */
async function subscribe(client, ConsumerARN, ShardId, StartingPosition) {
  const abort = new AbortController();
  const out = await client.send(new SubscribeToShardCommand({ ConsumerARN, ShardId, StartingPosition }), { abortSignal: abort.signal });
  const it = out.EventStream[Symbol.asyncIterator]();
  return {
    async next(ms = 5000) {
      const r = await withTimeout(it.next(), ms);
      return r.done ? { done: true } : r.value.SubscribeToShardEvent;
    },
    /** Events until `count` records have come; returns the records and the events. */
    async records(count, ms = 5000) {
      const records = [];
      const events = [];
      while (records.length < count) {
        const e = await this.next(ms);
        assert.ok(!e.done, `the stream ended after ${records.length} of ${count} records`);
        events.push(e);
        records.push(...e.Records);
      }
      return { records, events };
    },
    close: () => abort.abort(),
  };
}

const text = (r) => Buffer.from(r.Data).toString();

// Tag 1 holds epoch milliseconds as the Java SDK writes and reads it (not RFC 8949 seconds): keep the raw value.
class Tag1 { constructor(value) { this.value = value; } }
addExtension({ Class: Tag1, tag: 1, encode: () => { throw new Error('not used'); }, decode: (value) => new Tag1(value) });
const cborDecoder = new CborDecoder({ mapsAsObjects: true, useRecords: false });
const cborDecode = (b) => cborDecoder.decode(b);

/** A SubscribeToShard request by hand over HTTP/1.1 or h2c; returns the response and a message reader. */
function rawSubscribe(endpoint, body, { h2 = false, cbor = false } = {}) {
  const payload = cbor ? cborEncode(body) : Buffer.from(JSON.stringify(body));
  const headers = {
    ...SIGNED,
    'content-type': cbor ? 'application/x-amz-cbor-1.1' : 'application/x-amz-json-1.1',
    'x-amz-target': 'Kinesis_20131202.SubscribeToShard',
  };
  const read = messageReader();
  const queue = [];
  const waiters = [];
  let ended = false;
  const wakeWaiters = () => {
    while (waiters.length && (queue.length || ended)) waiters.shift()();
  };
  let eventStream = false;
  const onData = (chunk) => {
    if (!eventStream) return; // an error reply: plain JSON
    queue.push(...read(chunk));
    wakeWaiters();
  };
  const onEnd = () => { ended = true; wakeWaiters(); };
  const reader = {
    /** The next message ({ headers, body }), or undefined at the end of the stream. */
    async next(ms = 5000) {
      if (!queue.length && !ended) await withTimeout(new Promise((r) => waiters.push(r)), ms, 'message');
      const m = queue.shift();
      if (!m) return undefined;
      const h = Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, v.value]));
      return { headers: h, body: Buffer.from(m.body) };
    },
  };
  return new Promise((resolve, reject) => {
    if (h2) {
      const session = http2.connect(endpoint);
      session.on('error', reject);
      const req = session.request({ ':method': 'POST', ':path': '/', ...headers });
      req.on('response', (h) => {
        eventStream = h['content-type'] === 'application/vnd.amazon.eventstream';
        resolve({ status: h[':status'], headers: h, reader, close: () => session.destroy() });
      });
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', () => {});
      req.end(payload);
    } else {
      const req = http.request(new URL('/', endpoint), { method: 'POST', headers: { ...headers, 'content-length': payload.length } }, (res) => {
        eventStream = res.headers['content-type'] === 'application/vnd.amazon.eventstream';
        res.on('data', onData);
        res.on('end', onEnd);
        resolve({ status: res.statusCode, headers: res.headers, reader, close: () => req.destroy() });
      });
      req.on('error', reject);
      req.end(payload);
    }
  });
}

function rssBytesOf(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

describe('SubscribeToShard delivery', () => {
  let server;
  let client;
  useServer({ args: NO_DELAYS }, async (s) => {
    server = s;
    client = s.client();
    await client.send(new CreateStreamCommand({ StreamName: 'live', ShardCount: 1 }));
  });

  it('pushes records put after subscribing to the SDK over h2c, in order, with the position to resume from', async () => {
    const arn = await register(client, 'live', 'sdk');
    const sub = await subscribe(client, arn, shardId(0), { Type: 'LATEST' });
    try {
      const first = await sub.next();
      assert.deepEqual(first.Records, [], 'the first event comes at once, before any record');
      assert.match(first.ContinuationSequenceNumber, /^\d{56}$/);
      assert.equal(first.MillisBehindLatest, 0);

      const puts = [];
      puts.push(await client.send(new PutRecordCommand({ StreamName: 'live', PartitionKey: 'k', Data: Buffer.from('one') })));
      const { records: firstRecord } = await sub.records(1, 2000);
      assert.equal(text(firstRecord[0]), 'one');
      const batch = await client.send(new PutRecordsCommand({
        StreamName: 'live', Records: Array.from({ length: 50 }, (_, i) => ({ PartitionKey: `p${i}`, Data: Buffer.from(`r${i}`) })),
      }));
      puts.push(...batch.Records);
      const { records, events } = await sub.records(50);
      assert.deepEqual(records.map(text), Array.from({ length: 50 }, (_, i) => `r${i}`));
      assert.deepEqual([firstRecord[0], ...records].map((r) => r.SequenceNumber), puts.map((p) => p.SequenceNumber));
      assert.ok(records.every((r) => r.ApproximateArrivalTimestamp instanceof Date && r.PartitionKey.startsWith('p')));
      const last = events[events.length - 1];
      assert.equal(last.ContinuationSequenceNumber, puts[puts.length - 1].SequenceNumber);
      assert.equal(last.MillisBehindLatest, 0);
      assert.equal(last.ChildShards, undefined);

      // Pushed, not polled: each record arrives within milliseconds of its put's answer.
      const lags = [];
      for (let i = 0; i < 25; i++) {
        await client.send(new PutRecordCommand({ StreamName: 'live', PartitionKey: 'k', Data: Buffer.from(`t${i}`) }));
        const acked = performance.now();
        const { records: got } = await sub.records(1, 2000);
        lags.push(Math.max(0, performance.now() - acked));
        assert.equal(text(got[0]), `t${i}`);
      }
      lags.sort((a, b) => a - b);
      assert.ok(lags[12] < 20, `median put → event ${lags[12].toFixed(1)} ms`);
    } finally {
      sub.close();
    }
  });

  it('fans out every record to several consumers at once', async () => {
    const subs = [];
    for (let i = 0; i < 5; i++) {
      const arn = await register(client, 'live', `fan${i}`);
      const sub = await subscribe(client, arn, shardId(0), { Type: 'LATEST' });
      await sub.next();
      subs.push(sub);
    }
    try {
      await client.send(new PutRecordsCommand({
        StreamName: 'live', Records: Array.from({ length: 20 }, (_, i) => ({ PartitionKey: 'f', Data: Buffer.from(`f${i}`) })),
      }));
      for (const sub of subs) {
        const { records } = await sub.records(20);
        assert.deepEqual(records.map(text), Array.from({ length: 20 }, (_, i) => `f${i}`));
      }
    } finally {
      for (const sub of subs) sub.close();
    }
  });

  it('streams to a plain HTTP/1.1 client as the chunked body, and to the SDK over HTTP/1.1', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'h1', ShardCount: 1 }));
    const arn = await register(client, 'h1', 'raw');
    await client.send(new PutRecordCommand({ StreamName: 'h1', PartitionKey: 'k', Data: Buffer.from('before') }));
    const res = await rawSubscribe(server.endpoint, { ConsumerARN: arn, ShardId: shardId(0), StartingPosition: { Type: 'TRIM_HORIZON' } });
    try {
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/vnd.amazon.eventstream');
      assert.equal(res.headers['transfer-encoding'], 'chunked');
      assert.equal(res.headers['content-length'], undefined);
      const initial = await res.reader.next();
      assert.deepEqual(initial.headers, { ':message-type': 'event', ':event-type': 'initial-response', ':content-type': 'application/json' });
      assert.deepEqual(JSON.parse(initial.body), {});
      const first = await res.reader.next();
      assert.equal(first.headers[':event-type'], 'SubscribeToShardEvent');
      const event = JSON.parse(first.body);
      assert.equal(event.Records.length, 1);
      assert.equal(Buffer.from(event.Records[0].Data, 'base64').toString(), 'before');
      assert.equal(typeof event.Records[0].ApproximateArrivalTimestamp, 'number', 'epoch seconds in JSON');
      assert.ok(Math.abs(event.Records[0].ApproximateArrivalTimestamp * 1000 - Date.now()) < 60_000);
      await client.send(new PutRecordCommand({ StreamName: 'h1', PartitionKey: 'k', Data: Buffer.from('after') }));
      let found;
      while (!found) {
        const m = await res.reader.next();
        found = JSON.parse(m.body).Records.find((r) => Buffer.from(r.Data, 'base64').toString() === 'after');
      }
    } finally {
      res.close();
    }

    // The SDK with its HTTP/1.1 handler, on another consumer.
    const h1client = server.http1Client();
    const arn2 = await register(client, 'h1', 'sdk-h1');
    const sub = await subscribe(h1client, arn2, shardId(0), { Type: 'TRIM_HORIZON' });
    try {
      const { records } = await sub.records(2);
      assert.deepEqual(records.map(text), ['before', 'after']);
    } finally {
      sub.close();
    }
  });

  it('sends CBOR payloads (byte strings, tag 1 + epoch millis) when the request was CBOR', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'cbor', ShardCount: 1 }));
    const arn = await register(client, 'cbor', 'java');
    await client.send(new PutRecordCommand({ StreamName: 'cbor', PartitionKey: 'k', Data: Buffer.from([0, 1, 2, 255]) }));
    const res = await rawSubscribe(server.endpoint, { ConsumerARN: arn, ShardId: shardId(0), StartingPosition: { Type: 'TRIM_HORIZON' } }, { h2: true, cbor: true });
    try {
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/vnd.amazon.eventstream');
      const initial = await res.reader.next();
      assert.equal(initial.headers[':event-type'], 'initial-response');
      assert.equal(initial.headers[':content-type'], 'application/x-amz-cbor-1.1');
      assert.deepEqual(cborDecode(initial.body), {});
      const first = await res.reader.next();
      assert.equal(first.headers[':content-type'], 'application/x-amz-cbor-1.1');
      const event = cborDecode(first.body);
      assert.ok(Buffer.isBuffer(event.Records[0].Data) || event.Records[0].Data instanceof Uint8Array, 'Data is a byte string');
      assert.deepEqual([...event.Records[0].Data], [0, 1, 2, 255]);
      assert.equal(typeof event.MillisBehindLatest, 'number');
      assert.ok(event.Records[0].ApproximateArrivalTimestamp instanceof Tag1);
      // ApproximateArrivalTimestamp: tag 1 (0xC1) then a 64-bit integer (0x1B) of epoch milliseconds.
      const key = Buffer.from('ApproximateArrivalTimestamp');
      const at = first.body.indexOf(key) + key.length;
      assert.equal(first.body[at], 0xc1);
      assert.equal(first.body[at + 1], 0x1b);
      const ms = Number(first.body.readBigUInt64BE(at + 2));
      assert.ok(Math.abs(ms - Date.now()) < 60_000, `arrival ${ms} is epoch milliseconds`);
    } finally {
      res.close();
    }
  });

  it('starts at every starting position', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'pos', ShardCount: 1 }));
    const seqs = [];
    const times = [];
    for (let i = 0; i < 5; i++) {
      if (i > 0) await server.advanceClock(1000);
      const put = await client.send(new PutRecordCommand({ StreamName: 'pos', PartitionKey: 'k', Data: Buffer.from(`r${i}`) }));
      seqs.push(put.SequenceNumber);
      times.push(await server.advanceClock(0));
    }
    const cases = [
      [{ Type: 'TRIM_HORIZON' }, 'r0'],
      [{ Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: seqs[2] }, 'r2'],
      [{ Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: seqs[2] }, 'r3'],
      [{ Type: 'AT_TIMESTAMP', Timestamp: new Date(times[3] - 500) }, 'r3'],
    ];
    for (const [position, expected] of cases) {
      const arn = await register(client, 'pos', `at-${position.Type.toLowerCase()}`);
      const sub = await subscribe(client, arn, shardId(0), position);
      try {
        const { records } = await sub.records(1);
        assert.equal(text(records[0]), expected, `${position.Type}`);
      } finally {
        sub.close();
      }
    }
    const latest = await subscribe(client, await register(client, 'pos', 'latest'), shardId(0), { Type: 'LATEST' });
    try {
      assert.deepEqual((await latest.next()).Records, []);
      await client.send(new PutRecordCommand({ StreamName: 'pos', PartitionKey: 'k', Data: Buffer.from('r5') }));
      const { records } = await latest.records(1);
      assert.equal(text(records[0]), 'r5');
    } finally {
      latest.close();
    }
  });

  it('refuses bad requests with HTTP 400 before streaming', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'bad', ShardCount: 2 }));
    const arn = await register(client, 'bad', 'app');
    const put = await client.send(new PutRecordCommand({ StreamName: 'bad', PartitionKey: 'k', Data: Buffer.from('x'), ExplicitHashKey: '0' }));
    const sub = (ShardId, StartingPosition, ConsumerARN = arn) => client.send(new SubscribeToShardCommand({ ConsumerARN, ShardId, StartingPosition }));
    await rejectsWith(sub(shardId(7), { Type: 'LATEST' }), 'ResourceNotFoundException', `Shard ${shardId(7)} in stream bad under account ${ACCOUNT} does not exist`, { status: null });
    await rejectsWith(sub(shardId(0), { Type: 'AT_SEQUENCE_NUMBER' }), 'InvalidArgumentException', undefined, { status: null });
    await rejectsWith(sub(shardId(0), { Type: 'AT_TIMESTAMP' }), 'InvalidArgumentException', undefined, { status: null });
    await rejectsWith(sub(shardId(1), { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: put.SequenceNumber }), 'InvalidArgumentException', /encodes shardId-000000000000/, { status: null });
    await rejectsWith(sub(shardId(0), { Type: 'LATEST' }, `${streamArn('bad')}/consumer/nobody:1`), 'ResourceNotFoundException',
      `Consumer nobody under stream bad under account ${ACCOUNT} not found.`, { status: null });
    const raw = await rawSubscribe(server.endpoint, { ConsumerARN: arn, ShardId: shardId(9), StartingPosition: { Type: 'LATEST' } });
    assert.equal(raw.status, 400);
    assert.match(raw.headers['content-type'], /^application\/x-amz-json-1.1/);
    raw.close();
  });
});

describe('SubscribeToShard across a reshard', () => {
  let server;
  let client;
  useServer({ args: NO_DELAYS }, async (s) => {
    server = s;
    client = s.client();
    await client.send(new CreateStreamCommand({ StreamName: 'split', ShardCount: 1 }));
  });

  it('ends a closed shard with ChildShards and no ContinuationSequenceNumber, then the children go on', async () => {
    const arn = await register(client, 'split', 'kcl');
    const parent = await subscribe(client, arn, shardId(0), { Type: 'TRIM_HORIZON' });
    const seqs = [];
    for (let i = 0; i < 3; i++) {
      seqs.push((await client.send(new PutRecordCommand({ StreamName: 'split', PartitionKey: 'k', Data: Buffer.from(`p${i}`) }))).SequenceNumber);
    }
    const { records } = await parent.records(3);
    assert.deepEqual(records.map(text), ['p0', 'p1', 'p2']);

    const middle = (1n << 127n).toString();
    await client.send(new SplitShardCommand({ StreamName: 'split', ShardToSplit: shardId(0), NewStartingHashKey: middle }));
    let last;
    for (;;) {
      const e = await parent.next();
      assert.ok(!e.done, 'the stream ends only after the ChildShards event');
      if (e.ChildShards) { last = e; break; }
      assert.deepEqual(e.Records, []);
    }
    assert.deepEqual(last.Records, []);
    assert.equal(last.ContinuationSequenceNumber, undefined);
    assert.deepEqual(last.ChildShards.map((c) => [c.ShardId, c.ParentShards]), [[shardId(1), [shardId(0)]], [shardId(2), [shardId(0)]]]);
    assert.equal(last.ChildShards[1].HashKeyRange.StartingHashKey, middle);
    assert.deepEqual(await parent.next(), { done: true }, 'then the stream ends');

    // The children take the writes now; a subscriber continues on them.
    const low = await subscribe(client, arn, shardId(1), { Type: 'TRIM_HORIZON' });
    const high = await subscribe(client, arn, shardId(2), { Type: 'TRIM_HORIZON' });
    try {
      await client.send(new PutRecordCommand({ StreamName: 'split', PartitionKey: 'k', Data: Buffer.from('lo'), ExplicitHashKey: '1' }));
      await client.send(new PutRecordCommand({ StreamName: 'split', PartitionKey: 'k', Data: Buffer.from('hi'), ExplicitHashKey: middle }));
      assert.equal(text((await low.records(1)).records[0]), 'lo');
      assert.equal(text((await high.records(1)).records[0]), 'hi');
    } finally {
      low.close();
      high.close();
    }

    // A sequence number on the closed parent: the rest of the parent, then its children.
    const again = await subscribe(client, arn, shardId(0), { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: seqs[1] });
    const rest = [];
    let end;
    for (;;) {
      const e = await again.next();
      assert.ok(!e.done);
      rest.push(...e.Records);
      if (e.ChildShards) { end = e; break; }
    }
    assert.deepEqual(rest.map(text), ['p1', 'p2']);
    assert.equal(end.ChildShards.length, 2);
    assert.deepEqual(await again.next(), { done: true });
  });
});

describe('SubscribeToShard and the clock', () => {
  let server;
  let client;
  useServer({ args: ['--register-consumer-ms', '100000', '--deregister-consumer-ms', '0'] }, async (s) => {
    server = s;
    client = s.client();
    await client.send(new CreateStreamCommand({ StreamName: 'time', ShardCount: 1 }));
  });

  it('refuses a consumer that is not ACTIVE yet', async () => {
    const arn = await register(client, 'time', 'young');
    const seconds = arn.split(':').pop();
    await rejectsWith(client.send(new SubscribeToShardCommand({ ConsumerARN: arn, ShardId: shardId(0), StartingPosition: { Type: 'LATEST' } })),
      'ResourceInUseException', `Consumer young with creation timestamp ${seconds} under stream time and account ${ACCOUNT} is not in ACTIVE status.`, { status: null });
    await server.advanceClock(100_001);
    assert.equal((await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: arn }))).ConsumerDescription.ConsumerStatus, 'ACTIVE');
  });

  it('refuses a second subscription within 5 s; after that it takes over and the first ends with ResourceInUseException', async () => {
    const arn = await register(client, 'time', 'twice');
    await server.advanceClock(100_001);
    const first = await subscribe(client, arn, shardId(0), { Type: 'LATEST' });
    await first.next();
    await rejectsWith(client.send(new SubscribeToShardCommand({ ConsumerARN: arn, ShardId: shardId(0), StartingPosition: { Type: 'LATEST' } })),
      'ResourceInUseException', /^Another active subscription exists for this consumer/, { status: null });
    await server.advanceClock(5001);
    const second = await subscribe(client, arn, shardId(0), { Type: 'LATEST' });
    try {
      await rejectsWith(first.next(), 'ResourceInUseException', /^Another active subscription exists for this consumer/, { status: null });
      await second.next();
      await client.send(new PutRecordCommand({ StreamName: 'time', PartitionKey: 'k', Data: Buffer.from('to-second') }));
      assert.equal(text((await second.records(1)).records[0]), 'to-second');
    } finally {
      first.close();
      second.close();
    }
    // A closed subscription frees its place at once.
    await waitFor(async () => {
      try {
        const third = await subscribe(client, arn, shardId(0), { Type: 'LATEST' });
        third.close();
        return true;
      } catch (err) {
        if (err.name !== 'ResourceInUseException') throw err;
        return false;
      }
    });
  });

  it('ends a subscription after 5 minutes on the server clock', async () => {
    const arn = await register(client, 'time', 'five');
    await server.advanceClock(100_001);
    const sub = await subscribe(client, arn, shardId(0), { Type: 'LATEST' });
    try {
      await sub.next();
      await server.advanceClock(299_000);
      await client.send(new PutRecordCommand({ StreamName: 'time', PartitionKey: 'k', Data: Buffer.from('still') }));
      assert.equal(text((await sub.records(1)).records[0]), 'still', 'alive before 5 minutes');
      await server.advanceClock(1_001);
      let e;
      do e = await sub.next(2000); while (!e.done);
      assert.deepEqual(e, { done: true }, 'the stream ends without an error');
    } finally {
      sub.close();
    }
  });

  it('ends subscriptions with an exception when the consumer is deregistered or its stream deleted', async () => {
    const arn = await register(client, 'time', 'leaving');
    await server.advanceClock(100_001);
    const sub = await subscribe(client, arn, shardId(0), { Type: 'LATEST' });
    await sub.next();
    await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: arn }));
    await rejectsWith(sub.next(), 'ResourceInUseException', /is not in ACTIVE status/, { status: null });
    sub.close();

    await client.send(new CreateStreamCommand({ StreamName: 'doomed', ShardCount: 1 }));
    const arn2 = await register(client, 'doomed', 'app');
    await server.advanceClock(100_001);
    const sub2 = await subscribe(client, arn2, shardId(0), { Type: 'LATEST' });
    await sub2.next();
    await client.send(new DeleteStreamCommand({ StreamName: 'doomed', EnforceConsumerDeletion: true }));
    await rejectsWith(sub2.next(), 'ResourceInUseException', undefined, { status: null });
    sub2.close();
  });
});

describe('a subscriber that does not read', () => {
  let server;
  let client;
  useServer({ args: NO_DELAYS }, async (s) => {
    server = s;
    client = s.client();
    await client.send(new CreateStreamCommand({ StreamName: 'slow', ShardCount: 1 }));
  });

  it('blocks neither writers nor other consumers, and server memory stays bounded', async (t) => {
    // Raw HTTP/2 clients that take the headers and then read nothing: flow control holds the server back.
    const stuck = [];
    for (let i = 0; i < 6; i++) {
      const arn = await register(client, 'slow', `stuck${i}`);
      const session = http2.connect(server.endpoint);
      const req = session.request({
        ':method': 'POST', ':path': '/', ...SIGNED,
        'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.SubscribeToShard',
      });
      req.end(JSON.stringify({ ConsumerARN: arn, ShardId: shardId(0), StartingPosition: { Type: 'TRIM_HORIZON' } }));
      await new Promise((resolve) => req.once('response', resolve));
      req.pause();
      stuck.push({ session, req });
    }
    const fastArn = await register(client, 'slow', 'fast');
    const fast = await subscribe(client, fastArn, shardId(0), { Type: 'TRIM_HORIZON' });
    const data = Buffer.alloc(1024, 7);
    const latencies = [];
    let received = 0;
    let written = 0;
    const write = async (batches) => {
      for (let b = 0; b < batches; b++) {
        const t0 = performance.now();
        await client.send(new PutRecordsCommand({
          StreamName: 'slow', Records: Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `k${i}`, Data: data })),
        }));
        latencies.push(performance.now() - t0);
        written += 500;
      }
    };
    const caughtUp = () => waitFor(() => received === written, { timeoutMs: 20_000 });
    const reading = (async () => {
      for (;;) {
        const e = await fast.next(30_000);
        if (e.done) return;
        received += e.Records.length;
      }
    })();
    reading.catch(() => {});
    try {
      // Warm up (the store's cache, the heap), then write ~100 MiB more (~140 MiB of events as base64):
      // buffered for the six stuck clients, some 900 MiB would stay in the server.
      await write(40);
      await caughtUp();
      const rssWarm = rssBytesOf(server.child.pid);
      await write(200);
      await caughtUp();
      assert.equal(received, 240 * 500, 'the other consumer got everything');
      const growth = rssBytesOf(server.child.pid) - rssWarm;
      latencies.sort((a, b) => a - b);
      const p99 = latencies[Math.floor(latencies.length * 0.99)];
      t.diagnostic(`PutRecords p99 ${p99.toFixed(1)} ms; server RSS +${(growth / 1048576).toFixed(1)} MiB after warm-up`);
      assert.ok(p99 < 500, `PutRecords p99 ${p99.toFixed(1)} ms`);
      assert.ok(growth < 160 * 1024 * 1024, `server RSS grew by ${(growth / 1048576).toFixed(1)} MiB after warm-up`);
      for (const { req } of stuck) assert.ok(req.readableLength < 1024 * 1024, `a stuck client holds ${req.readableLength} bytes`);
      // It was held back, not dropped: reading again, it gets records.
      const { req } = stuck[0];
      const read = messageReader();
      let records = 0;
      req.on('data', (chunk) => {
        for (const m of read(chunk)) {
          if (m.headers[':event-type']?.value === 'SubscribeToShardEvent') records += JSON.parse(Buffer.from(m.body)).Records.length;
        }
      });
      req.resume();
      await waitFor(() => records > 0, { timeoutMs: 10_000 });
    } finally {
      fast.close();
      for (const { session } of stuck) session.destroy();
    }
  });
});
