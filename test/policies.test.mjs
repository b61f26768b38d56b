// PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy on stream ARNs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateStreamCommand, DeleteResourcePolicyCommand, DeleteStreamCommand, GetResourcePolicyCommand, PutResourcePolicyCommand,
} from '@aws-sdk/client-kinesis';
import { ACCOUNT, rawRequest, REGION, rejectsWith, startServer } from './helpers.mjs';

const arnOf = (name) => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
const notFound = (name) => `Stream ${name} under account ${ACCOUNT} not found.`;

function policyFor(name, overrides = {}) {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'writePolicy',
    Statement: [{
      Sid: 'writestatement',
      Effect: 'Allow',
      Principal: { AWS: '111122223333' },
      Action: ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'],
      Resource: arnOf(name),
      ...overrides,
    }],
  }, null, 2);
}

describe('resource policies', () => {
  let server;
  let client;
  const put = (ResourceARN, Policy) => client.send(new PutResourcePolicyCommand({ ResourceARN, Policy }));
  const get = async (ResourceARN) => (await client.send(new GetResourcePolicyCommand({ ResourceARN }))).Policy;
  const del = (ResourceARN) => client.send(new DeleteResourcePolicyCommand({ ResourceARN }));
  before(async () => {
    server = await startServer();
    client = server.client();
  });
  after(async () => { await server.stop(); server.cleanup(); });

  it('puts, gets (exactly as given), replaces and deletes a policy; none reads as "{}"', async () => {
    const name = 'basic';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const none = await rawRequest(server.endpoint, { target: 'GetResourcePolicy', body: { ResourceARN: arnOf(name) } });
    assert.equal(none.status, 200);
    assert.deepEqual(none.json, { Policy: '{}' });

    const res = await rawRequest(server.endpoint, { target: 'PutResourcePolicy', body: { ResourceARN: arnOf(name), Policy: policyFor(name) } });
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.body.length, 0, 'no output');
    assert.equal(await get(arnOf(name)), policyFor(name));

    const replacement = policyFor(name, { Effect: 'Deny', Action: 'kinesis:*' });
    await put(arnOf(name), replacement);
    assert.equal(await get(arnOf(name)), replacement, 'a second put replaces the policy');

    const d = await rawRequest(server.endpoint, { target: 'DeleteResourcePolicy', body: { ResourceARN: arnOf(name) } });
    assert.equal(d.status, 200, d.body.toString());
    assert.equal(d.body.length, 0);
    assert.equal(await get(arnOf(name)), '{}');
    await del(arnOf(name)); // deleting where none is attached succeeds
    assert.equal(await get(arnOf(name)), '{}');
  });

  it('policies are per stream and go with the stream', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'one', ShardCount: 1 }));
    await client.send(new CreateStreamCommand({ StreamName: 'two', ShardCount: 1 }));
    await put(arnOf('one'), policyFor('one'));
    assert.equal(await get(arnOf('two')), '{}');
    await client.send(new DeleteStreamCommand({ StreamName: 'one' }));
    await rejectsWith(get(arnOf('one')), 'ResourceNotFoundException', notFound('one'));
    await client.send(new CreateStreamCommand({ StreamName: 'one', ShardCount: 1 }));
    assert.equal(await get(arnOf('one')), '{}', 'a stream created again under the name has no policy');
  });

  it('accepts the IAM forms: a single Statement object, NotPrincipal/NotAction/NotResource, "*" principal, no Version', async () => {
    const name = 'forms';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const forms = [
      { Statement: { Effect: 'Allow', Principal: '*', Action: 'kinesis:GetRecords', Resource: '*' } },
      { Version: '2008-10-17', Statement: [{ Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::111122223333:root' }, NotAction: 'kinesis:Describe*', NotResource: arnOf('x') }] },
      { Version: '2012-10-17', Statement: [
        { Effect: 'Allow', Principal: { AWS: ['111122223333', '444455556666'] }, Action: '*', Resource: arnOf(name), Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
      ] },
    ];
    for (const form of forms) {
      await put(arnOf(name), JSON.stringify(form));
      assert.deepEqual(JSON.parse(await get(arnOf(name))), form);
    }
  });

  it('refuses documents that are not IAM policies with InvalidArgumentException', async () => {
    const name = 'invalid';
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const statement = { Effect: 'Allow', Principal: '*', Action: 'kinesis:*', Resource: '*' };
    const without = (key) => JSON.stringify({ Statement: [Object.fromEntries(Object.entries(statement).filter(([k]) => k !== key))] });
    const cases = [
      ['{"Statement": [', 'Policy document is not valid JSON.'],
      ['', 'Policy document is not valid JSON.'],
      ['[]', 'Policy document must be a JSON object.'],
      ['"text"', 'Policy document must be a JSON object.'],
      [JSON.stringify({ Version: '2020-01-01', Statement: [statement] }), 'Policy document Version must be one of [2012-10-17, 2008-10-17].'],
      ['{}', 'Policy document must contain at least one Statement.'],
      [JSON.stringify({ Version: '2012-10-17', Statement: [] }), 'Policy document must contain at least one Statement.'],
      [JSON.stringify({ Statement: ['Allow'] }), 'Each Statement of a policy document must be a JSON object.'],
      [JSON.stringify({ Statement: [{ ...statement, Effect: 'Maybe' }] }), 'Policy statement Effect must be Allow or Deny.'],
      [without('Effect'), 'Policy statement Effect must be Allow or Deny.'],
      [without('Principal'), 'Policy statement must contain a Principal.'],
      [without('Action'), 'Policy statement must contain an Action.'],
      [without('Resource'), 'Policy statement must contain a Resource.'],
    ];
    for (const [policy, message] of cases) {
      await rejectsWith(put(arnOf(name), policy), 'InvalidArgumentException', message);
    }
    assert.equal(await get(arnOf(name)), '{}', 'nothing refused was kept');
  });

  it('answers ResourceNotFoundException for a missing stream and a consumer ARN; validates members', async () => {
    await rejectsWith(put(arnOf('missing'), policyFor('missing')), 'ResourceNotFoundException', notFound('missing'));
    await rejectsWith(get(arnOf('missing')), 'ResourceNotFoundException', notFound('missing'));
    await rejectsWith(del(arnOf('missing')), 'ResourceNotFoundException', notFound('missing'));
    // The resource is found before the document is read.
    await rejectsWith(put(arnOf('missing'), 'not json'), 'ResourceNotFoundException', notFound('missing'));

    await client.send(new CreateStreamCommand({ StreamName: 'withconsumer', ShardCount: 1 }));
    const consumer = `${arnOf('withconsumer')}/consumer/app:1700000000`;
    await rejectsWith(put(consumer, policyFor('withconsumer')), 'ResourceNotFoundException', `Consumer app under stream withconsumer under account ${ACCOUNT} not found.`);
    await rejectsWith(get(consumer), 'ResourceNotFoundException');
    await rejectsWith(del(consumer), 'ResourceNotFoundException');

    const noPolicy = await rawRequest(server.endpoint, { target: 'PutResourcePolicy', body: { ResourceARN: arnOf('withconsumer') } });
    assert.equal(noPolicy.status, 400);
    assert.equal(noPolicy.json.__type, 'ValidationException');
    assert.equal(noPolicy.json.message, "1 validation error detected: Value null at 'policy' failed to satisfy constraint: Member must not be null");
    const noArn = await rawRequest(server.endpoint, { target: 'GetResourcePolicy', body: {} });
    assert.equal(noArn.json.message, "1 validation error detected: Value null at 'resourceARN' failed to satisfy constraint: Member must not be null");
  });
});
