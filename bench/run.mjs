#!/usr/bin/env node
// Sluice benchmark harness: runs Sluice, kinesalite and kinesis-local
// (kinesis-mock) one after the other on identical workloads and prints the
// figures side by side with ratios.  Plain ESM, no build step.
//
//   node bench/run.mjs [--only sluice,kinesalite,kinesis-local] [--records 200000] [--client raw|sdk]
//
// See bench/README.md for what each workload measures.

import { spawn, spawnSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { isAscii } from 'node:buffer';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { setMaxListeners } from 'node:events';

// The AWS SDK warns once that it will soon need Node >= 22; Node 20 is what
// this project targets, so drop that one warning and keep all others.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (/node >=\s*22/i.test(w.message)) return;
  console.error(`${w.name}: ${w.message}`);
});

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_DIR = path.resolve(BENCH_DIR, '..');
const RESULTS_DIR = path.join(BENCH_DIR, 'results');
const LOOPBACK_PRELOAD = path.join(BENCH_DIR, 'lib', 'loopback-only.cjs');
const HOST = '127.0.0.1';
const require = createRequire(path.join(BENCH_DIR, 'package.json'));

const ALL_SERVERS = ['sluice', 'kinesalite', 'kinesis-local'];
/** Harness CPU (cores) from which a workload counts as bounded by the client rather than the server. */
const CLIENT_BOUND_CORES = 0.9;
/** First size of a raw-client receive buffer; it doubles as answers need. */
const RECEIVE_START = 256 * 1024;

// ---------------------------------------------------------------- arguments

function usage(code = 0) {
  const text = `usage: node bench/run.mjs [options]

  --only a,b,c        servers to run (default: ${ALL_SERVERS.join(',')})
  --records N         records written by the PutRecords workload (default 200000)
  --timeout S         cap, in seconds, on every workload (default: per workload,
                      see README); a workload over it is reported as n/a
  --client raw|sdk    client for workloads 2 (PutRecords throughput) and 3
                      (GetRecords read-back), the same for every server:
                      raw = node:http with pre-encoded JSON bodies (default),
                      sdk = @aws-sdk/client-kinesis; 1 and 4 always use the SDK
  --out FILE          JSON results file (default bench/results/latest.json)
  --help              this text`;
  (code ? console.error : console.log)(text);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { only: ALL_SERVERS.slice(), records: 200_000, timeoutS: null, client: 'raw', out: path.join(RESULTS_DIR, 'latest.json') };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    const next = () => {
      if (v !== undefined) return v;
      if (i + 1 >= argv.length) { console.error(`${a} needs a value`); usage(2); }
      return argv[++i];
    };
    switch (a) {
      case '--only': {
        const names = next().split(',').map((s) => s.trim()).filter(Boolean);
        for (const n of names) if (!ALL_SERVERS.includes(n)) { console.error(`unknown server "${n}" (known: ${ALL_SERVERS.join(', ')})`); usage(2); }
        if (!names.length) usage(2);
        opts.only = ALL_SERVERS.filter((n) => names.includes(n));
        break;
      }
      case '--records': {
        const n = Number(next());
        if (!Number.isInteger(n) || n < 500) { console.error('--records must be an integer >= 500'); usage(2); }
        opts.records = n;
        break;
      }
      case '--timeout': {
        const n = Number(next());
        if (!(n > 0)) { console.error('--timeout must be a positive number of seconds'); usage(2); }
        opts.timeoutS = n;
        break;
      }
      case '--client': {
        const c = next();
        if (c !== 'raw' && c !== 'sdk') { console.error('--client must be raw or sdk'); usage(2); }
        opts.client = c;
        break;
      }
      case '--out': opts.out = path.resolve(next()); break;
      case '-h': case '--help': usage(0); break;
      default: console.error(`unknown argument ${a}`); usage(2);
    }
  }
  return opts;
}

const OPTS = parseArgs(process.argv.slice(2));

// ------------------------------------------------------------- dependencies

let Kinesis, NodeHttpHandler;
try {
  Kinesis = await import('@aws-sdk/client-kinesis');
  ({ NodeHttpHandler } = await import('@smithy/node-http-handler'));
} catch (err) {
  console.error(`bench dependencies are missing (${err.message.split('\n')[0]}).\nRun: cd ${path.relative(process.cwd(), BENCH_DIR) || '.'} && npm install`);
  process.exit(2);
}
const {
  KinesisClient, CreateStreamCommand, DescribeStreamCommand, ListStreamsCommand,
  PutRecordCommand, PutRecordsCommand, GetShardIteratorCommand, GetRecordsCommand,
} = Kinesis;

// ------------------------------------------------------------------ config

// Workload sizes (identical for every server).
const W = {
  // The SDK client's own code is still being optimised through its first couple of thousand
  // calls: a short warm-up made whichever server ran first look slower (README, workload 1).
  latency: { warmup: 2000, count: 5000, block: 500, size: 1024 },
  // Every call sends one of `distinctBatches` fixed batches (cycled), built once
  // before any server runs: the same records for every server and both clients.
  throughput: { records: OPTS.records, batch: 500, size: 1024, shards: 8, concurrency: 16, distinctBatches: 40 },
  readback: { limit: 10_000 },
  e2e: { count: 200, intervalMs: 20, emptySleepMs: 1, size: 1024 },
};

// Per-workload time caps (seconds).  Generous, but always finite.
const T = {
  start: 90,
  setup: 60,
  latency: 180,
  throughput: 60 + Math.ceil(OPTS.records / 500), // 460 s for 200k records (~435 rec/s floor)
  readback: 60 + Math.ceil(OPTS.records / 1000),
  e2e: 60,
  settle: 120, // waiting for the server to go idle before the read-back
  request: 300, // cap on any single HTTP request (the workload caps above normally come first)
};
if (OPTS.timeoutS) for (const k of ['latency', 'throughput', 'readback', 'e2e']) T[k] = OPTS.timeoutS;

// ------------------------------------------------------------------ helpers

class TimeoutError extends Error {}

/** Run fn(signal) with a deadline; on expiry abort the signal and reject. */
async function withDeadline(label, seconds, fn) {
  const ac = new AbortController();
  setMaxListeners(0, ac.signal); // one listener per in-flight request
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const e = new TimeoutError(`${label} timed out after ${seconds}s`);
      ac.abort(e);
      reject(e);
    }, seconds * 1000);
  });
  try {
    return await Promise.race([fn(ac.signal), deadline]);
  } finally {
    clearTimeout(timer);
    if (!ac.signal.aborted) ac.abort(new Error(`${label} finished`));
  }
}

function checkAbort(signal) {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

function errText(err) {
  if (!err) return 'unknown error';
  const name = err.name && err.name !== 'Error' ? `${err.name}: ` : '';
  let msg = `${name}${err.message || String(err)}`;
  const status = err.$metadata?.httpStatusCode;
  if (status) msg += ` (HTTP ${status})`;
  return msg.split('\n')[0].slice(0, 300);
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function stats(samples) {
  const s = samples.slice().sort((a, b) => a - b);
  const mean = s.reduce((acc, x) => acc + x, 0) / (s.length || 1);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), mean, min: s[0], max: s[s.length - 1] };
}

const round = (x, d = 3) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen({ port: 0, host: HOST }, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function readRssMiB(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const get = (key) => {
      const m = status.match(new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm'));
      return m ? Number(m[1]) / 1024 : null;
    };
    return { rssMiB: get('VmRSS'), peakRssMiB: get('VmHWM') };
  } catch {
    return null;
  }
}

const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout);
  return r.status === 0 && n > 0 ? n : 100;
})();

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function procCpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime
  } catch {
    return null;
  }
}

/** Wraps a workload so its result also tells the CPU time the server and the harness spent. */
function withCpu(pid, fn) {
  return async (signal, partial) => {
    const s0 = procCpuSeconds(pid);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const value = await fn(signal, partial);
    const wall = (performance.now() - t0) / 1000;
    const s1 = procCpuSeconds(pid);
    const c = process.cpuUsage(c0);
    const client = (c.user + c.system) / 1e6;
    return {
      ...value,
      cpu: {
        wallSeconds: round(wall),
        serverCpuSeconds: s0 === null || s1 === null ? null : round(s1 - s0),
        harnessCpuSeconds: round(client),
        serverCores: s0 === null || s1 === null ? null : round((s1 - s0) / wall, 2),
        harnessCores: round(client / wall, 2),
      },
    };
  };
}

/**
 * Waits (at most maxSeconds) until the server process is nearly idle: below
 * 0.15 cores over two consecutive 500 ms samples.  Used before the read-back,
 * so that a server still working through aborted PutRecords calls does not
 * have that work counted as read time.  Returns the seconds waited.
 */
async function waitIdle(pid, maxSeconds) {
  const t0 = performance.now();
  let quiet = 0;
  let prev = procCpuSeconds(pid);
  if (prev === null) return 0;
  while ((performance.now() - t0) / 1000 < maxSeconds) {
    await sleep(500);
    const cur = procCpuSeconds(pid);
    if (cur === null) break;
    quiet = (cur - prev) / 0.5 < 0.15 ? quiet + 1 : 0;
    prev = cur;
    if (quiet >= 2) break;
  }
  return round((performance.now() - t0) / 1000, 1);
}

function dirSizeMiB(dir) {
  let total = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += fs.statSync(p).size;
    }
  };
  try { walk(dir); return total / 1024 / 1024; } catch { return null; }
}

function pkgVersion(dir) {
  try { return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version; } catch { return null; }
}

function machineFacts() {
  const cpus = os.cpus();
  const git = spawnSync('git', ['-C', REPO_DIR, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  return {
    nproc: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    totalMemGiB: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAvgAtStart: os.loadavg().map((x) => round(x, 2)),
    sluiceGitRev: git.status === 0 ? git.stdout.trim() : null,
  };
}

// Payloads: a pool of distinct random 1 KiB buffers, reused across records.
const POOL = Array.from({ length: 256 }, () => new Uint8Array(randomBytes(1024)));

// ------------------------------------------------------------------ servers

/** Keeps the last lines a child printed, and mirrors them to a log file. */
function captureOutput(child, logFile) {
  const tail = [];
  const log = fs.createWriteStream(logFile);
  const listeners = new Set();
  const onData = (chunk) => {
    log.write(chunk);
    const text = chunk.toString('utf8');
    for (const line of text.split(/\r?\n/)) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      for (const l of listeners) l(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.on('close', () => log.end());
  return { tail, onLine: (fn) => listeners.add(fn) };
}

const SERVERS = {
  sluice: {
    label: 'Sluice',
    storage: 'durable, embedded SQLite (default), fresh temp data dir',
    version: () => pkgVersion(REPO_DIR),
    async launch() {
      const cli = path.join(REPO_DIR, 'dist', 'cli.js');
      if (!fs.existsSync(cli)) throw new Error(`${path.relative(process.cwd(), cli)} not found: build Sluice first (npm run build)`);
      const port = await freePort();
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
      const args = [cli, '--host', HOST, '--port', String(port), '--data-dir', dataDir,
        '--create-stream-ms', '0', '--delete-stream-ms', '0', '--update-stream-ms', '0', '--log-level', 'warn'];
      const child = spawn(process.execPath, args, { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
      return { child, port, dataDir, cmd: `node ${args.join(' ')}`,
        cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }) };
    },
  },
  kinesalite: {
    label: 'kinesalite',
    storage: 'in-memory (memdown; no --path), not durable',
    version: () => pkgVersion(path.dirname(require.resolve('kinesalite/package.json'))),
    async launch() {
      const cli = path.join(path.dirname(require.resolve('kinesalite/package.json')), 'cli.js');
      const port = await freePort();
      const args = ['--require', LOOPBACK_PRELOAD, cli, '--port', String(port),
        '--createStreamMs', '0', '--deleteStreamMs', '0', '--updateStreamMs', '0', '--shardLimit', '100'];
      const child = spawn(process.execPath, args, { cwd: BENCH_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
      return { child, port, cmd: `node ${args.join(' ')}` };
    },
  },
  'kinesis-local': {
    label: 'kinesis-local',
    storage: 'in-memory (SHOULD_PERSIST_DATA=false), not durable',
    version: () => pkgVersion(path.dirname(require.resolve('kinesis-local/package.json'))),
    async launch() {
      const dir = path.dirname(require.resolve('kinesis-local/package.json'));
      const plainPort = await freePort();
      let tlsPort = await freePort();
      while (tlsPort === plainPort) tlsPort = await freePort();
      const env = {
        ...process.env,
        KINESIS_MOCK_CERT_PATH: path.join(dir, 'server.json'),
        KINESIS_MOCK_PLAIN_PORT: String(plainPort),
        KINESIS_MOCK_TLS_PORT: String(tlsPort),
        CREATE_STREAM_DURATION: '0ms',
        DELETE_STREAM_DURATION: '0ms',
        UPDATE_SHARD_COUNT_DURATION: '0ms',
        SHOULD_PERSIST_DATA: 'false',
        LOAD_DATA_IF_EXISTS: 'false',
        SHARD_LIMIT: '100',
        LOG_LEVEL: 'WARN',
      };
      // kinesis-local hard-codes 0.0.0.0; the preload pins it to 127.0.0.1.
      const args = ['--require', LOOPBACK_PRELOAD, path.join(dir, 'main.js')];
      const child = spawn(process.execPath, args, { cwd: BENCH_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
      return { child, port: plainPort, tlsPort,
        cmd: `KINESIS_MOCK_PLAIN_PORT=${plainPort} KINESIS_MOCK_TLS_PORT=${tlsPort} CREATE_STREAM_DURATION=0ms ... node ${args.join(' ')}` };
    },
  },
};

const liveChildren = new Set();
function killAllSync() {
  for (const c of liveChildren) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
}
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { killAllSync(); process.exit(130); });
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) { liveChildren.delete(child); return; }
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, 5000);
  await Promise.race([exited, sleep(10_000)]);
  clearTimeout(t);
  liveChildren.delete(child);
}

// ------------------------------------------------------------------- client

// Dummy credentials, the same for both clients: Sluice (and kinesis-local)
// take the account and region from the Credential of the Authorization header,
// so the raw client must name the same ones as the SDK client that created the
// streams.
const CREDS = { accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'benchmark-secret', region: 'us-east-1', service: 'kinesis' };

function makeClient(port, maxSockets) {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const client = new KinesisClient({
    endpoint: `http://${HOST}:${port}`,
    region: CREDS.region,
    credentials: { accessKeyId: CREDS.accessKeyId, secretAccessKey: CREDS.secretAccessKey },
    maxAttempts: 1, // no hidden retries: every failure is counted
    requestHandler: new NodeHttpHandler({ httpAgent, connectionTimeout: 10_000, requestTimeout: T.request * 1000, throwOnRequestTimeout: true }),
  });
  return { client, destroy: () => { client.destroy(); httpAgent.destroy(); } };
}

// Raw client (workloads 2 and 3 unless --client sdk): node:http over a
// keep-alive Agent, awsJson1_1 bodies, SigV4 headers.  None of the three
// servers verifies signatures, but the header is a real SigV4 signature over
// content-length, content-type, host, x-amz-content-sha256, x-amz-date and
// x-amz-target (cheap: the payload hash of a pre-encoded body is computed once,
// the signing key once per day).
const AMZ_JSON = 'application/x-amz-json-1.1';
const KINESIS_TARGET = 'Kinesis_20131202';
const SIGNED_HEADERS = 'content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target';

const sha256Hex = (data) => createHash('sha256').update(data).digest('hex');
const signingKeys = new Map();
function signingKey(date) {
  let key = signingKeys.get(date);
  if (!key) {
    key = Buffer.from('AWS4' + CREDS.secretAccessKey);
    for (const part of [date, CREDS.region, CREDS.service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    signingKeys.set(date, key);
  }
  return key;
}

/** SigV4 headers (X-Amz-Date, X-Amz-Content-Sha256, Authorization) for a POST to / . */
function sigV4(host, target, contentLength, payloadHash, now = new Date()) {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, ''); // 20260101T000000Z
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${CREDS.region}/${CREDS.service}/aws4_request`;
  const canonical = `POST\n/\n\ncontent-length:${contentLength}\ncontent-type:${AMZ_JSON}\nhost:${host}\n` +
    `x-amz-content-sha256:${payloadHash}\nx-amz-date:${amzDate}\nx-amz-target:${target}\n\n${SIGNED_HEADERS}\n${payloadHash}`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
  const signature = createHmac('sha256', signingKey(date)).update(stringToSign).digest('hex');
  return {
    'X-Amz-Date': amzDate,
    'X-Amz-Content-Sha256': payloadHash,
    Authorization: `AWS4-HMAC-SHA256 Credential=${CREDS.accessKeyId}/${scope}, SignedHeaders=${SIGNED_HEADERS}, Signature=${signature}`,
  };
}

/** An error shaped like the SDK's: name = the service's __type, $metadata.httpStatusCode. */
function serviceError(status, headers, text) {
  let body = null;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  const type = String(body?.__type ?? headers['x-amzn-errortype'] ?? 'HttpError').split(':')[0].split('#').pop();
  const err = new Error(body?.message ?? body?.Message ?? (text ? `non-JSON body: ${text.slice(0, 200)}` : 'empty body'));
  err.name = type;
  err.$metadata = { httpStatusCode: status };
  return err;
}

/**
 * call(operation, body, { signal, payloadHash }) POSTs body (a Buffer or a
 * string of JSON) and resolves with the JSON.parse'd answer, or rejects with
 * the service's error.  Each request is capped at T.request seconds.
 */
function makeRawClient(port, maxSockets) {
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const host = `${HOST}:${port}`;
  /** Receive buffers of answers already parsed, for the next ones. */
  const spare = [];
  function call(operation, body, { signal, payloadHash } = {}) {
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    const target = `${KINESIS_TARGET}.${operation}`;
    const headers = {
      Host: host,
      'Content-Type': AMZ_JSON,
      'Content-Length': buf.length,
      'X-Amz-Target': target,
      ...sigV4(host, target, buf.length, payloadHash ?? sha256Hex(buf)),
    };
    return new Promise((resolve, reject) => {
      let timer;
      const fail = (err) => { clearTimeout(timer); reject(err); };
      const req = http.request({ agent, host: HOST, port, method: 'POST', path: '/', headers, signal }, (res) => {
        // Answers are gathered in reused memory, not Buffer.concat'ed into fresh memory each time:
        // on a machine where first-touched memory is slow, gathering a 14 MB GetRecords answer
        // that way cost the harness about as much as parsing it. The same for every server.
        let buf = spare.pop() ?? Buffer.allocUnsafeSlow(RECEIVE_START);
        let at = 0;
        let ended = false;
        res.on('data', (c) => {
          if (at + c.length > buf.length) {
            const bigger = Buffer.allocUnsafeSlow(Math.max(buf.length * 2, at + c.length));
            buf.copy(bigger, 0, 0, at);
            buf = bigger;
          }
          at += c.copy(buf, at);
        });
        res.on('error', fail);
        res.on('close', () => { if (!ended) fail(new Error(`${operation}: connection closed before the response ended`)); });
        res.on('end', () => {
          ended = true;
          clearTimeout(timer);
          const view = buf.subarray(0, at);
          // ASCII (nearly every answer) reads as latin1: a plain copy, no UTF-8 decoding.
          const text = isAscii(view) ? view.toString('latin1') : view.toString('utf8');
          if (spare.length < maxSockets) spare.push(buf);
          if (res.statusCode !== 200) return reject(serviceError(res.statusCode, res.headers, text));
          try { resolve(JSON.parse(text)); } catch (err) { reject(new Error(`${operation}: response is not JSON (${err.message})`)); }
        });
      });
      req.on('error', fail);
      timer = setTimeout(() => {
        const e = new Error(`${operation}: no complete response within ${T.request}s`);
        e.name = 'TimeoutError';
        req.destroy(e);
      }, T.request * 1000);
      req.end(buf);
    });
  }
  return { call, destroy: () => agent.destroy() };
}

/**
 * The operations workloads 2 and 3 need, over the client chosen by --client.
 * Both return the service's output fields (Records, FailedRecordCount,
 * NextShardIterator, ...) with the same names; only Data differs (a base64
 * string in raw mode, bytes from the SDK) and the workloads only count it.
 */
function makeDataClient(mode, port, maxSockets) {
  if (mode === 'raw') {
    const raw = makeRawClient(port, maxSockets);
    return {
      putBatch: (batch, signal) => raw.call('PutRecords', batch.body, { signal, payloadHash: batch.payloadHash }),
      getShardIterator: (params, signal) => raw.call('GetShardIterator', JSON.stringify(params), { signal }),
      getRecords: (params, signal) => raw.call('GetRecords', JSON.stringify(params), { signal }),
      destroy: raw.destroy,
    };
  }
  const { client, destroy } = makeClient(port, maxSockets);
  return {
    putBatch: (batch, signal) => client.send(new PutRecordsCommand({ StreamName: batch.stream, Records: batch.records }), { abortSignal: signal }),
    getShardIterator: (params, signal) => client.send(new GetShardIteratorCommand(params), { abortSignal: signal }),
    getRecords: (params, signal) => client.send(new GetRecordsCommand(params), { abortSignal: signal }),
    destroy,
  };
}

/**
 * The PutRecords calls of workload 2, built before any timing: distinctBatches
 * batches of `batch` records (distinct partition keys pk-0 ... pk-19999 with
 * the defaults), cycled, plus a shorter last call when --records is not a
 * multiple of the batch size.  For the raw client each body is also
 * JSON-encoded (base64 Data) and hashed here, once for all servers.
 * callBatch(start) gives the batch for the call that sends records start...
 */
function buildPutBatches(stream, mode) {
  const { records: total, batch, distinctBatches } = W.throughput;
  const cache = new Map();
  const make = (b, n) => {
    const key = `${b}:${n}`;
    let entry = cache.get(key);
    if (entry) return entry;
    const records = Array.from({ length: n }, (_, j) => {
      const i = b * batch + j;
      return { PartitionKey: `pk-${i}`, Data: POOL[i % POOL.length] };
    });
    entry = { stream, records, n };
    if (mode === 'raw') {
      entry.body = Buffer.from(JSON.stringify({
        StreamName: stream,
        Records: records.map((r) => ({ Data: Buffer.from(r.Data.buffer, r.Data.byteOffset, r.Data.byteLength).toString('base64'), PartitionKey: r.PartitionKey })),
      }));
      entry.payloadHash = sha256Hex(entry.body);
    }
    cache.set(key, entry);
    return entry;
  };
  // Build every batch the run will use now, not during the timed section.
  const fullCalls = Math.floor(total / batch);
  for (let b = 0; b < Math.min(fullCalls, distinctBatches); b++) make(b, batch);
  if (total % batch) make(fullCalls % distinctBatches, total % batch);
  return {
    distinct: cache.size,
    bodyBytes: [...cache.values()].reduce((a, e) => a + (e.body?.length ?? 0), 0),
    callBatch: (start) => make(Math.floor(start / batch) % distinctBatches, Math.min(batch, total - start)),
  };
}

async function waitReady(client, child, out, seconds) {
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let lastErr;
  let exited = child.exitCode !== null || child.signalCode !== null ? `${child.signalCode ?? `code ${child.exitCode}`}` : null;
  child.once('exit', (code, sig) => { exited = sig ? `signal ${sig}` : `code ${code}`; });
  while (performance.now() < deadline) {
    if (exited) throw new Error(`exited during start-up (${exited}): ${out.tail.slice(-5).join(' | ') || 'no output'}`);
    try {
      await client.send(new ListStreamsCommand({}), { abortSignal: AbortSignal.timeout(2000) });
      return performance.now() - t0;
    } catch (err) {
      lastErr = err;
      await sleep(50);
    }
  }
  throw new Error(`did not answer ListStreams within ${seconds}s (last error: ${errText(lastErr)}); output: ${out.tail.slice(-5).join(' | ') || 'none'}`);
}

// Only operations every server implements are used: CreateStream,
// DescribeStream, ListStreams, PutRecord(s), GetShardIterator, GetRecords.
async function createStream(client, name, shards, signal) {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }), { abortSignal: signal });
  for (;;) {
    checkAbort(signal);
    const r = await client.send(new DescribeStreamCommand({ StreamName: name }), { abortSignal: signal });
    const d = r.StreamDescription;
    if (d?.StreamStatus === 'ACTIVE') {
      const ids = (d.Shards ?? []).map((s) => s.ShardId);
      if (ids.length !== shards) throw new Error(`stream ${name}: expected ${shards} shards, DescribeStream returned ${ids.length}`);
      return ids;
    }
    await sleep(20);
  }
}

// ---------------------------------------------------------------- workloads

/**
 * 1. Sequential PutRecord latency over a single keep-alive connection, for every server in one
 * phase before the others: all the servers run, each gets its warm-up, then the timed calls go in
 * blocks, one server's block after another's, so that the machine's changes of pace fall on every
 * server alike. (Measured one after the other, minutes apart, the same server's p99 moved by a
 * third from run to run on the 2-core machine, more than the servers differ.) Each server's
 * warm-up, and each of its blocks, has the latency cap; a server that fails or runs over it drops out.
 */
async function latencyPhase(names) {
  const { warmup, count, block } = W.latency;
  const entries = [];
  console.log(`\n== 1. PutRecord latency, all servers running: ${warmup} warm-up calls each, then ${count} timed in blocks of ${block}, taking turns`);
  const putter = (client) => (i, signal) => client.send(
    new PutRecordCommand({ StreamName: 'bench-latency', PartitionKey: `k${i}`, Data: POOL[i % POOL.length] }), { abortSignal: signal });
  try {
    for (const name of names) {
      const entry = { name, samples: [] };
      entries.push(entry);
      try {
        entry.launched = await SERVERS[name].launch();
        liveChildren.add(entry.launched.child);
        const out = captureOutput(entry.launched.child, path.join(RESULTS_DIR, `${name}-latency.log`));
        entry.made = makeClient(entry.launched.port, 1);
        const { client } = entry.made;
        entry.put = putter(client);
        await waitReady(client, entry.launched.child, out, T.start);
        await withDeadline('creating the stream', T.setup, (signal) => createStream(client, 'bench-latency', 1, signal));
        await withDeadline('warm-up', T.latency, async (signal) => { for (let i = 0; i < warmup; i++) await entry.put(i, signal); });
        console.log(`    ${SERVERS[name].label}: warmed up`);
      } catch (err) {
        entry.failed = errText(err);
        console.log(`    ${SERVERS[name].label}: FAILED: ${entry.failed}`);
      }
    }
    for (let b = 0; b * block < count; b++) {
      for (const entry of entries) {
        if (entry.failed) continue;
        try {
          await withDeadline(`block ${b + 1}`, T.latency, async (signal) => {
            for (let i = 0; i < block; i++) {
              const t0 = performance.now();
              await entry.put(warmup + b * block + i, signal);
              entry.samples.push(performance.now() - t0);
            }
          });
        } catch (err) {
          entry.failed = errText(err);
          console.log(`    ${SERVERS[entry.name].label}: FAILED in block ${b + 1}: ${entry.failed}`);
        }
      }
    }
  } finally {
    for (const entry of entries) {
      entry.made?.destroy();
      if (entry.launched) {
        await stopChild(entry.launched.child);
        try { entry.launched.cleanup?.(); } catch { /* best effort */ }
      }
    }
  }
  const results = new Map();
  for (const entry of entries) {
    if (entry.failed) {
      results.set(entry.name, { ok: false, reason: entry.failed });
      continue;
    }
    const s = stats(entry.samples);
    results.set(entry.name, { ok: true, n: s.n, p50Ms: round(s.p50), p99Ms: round(s.p99), meanMs: round(s.mean), maxMs: round(s.max), interleaved: names.length });
    console.log(`    ${SERVERS[entry.name].label}: p50 ${round(s.p50)} ms, p99 ${round(s.p99)} ms, max ${round(s.max)} ms`);
  }
  return results;
}

/**
 * 2. PutRecords throughput: 500 × 1 KiB per call, 16 calls in flight, 8 shards.
 * `batches` comes from buildPutBatches (built before the timed section).
 */
async function wPutThroughput(port, batches, signal, progress, partial = {}) {
  const { records: total, batch, concurrency } = W.throughput;
  const { putBatch, destroy } = makeDataClient(OPTS.client, port, concurrency);
  const perShard = new Map();
  let next = 0; // next record index to hand out
  let okRecords = 0;
  let failedRecords = 0;
  let failedCalls = 0;
  let failedCallRecords = 0; // records of calls that failed as a whole: stored or not, unknown
  let calls = 0;
  const failureCodes = new Map();
  let firstCallError = null;
  const t0 = performance.now();
  // Kept current so that a timed-out run can still say how far it got.
  partial.startedAt = t0;
  const snapshot = () => Object.assign(partial, {
    okRecords, failedRecords, failedCalls, failedCallRecords, inFlightRecords: next - okRecords - failedRecords,
    seconds: round((performance.now() - t0) / 1000), perShard: Object.fromEntries([...perShard.entries()].sort()),
  });
  async function worker() {
    for (;;) {
      checkAbort(signal);
      const start = next;
      if (start >= total) return;
      const call = batches.callBatch(start);
      const n = call.n;
      next += n;
      snapshot(); // counts this call as in flight until it is answered
      calls++;
      let resp;
      try {
        resp = await putBatch(call, signal);
      } catch (err) {
        checkAbort(signal);
        failedCalls++;
        failedCallRecords += n;
        failedRecords += n;
        firstCallError ??= errText(err);
        if (failedCalls > 20 && failedCalls > calls / 2) throw new Error(`most PutRecords calls fail: ${firstCallError}`);
        continue;
      }
      const results = resp.Records ?? [];
      let failedHere = 0;
      for (const r of results) {
        if (r.ErrorCode) {
          failedHere++;
          failureCodes.set(r.ErrorCode, (failureCodes.get(r.ErrorCode) ?? 0) + 1);
        } else {
          perShard.set(r.ShardId, (perShard.get(r.ShardId) ?? 0) + 1);
        }
      }
      if (results.length !== n) failedHere = n - (results.length - failedHere);
      const reported = resp.FailedRecordCount ?? 0;
      failedRecords += Math.max(failedHere, reported);
      okRecords += n - Math.max(failedHere, reported);
      snapshot();
      progress?.(okRecords + failedRecords, total);
    }
  }
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    destroy();
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    client: OPTS.client,
    records: total,
    distinctBatches: batches.distinct,
    okRecords,
    failedRecords,
    failedCalls,
    failedCallRecords,
    failureCodes: Object.fromEntries(failureCodes),
    firstCallError,
    seconds: round(seconds),
    recordsPerSec: round(okRecords / seconds, 0),
    mibPerSec: round((okRecords * W.throughput.size) / 1024 / 1024 / seconds, 2),
    perShard: Object.fromEntries([...perShard.entries()].sort()),
  };
}

/** 3. Read back everything written by (2), all shards in parallel. */
async function wReadBack(port, stream, shardIds, expectedPerShard, uncertain, signal, progress) {
  const { getShardIterator, getRecords, destroy } = makeDataClient(OPTS.client, port, shardIds.length);
  const expected = Object.values(expectedPerShard).reduce((a, b) => a + b, 0);
  let read = 0;
  let calls = 0;
  let throttled = 0;
  const perShard = {};
  const t0 = performance.now();
  async function readShard(shardId) {
    const want = expectedPerShard[shardId] ?? 0;
    let got = 0;
    let empties = 0;
    const it = await getShardIterator({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }, signal);
    let iterator = it.ShardIterator;
    while (iterator) {
      checkAbort(signal);
      let r;
      try {
        r = await getRecords({ ShardIterator: iterator, Limit: W.readback.limit }, signal);
      } catch (err) {
        checkAbort(signal);
        if (err.name === 'ProvisionedThroughputExceededException') { throttled++; await sleep(50); continue; }
        throw err;
      }
      calls++;
      const n = r.Records?.length ?? 0;
      got += n;
      read += n;
      progress?.(read, expected);
      iterator = r.NextShardIterator;
      if (n === 0) {
        // Caught up: stop once we have everything, or after several empty
        // reads at the tip (a short read would then show up as a mismatch).
        if (got >= want) break;
        if (r.MillisBehindLatest === 0 && ++empties >= 5) break;
        await sleep(5);
      } else {
        empties = 0;
        if (got >= want && r.MillisBehindLatest === 0) break;
      }
    }
    perShard[shardId] = got;
  }
  try {
    await Promise.all(shardIds.map(readShard));
  } finally {
    destroy();
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    client: OPTS.client,
    expected,
    read,
    verified: read >= expected && read <= expected + uncertain,
    getRecordsCalls: calls,
    throttled,
    seconds: round(seconds),
    recordsPerSec: round(read / seconds, 0),
    mibPerSec: round((read * W.throughput.size) / 1024 / 1024 / seconds, 2),
    perShardMismatch: Object.fromEntries(Object.entries(perShard).filter(([k, v]) => v !== (expectedPerShard[k] ?? 0))),
  };
}

/** 4. Put-to-get latency: one writer (a record every 20 ms), one tight-polling reader. */
async function wPutToGet(port, stream, shardId, signal) {
  const { count, intervalMs, emptySleepMs, size } = W.e2e;
  const writer = makeClient(port, 1);
  const reader = makeClient(port, 1);
  const sentAt = new Array(count);
  const ackAt = new Array(count);
  const seenAt = new Array(count);
  let seen = 0;
  let polls = 0;
  let emptyPolls = 0;
  let throttled = 0;
  let writerDone = false;
  let lastAck = performance.now();
  try {
    const it = await reader.client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }), { abortSignal: signal });
    let iterator = it.ShardIterator;
    const readLoop = (async () => {
      while (seen < count) {
        checkAbort(signal);
        if (!iterator) throw new Error('reader lost its shard iterator');
        let r;
        try {
          r = await reader.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }), { abortSignal: signal });
        } catch (err) {
          checkAbort(signal);
          if (err.name === 'ProvisionedThroughputExceededException') { throttled++; await sleep(emptySleepMs); continue; }
          throw err;
        }
        const now = performance.now();
        polls++;
        iterator = r.NextShardIterator;
        const recs = r.Records ?? [];
        if (!recs.length) {
          emptyPolls++;
          if (writerDone && performance.now() - lastAck > 10_000) throw new Error(`reader saw ${seen}/${count} records 10 s after the last put`);
          if (emptySleepMs) await sleep(emptySleepMs);
          continue;
        }
        for (const rec of recs) {
          const d = rec.Data;
          const idx = new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(0);
          if (idx < count && seenAt[idx] === undefined) { seenAt[idx] = now; seen++; }
        }
      }
    })();
    const writeLoop = (async () => {
      const start = performance.now();
      for (let i = 0; i < count; i++) {
        checkAbort(signal);
        const due = start + i * intervalMs;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const data = new Uint8Array(size);
        data.set(POOL[i % POOL.length]);
        new DataView(data.buffer).setUint32(0, i);
        sentAt[i] = performance.now();
        await writer.client.send(new PutRecordCommand({ StreamName: stream, PartitionKey: 'e2e', Data: data }), { abortSignal: signal });
        ackAt[i] = lastAck = performance.now();
      }
      writerDone = true;
    })();
    await Promise.all([readLoop, writeLoop]);
  } finally {
    writer.destroy();
    reader.destroy();
  }
  const fromSend = stats(seenAt.map((t, i) => t - sentAt[i]));
  const fromAck = stats(seenAt.map((t, i) => t - ackAt[i]));
  const put = stats(ackAt.map((t, i) => t - sentAt[i]));
  return {
    n: count,
    p50Ms: round(fromSend.p50), p99Ms: round(fromSend.p99), meanMs: round(fromSend.mean), maxMs: round(fromSend.max),
    fromAck: { p50Ms: round(fromAck.p50), p99Ms: round(fromAck.p99), minMs: round(fromAck.min) },
    putAckP50Ms: round(put.p50),
    polls, emptyPolls, throttled,
  };
}

// ------------------------------------------------------------ orchestration

function progressPrinter(label) {
  let last = 0;
  return (done, total) => {
    const now = performance.now();
    if (now - last < 10_000 && done < total) return;
    last = now;
    process.stdout.write(`      ${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}\n`);
  };
}

async function runWorkload(result, key, label, seconds, fn, partial = null) {
  console.log(`    ${label}`);
  const t0 = performance.now();
  try {
    const value = await withDeadline(label, seconds, (signal) => fn(signal, partial));
    result.workloads[key] = { ok: true, ...value };
    const cpu = value.cpu ? `; CPU used: server ${value.cpu.serverCores ?? '?'} cores, harness ${value.cpu.harnessCores} cores` : '';
    // The harness runs its requests and parses answers on one thread: near one core of its own,
    // it, not the server, is what sets the pace.
    if (value.cpu && value.cpu.harnessCores >= CLIENT_BOUND_CORES) {
      value.cpu.clientBound = true;
      console.log(`      note: the harness used ${value.cpu.harnessCores} cores: this figure is bounded by the client, the server could do more`);
    }
    console.log(`      done in ${((performance.now() - t0) / 1000).toFixed(1)} s${cpu}`);
    return value;
  } catch (err) {
    let reason = errText(err);
    if (partial?.describe) reason += ` (${partial.describe()})`;
    result.workloads[key] = { ok: false, reason, partial: partial ? { ...partial, describe: undefined } : undefined };
    console.log(`      FAILED: ${reason}`);
    return null;
  }
}

async function benchServer(name, latency) {
  const def = SERVERS[name];
  const result = { server: name, label: def.label, version: def.version(), storage: def.storage, ok: false, workloads: {} };
  console.log(`\n== ${def.label} ${result.version ?? ''} (${def.storage})`);
  let launched;
  let admin;
  try {
    launched = await def.launch();
  } catch (err) {
    result.reason = `could not start: ${errText(err)}`;
    console.log(`    ${result.reason}`);
    return result;
  }
  const { child, port } = launched;
  liveChildren.add(child);
  const logFile = path.join(RESULTS_DIR, `${name}.log`);
  const out = captureOutput(child, logFile);
  let urlLine = null;
  out.onLine((l) => { if (!urlLine && /https?:\/\/[^\s]+/.test(l)) urlLine = l; });
  child.on('error', (err) => { result.spawnError = errText(err); });
  result.pid = child.pid;
  result.port = port;
  result.command = launched.cmd;
  result.log = path.relative(REPO_DIR, logFile);
  console.log(`    pid ${child.pid}, http://${HOST}:${port}, log ${result.log}`);
  try {
    admin = makeClient(port, 4);
    result.startupMs = round(await waitReady(admin.client, child, out, T.start), 1);
    result.listeningLine = urlLine;
    result.idle = readRssMiB(child.pid);
    console.log(`    answering ListStreams after ${result.startupMs.toFixed(0)} ms${result.idle ? `, RSS ${result.idle.rssMiB.toFixed(1)} MiB idle` : ''}`);

    const streams = await withDeadline('creating streams', T.setup, async (signal) => {
      const make = (name, n) => createStream(admin.client, name, n, signal).catch((err) => {
        throw new Error(`creating stream ${name} (CreateStream/DescribeStream): ${errText(err)}`);
      });
      return {
        throughput: await make('bench-throughput', W.throughput.shards),
        e2e: await make('bench-e2e', 1),
      };
    });

    // 1 ran before, with every server running (latencyPhase).
    result.workloads.putLatency = latency.get(name);

    // Run before the bulk load, so that a server still digesting a timed-out
    // load (2) cannot spoil it, and every server is measured in the same state.
    await runWorkload(result, 'putToGet', `4. put-to-get latency (${W.e2e.count} records, one every ${W.e2e.intervalMs} ms)`, T.e2e,
      (signal) => wPutToGet(port, 'bench-e2e', streams.e2e[0], signal));

    const tpPartial = {
      describe() {
        if (!Number.isFinite(this.okRecords)) return 'nothing acknowledged';
        this.seconds = round((performance.now() - this.startedAt) / 1000, 1); // up to the failure
        return `${this.okRecords.toLocaleString('en-US')} of ${W.throughput.records.toLocaleString('en-US')} records acknowledged in ${this.seconds} s, ` +
          `~${Math.round(this.okRecords / this.seconds).toLocaleString('en-US')} rec/s`;
      },
    };
    let tp = await runWorkload(result, 'putThroughput', `2. PutRecords throughput (${W.throughput.records.toLocaleString('en-US')} records, ${OPTS.client} client)`, T.throughput,
      withCpu(child.pid, (signal, partial) => wPutThroughput(port, PUT_BATCHES, signal, progressPrinter('written'), partial)), tpPartial);
    // Whether or not (2) finished, what was acknowledged is read back in (3).
    // Records of calls aborted at a timeout may or may not have been stored.
    // So may those of calls that failed as a whole (e.g. a request timeout).
    let uncertain = 0;
    if (tp) { tp = { ...tp, inFlightRecords: 0 }; uncertain = tp.failedCallRecords; }
    else if (tpPartial.okRecords > 0) { tp = { ...tpPartial, partial: true }; uncertain = (tpPartial.inFlightRecords ?? 0) + (tpPartial.failedCallRecords ?? 0); }

    if (child.exitCode === null) {
      const mem = readRssMiB(child.pid);
      result.workloads.memory = mem ? { ok: true, afterLoadMiB: round(mem.rssMiB, 1), peakMiB: round(mem.peakRssMiB, 1), idleMiB: round(result.idle?.rssMiB, 1), loaded: tp?.okRecords ?? null }
        : { ok: false, reason: `could not read /proc/${child.pid}/status` };
      if (launched.dataDir) result.workloads.memory.dataDirMiB = round(dirSizeMiB(launched.dataDir), 1);
      if (mem) console.log(`    5. resident memory after load: ${mem.rssMiB.toFixed(1)} MiB (peak ${mem.peakRssMiB.toFixed(1)} MiB)`);
    }
    if (tp && !tp.partial && !tp.okRecords) result.workloads.putThroughput = { ...tp, ok: false, reason: `no record was written (${tp.firstCallError ?? 'all failed'})` };

    if (tp && tp.okRecords > 0) {
      const settled = await waitIdle(child.pid, T.settle);
      if (settled > 1.5) console.log(`    waited ${settled} s for the server to go idle before reading back`);
      await runWorkload(result, 'readBack', `3. GetRecords read-back (${tp.okRecords.toLocaleString('en-US')} records${tp.partial ? ', all that (2) got acknowledged before its timeout' : ''}, ${OPTS.client} client)`, T.readback,
        withCpu(child.pid, (signal) => wReadBack(port, 'bench-throughput', streams.throughput, tp.perShard, uncertain, signal, progressPrinter('read'))));
      const rb = result.workloads.readBack;
      rb.settleSeconds = settled;
      if (rb.ok && tp.partial) rb.note = `(2) timed out: read back the ${tp.okRecords.toLocaleString('en-US')} records it had acknowledged (up to ${uncertain.toLocaleString('en-US')} more may have been stored by aborted calls)`;
      else if (rb.ok && uncertain) rb.note = `${uncertain.toLocaleString('en-US')} records of PutRecords calls that failed as a whole may or may not have been stored`;
      if (rb.ok && !rb.verified) {
        result.workloads.readBack = { ...rb, ok: false, reason: `read ${rb.read} records, ${rb.expected} were written${uncertain ? ` (+ up to ${uncertain} unacknowledged)` : ''}` };
        console.log(`      count mismatch: read ${rb.read}, written ${rb.expected}`);
      }
    } else {
      result.workloads.readBack = { ok: false, reason: 'skipped: the PutRecords workload wrote nothing' };
    }

    result.ok = true;
  } catch (err) {
    result.reason = errText(err);
    console.log(`    FAILED: ${result.reason}`);
  } finally {
    if (child.exitCode !== null || child.signalCode !== null) {
      result.exited = `exited early (${child.signalCode ?? `code ${child.exitCode}`}); last output: ${out.tail.slice(-5).join(' | ')}`;
      console.log(`    server ${result.exited}`);
    }
    admin?.destroy();
    await stopChild(child);
    try { launched.cleanup?.(); } catch { /* best effort */ }
  }
  return result;
}

// ------------------------------------------------------------------- report

// Metrics shown in the table.  better: 'higher' or 'lower'.  The ratio column
// is always oriented so that > 1 means Sluice is better:
//   higher-is-better (throughput): Sluice / other
//   lower-is-better (latency, memory, start-up): other / Sluice
const METRICS = [
  { key: 'putLatency', field: 'p50Ms', label: 'PutRecord latency p50 (ms)', better: 'lower', digits: 3 },
  { key: 'putLatency', field: 'p99Ms', label: 'PutRecord latency p99 (ms)', better: 'lower', digits: 3 },
  { key: 'putLatency', field: 'meanMs', label: 'PutRecord latency mean (ms)', better: 'lower', digits: 3 },
  { key: 'putThroughput', field: 'recordsPerSec', label: 'PutRecords throughput (rec/s)', better: 'higher', digits: 0 },
  { key: 'putThroughput', field: 'failedRecords', label: '  failed records (count)', better: null, digits: 0 },
  { key: 'readBack', field: 'recordsPerSec', label: 'GetRecords read-back (rec/s)', better: 'higher', digits: 0 },
  { key: 'readBack', field: 'read', label: '  records read (= written?)', better: null, digits: 0 },
  { key: 'putToGet', field: 'p50Ms', label: 'put-to-get p50 (ms, from send)', better: 'lower', digits: 2 },
  { key: 'putToGet', field: 'p99Ms', label: 'put-to-get p99 (ms, from send)', better: 'lower', digits: 2 },
  { key: 'putToGet', field: 'fromAck.p50Ms', label: '  put-to-get p50 (ms, from ack)', better: null, digits: 2 },
  { key: 'memory', field: 'afterLoadMiB', label: 'RSS after PutRecords load (MiB)', better: 'lower', digits: 1 },
  { key: '_', field: 'startupMs', label: 'start-up to first ListStreams (ms)', better: 'lower', digits: 0 },
];

function metricValue(res, m) {
  if (!res) return { v: null, why: 'not run' };
  if (m.key === '_') return Number.isFinite(res[m.field]) ? { v: res[m.field] } : { v: null, why: res.reason ?? 'n/a' };
  const w = res.workloads?.[m.key];
  if (!w) return { v: null, why: res.reason ?? 'not run' };
  if (!w.ok) {
    // Show the count rows even for a failed workload when present.
    if (m.better === null) {
      const v = m.field.split('.').reduce((o, k) => o?.[k], w);
      if (Number.isFinite(v)) return { v };
    }
    return { v: null, why: w.reason };
  }
  const v = m.field.split('.').reduce((o, k) => o?.[k], w);
  if (!Number.isFinite(v)) return { v: null, why: 'n/a' };
  let note = w.note;
  if (m.key === 'memory' && w.loaded !== W.throughput.records) {
    note = `${res.label}: RSS measured after only ${(w.loaded ?? 0).toLocaleString('en-US')} of ${W.throughput.records.toLocaleString('en-US')} records were loaded`;
  }
  return { v, note };
}

function fmt(v, digits) {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function computeRatios(results) {
  const sl = results.find((r) => r.server === 'sluice');
  const ratios = {};
  for (const other of results) {
    if (other.server === 'sluice') continue;
    const row = {};
    for (const m of METRICS) {
      if (!m.better) continue;
      const a = metricValue(sl, m).v;
      const b = metricValue(other, m).v;
      const id = `${m.key === '_' ? 'startup' : m.key}.${m.field}`;
      if (a === null || b === null || !sl) { row[id] = null; continue; }
      const r = m.better === 'higher' ? a / b : b / a;
      row[id] = Number.isFinite(r) ? round(r, 3) : null;
    }
    ratios[`sluice_vs_${other.server}`] = row;
  }
  return ratios;
}

function printTable(results, ratios, machine) {
  const cols = results.map((r) => r.label);
  const others = results.filter((r) => r.server !== 'sluice');
  const sluiceRes = results.find((r) => r.server === 'sluice');
  const hasSluice = Boolean(sluiceRes);
  const ratioCols = hasSluice ? others.map((r) => `Sluice vs ${r.label}`) : [];
  const header = ['metric', ...cols, ...ratioCols];
  const rows = [];
  const notes = [];
  for (const m of METRICS) {
    const row = [m.label];
    for (const r of results) {
      const { v, why, note } = metricValue(r, m);
      const ref = (text) => {
        let idx = notes.indexOf(text);
        if (idx < 0) { notes.push(text); idx = notes.length - 1; }
        return `[${idx + 1}]`;
      };
      if (v === null) {
        row.push(`n/a ${ref(why)}`);
      } else {
        let s = fmt(v, m.digits);
        if (m.key === 'readBack' && m.field === 'read') s += r.workloads.readBack?.verified ? ' ok' : ' MISMATCH';
        if (note) s += ` ${ref(note)}`;
        row.push(s);
      }
    }
    if (hasSluice) {
      for (const o of others) {
        if (!m.better) { row.push(''); continue; }
        const id = `${m.key === '_' ? 'startup' : m.key}.${m.field}`;
        const x = ratios[`sluice_vs_${o.server}`]?.[id];
        if (x === null || x === undefined) { row.push('n/a'); continue; }
        // A figure with a footnote (e.g. memory after a partial load) carries it into its ratio.
        const flagged = [metricValue(sluiceRes, m).note, metricValue(o, m).note].filter(Boolean).map((n) => `[${notes.indexOf(n) + 1}]`);
        row.push(`${x.toFixed(2)}x${flagged.length ? ' ' + flagged.join('') : ''}`);
      }
    }
    rows.push(row);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log('\n' + '='.repeat(widths.reduce((a, b) => a + b + 2, -2)));
  console.log(`machine: nproc ${machine.nproc}, ${machine.cpuModel}, ${machine.totalMemGiB} GiB RAM, node ${machine.node}, ${machine.platform}`);
  console.log(`load average: ${machine.loadAvgAtStart.join(' ')} at start, ${machine.loadAvgAtEnd.join(' ')} at end (the harness and one server at a time count in it)`);
  console.log(`workloads: 1 KiB records; PutRecords ${W.throughput.records.toLocaleString('en-US')} records in calls of ${W.throughput.batch}, ${W.throughput.concurrency} in flight, ${W.throughput.shards} shards; HTTP/1.1 keep-alive for all servers`);
  console.log(`client (the same for every server): 2 and 3: ${CLIENT_DESCRIPTION[OPTS.client]}; 1 and 4: ${CLIENT_DESCRIPTION.sdk}`);
  console.log('');
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
  console.log('');
  if (hasSluice) {
    console.log('ratios: > 1.00x means Sluice is better. Throughput rows: Sluice / other. Latency, memory and start-up rows: other / Sluice.');
  } else {
    console.log('ratios: Sluice was not run, so no ratios.');
  }
  console.log('put-to-get "from send": reader saw the record minus the moment the writer sent PutRecord; "from ack": minus the moment PutRecord was acknowledged (can be ~0 or negative).');
  console.log('storage: ' + results.map((r) => `${r.label}: ${r.storage}`).join('; '));
  const bound = results.flatMap((r) => Object.entries(r.workloads).filter(([, w]) => w?.cpu?.clientBound).map(([k]) => `${r.label} ${k}`));
  if (bound.length) console.log(`bounded by the client (harness near one core of its own): ${bound.join(', ')}; those figures understate the server`);
  notes.forEach((n, i) => console.log(`[${i + 1}] ${n}`));
}

// --------------------------------------------------------------------- main

const CLIENT_DESCRIPTION = {
  raw: 'raw HTTP (node:http keep-alive Agent, application/x-amz-json-1.1, SigV4 headers, pre-encoded PutRecords bodies, JSON.parse of answers)',
  sdk: '@aws-sdk/client-kinesis (NodeHttpHandler, keep-alive http.Agent)',
};

fs.mkdirSync(RESULTS_DIR, { recursive: true });
const machine = machineFacts();
console.log(`Sluice benchmark: ${OPTS.only.join(', ')}`);
console.log(`machine: nproc ${machine.nproc}, ${machine.cpuModel}, ${machine.totalMemGiB} GiB RAM, node ${machine.node}, load average ${machine.loadAvgAtStart.join(' ')}`);
if (machine.loadAvgAtStart[0] > machine.nproc / 2) {
  console.log(`warning: the machine is already busy (1-min load ${machine.loadAvgAtStart[0]} on ${machine.nproc} cores): figures will be noisy`);
}
console.log(`client for workloads 2 and 3: ${CLIENT_DESCRIPTION[OPTS.client]} (1 and 4: SDK)`);
const PUT_BATCHES = buildPutBatches('bench-throughput', OPTS.client); // before any timing, once for all servers
console.log(`PutRecords calls: ${PUT_BATCHES.distinct} distinct batches, cycled${OPTS.client === 'raw' ? `, pre-encoded (${round(PUT_BATCHES.bodyBytes / 1024 / 1024, 1)} MiB of JSON)` : ''}`);
console.log(`records: ${OPTS.records.toLocaleString('en-US')}; timeouts (s): start ${T.start}, latency ${T.latency}, throughput ${T.throughput}, read-back ${T.readback}, put-to-get ${T.e2e}`);

const startedAt = new Date().toISOString();
const latency = await latencyPhase(OPTS.only);
const results = [];
for (const name of OPTS.only) {
  results.push(await benchServer(name, latency));
}
machine.loadAvgAtEnd = os.loadavg().map((x) => round(x, 2));
const ratios = computeRatios(results);
printTable(results, ratios, machine);

const json = {
  startedAt,
  finishedAt: new Date().toISOString(),
  machine,
  config: {
    ...W,
    timeoutsSeconds: T,
    host: HOST,
    client: {
      putThroughput: OPTS.client,
      readBack: OPTS.client,
      putLatency: 'sdk',
      putToGet: 'sdk',
      raw: CLIENT_DESCRIPTION.raw,
      sdk: CLIENT_DESCRIPTION.sdk,
    },
    httpHandler: 'NodeHttpHandler, HTTP/1.1 keep-alive (SDK client)',
    sdk: pkgVersion(path.dirname(require.resolve('@aws-sdk/client-kinesis/package.json'))),
  },
  ratioConvention: 'values > 1 mean Sluice is better: throughput = sluice/other, latency/memory/start-up = other/sluice',
  servers: Object.fromEntries(results.map((r) => [r.server, r])),
  ratios,
};
fs.mkdirSync(path.dirname(OPTS.out), { recursive: true });
fs.writeFileSync(OPTS.out, JSON.stringify(json, null, 2) + '\n');
console.log(`\nresults written to ${path.relative(process.cwd(), OPTS.out) || OPTS.out}`);
process.exit(0);
