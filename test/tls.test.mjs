// The TLS listener: SDK clients over HTTP/2 and HTTP/1.1 by ALPN, the HTTP/2 preface and HTTP/1.1
// without ALPN, a generated certificate (kept in the data directory) or one given by flags, and the
// plain port alongside.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import http2 from 'node:http2';
import { join, dirname } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  CreateStreamCommand, DescribeStreamConsumerCommand, DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand,
  KinesisClient, ListStreamsCommand, PutRecordCommand, RegisterStreamConsumerCommand, SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { generate } from 'selfsigned';
import { ACCOUNT, CREDENTIALS, REGION, rawH2Request, rawRequest, tempDir, waitFor } from './helpers.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const SIGNED = {
  authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc',
  'x-amz-date': '20150830T123600Z',
};

/**
 * `node dist/cli.js` with a TLS port (helpers.startServer reads only the first endpoint line).
 * Resolves with both endpoints and the certificate file named on the TLS line.
 */
function startTlsServer({ dataDir, args = [] } = {}) {
  const cli = [CLI, '--host', '127.0.0.1', '--port', '0', '--tls-port', '0', '--log-level', 'warn', '--create-stream-ms', '0',
    ...(dataDir ? ['--data-dir', dataDir] : ['--in-memory']), ...args];
  const child = spawn(process.execPath, cli, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 10_000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${stderr}`)); });
    child.stdout.on('data', (d) => {
      out += d;
      const plain = /listening on (http:\/\/\S+)/.exec(out);
      const secure = /listening on (https:\/\/\S+) \(TLS[^\n]*?(?:trust: (\S+))?\)\n/.exec(out);
      if (!plain || !secure) return;
      clearTimeout(timer);
      const clients = [];
      resolve({
        child, out, endpoint: plain[1], tlsEndpoint: secure[1], certFile: secure[2],
        track(client) { clients.push(client); return client; },
        async stop() {
          for (const c of clients) c.destroy();
          if (child.exitCode !== null) return;
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

/** Runs the CLI expecting it to exit; resolves with its exit code and output. */
function runCli(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, '--host', '127.0.0.1', '--port', '0', '--in-memory', ...args], { timeout: 10_000 },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

/** A TLS connection; resolves once the handshake is done. */
function connectTls(endpoint, options) {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: url.hostname, port: Number(url.port), ...options }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function h2ListStreams(session) {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': '/', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.ListStreams', ...SIGNED });
    let status;
    const chunks = [];
    req.on('response', (h) => { status = h[':status']; });
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve({ status, json: JSON.parse(Buffer.concat(chunks).toString()) }));
    req.on('error', reject);
    req.end('{}');
  });
}

const sdkClient = (endpoint, extra) => new KinesisClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1, ...extra });

describe('TLS listener with a generated certificate', () => {
  let server;
  let dataDir;
  let ca;
  before(async () => {
    dataDir = tempDir();
    server = await startTlsServer({ dataDir });
    ca = readFileSync(server.certFile, 'utf8');
  });
  after(async () => { await server.stop(); rmSync(dataDir, { recursive: true, force: true }); });

  it('writes the certificate to the data directory, for localhost, 127.0.0.1 and ::1', () => {
    assert.match(server.tlsEndpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.certFile, join(dataDir, 'tls', 'cert.pem'));
    const cert = new X509Certificate(ca);
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.ca, false);
    assert.ok(Date.parse(cert.validTo) > Date.now() + 300 * 24 * 3600_000);
  });

  it('serves the SDK default HTTP/2 handler that trusts the certificate', async () => {
    const client = server.track(sdkClient(server.tlsEndpoint, { requestHandler: { nodeHttp2ConnectOptions: { ca } } }));
    await client.send(new CreateStreamCommand({ StreamName: 'tls-h2', ShardCount: 1 }));
    const put = await client.send(new PutRecordCommand({ StreamName: 'tls-h2', PartitionKey: 'k', Data: Buffer.from('over h2 and TLS') }));
    const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName: 'tls-h2', ShardId: put.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const got = await client.send(new GetRecordsCommand({ ShardIterator }));
    assert.equal(Buffer.from(got.Records[0].Data).toString(), 'over h2 and TLS');
  });

  it('refuses a client that does not trust the certificate (it is really TLS)', async () => {
    const client = server.track(sdkClient(server.tlsEndpoint));
    await assert.rejects(client.send(new ListStreamsCommand({})), /self[- ]signed|certificate/i);
  });

  it('serves an SDK client in its default configuration given NODE_EXTRA_CA_CERTS', async () => {
    const script = `
      import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
      const client = new KinesisClient({ endpoint: process.argv[1], region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 });
      const out = await client.send(new ListStreamsCommand({}));
      console.log(JSON.stringify(out.StreamNames));
      client.destroy();`;
    const result = await new Promise((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', script, server.tlsEndpoint],
        { cwd: ROOT, env: { ...process.env, NODE_EXTRA_CA_CERTS: server.certFile }, timeout: 15_000 },
        (err, stdout, stderr) => resolve({ err, stdout, stderr }));
    });
    assert.equal(result.err, null, result.stderr);
    assert.ok(JSON.parse(result.stdout).includes('tls-h2'));
  });

  it('serves the SDK over HTTP/1.1 negotiated by ALPN', async () => {
    const httpsAgent = new https.Agent({ ca, keepAlive: true, ALPNProtocols: ['http/1.1'] });
    const protocols = [];
    const client = server.track(sdkClient(server.tlsEndpoint, { requestHandler: new NodeHttpHandler({ httpsAgent }) }));
    client.middlewareStack.add((next) => async (args) => {
      const out = await next(args);
      protocols.push(out.response.body?.socket?.alpnProtocol);
      return out;
    }, { step: 'deserialize', name: 'seeProtocol' });
    await client.send(new CreateStreamCommand({ StreamName: 'tls-h1', ShardCount: 1 }));
    await client.send(new PutRecordCommand({ StreamName: 'tls-h1', PartitionKey: 'k', Data: Buffer.from('over HTTP/1.1') }));
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: 'tls-h1' }));
    assert.equal(summary.StreamDescriptionSummary.StreamStatus, 'ACTIVE');
    assert.deepEqual([...new Set(protocols)], ['http/1.1']);
  });

  it('chooses h2 by ALPN when offered first, http/1.1 when only that is offered', async () => {
    for (const [offered, chosen] of [[['h2', 'http/1.1'], 'h2'], [['http/1.1', 'h2'], 'h2'], [['http/1.1'], 'http/1.1']]) {
      const socket = await connectTls(server.tlsEndpoint, { ca, ALPNProtocols: offered });
      assert.equal(socket.alpnProtocol, chosen, `offered ${offered}`);
      socket.destroy();
    }
  });

  it('serves the HTTP/2 preface sent without ALPN', async () => {
    const socket = await connectTls(server.tlsEndpoint, { ca });
    assert.equal(socket.alpnProtocol, false);
    const session = http2.connect(server.tlsEndpoint, { createConnection: () => socket });
    try {
      const res = await h2ListStreams(session);
      assert.equal(res.status, 200);
      assert.ok(res.json.StreamNames.includes('tls-h2'));
      // Several streams on the one session.
      const more = await Promise.all([h2ListStreams(session), h2ListStreams(session)]);
      assert.deepEqual(more.map((r) => r.status), [200, 200]);
    } finally {
      session.close();
    }
  });

  it('serves HTTP/1.1 sent without ALPN', async () => {
    const url = new URL(server.tlsEndpoint);
    const res = await new Promise((resolve, reject) => {
      const req = https.request({ host: url.hostname, port: url.port, method: 'POST', path: '/', ca, agent: false, headers: {
        ...SIGNED, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.ListStreams',
      } }, (r) => {
        const chunks = [];
        r.on('data', (c) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode, alpn: r.socket.alpnProtocol, json: JSON.parse(Buffer.concat(chunks).toString()) }));
      });
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(res.alpn, false);
    assert.equal(res.status, 200);
    assert.ok(res.json.StreamNames.includes('tls-h1'));
  });

  it('keeps the plain port working alongside, on the same data', async () => {
    const client = server.track(sdkClient(server.endpoint));
    const out = await client.send(new ListStreamsCommand({}));
    assert.deepEqual(out.StreamNames.sort(), ['tls-h1', 'tls-h2']);
    const h1 = await rawRequest(server.endpoint, { target: 'ListStreams' });
    assert.equal(h1.status, 200);
    const h2c = await rawH2Request(server.endpoint, { target: 'ListStreams' });
    assert.equal(h2c.status, 200);
  });

  it('keeps the certificate across a restart on the same data directory', async () => {
    await server.stop();
    server = await startTlsServer({ dataDir });
    assert.equal(readFileSync(server.certFile, 'utf8'), ca);
    const client = server.track(sdkClient(server.tlsEndpoint, { requestHandler: { nodeHttp2ConnectOptions: { ca } } }));
    const out = await client.send(new ListStreamsCommand({}));
    assert.ok(out.StreamNames.includes('tls-h2'));
  });
});

describe('TLS listener with a given certificate', () => {
  let dir;
  let given;
  before(async () => {
    dir = tempDir('sluice-tls-given-');
    given = await generate([{ name: 'commonName', value: 'given.sluice.test' }], {
      keyType: 'ec', algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
    });
    writeFileSync(join(dir, 'cert.pem'), given.cert);
    writeFileSync(join(dir, 'key.pem'), given.private);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves with the certificate and key from --tls-cert and --tls-key', async () => {
    const dataDir = join(dir, 'data');
    const server = await startTlsServer({ dataDir, args: ['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')] });
    try {
      assert.equal(server.certFile, undefined);
      assert.doesNotMatch(server.out, /self-signed/);
      assert.equal(existsSync(join(dataDir, 'tls')), false);
      const socket = await connectTls(server.tlsEndpoint, { ca: given.cert, ALPNProtocols: ['h2'] });
      assert.equal(socket.getPeerX509Certificate().fingerprint256, new X509Certificate(given.cert).fingerprint256);
      socket.destroy();
      const client = server.track(sdkClient(server.tlsEndpoint, { requestHandler: { nodeHttp2ConnectOptions: { ca: given.cert } } }));
      await client.send(new CreateStreamCommand({ StreamName: 'given', ShardCount: 1 }));
      const put = await client.send(new PutRecordCommand({ StreamName: 'given', PartitionKey: 'k', Data: Buffer.from('x') }));
      assert.match(put.SequenceNumber, /^\d{56}$/);
    } finally {
      await server.stop();
    }
  });

  it('takes them from SLUICE_TLS_* environment variables too', async () => {
    const env = { ...process.env, SLUICE_TLS_PORT: '0', SLUICE_TLS_CERT: join(dir, 'cert.pem'), SLUICE_TLS_KEY: join(dir, 'key.pem') };
    const child = spawn(process.execPath, [CLI, '--host', '127.0.0.1', '--port', '0', '--in-memory', '--log-level', 'warn'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => { out += d; const m = /listening on (https:\/\/\S+)/.exec(out); if (m) resolve(m[1]); });
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      const socket = await connectTls(line, { ca: given.cert });
      assert.equal(socket.getPeerX509Certificate().subject, 'CN=given.sluice.test');
      socket.destroy();
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('refuses a key without a certificate, a certificate without a TLS port, and a key that does not match', async () => {
    const alone = await runCli(['--tls-port', '0', '--tls-key', join(dir, 'key.pem')]);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--tls-cert and --tls-key go together/);
    const noPort = await runCli(['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]);
    assert.equal(noPort.code, 2);
    assert.match(noPort.stderr, /need --tls-port/);
    const other = await generate(null, { keyType: 'ec' });
    writeFileSync(join(dir, 'other-key.pem'), other.private);
    const mismatch = await runCli(['--tls-port', '0', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'other-key.pem')]);
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stderr, /TLS certificate and key are not usable/);
    const missing = await runCli(['--tls-port', '0', '--tls-cert', join(dir, 'nope.pem'), '--tls-key', join(dir, 'key.pem')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read the TLS certificate/);
  });
});

describe('TLS from code (startSluice)', () => {
  it('returns the TLS endpoint, keeps an in-memory server\'s certificate in a temporary file, and closes both listeners', async () => {
    const { startSluice } = await import('../dist/index.js');
    const sluice = await startSluice({ host: '127.0.0.1', port: 0, tlsPort: 0, inMemory: true, logLevel: 'warn' });
    assert.match(sluice.tlsEndpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(sluice.tlsPort, Number(new URL(sluice.tlsEndpoint).port));
    const ca = readFileSync(sluice.tlsCertFile, 'utf8');
    const session = http2.connect(sluice.tlsEndpoint, { ca });
    session.on('error', () => {}); // the reset at close
    const res = await h2ListStreams(session);
    assert.equal(res.status, 200);
    const sessionClosed = new Promise((resolve) => session.once('close', () => resolve(true)));
    await sluice.close();
    assert.equal(await Promise.race([sessionClosed, new Promise((r) => setTimeout(() => r(false), 2000))]), true);
    assert.equal(existsSync(sluice.tlsCertFile), false);
    await assert.rejects(connectTls(sluice.tlsEndpoint, { ca }), /ECONNREFUSED/);
    await assert.rejects(rawRequest(sluice.endpoint, { target: 'ListStreams' }), /ECONNREFUSED/);
  });
});

describe('SubscribeToShard over TLS', () => {
  let sluice;
  let ca;
  before(async () => {
    const { startSluice } = await import('../dist/index.js');
    sluice = await startSluice({ host: '127.0.0.1', port: 0, tlsPort: 0, inMemory: true, logLevel: 'warn', createStreamMs: 0, registerConsumerMs: 0 });
    ca = readFileSync(sluice.tlsCertFile);
  });
  after(async () => { await sluice.close(); });

  for (const transport of ['h2', 'http/1.1']) {
    it(`streams a record put after subscribing, over ${transport}`, async () => {
      const requestHandler = transport === 'h2'
        ? { nodeHttp2ConnectOptions: { ca } }
        : new NodeHttpHandler({ httpsAgent: new https.Agent({ ca, ALPNProtocols: ['http/1.1'] }) });
      const client = sdkClient(sluice.tlsEndpoint, { requestHandler });
      try {
        const name = `tls-sub-${transport.replace('/', '')}`;
        await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
        const StreamARN = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
        const { Consumer } = await client.send(new RegisterStreamConsumerCommand({ StreamARN, ConsumerName: 'c' }));
        await waitFor(async () => (await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: Consumer.ConsumerARN }))).ConsumerDescription.ConsumerStatus === 'ACTIVE');
        const sub = await client.send(new SubscribeToShardCommand({ ConsumerARN: Consumer.ConsumerARN, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }));
        const put = client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from(`pushed over ${transport}`) }));
        let got;
        for await (const event of sub.EventStream) {
          const records = event.SubscribeToShardEvent?.Records ?? [];
          if (records.length) { got = records[0]; break; }
        }
        assert.equal(Buffer.from(got.Data).toString(), `pushed over ${transport}`);
        assert.equal(got.SequenceNumber, (await put).SequenceNumber);
      } finally {
        client.destroy();
      }
    });
  }
});
