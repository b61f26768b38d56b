// The wire: headers, the front door's decision order and error shapes, awsJson 1.1 over HTTP/1.1
// and cleartext HTTP/2, and the CBOR variant exactly as the AWS SDK for Java v2 writes and reads it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT, rawH2Request, rawRequest, startServer, waitFor } from './helpers.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CBOR = 'application/x-amz-cbor-1.1';
const JSON11 = 'application/x-amz-json-1.1';
const ACCESS_DENIED_XML = '<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n';

function assertAwsHeaders(headers) {
  assert.match(String(headers['x-amzn-requestid']), UUID);
  const id2 = String(headers['x-amz-id-2']);
  assert.match(id2, /^[A-Za-z0-9+/]+={0,2}$/);
  const n = Buffer.from(id2, 'base64').length;
  assert.ok(n >= 64 && n <= 80, `x-amz-id-2 decodes to ${n} bytes`);
}

/** A JSON error: status, exact body keys, content type. */
function assertJsonError(res, status, type, message, messageKey = 'message') {
  assert.equal(res.status, status, res.body.toString());
  assert.equal(res.headers['content-type'], JSON11);
  assertAwsHeaders(res.headers);
  const expected = message === undefined ? { __type: type } : { __type: type, [messageKey]: message };
  assert.deepEqual(res.json, expected);
}

const serialization = (res, message) => assertJsonError(res, 400, 'SerializationException', message, 'Message');

// ---------------------------------------------------------------------------------------------
// CBOR as the Java SDK v2 (Jackson CBORGenerator) writes it, and a decoder that keeps what the
// Java SDK's reader cares about: integer vs float, byte vs text string, tags.

class CborTag {
  constructor(tag, value) { this.tag = tag; this.value = value; }
}

/** Writes like SdkCborGenerator: indefinite-length maps, minimal ints, definite byte strings, tag 1 + int64 ms. */
const javaCbor = {
  head(major, n) {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
    if (n < 0x10000) { const b = Buffer.alloc(3); b[0] = (major << 5) | 25; b.writeUInt16BE(n, 1); return b; }
    const b = Buffer.alloc(5); b[0] = (major << 5) | 26; b.writeUInt32BE(n, 1); return b;
  },
  text(s) { const u = Buffer.from(s, 'utf8'); return Buffer.concat([javaCbor.head(3, u.length), u]); },
  bytes(b) { return Buffer.concat([javaCbor.head(2, b.length), b]); },
  int(n) { return javaCbor.head(0, n); },
  timestampMs(ms) { const b = Buffer.alloc(10); b[0] = 0xc1; b[1] = 0x1b; b.writeBigUInt64BE(BigInt(ms), 2); return b; },
  /** members: [name, encoded value] pairs in model order. */
  map(members) {
    return Buffer.concat([Buffer.from([0xbf]), ...members.flatMap(([k, v]) => [javaCbor.text(k), v]), Buffer.from([0xff])]);
  },
};

/** Decodes CBOR: integers as BigInt, floats as Number, byte strings as Buffer, tags as CborTag. */
function cborParse(buf) {
  let i = 0;
  const BREAK = Symbol('break');
  function length(ai) {
    if (ai < 24) return BigInt(ai);
    if (ai === 24) return BigInt(buf[i++]);
    if (ai === 25) { const v = buf.readUInt16BE(i); i += 2; return BigInt(v); }
    if (ai === 26) { const v = buf.readUInt32BE(i); i += 4; return BigInt(v); }
    if (ai === 27) { const v = buf.readBigUInt64BE(i); i += 8; return v; }
    if (ai === 31) return null;
    throw new Error(`bad additional info ${ai}`);
  }
  function item() {
    const ib = buf[i++];
    if (ib === 0xff) return BREAK;
    const major = ib >> 5;
    const ai = ib & 31;
    switch (major) {
      case 0: return length(ai);
      case 1: return -1n - length(ai);
      case 2: case 3: {
        const n = length(ai);
        let bytes;
        if (n === null) {
          const parts = [];
          for (let c = item(); c !== BREAK; c = item()) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c, 'utf8'));
          bytes = Buffer.concat(parts);
        } else {
          bytes = buf.subarray(i, i + Number(n)); i += Number(n);
        }
        return major === 2 ? Buffer.from(bytes) : bytes.toString('utf8');
      }
      case 4: {
        const n = length(ai);
        const out = [];
        if (n === null) for (let v = item(); v !== BREAK; v = item()) out.push(v);
        else for (let k = 0n; k < n; k++) out.push(item());
        return out;
      }
      case 5: {
        const n = length(ai);
        const out = {};
        if (n === null) for (let k = item(); k !== BREAK; k = item()) out[k] = item();
        else for (let k = 0n; k < n; k++) { const key = item(); out[key] = item(); }
        return out;
      }
      case 6: return new CborTag(Number(length(ai)), item());
      default:
        if (ai === 20) return false;
        if (ai === 21) return true;
        if (ai === 22) return null;
        if (ai === 23) return undefined;
        if (ai === 25) { const v = buf.readUInt16BE(i); i += 2; return v; /* half float: not expected */ }
        if (ai === 26) { const v = buf.readFloatBE(i); i += 4; return v; }
        if (ai === 27) { const v = buf.readDoubleBE(i); i += 8; return v; }
        throw new Error(`bad simple value ${ai}`);
    }
  }
  const value = item();
  assert.equal(i, buf.length, 'trailing bytes after the CBOR item');
  return value;
}

/** An epoch-millisecond timestamp as the Java SDK reads it: tag 1 holding an integer. */
function assertMillisTag(value, lo, hi) {
  assert.ok(value instanceof CborTag, `expected tag 1, got ${String(value)}`);
  assert.equal(value.tag, 1);
  assert.equal(typeof value.value, 'bigint', 'the timestamp must be an integer (a float breaks Long.parseLong)');
  const ms = Number(value.value);
  assert.ok(ms >= lo && ms <= hi, `${ms} not within [${lo}, ${hi}]`);
  return ms;
}

const cborRequest = (endpoint, target, body, extra = {}) => rawRequest(endpoint, { target, body, contentType: CBOR, ...extra });

// ---------------------------------------------------------------------------------------------

describe('protocol', () => {
  let server;
  let e;
  before(async () => {
    server = await startServer();
    e = server.endpoint;
  });
  after(async () => { await server.stop(); server.cleanup(); });

  async function createActive(name, shards = 1) {
    const res = await rawRequest(e, { target: 'CreateStream', body: { StreamName: name, ShardCount: shards } });
    assert.equal(res.status, 200, res.body.toString());
    await waitActive(name);
  }
  async function waitActive(name) {
    await waitFor(async () => (await rawRequest(e, { target: 'DescribeStream', body: { StreamName: name } })).json?.StreamDescription?.StreamStatus === 'ACTIVE');
  }

  describe('headers', () => {
    it('every JSON response carries x-amzn-RequestId (a fresh UUID) and x-amz-id-2', async () => {
      const a = await rawRequest(e, { target: 'ListStreams' });
      const b = await rawRequest(e, { target: 'ListStreams' });
      assert.equal(a.status, 200);
      assert.equal(a.headers['content-type'], JSON11);
      assertAwsHeaders(a.headers);
      assertAwsHeaders(b.headers);
      assert.notEqual(a.headers['x-amzn-requestid'], b.headers['x-amzn-requestid']);
      assert.equal(Number(a.headers['content-length']), a.body.length);
    });

    it('errors carry them too, and x-amzn-ErrorType', async () => {
      const res = await rawRequest(e, { target: 'DescribeStream', body: { StreamName: 'no-such-stream' } });
      assertJsonError(res, 400, 'ResourceNotFoundException', `Stream no-such-stream under account ${ACCOUNT} not found.`);
      assert.equal(res.headers['x-amzn-errortype'], 'ResourceNotFoundException');
    });

    it('a content type with parameters and spaces is read as the bare media type', async () => {
      const res = await rawRequest(e, { target: 'ListStreams', contentType: '   application/x-amz-json-1.1   ;whatever' });
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(res.json.StreamNames));
    });

    it('the HTTP path is ignored', async () => {
      const res = await rawRequest(e, { target: 'ListStreams', path: '/some/path?x=1' });
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(res.json.StreamNames));
    });
  });

  describe('front door decision order', () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      it(`${method} → 403 AccessDeniedException XML without a content type`, async () => {
        const res = await rawRequest(e, { method, target: null, body: '', contentType: null, signed: false });
        assert.equal(res.status, 403);
        assert.equal(res.body.toString(), ACCESS_DENIED_XML);
        assert.equal(res.headers['content-type'], undefined);
        assertAwsHeaders(res.headers);
      });
    }

    it('a body in another content type: 404 <UnknownOperationException/> for a service.operation target', async () => {
      const res = await rawRequest(e, { target: 'ListStreams', contentType: 'text/plain', body: '{}' });
      assert.equal(res.status, 404);
      assert.equal(res.body.toString(), '<UnknownOperationException/>\n');
      assert.equal(res.headers['content-type'], undefined);
    });

    it('a body in another content type without a service.operation target: 403 AccessDenied XML', async () => {
      const res = await rawRequest(e, { target: null, headers: { 'x-amz-target': 'whatever' }, contentType: 'text/plain', body: '{}' });
      assert.equal(res.status, 403);
      assert.equal(res.body.toString(), ACCESS_DENIED_XML);
    });

    it('an empty body in no known content type is answered in CBOR, before auth', async () => {
      const cases = [
        [{ target: 'ListStreams', contentType: null }, 'SerializationException'],
        [{ target: null, contentType: null, signed: false }, 'UnknownOperationException'],
        [{ target: 'Kinesis_20131202.Whatever', contentType: 'application/x-amz-json-1.1asdf' }, 'UnknownOperationException'],
        [{ target: 'Whatever.Whatever', contentType: null }, 'UnknownOperationException'],
      ];
      for (const [options, type] of cases) {
        const res = await rawRequest(e, { ...options, body: '' });
        assert.equal(res.status, 400, JSON.stringify(options));
        assert.equal(res.headers['content-type'], CBOR);
        assertAwsHeaders(res.headers);
        assert.deepEqual(cborParse(res.body), { __type: type });
      }
    });

    for (const target of ['Kinesis_20131202.ListStream', 'Kinesis_20131202.', 'DynamoDB_20120810.ListStreams', 'Kinesis_20131202.__proto__', 'Kinesis_20131202.toString']) {
      it(`unknown target ${target} → 400 UnknownOperationException without a message`, async () => {
        const res = await rawRequest(e, { target, body: {} });
        assertJsonError(res, 400, 'UnknownOperationException');
      });
    }

    it('no target at all, unsigned → UnknownOperationException (checked before auth)', async () => {
      const res = await rawRequest(e, { target: null, signed: false });
      assertJsonError(res, 400, 'UnknownOperationException');
    });

    for (const body of ['hello', '{"StreamName":', 'true', 'null', '23', '"text"', '[]', '[{}]']) {
      it(`body ${body} → 400 SerializationException without a message (before target and auth)`, async () => {
        const res = await rawRequest(e, { target: 'ListStreams', body, signed: false });
        serialization(res);
        const unknownTarget = await rawRequest(e, { target: 'Nope', body, signed: false });
        serialization(unknownTarget);
      });
    }

    it('missing Authorization → MissingAuthenticationTokenException', async () => {
      const res = await rawRequest(e, { target: 'ListStreams', signed: false });
      assertJsonError(res, 400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    });

    it('malformed Authorization → IncompleteSignatureException listing every missing part', async () => {
      const res = await rawRequest(e, { target: 'ListStreams', signed: false, headers: { authorization: 'X' } });
      assertJsonError(res, 400, 'IncompleteSignatureException',
        "Authorization header requires 'Credential' parameter. " +
        "Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. " +
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        'Authorization=X');
    });

    it('Authorization missing only SignedHeaders, with a Date header', async () => {
      const res = await rawRequest(e, {
        target: 'ListStreams', signed: false,
        headers: { authorization: 'AWS4- Signature=b, Credential=a', date: 'Mon, 31 Aug 2015 12:36:00 GMT' },
      });
      assertJsonError(res, 400, 'IncompleteSignatureException',
        "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b, Credential=a");
    });

    it('Authorization header and X-Amz-Algorithm query together → InvalidSignatureException', async () => {
      const res = await rawRequest(e, { target: 'ListStreams', path: '/?X-Amz-Algorithm=a' });
      assertJsonError(res, 400, 'InvalidSignatureException',
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
    });

    it('an incomplete query-string signature → IncompleteSignatureException', async () => {
      const res = await rawRequest(e, { target: 'ListStreams', signed: false, path: '/?X-Amz-Algorithm=a&X-Amz-Credential=&X-Amz-Date=b' });
      assertJsonError(res, 400, 'IncompleteSignatureException',
        "AWS query-string parameters must include 'X-Amz-Credential'. " +
        "AWS query-string parameters must include 'X-Amz-Signature'. " +
        "AWS query-string parameters must include 'X-Amz-SignedHeaders'. " +
        'Re-examine the query-string parameters.');
    });

    it('a complete query-string signature is accepted', async () => {
      const q = 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fkinesis%2Faws4_request' +
        '&X-Amz-Signature=abc&X-Amz-SignedHeaders=host&X-Amz-Date=20150830T123600Z';
      const res = await rawRequest(e, { target: 'ListStreams', signed: false, path: `/?${q}` });
      assert.equal(res.status, 200, res.body.toString());
    });

    it('auth is checked before the body is type-checked or validated', async () => {
      const res = await rawRequest(e, { target: 'CreateStream', signed: false, body: { StreamName: true } });
      assertJsonError(res, 400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    });
  });

  describe('SerializationException for wrong member types', () => {
    const NUM = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';
    const cases = [
      ['CreateStream', { StreamName: true }, 'class java.lang.Boolean can not be converted to an String'],
      ['CreateStream', { StreamName: 23 }, `${NUM} can not be converted to an String`],
      ['CreateStream', { StreamName: 34.56 }, `${NUM} can not be converted to an String`],
      ['CreateStream', { StreamName: [] }, 'Start of list found where not expected'],
      ['CreateStream', { StreamName: {} }, 'Start of structure or map found where not expected.'],
      ['CreateStream', { StreamName: 'a', ShardCount: '23' }, 'class java.lang.String can not be converted to an Integer'],
      ['CreateStream', { StreamName: 'a', ShardCount: true }, 'class java.lang.Boolean can not be converted to an Integer'],
      ['CreateStream', { StreamName: 'a', ShardCount: {} }, 'Start of structure or map found where not expected.'],
      ['CreateStream', { StreamName: 'a', Tags: 'x' }, 'Expected map or null'],
      ['CreateStream', { StreamName: 'a', StreamModeDetails: 'x' }, 'Expected null'],
      ['DeleteStream', { StreamName: 'a', EnforceConsumerDeletion: '23' }, "'23' can not be converted to an Boolean"],
      ['DeleteStream', { StreamName: 'a', EnforceConsumerDeletion: 23 }, `${NUM} can not be converted to an Boolean`],
      ['PutRecord', { StreamName: 'a', PartitionKey: 'k', Data: true }, 'class java.lang.Boolean can not be converted to a Blob'],
      ['PutRecord', { StreamName: 'a', PartitionKey: 'k', Data: 23 }, `${NUM} can not be converted to a Blob`],
      ['PutRecord', { StreamName: 'a', PartitionKey: 'k', Data: [] }, 'Start of list found where not expected'],
      ['PutRecord', { StreamName: 'a', PartitionKey: 'k', Data: '23456' }, "'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5"],
      ['PutRecord', { StreamName: 'a', PartitionKey: 'k', Data: '=+/=' }, "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='"],
      ['PutRecord', { StreamName: 'a', PartitionKey: 'k', Data: '+/+=' }, "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
      ['PutRecord', { StreamName: 'a', PartitionKey: 'k', Data: 'YWJ=' }, "'YWJ=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
      ['PutRecord', { StreamName: 'a', PartitionKey: 'k', Data: 'YR==' }, "'YR==' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
      ['PutRecords', { StreamName: 'a', Records: [{ PartitionKey: 'k', Data: 'YWI=' }, { PartitionKey: 'k', Data: 'YWJj-A==' }] }, "'YWJj-A==' can not be converted to a Blob: Invalid Base64 character: '-'"],
      ['PutRecords', { StreamName: 'a', Records: 'x' }, 'Expected list or null'],
      ['PutRecords', { StreamName: 'a', Records: {} }, 'Start of structure or map found where not expected.'],
      ['PutRecords', { StreamName: 'a', Records: ['x'] }, 'Expected null'],
      ['PutRecords', { StreamName: 'a', Records: [[]] }, 'Start of list found where not expected'],
      ['PutRecords', { StreamName: 'a', Records: [{ PartitionKey: 'k', Data: true }] }, 'class java.lang.Boolean can not be converted to a Blob'],
      ['PutRecords', { StreamName: 'a', Records: [{ PartitionKey: 23, Data: '' }] }, `${NUM} can not be converted to an String`],
      ['GetShardIterator', { StreamName: 'a', ShardId: 's', ShardIteratorType: 'AT_TIMESTAMP', Timestamp: true }, 'class java.lang.Boolean can not be converted to milliseconds since epoch'],
      ['GetShardIterator', { StreamName: 'a', ShardId: 's', ShardIteratorType: 'AT_TIMESTAMP', Timestamp: 'abc' }, 'class java.lang.String can not be converted to milliseconds since epoch'],
      ['GetShardIterator', { StreamName: 'a', ShardId: 's', ShardIteratorType: 'AT_TIMESTAMP', Timestamp: [] }, 'Start of list found where not expected'],
      ['GetRecords', { ShardIterator: 'x', Limit: '10' }, 'class java.lang.String can not be converted to an Integer'],
      ['AddTagsToStream', { StreamName: 'a', Tags: [] }, 'Start of list found where not expected'],
      ['AddTagsToStream', { StreamName: 'a', Tags: 5 }, 'Expected map or null'],
      ['AddTagsToStream', { StreamName: 'a', Tags: { a: true } }, 'class java.lang.Boolean can not be converted to an String'],
      ['RemoveTagsFromStream', { StreamName: 'a', TagKeys: 'a' }, 'Expected list or null'],
      ['RemoveTagsFromStream', { StreamName: 'a', TagKeys: [true] }, 'class java.lang.Boolean can not be converted to an String'],
      ['ListStreams', { Limit: false }, 'class java.lang.Boolean can not be converted to an Integer'],
    ];
    for (const [op, body, message] of cases) {
      it(`${op} ${JSON.stringify(body).slice(0, 80)}`, async () => {
        serialization(await rawRequest(e, { target: op, body }), message);
      });
    }

    it('type errors win over validation errors anywhere in the body', async () => {
      serialization(await rawRequest(e, { target: 'CreateStream', body: { StreamName: '', ShardCount: 'x' } }),
        'class java.lang.String can not be converted to an Integer');
    });

    it('unknown keys and null values are ignored', async () => {
      const res = await rawRequest(e, { target: 'DescribeStream', body: { StreamName: 'missing-stream', Limit: null, Whatever: true, ExclusiveStartShardId: null } });
      assertJsonError(res, 400, 'ResourceNotFoundException', `Stream missing-stream under account ${ACCOUNT} not found.`);
    });
  });

  describe('response shapes', () => {
    it('operations without output answer 200 with an empty body', async () => {
      const name = 'empty-outputs';
      const empty = (res) => {
        assert.equal(res.status, 200, res.body.toString());
        assert.equal(res.body.length, 0);
        assert.equal(res.headers['content-length'], '0');
        assertAwsHeaders(res.headers);
      };
      empty(await rawRequest(e, { target: 'CreateStream', body: { StreamName: name, ShardCount: 1 } }));
      await waitActive(name);
      empty(await rawRequest(e, { target: 'AddTagsToStream', body: { StreamName: name, Tags: { a: '1', b: '2' } } }));
      empty(await rawRequest(e, { target: 'RemoveTagsFromStream', body: { StreamName: name, TagKeys: ['b', 'not-there'] } }));
      empty(await rawRequest(e, { target: 'SplitShard', body: { StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString() } }));
      await waitActive(name);
      empty(await rawRequest(e, { target: 'MergeShards', body: { StreamName: name, ShardToMerge: 'shardId-000000000001', AdjacentShardToMerge: 'shardId-000000000002' } }));
      await waitActive(name);

      // Lineage keys appear only where they have a value, never as null.
      const d = await rawRequest(e, { target: 'DescribeStream', body: { StreamName: name } });
      assert.doesNotMatch(d.body.toString(), /:null[,}\]]/);
      const shards = d.json.StreamDescription.Shards;
      assert.deepEqual(shards.map((s) => Object.keys(s).sort()), [
        ['HashKeyRange', 'SequenceNumberRange', 'ShardId'],
        ['HashKeyRange', 'ParentShardId', 'SequenceNumberRange', 'ShardId'],
        ['HashKeyRange', 'ParentShardId', 'SequenceNumberRange', 'ShardId'],
        ['AdjacentParentShardId', 'HashKeyRange', 'ParentShardId', 'SequenceNumberRange', 'ShardId'],
      ]);
      assert.deepEqual(shards.map((s) => 'EndingSequenceNumber' in s.SequenceNumberRange), [true, true, true, false]);

      empty(await rawRequest(e, { target: 'DeleteStream', body: { StreamName: name } }));
    });

    it('members without a value are left out: an open stream, a put, a read', async () => {
      const name = 'no-nulls';
      await createActive(name, 2);
      const d = await rawRequest(e, { target: 'DescribeStream', body: { StreamName: name } });
      const raw = d.body.toString();
      assert.doesNotMatch(raw, /:null[,}\]]/);
      for (const key of ['EndingSequenceNumber', 'ParentShardId', 'AdjacentParentShardId']) {
        assert.ok(!raw.includes(`"${key}"`), `${key} must be absent from an open stream's shards`);
      }
      const desc = d.json.StreamDescription;
      assert.equal(desc.StreamStatus, 'ACTIVE');
      assert.equal(desc.HasMoreShards, false);
      assert.equal(typeof desc.StreamCreationTimestamp, 'number');
      for (const shard of desc.Shards) {
        assert.deepEqual(Object.keys(shard).sort(), ['HashKeyRange', 'SequenceNumberRange', 'ShardId']);
        assert.deepEqual(Object.keys(shard.SequenceNumberRange), ['StartingSequenceNumber']);
      }

      const put = await rawRequest(e, { target: 'PutRecord', body: { StreamName: name, PartitionKey: 'k', Data: 'aGVsbG8=' } });
      assert.equal(put.status, 200);
      assert.doesNotMatch(put.body.toString(), /:null[,}\]]/);
      const it1 = await rawRequest(e, { target: 'GetShardIterator', body: { StreamName: name, ShardId: put.json.ShardId, ShardIteratorType: 'TRIM_HORIZON' } });
      assert.deepEqual(Object.keys(it1.json), ['ShardIterator']);
      const got = await rawRequest(e, { target: 'GetRecords', body: { ShardIterator: it1.json.ShardIterator } });
      const rawGot = got.body.toString();
      assert.doesNotMatch(rawGot, /:null[,}\]]/);
      assert.ok(!rawGot.includes('"ChildShards"'), 'an open shard has no ChildShards key');
      assert.equal(got.json.Records.length, 1);
      const rec = got.json.Records[0];
      assert.equal(rec.Data, 'aGVsbG8=');
      assert.equal(rec.PartitionKey, 'k');
      assert.equal(rec.SequenceNumber, put.json.SequenceNumber);
      assert.equal(typeof rec.ApproximateArrivalTimestamp, 'number');
      assert.ok(Math.abs(rec.ApproximateArrivalTimestamp - Date.now() / 1000) < 60, 'JSON timestamps are epoch seconds');
      assert.equal(typeof got.json.NextShardIterator, 'string');
      assert.equal(got.json.MillisBehindLatest, 0);
    });
  });

  describe('HTTP/2 (cleartext, prior knowledge) and HTTP/1.1 give the same answers', () => {
    before(async () => { await createActive('h2-stream'); });

    for (const [label, send] of [['HTTP/2', (o) => rawH2Request(e, o)], ['HTTP/1.1', (o) => rawRequest(e, o)]]) {
      it(`${label}: success with AWS headers`, async () => {
        const res = await send({ target: 'DescribeStream', body: { StreamName: 'h2-stream' } });
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-type'], JSON11);
        assertAwsHeaders(res.headers);
        assert.equal(res.json.StreamDescription.StreamName, 'h2-stream');
        assert.ok(!res.body.toString().includes('"EndingSequenceNumber"'));
      });

      it(`${label}: unknown operation, serialization and validation errors`, async () => {
        assertJsonError(await send({ target: 'NoSuchOperation', body: {} }), 400, 'UnknownOperationException');
        serialization(await send({ target: 'ListStreams', body: 'hello' }));
        serialization(await send({ target: 'CreateStream', body: { StreamName: true } }), 'class java.lang.Boolean can not be converted to an String');
        assertJsonError(await send({ target: 'ListStreams', body: { Limit: 0 } }), 400, 'ValidationException',
          "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
      });

      it(`${label}: an empty-output operation is 200 with an empty body`, async () => {
        const res = await send({ target: 'AddTagsToStream', body: { StreamName: 'h2-stream', Tags: { k: label } } });
        assert.equal(res.status, 200);
        assert.equal(res.body.length, 0);
        assertAwsHeaders(res.headers);
      });

      it(`${label}: CBOR round trip`, async () => {
        const body = javaCbor.map([['StreamName', javaCbor.text('h2-stream')], ['Data', javaCbor.bytes(Buffer.from([0, 1, 255]))], ['PartitionKey', javaCbor.text('pk')]]);
        const res = await send({ target: 'PutRecord', body, contentType: CBOR });
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-type'], CBOR);
        assertAwsHeaders(res.headers);
        const out = cborParse(res.body);
        assert.equal(out.ShardId, 'shardId-000000000000');
        assert.match(out.SequenceNumber, /^\d{56}$/);
      });
    }

    it('many concurrent HTTP/2 streams on one session', async () => {
      const http2 = await import('node:http2');
      const session = http2.connect(e);
      try {
        const one = (i) => new Promise((resolve, reject) => {
          const req = session.request({
            ':method': 'POST', ':path': '/', 'content-type': JSON11, 'x-amz-target': 'Kinesis_20131202.PutRecord',
            authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=abc',
            'x-amz-date': '20150830T123600Z',
          });
          const chunks = [];
          let status;
          req.on('response', (h) => { status = h[':status']; });
          req.on('data', (c) => chunks.push(c));
          req.on('end', () => resolve({ status, json: JSON.parse(Buffer.concat(chunks).toString()) }));
          req.on('error', reject);
          req.end(JSON.stringify({ StreamName: 'h2-stream', PartitionKey: `k${i}`, Data: Buffer.from(`v${i}`).toString('base64') }));
        });
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => one(i)));
        assert.ok(results.every((r) => r.status === 200 && /^\d{56}$/.test(r.json.SequenceNumber)));
        assert.equal(new Set(results.map((r) => r.json.SequenceNumber)).size, 50);
      } finally {
        session.close();
      }
    });
  });

  describe('CBOR (as the Java SDK v2 speaks it)', () => {
    const name = 'cbor-stream';
    const data = Buffer.from([0x00, 0xff, 0xfe, 0x41, 0x0a, 0x80]);
    let putSeq;
    let putMs;
    let tsBetween;
    let secondSeq;

    before(async () => {
      await createActive(name);
    });

    it('PutRecord: indefinite-length map, Data as a byte string → CBOR answer', async () => {
      const body = javaCbor.map([
        ['StreamName', javaCbor.text(name)],
        ['Data', javaCbor.bytes(data)],
        ['PartitionKey', javaCbor.text('partitionkey')],
      ]);
      assert.equal(body[0], 0xbf);
      const before = Date.now();
      const res = await cborRequest(e, 'PutRecord', body);
      putMs = [before, Date.now()];
      assert.equal(res.status, 200, res.body.toString('hex'));
      assert.equal(res.headers['content-type'], CBOR);
      assertAwsHeaders(res.headers);
      const out = cborParse(res.body);
      assert.equal(out.ShardId, 'shardId-000000000000');
      assert.match(out.SequenceNumber, /^\d{56}$/);
      assert.ok(!('EncryptionType' in out) || out.EncryptionType === 'NONE');
      putSeq = out.SequenceNumber;

      // The localstack capture of a real Java SDK PutRecord, byte for byte (stream "test" absent here).
      const capture = Buffer.concat([Buffer.from([0xbf, 0x6a]), Buffer.from('StreamName'), Buffer.from([0x64]), Buffer.from('test'),
        Buffer.from([0x64]), Buffer.from('Data'), Buffer.from([0x4d]), Buffer.from('hello, world!'),
        Buffer.from([0x6c]), Buffer.from('PartitionKey'), Buffer.from([0x6c]), Buffer.from('partitionkey'), Buffer.from([0xff])]);
      const missing = await cborRequest(e, 'PutRecord', capture);
      assert.equal(missing.status, 400);
      assert.deepEqual(cborParse(missing.body), { __type: 'ResourceNotFoundException', message: `Stream test under account ${ACCOUNT} not found.` });

      await new Promise((r) => setTimeout(r, 30));
      tsBetween = Date.now();
      await new Promise((r) => setTimeout(r, 30));
      const second = await cborRequest(e, 'PutRecord', javaCbor.map([
        ['StreamName', javaCbor.text(name)], ['Data', javaCbor.bytes(Buffer.from('second'))], ['PartitionKey', javaCbor.text('partitionkey')],
      ]));
      assert.equal(second.status, 200);
      secondSeq = cborParse(second.body).SequenceNumber;
      assert.ok(BigInt(secondSeq) > BigInt(putSeq));
    });

    it('GetShardIterator AT_TIMESTAMP with Timestamp as tag 1 + integer epoch milliseconds', async () => {
      const body = javaCbor.map([
        ['StreamName', javaCbor.text(name)],
        ['ShardId', javaCbor.text('shardId-000000000000')],
        ['ShardIteratorType', javaCbor.text('AT_TIMESTAMP')],
        ['Timestamp', javaCbor.timestampMs(tsBetween)],
      ]);
      assert.deepEqual([...body.subarray(body.indexOf('Timestamp') + 9, body.indexOf('Timestamp') + 11)], [0xc1, 0x1b]);
      const res = await cborRequest(e, 'GetShardIterator', body);
      assert.equal(res.status, 200, res.body.toString('hex'));
      assert.equal(res.headers['content-type'], CBOR);
      const { ShardIterator } = cborParse(res.body);
      assert.equal(typeof ShardIterator, 'string');

      // Read in JSON: the iterator must start at the second record (the timestamp was read as ms).
      const got = await rawRequest(e, { target: 'GetRecords', body: { ShardIterator } });
      assert.equal(got.status, 200);
      assert.deepEqual(got.json.Records.map((r) => r.SequenceNumber), [secondSeq]);

      // A timestamp before the first record starts at the first record.
      const early = await cborRequest(e, 'GetShardIterator', javaCbor.map([
        ['StreamName', javaCbor.text(name)], ['ShardId', javaCbor.text('shardId-000000000000')],
        ['ShardIteratorType', javaCbor.text('AT_TIMESTAMP')], ['Timestamp', javaCbor.timestampMs(putMs[0] - 60_000)],
      ]));
      const earlyIt = cborParse(early.body).ShardIterator;
      const all = await rawRequest(e, { target: 'GetRecords', body: { ShardIterator: earlyIt } });
      assert.deepEqual(all.json.Records.map((r) => r.SequenceNumber), [putSeq, secondSeq]);
    });

    it('GetRecords in CBOR: Data as a byte string, ApproximateArrivalTimestamp as tag 1 + integer millis', async () => {
      const itRes = await cborRequest(e, 'GetShardIterator', javaCbor.map([
        ['StreamName', javaCbor.text(name)], ['ShardId', javaCbor.text('shardId-000000000000')], ['ShardIteratorType', javaCbor.text('TRIM_HORIZON')],
      ]));
      const { ShardIterator } = cborParse(itRes.body);
      const res = await cborRequest(e, 'GetRecords', javaCbor.map([['ShardIterator', javaCbor.text(ShardIterator)], ['Limit', javaCbor.int(1)]]));
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], CBOR);
      const out = cborParse(res.body);
      assert.equal(out.Records.length, 1);
      const rec = out.Records[0];
      assert.ok(Buffer.isBuffer(rec.Data), 'Data must be a CBOR byte string');
      assert.deepEqual(rec.Data, data);
      assert.equal(rec.PartitionKey, 'partitionkey');
      assert.equal(rec.SequenceNumber, putSeq);
      assertMillisTag(rec.ApproximateArrivalTimestamp, putMs[0] - 5, putMs[1] + 5);
      assert.equal(typeof out.MillisBehindLatest, 'bigint', 'MillisBehindLatest must be a CBOR integer');
      assert.equal(typeof out.NextShardIterator, 'string');
      assert.ok(!('ChildShards' in out));
      for (const v of Object.values(rec)) assert.notEqual(v, null);
    });

    it('DescribeStream in CBOR: StreamCreationTimestamp as tag 1 + integer millis, integers as integers', async () => {
      const res = await cborRequest(e, 'DescribeStream', javaCbor.map([['StreamName', javaCbor.text(name)]]));
      assert.equal(res.status, 200);
      const desc = cborParse(res.body).StreamDescription;
      assertMillisTag(desc.StreamCreationTimestamp, Date.now() - 120_000, Date.now() + 1000);
      assert.equal(desc.RetentionPeriodHours, 24n);
      assert.equal(desc.HasMoreShards, false);
      assert.ok(!('EndingSequenceNumber' in desc.Shards[0].SequenceNumberRange));
    });

    it('definite-length maps (other CBOR writers) are read too', async () => {
      const { encode } = await import('cbor-x');
      const res = await cborRequest(e, 'PutRecord', encode({ StreamName: name, PartitionKey: 'x', Data: Buffer.from('definite') }));
      assert.equal(res.status, 200);
      assert.match(cborParse(res.body).SequenceNumber, /^\d{56}$/);
    });

    it('errors come back in CBOR with __type and message', async () => {
      const res = await cborRequest(e, 'DescribeStream', javaCbor.map([['StreamName', javaCbor.text('nope')]]));
      assert.equal(res.status, 400);
      assert.equal(res.headers['content-type'], CBOR);
      assert.equal(res.headers['x-amzn-errortype'], 'ResourceNotFoundException');
      assertAwsHeaders(res.headers);
      assert.deepEqual(cborParse(res.body), { __type: 'ResourceNotFoundException', message: `Stream nope under account ${ACCOUNT} not found.` });

      const invalid = await cborRequest(e, 'ListStreams', javaCbor.map([['Limit', javaCbor.int(0)]]));
      assert.equal(invalid.status, 400);
      assert.deepEqual(cborParse(invalid.body), {
        __type: 'ValidationException',
        message: "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      });

      const unknown = await cborRequest(e, 'NoSuchOperation', javaCbor.map([]));
      assert.equal(unknown.status, 400);
      assert.equal(unknown.headers['content-type'], CBOR);
      assert.deepEqual(cborParse(unknown.body), { __type: 'UnknownOperationException' });
    });

    it('unreadable or non-map CBOR bodies → SerializationException in CBOR', async () => {
      for (const body of [Buffer.from([0xbf, 0x6a]), Buffer.from([0x9f, 0xff]), Buffer.from([0x18, 0x17]), Buffer.from([0x1c])]) {
        const res = await cborRequest(e, 'ListStreams', body);
        assert.equal(res.status, 400, body.toString('hex'));
        assert.equal(res.headers['content-type'], CBOR);
        assert.deepEqual(cborParse(res.body), { __type: 'SerializationException' });
      }
    });

    it('a wrong member type in CBOR → SerializationException with Message', async () => {
      const res = await cborRequest(e, 'CreateStream', javaCbor.map([['StreamName', javaCbor.text('x')], ['ShardCount', javaCbor.text('2')]]));
      assert.equal(res.status, 400);
      assert.deepEqual(cborParse(res.body), { __type: 'SerializationException', Message: 'class java.lang.String can not be converted to an Integer' });
    });

    it('an empty-output operation in CBOR is 200 with an empty body and the CBOR content type', async () => {
      const res = await cborRequest(e, 'AddTagsToStream', javaCbor.map([
        ['StreamName', javaCbor.text(name)], ['Tags', javaCbor.map([['team', javaCbor.text('wire')]])],
      ]));
      assert.equal(res.status, 200);
      assert.equal(res.body.length, 0);
      assert.equal(res.headers['content-type'], CBOR);
    });
  });
});
