// The basic round trip over both transports the SDK uses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { startServer } from './helpers.mjs';

describe('round trip', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server.stop(); server.cleanup(); });

  for (const transport of ['http2', 'http1']) {
    it(`puts and gets a record over ${transport}`, async () => {
      const client = transport === 'http2' ? server.client() : server.http1Client();
      const name = `smoke-${transport}`;
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      const put = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('hello') }));
      assert.equal(put.ShardId, 'shardId-000000000000');
      assert.match(put.SequenceNumber, /^\d{56}$/);
      const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: put.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
      const got = await client.send(new GetRecordsCommand({ ShardIterator }));
      assert.equal(got.Records.length, 1);
      assert.equal(Buffer.from(got.Records[0].Data).toString(), 'hello');
      assert.equal(got.Records[0].SequenceNumber, put.SequenceNumber);
      assert.equal(got.MillisBehindLatest, 0);
      assert.ok(got.NextShardIterator);
    });
  }
});
