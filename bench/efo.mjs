// Enhanced fan-out benchmark: put-to-event latency of SubscribeToShard, and fan-out to 5 consumers.
//
//   npm run build && node bench/efo.mjs [--in-memory] [--puts 2000] [--seconds 5]
//
// Starts `node dist/cli.js` on a free port (data in a temporary directory unless --in-memory), and
// drives it with the root node_modules' @aws-sdk/client-kinesis in its default configuration
// (HTTP/2 to the plain port). Latency is taken in this process, on one clock: from the moment the
// PutRecord answer arrives (ack) or is sent (send) to the moment the record's event arrives. A
// negative ack→event time means the event came in before the writer's answer.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('../', import.meta.url);
const require = createRequire(new URL('package.json', root));
const {
  CreateStreamCommand, KinesisClient, PutRecordCommand, PutRecordsCommand, RegisterStreamConsumerCommand, SubscribeToShardCommand,
} = require('@aws-sdk/client-kinesis');

const { values: opts } = parseArgs({
  options: {
    'in-memory': { type: 'boolean', default: false },
    puts: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '5' },
  },
});
const PUTS = Number(opts.puts);
const SECONDS = Number(opts.seconds);
const CONSUMERS = 5;
const STREAM = 'efo-bench';
const STREAM_ARN = `arn:aws:kinesis:us-east-1:000000000000:stream/${STREAM}`;

async function startServer() {
  const dataDir = opts['in-memory'] ? undefined : mkdtempSync(join(tmpdir(), 'sluice-efo-'));
  const args = [new URL('dist/cli.js', root).pathname, '--port', '0', '--log-level', 'warn',
    '--create-stream-ms', '0', '--register-consumer-ms', '0', ...(dataDir ? ['--data-dir', dataDir] : ['--in-memory'])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const endpoint = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    endpoint,
    /** CPU seconds the server has used (Linux), or undefined. */
    cpuSeconds() {
      try {
        const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        return undefined;
      }
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const ms = (x) => `${x.toFixed(2)} ms`;
function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${ms(percentile(sorted, 0.5))}, p99 ${ms(percentile(sorted, 0.99))}, max ${ms(sorted[sorted.length - 1])} (n=${sorted.length})`;
}

/** Subscribes at LATEST; onRecord(id, receivedAt) for each record (its data starts with its id). */
async function subscribe(client, consumerArn, onRecord) {
  const abort = new AbortController();
  const out = await client.send(new SubscribeToShardCommand({
    ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' },
  }), { abortSignal: abort.signal });
  const done = (async () => {
    try {
      for await (const event of out.EventStream) {
        const now = performance.now();
        for (const r of event.SubscribeToShardEvent?.Records ?? []) onRecord(Number(Buffer.from(r.Data.subarray(0, 12)).toString()), now);
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  return { close: () => abort.abort(), done };
}

async function main() {
  const server = await startServer();
  const client = new KinesisClient({
    endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
  });
  try {
    await client.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 1 }));
    const arns = [];
    for (let i = 0; i < CONSUMERS; i++) {
      const r = await client.send(new RegisterStreamConsumerCommand({ StreamARN: STREAM_ARN, ConsumerName: `c${i}` }));
      arns.push(r.Consumer.ConsumerARN);
    }
    console.log(`Sluice ${server.endpoint} (${opts['in-memory'] ? 'in memory' : 'embedded store on disk'}), 1 shard, HTTP/2 (SDK default)`);

    // 1. Latency: PutRecord one at a time, n subscribers.
    for (const n of [1, CONSUMERS]) {
      const sent = new Float64Array(PUTS);
      const acked = new Float64Array(PUTS);
      const deliveries = [];
      let allIn;
      const onRecord = (id, at) => {
        deliveries.push([id, at]);
        if (deliveries.length === PUTS * n) allIn?.();
      };
      const subs = [];
      for (let i = 0; i < n; i++) subs.push(await subscribe(client, arns[i], onRecord));
      await new Promise((r) => setTimeout(r, 200));
      for (let id = 0; id < PUTS; id++) {
        sent[id] = performance.now();
        await client.send(new PutRecordCommand({ StreamName: STREAM, PartitionKey: 'k', Data: Buffer.from(String(id)) }));
        acked[id] = performance.now();
      }
      if (deliveries.length < PUTS * n) await new Promise((r) => { allIn = r; });
      for (const s of subs) s.close();
      console.log(`PutRecord → event, ${n} consumer${n > 1 ? 's' : ''}, ${PUTS} puts (${deliveries.length} deliveries):`);
      console.log(`  ack  → event: ${summary(deliveries.map(([id, at]) => at - acked[id]))}`);
      console.log(`  send → event: ${summary(deliveries.map(([id, at]) => at - sent[id]))}`);
      // Let the ended subscriptions free their places.
      await new Promise((r) => setTimeout(r, 200));
    }

    // 2. Fan-out: PutRecords of 1 KiB records to 5 subscribers, as fast as one writer goes, then paced.
    await fanOut(client, server, arns, { batch: 500, intervalMs: 0 });
    await fanOut(client, server, arns, { batch: 100, intervalMs: 20 });
  } finally {
    client.destroy();
    await server.stop();
  }
}

/** PutRecords of `batch` × 1 KiB every `intervalMs` (0: back to back) for SECONDS, to CONSUMERS subscribers. */
async function fanOut(client, server, arns, { batch, intervalMs }) {
  const data = Buffer.alloc(1024 - 12, 120);
  let delivered = 0;
  const batchAck = new Map();
  const firstOfBatch = [];
  const subs = [];
  for (let i = 0; i < CONSUMERS; i++) {
    subs.push(await subscribe(client, arns[i], (id, at) => {
      delivered++;
      if (id % batch === 0) firstOfBatch.push([id, at]);
    }));
  }
  await new Promise((r) => setTimeout(r, 200));
  let written = 0;
  const putLatency = [];
  const cpu0 = server.cpuSeconds();
  const clientCpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    const base = written;
    const records = Array.from({ length: batch }, (_, i) => ({
      PartitionKey: `p${i}`, Data: Buffer.concat([Buffer.from(String(base + i).padEnd(12, ' ')), data]),
    }));
    const s = performance.now();
    await client.send(new PutRecordsCommand({ StreamName: STREAM, Records: records }));
    const a = performance.now();
    putLatency.push(a - s);
    batchAck.set(base, a);
    written += batch;
    if (intervalMs > 0) await new Promise((r) => setTimeout(r, Math.max(0, s + intervalMs - performance.now())));
  }
  const writeSecs = (performance.now() - t0) / 1000;
  const deadline = performance.now() + 30_000;
  while (delivered < written * CONSUMERS && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const totalSecs = (performance.now() - t0) / 1000;
  const serverCpu = cpu0 === undefined ? undefined : server.cpuSeconds() - cpu0;
  const clientCpu = process.cpuUsage(clientCpu0);
  for (const sub of subs) sub.close();
  await new Promise((r) => setTimeout(r, 200));
  const pace = intervalMs > 0 ? `one every ${intervalMs} ms` : 'back to back';
  console.log(`Fan-out, ${CONSUMERS} consumers, PutRecords of ${batch} × 1 KiB ${pace} for ${SECONDS} s:`);
  console.log(`  written   ${written} records, ${(written / writeSecs).toFixed(0)} records/s (${(written / 1024 / writeSecs).toFixed(1)} MiB/s); PutRecords ${summary(putLatency)}`);
  console.log(`  delivered ${delivered} of ${written * CONSUMERS} (${(delivered / totalSecs).toFixed(0)} records/s over all consumers; all in ${totalSecs.toFixed(2)} s after the first put)`);
  const lag = firstOfBatch.map(([id, at]) => at - batchAck.get(id));
  console.log(`  PutRecords ack → the batch's first record at each consumer: ${summary(lag)}`);
  const share = (secs) => `${((secs / totalSecs) * 100).toFixed(0)}% of a CPU`;
  console.log(`  CPU: server ${serverCpu === undefined ? 'n/a' : share(serverCpu)}, this client ${share((clientCpu.user + clientCpu.system) / 1e6)}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
