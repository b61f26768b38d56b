// TagResource, UntagResource and ListTagsForResource on stream ARNs (consumer ARNs are answered
// ResourceNotFoundException until consumers exist).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AddTagsToStreamCommand, CreateStreamCommand, DeleteStreamCommand, ListTagsForResourceCommand, ListTagsForStreamCommand,
  TagResourceCommand, UntagResourceCommand,
} from '@aws-sdk/client-kinesis';
import { ACCOUNT, rawRequest, REGION, rejectsWith, startServer } from './helpers.mjs';

const arnOf = (name, account = ACCOUNT, region = REGION) => `arn:aws:kinesis:${region}:${account}:stream/${name}`;
const notFound = (name, account = ACCOUNT) => `Stream ${name} under account ${account} not found.`;
const INVALID_CHARACTERS = 'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.';
const percentMessage = (action, name) =>
  `Failed to ${action} stream ${name} under account ${ACCOUNT} because some tags contained illegal characters. ` +
  "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.";

describe('resource tags', () => {
  let server;
  let client;
  const tag = (ResourceARN, Tags) => client.send(new TagResourceCommand({ ResourceARN, Tags }));
  const untag = (ResourceARN, TagKeys) => client.send(new UntagResourceCommand({ ResourceARN, TagKeys }));
  const list = async (ResourceARN) => (await client.send(new ListTagsForResourceCommand({ ResourceARN }))).Tags;
  before(async () => {
    server = await startServer();
    client = server.client();
  });
  after(async () => { await server.stop(); server.cleanup(); });

  it('tags, lists (sorted by key), overwrites and untags a stream by its ARN', async () => {
    const name = 'basic';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1, Tags: { created: 'yes' } }));
    const empty = await rawRequest(server.endpoint, { target: 'ListTagsForResource', body: { ResourceARN: arnOf(name) } });
    assert.deepEqual(empty.json, { Tags: [{ Key: 'created', Value: 'yes' }] });

    const res = await rawRequest(server.endpoint, { target: 'TagResource', body: { ResourceARN: arnOf(name), Tags: { zeta: 'z', alpha: 'a', blank: '' } } });
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.body.length, 0, 'no output');
    assert.deepEqual(await list(arnOf(name)), [
      { Key: 'alpha', Value: 'a' }, { Key: 'blank', Value: '' }, { Key: 'created', Value: 'yes' }, { Key: 'zeta', Value: 'z' },
    ]);

    await tag(arnOf(name), { alpha: 'A2' });
    assert.equal((await list(arnOf(name))).find((t) => t.Key === 'alpha').Value, 'A2');

    const un = await rawRequest(server.endpoint, { target: 'UntagResource', body: { ResourceARN: arnOf(name), TagKeys: ['alpha', 'zeta', 'unknown'] } });
    assert.equal(un.status, 200, un.body.toString());
    assert.equal(un.body.length, 0);
    assert.deepEqual((await list(arnOf(name))).map((t) => t.Key), ['blank', 'created']);
  });

  it('shares tags with the stream tag operations', async () => {
    const name = 'shared';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { fromStream: '1' } }));
    await tag(arnOf(name), { fromResource: '2' });
    const viaStream = await client.send(new ListTagsForStreamCommand({ StreamName: name }));
    assert.deepEqual(viaStream.Tags, [{ Key: 'fromResource', Value: '2' }, { Key: 'fromStream', Value: '1' }]);
    assert.deepEqual(await list(arnOf(name)), viaStream.Tags);
  });

  it('allows 50 tags a resource and refuses the 51st', async () => {
    const name = 'limit';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const Tags = {};
    for (let i = 0; i < 50; i++) Tags[`k${i}`] = `v${i}`;
    await tag(arnOf(name), Tags);
    await tag(arnOf(name), { k0: 'overwrite' }); // overwriting does not add
    await rejectsWith(tag(arnOf(name), { extra: 'x' }), 'InvalidArgumentException',
      `Failed to add tags to stream ${name} under account ${ACCOUNT} because a given stream cannot have more than 50 tags associated with it.`);
    const tags = await list(arnOf(name));
    assert.equal(tags.length, 50);
    assert.equal(tags.find((t) => t.Key === 'k0').Value, 'overwrite');
  });

  it('applies the stream tag character rules', async () => {
    const name = 'chars';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await tag(arnOf(name), { 'ünïcödé 9 _./=+-@': 'ok value' });
    await rejectsWith(tag(arnOf(name), { 'bad;key': 'v' }), 'InvalidArgumentException', INVALID_CHARACTERS);
    await rejectsWith(tag(arnOf(name), { k: 'tab\tvalue' }), 'InvalidArgumentException', INVALID_CHARACTERS);
    await rejectsWith(tag(arnOf(name), { k: '50%' }), 'InvalidArgumentException', percentMessage('add tags to', name));
    await rejectsWith(untag(arnOf(name), ['a,b']), 'InvalidArgumentException', INVALID_CHARACTERS);
    await rejectsWith(untag(arnOf(name), ['a%']), 'InvalidArgumentException', percentMessage('remove tags from', name));
    assert.deepEqual((await list(arnOf(name))).map((t) => t.Key), ['ünïcödé 9 _./=+-@']);
  });

  it('answers ResourceNotFoundException for a missing stream, a deleted one and a consumer ARN', async () => {
    await rejectsWith(tag(arnOf('missing'), { a: 'b' }), 'ResourceNotFoundException', notFound('missing'));
    await rejectsWith(untag(arnOf('missing'), ['a']), 'ResourceNotFoundException', notFound('missing'));
    await rejectsWith(list(arnOf('missing')), 'ResourceNotFoundException', notFound('missing'));
    // The stream's existence is checked before the tag characters.
    await rejectsWith(untag(arnOf('missing'), [';']), 'ResourceNotFoundException', notFound('missing'));

    const name = 'gone';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await tag(arnOf(name), { a: 'b' });
    await client.send(new DeleteStreamCommand({ StreamName: name }));
    await rejectsWith(list(arnOf(name)), 'ResourceNotFoundException', notFound(name));
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    assert.deepEqual(await list(arnOf(name)), [], 'a stream created again under the name starts without tags');

    const consumer = `${arnOf(name)}/consumer/app:1700000000`;
    await rejectsWith(tag(consumer, { a: 'b' }), 'ResourceNotFoundException', `Consumer app under stream ${name} under account ${ACCOUNT} not found.`);
    await rejectsWith(list(consumer), 'ResourceNotFoundException', `Consumer app under stream ${name} under account ${ACCOUNT} not found.`);
    await rejectsWith(list(`${arnOf('nostream')}/consumer/app:1700000000`), 'ResourceNotFoundException', notFound('nostream'));
  });

  it('validates ResourceARN, Tags and TagKeys with AWS wording', async () => {
    const badArn = await rawRequest(server.endpoint, { target: 'ListTagsForResource', body: { ResourceARN: 'arn:aws:sqs:us-east-1:123456789012:queue' } });
    assert.equal(badArn.status, 400);
    assert.equal(badArn.json.__type, 'ValidationException');
    assert.equal(badArn.json.message,
      "1 validation error detected: Value 'arn:aws:sqs:us-east-1:123456789012:queue' at 'resourceARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+");
    const odd = await rawRequest(server.endpoint, { target: 'ListTagsForResource', body: { ResourceARN: `${arnOf('a')}/b` } });
    assert.equal(odd.json.__type, 'InvalidArgumentException');
    assert.equal(odd.json.message, `Invalid ResourceARN: ${arnOf('a')}/b`);
    const noTags = await rawRequest(server.endpoint, { target: 'TagResource', body: { ResourceARN: arnOf('a') } });
    assert.equal(noTags.json.message, "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
    const noKeys = await rawRequest(server.endpoint, { target: 'UntagResource', body: { ResourceARN: arnOf('a'), TagKeys: [] } });
    assert.equal(noKeys.json.message, "1 validation error detected: Value '[]' at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 1");
  });
});
