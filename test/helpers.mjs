// Test helpers: real Sluice processes on free ports, real SDK clients, raw HTTP requests.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import pg from 'pg';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
export const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';

/**
 * The engine the servers of this run use: SLUICE_TEST_STORE=postgres runs them on PostgreSQL (a fresh
 * database per server, or per data directory when a test restarts a server on the same data), at
 * SLUICE_TEST_PG (default postgres://postgres@127.0.0.1:5432); otherwise the embedded SQLite engine.
 */
export const STORE = process.env.SLUICE_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
export const ON_POSTGRES = STORE === 'postgres';
/** For `it(name, { skip: sqliteOnly('why') }, …)`: tests of the embedded engine's own files and flags. */
export const sqliteOnly = (why = 'specific to the embedded SQLite engine') => (ON_POSTGRES ? why : false);
export const PG_BASE = (process.env.SLUICE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/+$/, '');

export function databaseUrl(name) {
  return `${PG_BASE}/${name}`;
}

/** Runs SQL on a database of the test PostgreSQL (default: the maintenance database). */
export async function pgQuery(sql, params = [], database = 'postgres') {
  const client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

const databases = new Set();
/** Data directory → the database standing for it (so that a restart on the same data finds it). */
const databaseOfDir = new Map();

export async function createDatabase() {
  const name = `sluice_test_${randomBytes(6).toString('hex')}`;
  await pgQuery(`CREATE DATABASE ${name}`);
  databases.add(name);
  return name;
}

export async function dropDatabase(name) {
  databases.delete(name);
  await pgQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

// Databases no cleanup dropped (tests that manage their own data directory) go when the file's tests end.
let sweeping = false;
process.on('beforeExit', () => {
  if (sweeping || databases.size === 0) return;
  sweeping = true;
  Promise.all([...databases].map((name) => dropDatabase(name).catch(() => undefined))).finally(() => { sweeping = false; });
});

// Servers still running when a test file's process ends (a test that failed before stopping them)
// are killed rather than left behind.
const children = new Set();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

export function tempDir(prefix = 'sluice-test-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Starts `node dist/cli.js` on a free port. Options: dataDir (default: a new temp dir), inMemory,
 * args (extra flags). Lifecycle delays default to 0 and the test clock is on.
 */
export async function startServer(options = {}) {
  const dataDir = options.dataDir ?? tempDir();
  const args = [CLI, '--host', '127.0.0.1', '--port', '0', '--log-level', options.logLevel ?? 'warn', '--test-clock',
    '--create-stream-ms', '0', '--delete-stream-ms', '0', '--update-stream-ms', '0'];
  // On PostgreSQL: `store` names a database to share (several nodes); else one per data directory
  // (in memory: a database of its own, which starts empty like memory does).
  let database = options.database;
  if (!database && ON_POSTGRES) {
    database = options.inMemory ? undefined : databaseOfDir.get(dataDir);
    if (!database) {
      database = await createDatabase();
      if (!options.inMemory) databaseOfDir.set(dataDir, database);
    }
  }
  const ownsDatabase = ON_POSTGRES && !options.database && (options.inMemory || !options.dataDir);
  if (database) args.push('--store', databaseUrl(database));
  else if (options.inMemory) args.push('--in-memory');
  else args.push('--data-dir', dataDir);
  args.push(...(options.args ?? []));
  // `env`: variables added to the server's environment.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ? { ...process.env, ...options.env } : process.env });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  let out = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const endpoint = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 10_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${stderr}`)); });
  });
  const clients = [];
  const server = {
    endpoint, dataDir, child, database,
    get stderr() { return stderr; },
    /** Everything the server printed on stdout so far (its log lines among it). */
    get stdout() { return out; },
    /** An SDK v3 client in its default configuration (HTTP/2 for Kinesis). */
    client(extra = {}) {
      const c = new KinesisClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1, ...extra });
      clients.push(c);
      return c;
    },
    /** An SDK v3 client over HTTP/1.1. */
    http1Client(extra = {}) {
      return server.client({ requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }), ...extra });
    },
    /** Moves the server's clock forward and runs its due background work. */
    async advanceClock(ms) {
      const res = await fetch(`${endpoint}/_sluice/clock`, { method: 'POST', body: JSON.stringify({ advanceMs: ms }) });
      return (await res.json()).now;
    },
    async stop() {
      for (const c of clients) c.destroy();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
    async kill9() {
      for (const c of clients) c.destroy();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    /** Removes what the server was given to keep its data in (a promise: the database drop). */
    cleanup() {
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      if (!ownsDatabase) return Promise.resolve();
      databaseOfDir.delete(dataDir);
      return dropDatabase(database).catch(() => undefined);
    },
  };
  return server;
}

/**
 * One server for a describe block: started before its tests (then handed to `use`, which may set
 * things up), stopped and cleaned up after them.
 */
export function useServer(options, use) {
  if (typeof options === 'function') [options, use] = [undefined, options];
  let server;
  before(async () => {
    server = await startServer(options);
    await use(server);
  });
  after(async () => {
    await server?.stop();
    await server?.cleanup();
  });
}

/** Headers of a SigV4-signed request (the signature is not checked). */
export const SIGNED = {
  authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc',
  'x-amz-date': '20150830T123600Z',
};

/**
 * A raw HTTP/1.1 request. `target` is the operation name (prefixed automatically) or null;
 * body is an object (encoded as JSON), a string or a Buffer. Returns { status, headers, body, json }.
 */
export function rawRequest(endpoint, { target, body = '{}', headers = {}, method = 'POST', contentType = 'application/x-amz-json-1.1', signed = true, path = '/' } = {}) {
  const url = new URL(path, endpoint);
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const h = { ...(signed ? SIGNED : {}), ...(contentType ? { 'content-type': contentType } : {}), ...headers };
  if (target) h['x-amz-target'] = target.includes('.') ? target : `Kinesis_20131202.${target}`;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...h, 'content-length': payload.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        let json;
        try { json = JSON.parse(buf.toString()); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, body: buf, json });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The same over cleartext HTTP/2 with prior knowledge. */
export function rawH2Request(endpoint, { target, body = '{}', contentType = 'application/x-amz-json-1.1' } = {}) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(endpoint);
    session.on('error', reject);
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = session.request({ ':method': 'POST', ':path': '/', 'content-type': contentType, 'x-amz-target': `Kinesis_20131202.${target}`, ...SIGNED });
    let headers;
    const chunks = [];
    req.on('response', (h) => { headers = h; });
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      session.close();
      const buf = Buffer.concat(chunks);
      let json;
      try { json = JSON.parse(buf.toString()); } catch { json = undefined; }
      resolve({ status: headers[':status'], headers, body: buf, json });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export async function waitFor(fn, { timeoutMs = 5000, intervalMs = 20 } = {}) {
  const start = Date.now();
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until the stream is ACTIVE (DescribeStreamSummary). */
export async function waitActive(client, name, { timeoutMs = 5000 } = {}) {
  await waitFor(async () => (await client.send(new DescribeStreamSummaryCommand({ StreamName: name })))
    .StreamDescriptionSummary.StreamStatus === 'ACTIVE', { timeoutMs });
}

/** Every record of a shard from TRIM_HORIZON (readAllInOrder: sequence numbers must rise). */
export async function readShardInOrder(client, stream, shard) {
  const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }));
  return (await readAllInOrder(client, ShardIterator, { GetRecordsCommand })).records;
}

/** Reads a shard from an iterator until an empty page; returns all records. */
export async function readAll(client, iterator, { GetRecordsCommand }) {
  const records = [];
  let it = iterator;
  for (let i = 0; i < 10_000 && it; i++) {
    const out = await client.send(new GetRecordsCommand({ ShardIterator: it }));
    records.push(...out.Records);
    if (out.Records.length === 0) return { records, next: out.NextShardIterator, last: out };
    it = out.NextShardIterator;
  }
  return { records, next: it };
}

/** Like readAll, but fails at once on a repeated or out-of-order sequence number (and after 1000 pages). */
export async function readAllInOrder(client, iterator, { GetRecordsCommand }) {
  const records = [];
  let it = iterator;
  let last = -1n;
  for (let page = 0; it; page++) {
    assert.ok(page < 1000, 'the shard ends within 1000 pages');
    const out = await client.send(new GetRecordsCommand({ ShardIterator: it }));
    for (const r of out.Records) {
      const seq = BigInt(r.SequenceNumber);
      assert.ok(seq > last, `sequence number ${r.SequenceNumber} comes after the previous one`);
      last = seq;
    }
    records.push(...out.Records);
    if (out.Records.length === 0) return { records, next: out.NextShardIterator, last: out };
    it = out.NextShardIterator;
  }
  return { records, next: it };
}

/** Asserts `promise` rejects with AWS error `type`, HTTP `status` (default 400; null: unchecked) and `message` if given (string: exact, RegExp: match); returns the error. */
export async function rejectsWith(promise, type, message, { status = 400 } = {}) {
  let error;
  await assert.rejects(promise, (err) => {
    error = err;
    assert.equal(err.name, type, `expected ${type}, got ${err.name}: ${err.message}`);
    if (status !== null) assert.equal(err.$metadata?.httpStatusCode, status);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
  return error;
}

/** The id of the shard numbered `i` ("shardId-000000000007"). */
export const shardId = (i) => `shardId-${String(i).padStart(12, '0')}`;
