// The PostgreSQL engine's own behaviour (PostgreSQL runs only): retention frees storage by dropping
// whole day partitions, streams with a shorter retention than the longest are trimmed by range
// deletes, and a lost database connection gives clients a retryable error, never a hang or a crash,
// until the node reconnects by itself.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import {
  AddTagsToStreamCommand, CreateStreamCommand, DeleteStreamCommand, GetRecordsCommand, GetShardIteratorCommand, IncreaseStreamRetentionPeriodCommand, ListStreamsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { createDatabase, dropDatabase, ON_POSTGRES, PG_BASE, pgQuery, startServer, waitFor } from './helpers.mjs';

const skip = ON_POSTGRES ? false : 'runs on PostgreSQL only (npm run test:postgres)';
const HOUR = 3_600_000;

async function put(client, stream, prefix, n) {
  const out = await client.send(new PutRecordsCommand({
    StreamName: stream, Records: Array.from({ length: n }, (_, i) => ({ PartitionKey: `${prefix}${i}`, Data: Buffer.from(`${prefix}${i}`) })),
  }));
  assert.equal(out.FailedRecordCount, 0);
}

async function readTexts(client, stream) {
  const it = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const out = await client.send(new GetRecordsCommand({ ShardIterator: it }));
  return out.Records.map((r) => Buffer.from(r.Data).toString());
}

async function partitions(database) {
  const { rows } = await pgQuery(
    `SELECT k.relname FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid WHERE i.inhparent = 'records'::regclass ORDER BY 1`, [], database);
  return rows.map((r) => r.relname);
}

async function countRecords(database, stream) {
  const { rows } = await pgQuery(
    `SELECT count(*)::integer AS n FROM records r JOIN shards s ON s.uid = r.shard_uid JOIN streams t ON t.uid = s.stream_uid
     WHERE t.name = $1`, [stream], database);
  return rows[0].n;
}

describe('PostgreSQL retention', { skip }, () => {
  it('drops a whole day partition once every record in it is past retention', async () => {
    const server = await startServer();
    try {
      const client = server.client();
      await client.send(new CreateStreamCommand({ StreamName: 'daily', ShardCount: 1 }));
      await put(client, 'daily', 'old', 200);
      const before = await partitions(server.database);
      const today = `records_${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
      assert.ok(before.includes(today), `today's partition exists (${before})`);
      assert.ok(before.includes('records_default'));
      assert.ok(before.length >= 4, 'partitions are made ahead');
      const { rows } = await pgQuery(`SELECT count(*)::integer AS n FROM ${today}`, [], server.database);
      assert.equal(rows[0].n, 200, 'the records are in today\'s partition');

      // 25 h on, the records are past retention (reads stop returning them) but their day is not over for everyone…
      await server.advanceClock(25 * HOUR);
      assert.deepEqual(await readTexts(client, 'daily'), []);
      // …49 h on, every record of that day is: the partition is dropped, not deleted from row by row.
      await server.advanceClock(24 * HOUR);
      assert.ok(!(await partitions(server.database)).includes(today), 'the expired day is dropped');
      assert.equal(await countRecords(server.database, 'daily'), 0);
      await put(client, 'daily', 'new', 3);
      assert.deepEqual(await readTexts(client, 'daily'), ['new0', 'new1', 'new2']);
      const { rows: left } = await pgQuery('SELECT count(*)::integer AS n FROM records_default', [], server.database);
      assert.equal(left[0].n, 0, 'new records go to the new day\'s partition, made ahead');
    } finally {
      await server.stop();
      await server.cleanup();
    }
  });

  it('trims a stream whose retention is shorter than another\'s by range deletes', async () => {
    const server = await startServer();
    try {
      const client = server.client();
      await client.send(new CreateStreamCommand({ StreamName: 'short', ShardCount: 1 }));
      await client.send(new CreateStreamCommand({ StreamName: 'long', ShardCount: 1 }));
      await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: 'long', RetentionPeriodHours: 168 }));
      await put(client, 'short', 's', 300);
      await put(client, 'long', 'l', 300);
      await server.advanceClock(25 * HOUR);
      assert.equal(await countRecords(server.database, 'short'), 0, 'the short stream\'s records are deleted');
      assert.equal(await countRecords(server.database, 'long'), 300, 'the long stream\'s stay');
      assert.equal((await readTexts(client, 'long')).length, 300);
    } finally {
      await server.stop();
      await server.cleanup();
    }
  });
});

describe('PostgreSQL stream deletion', { skip }, () => {
  it('deletes a stream in one step and its records in the background, in batches', async () => {
    const server = await startServer();
    try {
      const client = server.client();
      await client.send(new CreateStreamCommand({ StreamName: 'doomed', ShardCount: 2 }));
      await client.send(new CreateStreamCommand({ StreamName: 'kept', ShardCount: 1 }));
      for (let i = 0; i < 24; i++) await put(client, 'doomed', `d${i}-`, 500);
      await put(client, 'kept', 'k', 10);
      await client.send(new DeleteStreamCommand({ StreamName: 'doomed' }));
      await waitFor(async () => !(await client.send(new ListStreamsCommand({}))).StreamNames.includes('doomed'));
      const total = async () => (await pgQuery('SELECT count(*)::integer AS n FROM records', [], server.database)).rows[0].n;
      // Gone from the API at once; its 12,000 records (more than one batch per shard) go with trimming.
      await waitFor(async () => { await server.advanceClock(0); return (await total()) === 10; }, { timeoutMs: 10_000 });
      const dead = await pgQuery('SELECT count(*)::integer AS n FROM dead_shards', [], server.database);
      assert.equal(dead.rows[0].n, 0);
      assert.equal((await readTexts(client, 'kept')).length, 10);
    } finally {
      await server.stop();
      await server.cleanup();
    }
  });
});

/** A TCP proxy to PostgreSQL that a test can cut (closing every connection) and restore on the same port. */
async function cuttableProxy() {
  const target = new URL(PG_BASE);
  const sockets = new Set();
  let server;
  let port = 0;
  const open = () => new Promise((resolve) => {
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, '127.0.0.1', () => { port = server.address().port; resolve(); });
  });
  await open();
  return {
    get port() { return port; },
    async cut() {
      await new Promise((resolve) => { server.close(resolve); for (const s of sockets) s.destroy(); });
    },
    restore: open,
    async close() { await this.cut(); },
  };
}

describe('PostgreSQL connection faults', { skip }, () => {
  it('a lost database gives clients InternalFailure (500) at once, and the node recovers by itself', async () => {
    const proxy = await cuttableProxy();
    const database = await createDatabase();
    const target = new URL(PG_BASE);
    const server = await startServer({ database, args: ['--store', `postgres://${target.username}@127.0.0.1:${proxy.port}/${database}`] });
    try {
      const client = server.client();
      await client.send(new CreateStreamCommand({ StreamName: 'faulty', ShardCount: 1 }));
      await put(client, 'faulty', 'before', 5);

      await proxy.cut();
      for (const send of [
        () => put(client, 'faulty', 'during', 5),
        () => client.send(new ListStreamsCommand({})),
        () => readTexts(client, 'faulty'),
      ]) {
        const started = performance.now();
        await assert.rejects(send(), (err) => {
          assert.equal(err.name, 'InternalFailure');
          assert.equal(err.$metadata.httpStatusCode, 500);
          assert.equal(err.$retryable !== undefined || err.$fault === 'server', true);
          return true;
        });
        assert.ok(performance.now() - started < 6000, 'answered, not hung');
      }
      assert.equal(server.child.exitCode, null, 'the node is still running');

      await proxy.restore();
      await waitFor(async () => {
        try {
          return (await client.send(new ListStreamsCommand({}))).StreamNames.includes('faulty');
        } catch {
          return false;
        }
      }, { timeoutMs: 15_000, intervalMs: 200 });
      await put(client, 'faulty', 'after', 5);
      const texts = await readTexts(client, 'faulty');
      assert.deepEqual(texts.filter((t) => !t.startsWith('during')),
        ['before0', 'before1', 'before2', 'before3', 'before4', 'after0', 'after1', 'after2', 'after3', 'after4']);
    } finally {
      await server.stop();
      server.cleanup();
      await proxy.close();
      await dropDatabase(database);
    }
  });

  it('connections closed by the server are replaced: a retrying client sees no error', async () => {
    const server = await startServer();
    try {
      const client = server.client({ maxAttempts: 3 });
      await client.send(new CreateStreamCommand({ StreamName: 'terminated', ShardCount: 1 }));
      for (let round = 0; round < 3; round++) {
        await pgQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [server.database]);
        await put(client, 'terminated', `r${round}-`, 2);
      }
      assert.equal((await readTexts(client, 'terminated')).length, 6);
      // Connections cut in the middle of transactions (tags, stream creation) and of trimming: the
      // requests caught fail with InternalFailure, the node stays up.
      const once = server.client();
      let stop = false;
      const busy = (async () => {
        for (let i = 0; !stop; i++) {
          await Promise.allSettled([
            once.send(new AddTagsToStreamCommand({ StreamName: 'terminated', Tags: { [`k${i % 10}`]: `v${i}` } })),
            once.send(new CreateStreamCommand({ StreamName: `t${i}`, ShardCount: 1 })),
            server.advanceClock(0),
          ]);
        }
      })();
      for (let i = 0; i < 20; i++) {
        await pgQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [server.database]);
        await new Promise((r) => setTimeout(r, 15));
      }
      stop = true;
      await busy;
      assert.equal(server.child.exitCode, null, `the node is still running: ${server.stderr.slice(-3000)}`);
      await put(client, 'terminated', 'last', 1);
    } finally {
      await server.stop();
      await server.cleanup();
    }
  });
});
