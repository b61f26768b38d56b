// IncreaseStreamRetentionPeriod / DecreaseStreamRetentionPeriod: bounds and AWS's messages, and the
// retention period enforced on reads and on storage; data that had expired does not come back.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import {
  CreateStreamCommand, DecreaseStreamRetentionPeriodCommand, DescribeStreamCommand, DescribeStreamSummaryCommand,
  GetRecordsCommand, GetShardIteratorCommand, IncreaseStreamRetentionPeriodCommand, PutRecordCommand, SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { ACCOUNT, ON_POSTGRES, rawRequest, REGION, rejectsWith, startServer, useServer } from './helpers.mjs';

const HOUR = 3_600_000;
const arnOf = (name) => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const retentionOf = async (client, StreamName) =>
  (await client.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary.RetentionPeriodHours;
const increase = (client, StreamName, RetentionPeriodHours) =>
  client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName, RetentionPeriodHours }));
const decrease = (client, StreamName, RetentionPeriodHours) =>
  client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName, RetentionPeriodHours }));

/** The data of every record readable from TRIM_HORIZON of the stream's only shard. */
async function readTexts(client, StreamName) {
  const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
  const out = await client.send(new GetRecordsCommand({ ShardIterator }));
  return out.Records.map((r) => Buffer.from(r.Data).toString());
}
const put = (client, StreamName, text) => client.send(new PutRecordCommand({ StreamName, PartitionKey: 'k', Data: Buffer.from(text) }));

describe('retention period changes', () => {
  let server;
  let client;
  useServer((s) => { server = s; client = s.client(); });

  it('increases and decreases within 24..8760 hours, by StreamName or StreamARN, shown by both Describe operations', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'ret', ShardCount: 1 }));
    assert.equal(await retentionOf(client, 'ret'), 24);
    await increase(client, 'ret', 48);
    assert.equal(await retentionOf(client, 'ret'), 48);
    await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamARN: arnOf('ret'), RetentionPeriodHours: 8760 }));
    assert.equal((await client.send(new DescribeStreamCommand({ StreamName: 'ret' }))).StreamDescription.RetentionPeriodHours, 8760);
    await client.send(new DecreaseStreamRetentionPeriodCommand({ StreamARN: arnOf('ret'), RetentionPeriodHours: 100 }));
    assert.equal(await retentionOf(client, 'ret'), 100);
    await decrease(client, 'ret', 24);
    assert.equal(await retentionOf(client, 'ret'), 24);
  });

  it('accepts the current value in both directions and changes nothing (Terraform asks for 24 on every new stream)', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'ret-same', ShardCount: 1 }));
    await increase(client, 'ret-same', 24);
    await decrease(client, 'ret-same', 24);
    assert.equal(await retentionOf(client, 'ret-same'), 24);
  });

  it('refuses values outside 24..8760 hours with AWS\'s messages (InvalidArgumentException), bounds first', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'ret-bounds', ShardCount: 1 }));
    await increase(client, 'ret-bounds', 48);
    const short = (h) => `Minimum allowed retention period is 24 hours. Requested retention period (${h} hours) is too short.`;
    const long = (h) => `Maximum allowed retention period is 8760 hours. Requested retention period (${h} hours) is too long.`;
    await rejectsWith(increase(client, 'ret-bounds', 8761), 'InvalidArgumentException', long(8761));
    await rejectsWith(increase(client, 'ret-bounds', 23), 'InvalidArgumentException', short(23));
    await rejectsWith(decrease(client, 'ret-bounds', 23), 'InvalidArgumentException', short(23));
    await rejectsWith(decrease(client, 'ret-bounds', 0), 'InvalidArgumentException', short(0));
    await rejectsWith(decrease(client, 'ret-bounds', 9000), 'InvalidArgumentException', long(9000));
    assert.equal(await retentionOf(client, 'ret-bounds'), 48);
  });

  it('refuses an increase to less, and a decrease to more, than the current period (InvalidArgumentException)', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'ret-dir', ShardCount: 1 }));
    await increase(client, 'ret-dir', 72);
    await rejectsWith(increase(client, 'ret-dir', 48), 'InvalidArgumentException',
      'Requested retention period (48 hours) for stream ret-dir can not be shorter than existing retention period (72 hours). Use DecreaseRetentionPeriod API.');
    await rejectsWith(decrease(client, 'ret-dir', 100), 'InvalidArgumentException',
      'Requested retention period (100 hours) for stream ret-dir can not be longer than existing retention period (72 hours). Use IncreaseRetentionPeriod API.');
    assert.equal(await retentionOf(client, 'ret-dir'), 72);
  });

  it('answers ResourceNotFoundException for an unknown stream, and ValidationException without RetentionPeriodHours', async () => {
    await rejectsWith(increase(client, 'ret-none', 48), 'ResourceNotFoundException', `Stream ret-none under account ${ACCOUNT} not found.`);
    await rejectsWith(decrease(client, 'ret-none', 24), 'ResourceNotFoundException', `Stream ret-none under account ${ACCOUNT} not found.`);
    for (const target of ['IncreaseStreamRetentionPeriod', 'DecreaseStreamRetentionPeriod']) {
      const res = await rawRequest(server.endpoint, { target, body: { StreamName: 'ret' } });
      assert.equal(res.json.__type, 'ValidationException');
      assert.equal(res.json.message, "1 validation error detected: Value null at 'retentionPeriodHours' failed to satisfy constraint: Member must not be null");
    }
  });

  it('keeps unexpired records longer after an increase, hides them at once after a decrease, and never brings them back', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'ret-read', ShardCount: 1 }));
    await put(client, 'ret-read', 'a');
    await increase(client, 'ret-read', 48);
    await server.advanceClock(30 * HOUR);
    await put(client, 'ret-read', 'b');
    assert.deepEqual(await readTexts(client, 'ret-read'), ['a', 'b'], '30 h old, kept by the 48 h period');
    await decrease(client, 'ret-read', 24);
    assert.deepEqual(await readTexts(client, 'ret-read'), ['b'], 'past the new period at once, before any trimming');
    await increase(client, 'ret-read', 96);
    assert.deepEqual(await readTexts(client, 'ret-read'), ['b'], 'expired data does not come back, trimmed or not');
    await server.advanceClock(HOUR); // trims
    assert.deepEqual(await readTexts(client, 'ret-read'), ['b']);
    // 'b' is now kept for 96 h.
    await server.advanceClock(90 * HOUR);
    assert.deepEqual(await readTexts(client, 'ret-read'), ['b']);
    await server.advanceClock(6 * HOUR);
    assert.deepEqual(await readTexts(client, 'ret-read'), []);
  });

  it('does not bring back a record that expired moments ago and is not trimmed yet', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'ret-fresh', ShardCount: 1 }));
    await put(client, 'ret-fresh', 'old');
    await server.advanceClock(24 * HOUR - 1000); // trims while 'old' is still 1 s inside retention
    await sleep(1500); // the server's clock moves on by itself; the next background trim is seconds away
    await increase(client, 'ret-fresh', 48);
    await put(client, 'ret-fresh', 'new');
    assert.deepEqual(await readTexts(client, 'ret-fresh'), ['new']);
  });
});

describe('retention changes need an ACTIVE stream', () => {
  let server;
  let client;
  useServer({ args: ['--update-stream-ms', '60000'] }, (s) => { server = s; client = s.client(); });

  it('answers ResourceInUseException while the stream is UPDATING', async () => {
    await client.send(new CreateStreamCommand({ StreamName: 'ret-busy', ShardCount: 1 }));
    await increase(client, 'ret-busy', 36);
    await client.send(new SplitShardCommand({ StreamName: 'ret-busy', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: String(1n << 127n) }));
    const message = `Stream ret-busy under account ${ACCOUNT} not ACTIVE, instead in state UPDATING`;
    await rejectsWith(increase(client, 'ret-busy', 48), 'ResourceInUseException', message);
    await rejectsWith(decrease(client, 'ret-busy', 24), 'ResourceInUseException', message);
    assert.equal(await retentionOf(client, 'ret-busy'), 36);
    await server.advanceClock(60_000);
    await increase(client, 'ret-busy', 48);
    assert.equal(await retentionOf(client, 'ret-busy'), 48);
  });
});

describe('retention on storage', () => {
  it('deletes expired records from disk; a later increase keeps only what was still inside the period', async () => {
    const server = await startServer();
    try {
      const client = server.client();
      await client.send(new CreateStreamCommand({ StreamName: 'ret-disk', ShardCount: 1 }));
      for (let i = 0; i < 3; i++) await put(client, 'ret-disk', `old${i}`);
      await server.advanceClock(25 * HOUR); // runs the trim
      await increase(client, 'ret-disk', 168);
      await put(client, 'ret-disk', 'new');
      assert.deepEqual(await readTexts(client, 'ret-disk'), ['new']);
      await server.advanceClock(100 * HOUR);
      assert.deepEqual(await readTexts(client, 'ret-disk'), ['new'], 'kept past the old 24 h period');
      await server.stop();
      // On PostgreSQL, storage is freed a partition (a day) at a time: test/postgres.test.mjs.
      if (!ON_POSTGRES) {
        const db = new Database(join(server.dataDir, 'sluice.db'), { readonly: true });
        const { n } = db.prepare('SELECT coalesce(sum(last_counter - (key & 1099511627775) + 1), 0) AS n FROM chunks').get();
        db.close();
        assert.equal(n, 1, 'the expired records are gone from the disk');
      }
    } finally {
      await server.stop();
      server.cleanup();
    }
  });
});
