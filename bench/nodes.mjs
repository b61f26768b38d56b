#!/usr/bin/env node
// A quick throughput measurement of Sluice on one engine and a number of nodes: PutRecords from
// concurrent raw-HTTP clients spread over the nodes for a fixed time, then the stream read back with
// GetRecords (one reader per shard, through the nodes in turn). Plain ESM; build first (npm run build).
//
//   node bench/nodes.mjs --engine sqlite
//   node bench/nodes.mjs --engine postgres --nodes 1
//   node bench/nodes.mjs --engine postgres --nodes 2 [--pg postgres://postgres@127.0.0.1:5432]
//
// Options: --seconds 10 (write phase), --clients 16, --batch 500, --size 100 (bytes), --shards 4.
// On PostgreSQL it makes a fresh database (sluice_bench_*) and drops it afterwards.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values: opts } = parseArgs({
  options: {
    engine: { type: 'string', default: 'sqlite' },
    nodes: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '16' },
    batch: { type: 'string', default: '500' },
    size: { type: 'string', default: '100' },
    shards: { type: 'string', default: '4' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
  },
});
const NODES = Number(opts.nodes);
const SECONDS = Number(opts.seconds);
const CLIENTS = Number(opts.clients);
const BATCH = Number(opts.batch);
const SIZE = Number(opts.size);
const SHARDS = Number(opts.shards);
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const HEADERS = {
  authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc',
  'x-amz-date': '20150830T123600Z',
  'content-type': 'application/x-amz-json-1.1',
};

function call(endpoint, target, body) {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(endpoint, {
      method: 'POST', agent, headers: { ...HEADERS, 'x-amz-target': `Kinesis_20131202.${target}`, 'content-length': payload.length },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) reject(new Error(`${target}: ${res.statusCode} ${text}`));
        else resolve(JSON.parse(text || '{}'));
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function startNode(args) {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--log-level', 'warn', '--create-stream-ms', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, endpoint: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`node exited with ${code}`)));
  });
}

async function admin(sql) {
  const client = new pg.Client({ connectionString: `${opts.pg}/postgres` });
  await client.connect();
  try { await client.query(sql); } finally { await client.end(); }
}

const database = `sluice_bench_${randomBytes(4).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
let storeArgs;
if (opts.engine === 'postgres') {
  await admin(`CREATE DATABASE ${database}`);
  storeArgs = ['--store', `${opts.pg}/${database}`];
} else {
  if (NODES !== 1) throw new Error('the embedded engine runs one node');
  storeArgs = ['--data-dir', dataDir];
}
const nodes = [];
try {
  for (let i = 0; i < NODES; i++) nodes.push(await startNode(storeArgs));
  const endpoints = nodes.map((n) => n.endpoint);
  await call(endpoints[0], 'CreateStream', { StreamName: 'bench', ShardCount: SHARDS });
  for (;;) {
    const d = await call(endpoints[0], 'DescribeStreamSummary', { StreamName: 'bench' });
    if (d.StreamDescriptionSummary.StreamStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const data = randomBytes(SIZE).toString('base64');
  let n = 0;
  const bodies = Array.from({ length: 64 }, () => Buffer.from(JSON.stringify({
    StreamName: 'bench',
    Records: Array.from({ length: BATCH }, () => ({ PartitionKey: `pk-${n++}`, Data: data })),
  })));

  // Writes: CLIENTS loops, spread over the nodes, for SECONDS.
  let written = 0;
  const latencies = [];
  const end = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    const endpoint = endpoints[c % endpoints.length];
    for (let i = c; performance.now() < end; i++) {
      const t = performance.now();
      const out = await call(endpoint, 'PutRecords', bodies[i % bodies.length]);
      latencies.push(performance.now() - t);
      written += BATCH - out.FailedRecordCount;
    }
  }));
  const writeSeconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);

  // Reads: every shard from TRIM_HORIZON, readers in parallel, through the nodes in turn.
  const readStart = performance.now();
  const counts = await Promise.all(Array.from({ length: SHARDS }, async (_, s) => {
    const endpoint = endpoints[s % endpoints.length];
    let it = (await call(endpoint, 'GetShardIterator', { StreamName: 'bench', ShardId: `shardId-${String(s).padStart(12, '0')}`, ShardIteratorType: 'TRIM_HORIZON' })).ShardIterator;
    let count = 0;
    for (;;) {
      const out = await call(endpoint, 'GetRecords', { ShardIterator: it, Limit: 10000 });
      count += out.Records.length;
      if (out.Records.length === 0) break;
      it = out.NextShardIterator;
    }
    return count;
  }));
  const readSeconds = (performance.now() - readStart) / 1000;
  const read = counts.reduce((a, b) => a + b, 0);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(1);
  console.log(JSON.stringify({
    engine: opts.engine, nodes: NODES, clients: CLIENTS, batch: BATCH, recordBytes: SIZE, shards: SHARDS,
    put: { records: written, seconds: +writeSeconds.toFixed(2), recordsPerSecond: Math.round(written / writeSeconds),
      MiBPerSecond: +((written * SIZE) / writeSeconds / 2 ** 20).toFixed(1), p50ms: +pct(0.5), p99ms: +pct(0.99) },
    get: { records: read, seconds: +readSeconds.toFixed(2), recordsPerSecond: Math.round(read / readSeconds) },
  }));
  if (read !== written) throw new Error(`read ${read} records, wrote ${written}`);
} finally {
  for (const node of nodes) {
    node.child.kill('SIGTERM');
    await new Promise((r) => node.child.once('exit', r));
  }
  agent.destroy();
  rmSync(dataDir, { recursive: true, force: true });
  if (opts.engine === 'postgres') await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
}
