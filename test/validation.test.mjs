// ValidationException in the service's Coral format, with the constraints of the API model:
// "N validation error(s) detected: Value <v> at '<path>' failed to satisfy constraint: <text>; …".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT, rawRequest, startServer, waitFor } from './helpers.mjs';

const NAME_PATTERN = 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+';
const HASH_PATTERN = 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})';
const SEQ_PATTERN = 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})';
const NOT_NULL = 'Member must not be null';
const minLen = (n) => `Member must have length greater than or equal to ${n}`;
const maxLen = (n) => `Member must have length less than or equal to ${n}`;
const minVal = (n) => `Member must have value greater than or equal to ${n}`;
const maxVal = (n) => `Member must have value less than or equal to ${n}`;
const item = (value, path, constraint) => `Value ${value === null ? 'null' : `'${value}'`} at '${path}' failed to satisfy constraint: ${constraint}`;
const message = (items) => `${items.length} validation error${items.length === 1 ? '' : 's'} detected: ${items.join('; ')}`;
const ENTRY = 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@c965e310';

describe('validation', () => {
  let server;
  let e;
  const STREAM = 'validation-stream';
  before(async () => {
    server = await startServer();
    e = server.endpoint;
    const res = await rawRequest(e, { target: 'CreateStream', body: { StreamName: STREAM, ShardCount: 1 } });
    assert.equal(res.status, 200);
    await waitFor(async () => (await rawRequest(e, { target: 'DescribeStream', body: { StreamName: STREAM } })).json?.StreamDescription?.StreamStatus === 'ACTIVE');
  });
  after(async () => { await server.stop(); server.cleanup(); });

  async function validation(target, body) {
    const res = await rawRequest(e, { target, body });
    assert.equal(res.status, 400, res.body.toString());
    assert.equal(res.headers['content-type'], 'application/x-amz-json-1.1');
    assert.deepEqual(Object.keys(res.json), ['__type', 'message']);
    assert.equal(res.json.__type, 'ValidationException');
    return res.json.message;
  }

  /** Exact text. */
  async function assertValidation(target, body, items) {
    assert.equal(await validation(target, body), message(items));
  }

  /** The same items in any order (the service's order across members is not stable). */
  async function assertValidationSet(target, body, items) {
    const text = await validation(target, body);
    const prefix = `${items.length} validation error${items.length === 1 ? '' : 's'} detected: `;
    assert.ok(text.startsWith(prefix), text);
    assert.deepEqual(text.slice(prefix.length).split('; ').sort(), [...items].sort());
  }

  describe('not null', () => {
    it('CreateStream without StreamName', async () => {
      await assertValidation('CreateStream', {}, [item(null, 'streamName', NOT_NULL)]);
    });

    it('GetShardIterator without anything lists both required members', async () => {
      await assertValidationSet('GetShardIterator', {}, [item(null, 'shardId', NOT_NULL), item(null, 'shardIteratorType', NOT_NULL)]);
    });

    it('GetRecords without ShardIterator', async () => {
      await assertValidation('GetRecords', {}, [item(null, 'shardIterator', NOT_NULL)]);
    });

    it('SplitShard and MergeShards without their shard arguments', async () => {
      await assertValidationSet('SplitShard', { StreamName: STREAM }, [item(null, 'shardToSplit', NOT_NULL), item(null, 'newStartingHashKey', NOT_NULL)]);
      await assertValidationSet('MergeShards', { StreamName: STREAM }, [item(null, 'shardToMerge', NOT_NULL), item(null, 'adjacentShardToMerge', NOT_NULL)]);
    });

    it('AddTagsToStream / RemoveTagsFromStream without Tags / TagKeys', async () => {
      await assertValidation('AddTagsToStream', { StreamName: STREAM }, [item(null, 'tags', NOT_NULL)]);
      await assertValidation('RemoveTagsFromStream', { StreamName: STREAM }, [item(null, 'tagKeys', NOT_NULL)]);
    });

    it('PutRecord without Data and PartitionKey', async () => {
      await assertValidationSet('PutRecord', { StreamName: STREAM }, [item(null, 'data', NOT_NULL), item(null, 'partitionKey', NOT_NULL)]);
    });

    it('an explicit null counts as absent', async () => {
      await assertValidation('CreateStream', { StreamName: null, ShardCount: 1 }, [item(null, 'streamName', NOT_NULL)]);
    });
  });

  describe('pattern and length', () => {
    it('an empty StreamName breaks the pattern, then the minimum length (in that order)', async () => {
      await assertValidation('DescribeStream', { StreamName: '' }, [item('', 'streamName', NAME_PATTERN), item('', 'streamName', minLen(1))]);
    });

    it('a StreamName with a space breaks the pattern', async () => {
      await assertValidation('DeleteStream', { StreamName: 'a b' }, [item('a b', 'streamName', NAME_PATTERN)]);
    });

    it('a 129-character StreamName is too long; 128 is fine', async () => {
      const long = 'a'.repeat(129);
      await assertValidation('ListTagsForStream', { StreamName: long }, [item(long, 'streamName', maxLen(128))]);
      const ok = await rawRequest(e, { target: 'DescribeStream', body: { StreamName: 'a'.repeat(128) } });
      assert.equal(ok.json.__type, 'ResourceNotFoundException');
    });

    it('ExclusiveStartShardId follows the ShardId constraints', async () => {
      await assertValidation('DescribeStream', { StreamName: STREAM, ExclusiveStartShardId: 'shard id' }, [item('shard id', 'exclusiveStartShardId', NAME_PATTERN)]);
    });

    it('HashKey pattern on SplitShard and PutRecord', async () => {
      await assertValidation('SplitShard', { StreamName: STREAM, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '01' },
        [item('01', 'newStartingHashKey', HASH_PATTERN)]);
      const tooLong = '1'.repeat(40);
      await assertValidation('PutRecord', { StreamName: STREAM, PartitionKey: 'k', Data: '', ExplicitHashKey: tooLong },
        [item(tooLong, 'explicitHashKey', HASH_PATTERN)]);
    });

    it('SequenceNumber pattern on GetShardIterator and PutRecord', async () => {
      await assertValidation('GetShardIterator', { StreamName: STREAM, ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: '-1' },
        [item('-1', 'startingSequenceNumber', SEQ_PATTERN)]);
      await assertValidation('PutRecord', { StreamName: STREAM, PartitionKey: 'k', Data: '', SequenceNumberForOrdering: 'abc' },
        [item('abc', 'sequenceNumberForOrdering', SEQ_PATTERN)]);
    });

    it('PartitionKey length 1..256 (characters, not bytes)', async () => {
      const long = 'p'.repeat(257);
      await assertValidation('PutRecord', { StreamName: STREAM, PartitionKey: long, Data: '' }, [item(long, 'partitionKey', maxLen(256))]);
      await assertValidation('PutRecord', { StreamName: STREAM, PartitionKey: '', Data: '' }, [item('', 'partitionKey', minLen(1))]);
      const ok = await rawRequest(e, { target: 'PutRecord', body: { StreamName: STREAM, PartitionKey: 'ü'.repeat(256), Data: '' } });
      assert.equal(ok.status, 200, ok.body.toString());
    });

    it('ShardIterator length 1..512', async () => {
      const long = 'i'.repeat(513);
      await assertValidation('GetRecords', { ShardIterator: long }, [item(long, 'shardIterator', maxLen(512))]);
      await assertValidation('GetRecords', { ShardIterator: '' }, [item('', 'shardIterator', minLen(1))]);
    });

    it('a blob is shown as java.nio.HeapByteBuffer with its decoded length', async () => {
      const n = 1048577;
      const data = Buffer.alloc(n, 1).toString('base64');
      await assertValidation('PutRecord', { StreamName: STREAM, PartitionKey: 'k', Data: data },
        [item(`java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]`, 'data', maxLen(1048576))]);
      await assertValidation('PutRecords', { StreamName: STREAM, Records: [{ PartitionKey: 'k', Data: '' }, { PartitionKey: 'k', Data: data }] },
        [item(`java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]`, 'records.2.member.data', maxLen(1048576))]);
    });

    it('a blob over the model maximum (10 MiB) is a model-level length error', async () => {
      const n = 10 * 1024 * 1024 + 1;
      await assertValidation('PutRecord', { StreamName: 'no-such-stream', PartitionKey: 'k', Data: Buffer.alloc(n).toString('base64') },
        [item(`java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]`, 'data', maxLen(10485760))]);
    });
  });

  describe('range', () => {
    it('CreateStream ShardCount 0', async () => {
      await assertValidation('CreateStream', { StreamName: 'range-stream', ShardCount: 0 }, [item('0', 'shardCount', minVal(1))]);
    });

    it('ShardCount -1 together with a bad name: 3 errors', async () => {
      await assertValidationSet('CreateStream', { StreamName: '', ShardCount: -1 }, [
        item('-1', 'shardCount', minVal(1)),
        item('', 'streamName', NAME_PATTERN),
        item('', 'streamName', minLen(1)),
      ]);
    });

    it('ListStreams Limit 0 and 10001; 10000 is accepted', async () => {
      await assertValidation('ListStreams', { Limit: 0 }, [item('0', 'limit', minVal(1))]);
      await assertValidation('ListStreams', { Limit: 10001 }, [item('10001', 'limit', maxVal(10000))]);
      const ok = await rawRequest(e, { target: 'ListStreams', body: { Limit: 10000 } });
      assert.equal(ok.status, 200);
    });

    it('GetRecords Limit 0 / 10001 and DescribeStream Limit 0', async () => {
      await assertValidation('GetRecords', { ShardIterator: 'x', Limit: 0 }, [item('0', 'limit', minVal(1))]);
      await assertValidation('GetRecords', { ShardIterator: 'x', Limit: 10001 }, [item('10001', 'limit', maxVal(10000))]);
      await assertValidation('DescribeStream', { StreamName: STREAM, Limit: 0 }, [item('0', 'limit', minVal(1))]);
    });

    it('ListTagsForStream Limit 1..50 (the current model)', async () => {
      await assertValidation('ListTagsForStream', { StreamName: STREAM, Limit: 0 }, [item('0', 'limit', minVal(1))]);
      await assertValidation('ListTagsForStream', { StreamName: STREAM, Limit: 51 }, [item('51', 'limit', maxVal(50))]);
    });

    it('integers are floored before the range check', async () => {
      await assertValidation('ListStreams', { Limit: 0.5 }, [item('0', 'limit', minVal(1))]);
      const ok = await rawRequest(e, { target: 'ListStreams', body: { Limit: 1.9 } });
      assert.equal(ok.status, 200);
    });
  });

  describe('enum', () => {
    const ENUM = 'Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]';

    it('ShardIteratorType outside the set, listed in the service order', async () => {
      await assertValidation('GetShardIterator', { StreamName: STREAM, ShardId: 'shardId-000000000000', ShardIteratorType: 'FIRST' },
        [item('FIRST', 'shardIteratorType', ENUM)]);
    });

    it('enum values are case-sensitive', async () => {
      await assertValidation('GetShardIterator', { StreamName: STREAM, ShardId: 'shardId-000000000000', ShardIteratorType: 'latest' },
        [item('latest', 'shardIteratorType', ENUM)]);
    });

    it('all of GetShardIterator at once', async () => {
      await assertValidationSet('GetShardIterator', { StreamName: '', ShardId: '', ShardIteratorType: '', StartingSequenceNumber: '' }, [
        item('', 'shardId', NAME_PATTERN),
        item('', 'shardId', minLen(1)),
        item('', 'shardIteratorType', ENUM),
        item('', 'startingSequenceNumber', SEQ_PATTERN),
        item('', 'streamName', NAME_PATTERN),
        item('', 'streamName', minLen(1)),
      ]);
    });
  });

  describe('lists, maps and nested paths', () => {
    it('PutRecords: records.N.member.field paths, 1-based', async () => {
      await assertValidation('PutRecords', { StreamName: STREAM, Records: [{ PartitionKey: 'ok', Data: '' }, { PartitionKey: '', Data: '' }] },
        [item('', 'records.2.member.partitionKey', minLen(1))]);
      await assertValidation('PutRecords', { StreamName: STREAM, Records: [{ PartitionKey: '', Data: '' }] },
        [item('', 'records.1.member.partitionKey', minLen(1))]);
    });

    it('PutRecords: missing members of an entry and a bad ExplicitHashKey', async () => {
      await assertValidationSet('PutRecords', { StreamName: STREAM, Records: [{ ExplicitHashKey: 'x' }] }, [
        item(null, 'records.1.member.data', NOT_NULL),
        item('x', 'records.1.member.explicitHashKey', HASH_PATTERN),
        item(null, 'records.1.member.partitionKey', NOT_NULL),
      ]);
    });

    it('PutRecords: 2 errors across entries and the stream name', async () => {
      const long = 'n'.repeat(129);
      await assertValidationSet('PutRecords', { StreamName: long, Records: [{ PartitionKey: 'p'.repeat(257), Data: '' }] }, [
        item('p'.repeat(257), 'records.1.member.partitionKey', maxLen(256)),
        item(long, 'streamName', maxLen(128)),
      ]);
    });

    it('PutRecords with no records', async () => {
      await assertValidation('PutRecords', { StreamName: STREAM, Records: [] }, [item('[]', 'records', minLen(1))]);
    });

    it('at most 10 errors are listed: 501 empty records and an empty stream name', async () => {
      const records = Array.from({ length: 501 }, () => ({ PartitionKey: '', Data: '' }));
      const listValue = `[${Array.from({ length: 501 }, () => ENTRY).join(', ')}]`;
      await assertValidation('PutRecords', { StreamName: '', Records: records }, [
        item(listValue, 'records', maxLen(500)),
        ...Array.from({ length: 9 }, (_, i) => item('', `records.${i + 1}.member.partitionKey`, minLen(1))),
      ]);
    });

    it('501 valid records: only the list length', async () => {
      const records = Array.from({ length: 501 }, (_, i) => ({ PartitionKey: `k${i}`, Data: '' }));
      await assertValidation('PutRecords', { StreamName: STREAM, Records: records },
        [item(`[${Array.from({ length: 501 }, () => ENTRY).join(', ')}]`, 'records', maxLen(500))]);
    });

    it('RemoveTagsFromStream: a tag key breaking its length lists the whole list and element constraint', async () => {
      const long = 'k'.repeat(129);
      await assertValidation('RemoveTagsFromStream', { StreamName: STREAM, TagKeys: ['a', long, 'b'] }, [
        item(`[a, ${long}, b]`, 'tagKeys', `Member must satisfy constraint: [${maxLen(128)}, ${minLen(1)}]`),
      ]);
    });

    it('RemoveTagsFromStream: an empty list and too many keys', async () => {
      await assertValidation('RemoveTagsFromStream', { StreamName: STREAM, TagKeys: [] }, [item('[]', 'tagKeys', minLen(1))]);
      const keys = Array.from({ length: 51 }, (_, i) => String(i + 1));
      await assertValidation('RemoveTagsFromStream', { StreamName: STREAM, TagKeys: keys }, [item(`[${keys.join(', ')}]`, 'tagKeys', maxLen(50))]);
    });

    it('AddTagsToStream: an empty map, a bad key and a long value', async () => {
      await assertValidation('AddTagsToStream', { StreamName: STREAM, Tags: {} }, [item('{}', 'tags', minLen(1))]);
      await assertValidation('AddTagsToStream', { StreamName: STREAM, Tags: { '': 'v' } },
        [item('{=v}', 'tags', `Map keys must satisfy constraint: [${maxLen(128)}, ${minLen(1)}]`)]);
      const long = 'v'.repeat(257);
      await assertValidation('AddTagsToStream', { StreamName: STREAM, Tags: { k: long } },
        [item(`{k=${long}}`, 'tags', `Map value must satisfy constraint: [${maxLen(256)}, ${minLen(0)}]`)]);
    });
  });

  describe('validation comes before existence and state checks', () => {
    it('an invalid name of a stream that does not exist is a ValidationException', async () => {
      await assertValidation('DescribeStream', { StreamName: 'no such stream' }, [item('no such stream', 'streamName', NAME_PATTERN)]);
    });

    it('PutRecord to a missing stream with an empty partition key', async () => {
      await assertValidation('PutRecord', { StreamName: 'missing', PartitionKey: '', Data: '' }, [item('', 'partitionKey', minLen(1))]);
    });

    it('GetShardIterator on a missing stream with a bad iterator type', async () => {
      await assertValidation('GetShardIterator', { StreamName: 'missing', ShardId: 'shardId-000000000000', ShardIteratorType: 'NOPE' },
        [item('NOPE', 'shardIteratorType', 'Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]')]);
    });

    it('GetRecords with a bad Limit and a forged iterator', async () => {
      await assertValidation('GetRecords', { ShardIterator: 'AAAAAAAAAAE=', Limit: 0 }, [item('0', 'limit', minVal(1))]);
    });

    it('CreateStream of an existing stream with ShardCount 0', async () => {
      await assertValidation('CreateStream', { StreamName: STREAM, ShardCount: 0 }, [item('0', 'shardCount', minVal(1))]);
    });

    it('once valid, the existence check answers', async () => {
      const res = await rawRequest(e, { target: 'DescribeStream', body: { StreamName: 'missing' } });
      assert.equal(res.status, 400);
      assert.deepEqual(res.json, { __type: 'ResourceNotFoundException', message: `Stream missing under account ${ACCOUNT} not found.` });
    });
  });
});
