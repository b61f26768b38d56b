// AddTagsToStream, ListTagsForStream and RemoveTagsFromStream.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AddTagsToStreamCommand, CreateStreamCommand, DeleteStreamCommand, ListTagsForStreamCommand, RemoveTagsFromStreamCommand,
} from '@aws-sdk/client-kinesis';
import { ACCOUNT, rawRequest, REGION, rejectsWith, startServer } from './helpers.mjs';

const arnOf = (name) => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
const INVALID_CHARACTERS = 'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.';
const percentMessage = (action, name) =>
  `Failed to ${action} stream ${name} under account ${ACCOUNT} because some tags contained illegal characters. ` +
  "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.";

describe('stream tags', () => {
  let server;
  let client;
  const tagsOf = async (StreamName, extra = {}) => client.send(new ListTagsForStreamCommand({ StreamName, ...extra }));
  before(async () => {
    server = await startServer();
    client = server.client();
  });
  after(async () => { await server.stop(); server.cleanup(); });

  it('adds, lists (sorted by key), overwrites and removes tags', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'basic', ShardCount: 1 }));
    const empty = await tagsOf('basic');
    assert.deepEqual(empty.Tags, []);
    assert.equal(empty.HasMoreTags, false);
    const add = await rawRequest(server.endpoint, { target: 'AddTagsToStream', body: { StreamName: 'basic', Tags: { zeta: 'z', alpha: 'a', mid: '' } } });
    assert.equal(add.status, 200);
    assert.equal(add.body.length, 0, 'AddTagsToStream answers with an empty body');
    let out = await tagsOf('basic');
    assert.deepEqual(out.Tags, [{ Key: 'alpha', Value: 'a' }, { Key: 'mid', Value: '' }, { Key: 'zeta', Value: 'z' }]);
    assert.equal(out.HasMoreTags, false);

    await client.send(new AddTagsToStreamCommand({ StreamName: 'basic', Tags: { alpha: 'A2', beta: 'b' } }));
    out = await tagsOf('basic');
    assert.deepEqual(out.Tags.map((t) => [t.Key, t.Value]), [['alpha', 'A2'], ['beta', 'b'], ['mid', ''], ['zeta', 'z']]);

    const remove = await rawRequest(server.endpoint, { target: 'RemoveTagsFromStream', body: { StreamName: 'basic', TagKeys: ['alpha', 'zeta'] } });
    assert.equal(remove.status, 200);
    assert.equal(remove.body.length, 0);
    out = await tagsOf('basic');
    assert.deepEqual(out.Tags.map((t) => t.Key), ['beta', 'mid']);
  });

  it('ignores unknown keys on remove', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'unknownkeys', ShardCount: 1, Tags: { keep: '1' } }));
    await client.send(new RemoveTagsFromStreamCommand({ StreamName: 'unknownkeys', TagKeys: ['nope', 'also-not'] }));
    await client.send(new RemoveTagsFromStreamCommand({ StreamName: 'unknownkeys', TagKeys: ['nope', 'keep'] }));
    assert.deepEqual((await tagsOf('unknownkeys')).Tags, []);
    await client.send(new RemoveTagsFromStreamCommand({ StreamName: 'unknownkeys', TagKeys: ['keep'] }));
  });

  it('pages with ExclusiveStartTagKey, Limit and HasMoreTags', async () => {
    const Tags = {};
    for (let i = 0; i < 12; i++) Tags[`key-${String(i).padStart(2, '0')}`] = `v${i}`;
    await client.send(new CreateStreamCommand({ StreamName: 'paged', ShardCount: 1, Tags }));
    const first = await tagsOf('paged', { Limit: 5 });
    assert.deepEqual(first.Tags.map((t) => t.Key), ['key-00', 'key-01', 'key-02', 'key-03', 'key-04']);
    assert.equal(first.HasMoreTags, true);
    const second = await tagsOf('paged', { Limit: 5, ExclusiveStartTagKey: 'key-04' });
    assert.deepEqual(second.Tags.map((t) => t.Key), ['key-05', 'key-06', 'key-07', 'key-08', 'key-09']);
    assert.equal(second.HasMoreTags, true);
    const third = await tagsOf('paged', { Limit: 5, ExclusiveStartTagKey: 'key-09' });
    assert.deepEqual(third.Tags, [{ Key: 'key-10', Value: 'v10' }, { Key: 'key-11', Value: 'v11' }]);
    assert.equal(third.HasMoreTags, false);
    // Exactly the remaining count: no more.
    const exact = await tagsOf('paged', { Limit: 2, ExclusiveStartTagKey: 'key-09' });
    assert.equal(exact.HasMoreTags, false);
    // The start key need not exist; it is exclusive.
    const between = await tagsOf('paged', { Limit: 1, ExclusiveStartTagKey: 'key-05a' });
    assert.deepEqual(between.Tags.map((t) => t.Key), ['key-06']);
    const past = await tagsOf('paged', { ExclusiveStartTagKey: 'zzz' });
    assert.deepEqual(past.Tags, []);
    assert.equal(past.HasMoreTags, false);
    // Without a Limit, all 12.
    assert.equal((await tagsOf('paged')).Tags.length, 12);
    // Paging by hand reaches every tag once.
    const keys = [];
    let start;
    for (let i = 0; i < 20; i++) {
      const page = await tagsOf('paged', { Limit: 3, ...(start ? { ExclusiveStartTagKey: start } : {}) });
      keys.push(...page.Tags.map((t) => t.Key));
      if (!page.HasMoreTags) break;
      start = page.Tags[page.Tags.length - 1].Key;
    }
    assert.deepEqual(keys, Object.keys(Tags).sort());
  });

  it('validates ListTagsForStream Limit and ExclusiveStartTagKey', async () => {
    for (const [body, message] of [
      [{ StreamName: 'paged', Limit: 0 }, "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"],
      [{ StreamName: 'paged', Limit: 51 }, "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50"],
      [{ StreamName: 'paged', ExclusiveStartTagKey: '' }, "1 validation error detected: Value '' at 'exclusiveStartTagKey' failed to satisfy constraint: Member must have length greater than or equal to 1"],
    ]) {
      const res = await rawRequest(server.endpoint, { target: 'ListTagsForStream', body });
      assert.equal(res.status, 400);
      assert.equal(res.json.__type, 'ValidationException');
      assert.equal(res.json.message, message);
    }
    assert.equal((await tagsOf('paged', { Limit: 50 })).Tags.length, 12);
  });

  it('refuses more than 50 tags on a stream', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'many', ShardCount: 1 }));
    const batch = (from, to) => Object.fromEntries(Array.from({ length: to - from }, (_, i) => [`t${from + i}`, String(from + i)]));
    await client.send(new AddTagsToStreamCommand({ StreamName: 'many', Tags: batch(0, 30) }));
    await client.send(new AddTagsToStreamCommand({ StreamName: 'many', Tags: batch(30, 50) }));
    assert.equal((await tagsOf('many')).Tags.length, 50);
    const tooMany = `Failed to add tags to stream many under account ${ACCOUNT} because a given stream cannot have more than 50 tags associated with it.`;
    await rejectsWith(client.send(new AddTagsToStreamCommand({ StreamName: 'many', Tags: { extra: 'x' } })), 'InvalidArgumentException', tooMany);
    // A refused request changes nothing, even the overwrites in it.
    await rejectsWith(client.send(new AddTagsToStreamCommand({ StreamName: 'many', Tags: { t0: 'changed', extra: 'x' } })), 'InvalidArgumentException', tooMany);
    const now = await tagsOf('many');
    assert.equal(now.Tags.length, 50);
    assert.equal(now.Tags.find((t) => t.Key === 't0').Value, '0');
    assert.ok(!now.Tags.some((t) => t.Key === 'extra'));
    // Overwriting at the limit is fine; so is adding after removing.
    await client.send(new AddTagsToStreamCommand({ StreamName: 'many', Tags: { t0: 'new', t1: 'new' } }));
    await client.send(new RemoveTagsFromStreamCommand({ StreamName: 'many', TagKeys: ['t2'] }));
    await client.send(new AddTagsToStreamCommand({ StreamName: 'many', Tags: { extra: 'x' } }));
    const last = await tagsOf('many');
    assert.equal(last.Tags.length, 50);
    assert.equal(last.Tags.find((t) => t.Key === 't0').Value, 'new');
    // A fresh stream refuses 51 at once, and on create.
    await client.send(new CreateStreamCommand({ StreamName: 'many2', ShardCount: 1 }));
    await rejectsWith(client.send(new AddTagsToStreamCommand({ StreamName: 'many2', Tags: batch(0, 51) })), 'InvalidArgumentException',
      `Failed to add tags to stream many2 under account ${ACCOUNT} because a given stream cannot have more than 50 tags associated with it.`);
    assert.deepEqual((await tagsOf('many2')).Tags, []);
    await rejectsWith(client.send(new CreateStreamCommand({ StreamName: 'many3', ShardCount: 1, Tags: batch(0, 51) })), 'InvalidArgumentException');
  });

  it('refuses invalid characters in keys and values', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'chars', ShardCount: 1 }));
    for (const Tags of [{ 'a;b': 'v' }, { k: 'tab\there' }, { k: 'new\nline' }, { 'com,ma': 'v' }, { k: 'a*b' }, { 'x!': 'v' }]) {
      await rejectsWith(client.send(new AddTagsToStreamCommand({ StreamName: 'chars', Tags })), 'InvalidArgumentException', INVALID_CHARACTERS);
    }
    await rejectsWith(client.send(new AddTagsToStreamCommand({ StreamName: 'chars', Tags: { 'pct%': 'v' } })), 'InvalidArgumentException',
      percentMessage('add tags to', 'chars'));
    await rejectsWith(client.send(new AddTagsToStreamCommand({ StreamName: 'chars', Tags: { k: '50%' } })), 'InvalidArgumentException',
      percentMessage('add tags to', 'chars'));
    await rejectsWith(client.send(new RemoveTagsFromStreamCommand({ StreamName: 'chars', TagKeys: ['a;b'] })), 'InvalidArgumentException', INVALID_CHARACTERS);
    await rejectsWith(client.send(new RemoveTagsFromStreamCommand({ StreamName: 'chars', TagKeys: ['pct%'] })), 'InvalidArgumentException',
      percentMessage('remove tags from', 'chars'));
    assert.deepEqual((await tagsOf('chars')).Tags, []);
    // Everything the service lists is allowed, Unicode letters included.
    const ok = { 'Team Name_1.a/b=c+d-e@f': 'Value with spaces/=+-_.@', 'Ünïcødé': 'データ', empty: '' };
    await client.send(new AddTagsToStreamCommand({ StreamName: 'chars', Tags: ok }));
    const out = await tagsOf('chars');
    assert.deepEqual(Object.fromEntries(out.Tags.map((t) => [t.Key, t.Value])), ok);
  });

  it('validates tag sizes in the service format', async () => {
    const post = (target, body) => rawRequest(server.endpoint, { target, body });
    let res = await post('AddTagsToStream', { StreamName: 'chars', Tags: {} });
    assert.equal(res.json.__type, 'ValidationException');
    assert.equal(res.json.message, "1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1");
    const longKey = 'k'.repeat(129);
    res = await post('AddTagsToStream', { StreamName: 'chars', Tags: { [longKey]: 'v' } });
    assert.equal(res.json.message, `1 validation error detected: Value '{${longKey}=v}' at 'tags' failed to satisfy constraint: ` +
      'Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]');
    const longValue = 'v'.repeat(257);
    res = await post('AddTagsToStream', { StreamName: 'chars', Tags: { k: longValue } });
    assert.equal(res.json.message, `1 validation error detected: Value '{k=${longValue}}' at 'tags' failed to satisfy constraint: ` +
      'Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]');
    res = await post('RemoveTagsFromStream', { StreamName: 'chars', TagKeys: [] });
    assert.equal(res.json.message, "1 validation error detected: Value '[]' at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 1");
    res = await post('RemoveTagsFromStream', { StreamName: 'chars', TagKeys: Array.from({ length: 51 }, (_, i) => `k${i}`) });
    assert.equal(res.json.__type, 'ValidationException');
    assert.match(res.json.message, /at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 50$/);
    res = await post('AddTagsToStream', { StreamName: 'chars' });
    assert.equal(res.json.message, "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
    // 128-character keys and 256-character values are fine.
    await client.send(new AddTagsToStreamCommand({ StreamName: 'chars', Tags: { ['k'.repeat(128)]: 'v'.repeat(256) } }));
  });

  it('answers ResourceNotFoundException for a missing stream, before checking characters', async () => {
    const missing = `Stream ghost under account ${ACCOUNT} not found.`;
    await rejectsWith(client.send(new AddTagsToStreamCommand({ StreamName: 'ghost', Tags: { a: 'b' } })), 'ResourceNotFoundException', missing);
    await rejectsWith(client.send(new ListTagsForStreamCommand({ StreamName: 'ghost' })), 'ResourceNotFoundException', missing);
    await rejectsWith(client.send(new RemoveTagsFromStreamCommand({ StreamName: 'ghost', TagKeys: ['a'] })), 'ResourceNotFoundException', missing);
    await rejectsWith(client.send(new RemoveTagsFromStreamCommand({ StreamName: 'ghost', TagKeys: [';'] })), 'ResourceNotFoundException', missing);
    await rejectsWith(client.send(new AddTagsToStreamCommand({ StreamName: 'ghost', Tags: { ';': 'x' } })), 'ResourceNotFoundException', missing);
  });

  it('works through StreamARN, and tags do not outlive their stream', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'arned', ShardCount: 1 }));
    const StreamARN = arnOf('arned');
    await client.send(new AddTagsToStreamCommand({ StreamARN, Tags: { a: '1', b: '2' } }));
    await client.send(new RemoveTagsFromStreamCommand({ StreamARN, TagKeys: ['a'] }));
    assert.deepEqual((await client.send(new ListTagsForStreamCommand({ StreamARN }))).Tags, [{ Key: 'b', Value: '2' }]);
    await rejectsWith(client.send(new ListTagsForStreamCommand({ StreamARN: arnOf('ghost') })), 'ResourceNotFoundException',
      `Stream ghost under account ${ACCOUNT} not found.`);
    await client.send(new DeleteStreamCommand({ StreamARN }));
    await rejectsWith(client.send(new ListTagsForStreamCommand({ StreamARN })), 'ResourceNotFoundException');
    await client.send(new CreateStreamCommand({ StreamName: 'arned', ShardCount: 1 }));
    assert.deepEqual((await client.send(new ListTagsForStreamCommand({ StreamARN }))).Tags, []);
  });

  it('keeps tags across a restart', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'durable', ShardCount: 1, Tags: { owner: 'me' } }));
    await client.send(new AddTagsToStreamCommand({ StreamName: 'durable', Tags: { env: 'prod' } }));
    await server.stop();
    const again = await startServer({ dataDir: server.dataDir });
    try {
      const c = again.client();
      const out = await c.send(new ListTagsForStreamCommand({ StreamName: 'durable' }));
      assert.deepEqual(out.Tags, [{ Key: 'env', Value: 'prod' }, { Key: 'owner', Value: 'me' }]);
    } finally {
      await again.stop();
    }
  });
});
