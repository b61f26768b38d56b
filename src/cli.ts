#!/usr/bin/env node
// `sluice [flags]`: flags and environment variables → configuration → a running server.
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG, type SluiceConfig } from './config.js';
import { startSluice } from './index.js';

interface Setting {
  flag: string;
  env: string;
  key: keyof SluiceConfig;
  help: string;
}

export const SETTINGS: Setting[] = [
  { flag: 'host', env: 'SLUICE_HOST', key: 'host', help: 'address to listen on' },
  { flag: 'port', env: 'SLUICE_PORT', key: 'port', help: 'port to listen on (0 picks a free one)' },
  { flag: 'data-dir', env: 'SLUICE_DATA_DIR', key: 'dataDir', help: 'directory for the embedded store' },
  { flag: 'in-memory', env: 'SLUICE_IN_MEMORY', key: 'inMemory', help: 'keep nothing on disk' },
  { flag: 'store', env: 'SLUICE_STORE', key: 'store', help: 'postgres://user@host:port/db: PostgreSQL, shared by several nodes' },
  { flag: 'region', env: 'SLUICE_REGION', key: 'region', help: 'region for requests that name none' },
  { flag: 'account-id', env: 'SLUICE_ACCOUNT_ID', key: 'accountId', help: 'account for access keys that name none' },
  { flag: 'create-stream-ms', env: 'SLUICE_CREATE_STREAM_MS', key: 'createStreamMs', help: 'time a stream stays CREATING' },
  { flag: 'delete-stream-ms', env: 'SLUICE_DELETE_STREAM_MS', key: 'deleteStreamMs', help: 'time a stream stays DELETING' },
  { flag: 'update-stream-ms', env: 'SLUICE_UPDATE_STREAM_MS', key: 'updateStreamMs', help: 'time a stream stays UPDATING' },
  { flag: 'shard-limit', env: 'SLUICE_SHARD_LIMIT', key: 'shardLimit', help: 'open shards per account and region' },
  { flag: 'log-level', env: 'SLUICE_LOG_LEVEL', key: 'logLevel', help: 'fatal, error, warn, info, debug or trace' },
  { flag: 'wal-limit-mib', env: 'SLUICE_WAL_LIMIT_MIB', key: 'walLimitMiB', help: 'embedded store: WAL size that makes writes wait while it starts over' },
  { flag: 'decode-threads', env: 'SLUICE_DECODE_THREADS', key: 'decodeThreads', help: 'threads decoding large request bodies (0: none)' },
  { flag: 'test-clock', env: 'SLUICE_TEST_CLOCK', key: 'testClock', help: 'enable POST /_sluice/clock (tests only)' },
  // Enhanced fan-out consumer lifecycle.
  { flag: 'register-consumer-ms', env: 'SLUICE_REGISTER_CONSUMER_MS', key: 'registerConsumerMs', help: 'time a new consumer stays CREATING' },
  { flag: 'deregister-consumer-ms', env: 'SLUICE_DEREGISTER_CONSUMER_MS', key: 'deregisterConsumerMs', help: 'time a deregistered consumer stays DELETING' },
  // TLS listener: off unless --tls-port is given (no default; see readConfig).
  { flag: 'tls-port', env: 'SLUICE_TLS_PORT', key: 'tlsPort', help: 'HTTPS port, HTTP/2 and HTTP/1.1 (0 picks a free one)' },
  { flag: 'tls-cert', env: 'SLUICE_TLS_CERT', key: 'tlsCert', help: 'certificate PEM file (none: self-signed)' },
  { flag: 'tls-key', env: 'SLUICE_TLS_KEY', key: 'tlsKey', help: 'private key PEM file for --tls-cert' },
];

function usage(): string {
  const names = SETTINGS.map((s) => `  --${s.flag}${typeof DEFAULT_CONFIG[s.key] === 'boolean' ? '' : ' <value>'}`);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const lines = SETTINGS.map((s, i) => {
    const def = DEFAULT_CONFIG[s.key];
    return names[i]!.padEnd(width) + `${s.help} [${s.env}${def === undefined ? '' : `, default ${String(def)}`}]`;
  });
  return `Usage: sluice [options]\n\n${lines.join('\n')}\n  --help`;
}

function fail(message: string): never {
  process.stderr.write(`sluice: ${message}\n\n${usage()}\n`);
  process.exit(2);
}

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): SluiceConfig {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const s of SETTINGS) options[s.flag] = { type: typeof DEFAULT_CONFIG[s.key] === 'boolean' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, allowPositionals: false }).values;
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${usage()}\n`);
    process.exit(0);
  }
  const config: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const s of SETTINGS) {
    const raw = values[s.flag] ?? env[s.env];
    if (raw === undefined) continue;
    const def = DEFAULT_CONFIG[s.key];
    if (typeof def === 'boolean') config[s.key] = raw === true || raw === 'true' || raw === '1';
    else if (typeof def === 'number') {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0) fail(`--${s.flag} takes a whole number, not ${String(raw)}`);
      config[s.key] = n;
    } else config[s.key] = String(raw);
  }
  // TLS settings have no default, so the loop above read them as text.
  if (config.tlsPort === '') delete config.tlsPort;
  if (config.tlsPort !== undefined) {
    const n = Number(config.tlsPort);
    if (!Number.isInteger(n) || n < 0) fail(`--tls-port takes a whole number, not ${String(config.tlsPort)}`);
    config.tlsPort = n;
  }
  for (const key of ['tlsCert', 'tlsKey', 'store']) if (config[key] === '') delete config[key];
  if (config.store !== undefined && !/^postgres(ql)?:\/\//.test(String(config.store))) {
    fail(`--store takes a postgres:// URL, not ${String(config.store)}`);
  }
  if (config.store !== undefined && config.inMemory) fail('--store and --in-memory exclude each other');
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) fail('--tls-cert and --tls-key go together');
  if (config.tlsCert !== undefined && config.tlsPort === undefined) fail('--tls-cert and --tls-key need --tls-port');
  return config as unknown as SluiceConfig;
}

/** A store URL without its password, to print. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

async function main(): Promise<void> {
  const config = readConfig(process.argv.slice(2), process.env);
  const sluice = await startSluice(config);
  const where = config.store ? `data in PostgreSQL at ${redact(config.store)}` : config.inMemory ? 'in memory' : `data in ${config.dataDir}`;
  let tlsLine = '';
  if (sluice.tlsEndpoint) {
    const cert = sluice.tlsCertFile ? `self-signed certificate to trust: ${sluice.tlsCertFile}` : `certificate ${config.tlsCert}`;
    tlsLine = `Sluice listening on ${sluice.tlsEndpoint} (TLS: HTTP/2 and HTTP/1.1; ${cert})\n`;
  }
  process.stdout.write(`Sluice listening on ${sluice.endpoint} (${where})\n${tlsLine}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`Sluice stopping (${signal})\n`);
    sluice.close().then(() => process.exit(0), (err: unknown) => {
      process.stderr.write(`sluice: ${String(err)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`sluice: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
