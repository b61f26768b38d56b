// The TLS listener: HTTPS on its own port. h2 and http/1.1 are chosen by ALPN; a client that
// negotiates nothing is sorted by its first decrypted bytes (HTTP/2 preface or not), exactly as on
// the plain port. The certificate and key come from PEM files, or a self-signed pair is made at start.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { Logger } from 'pino';
import type { FrontDoor } from './front-door.js';
import { createDispatcher, type Listener } from './listener.js';

export interface TlsSettings {
  host: string;
  port: number;
  /** PEM files; both or neither. */
  certFile?: string | undefined;
  keyFile?: string | undefined;
  /** Where a generated certificate is kept (and reused on restart); none: a temporary folder. */
  dataDir?: string | undefined;
}

export interface TlsListener extends Listener {
  /** The generated certificate's file, for clients to trust; absent when the certificate was given. */
  generatedCertFile?: string;
}

interface Credentials {
  cert: string;
  key: string;
  generatedCertFile?: string;
  /** A temporary folder to remove at close. */
  tempDir?: string;
}

const ALPN = ['h2', 'http/1.1'];
/** A kept self-signed certificate is made anew when it has less than this left to live. */
const RENEW_BEFORE_MS = 30 * 24 * 3600_000;
const VALID_FOR_MS = 365 * 24 * 3600_000;

export async function listenTls(frontDoor: FrontDoor, settings: TlsSettings, log: Logger): Promise<TlsListener> {
  const credentials = await loadCredentials(settings, log);
  let context: tls.SecureContextOptions;
  try {
    context = { cert: credentials.cert, key: credentials.key };
    tls.createSecureContext(context); // fails here, with a clear message, on bad PEM or a key that does not match
  } catch (err) {
    throw new Error(`TLS certificate and key are not usable: ${(err as Error).message}`);
  }
  const dispatcher = createDispatcher(frontDoor, log);
  const server = tls.createServer({ ...context, ALPNProtocols: ALPN }, (socket) => dispatcher.dispatch(socket, socket.alpnProtocol));
  // Connections still in their handshake are not dispatched yet; close() ends those too.
  const raw = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    raw.add(socket);
    socket.on('close', () => raw.delete(socket));
  });
  server.on('tlsClientError', (err) => log.debug({ err }, 'TLS handshake failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    ...(credentials.generatedCertFile ? { generatedCertFile: credentials.generatedCertFile } : {}),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        dispatcher.destroyAll();
        for (const socket of raw) socket.destroy();
      });
      if (credentials.tempDir) await rm(credentials.tempDir, { recursive: true, force: true });
    },
  };
}

async function loadCredentials(settings: TlsSettings, log: Logger): Promise<Credentials> {
  const { certFile, keyFile } = settings;
  if (certFile || keyFile) {
    if (!certFile || !keyFile) throw new Error('--tls-cert and --tls-key go together: give both or neither');
    return { cert: await readPem(certFile, 'certificate'), key: await readPem(keyFile, 'key') };
  }
  const names = certificateNames(settings.host);
  const tempDir = settings.dataDir ? undefined : await mkdtemp(path.join(os.tmpdir(), 'sluice-tls-'));
  const dir = settings.dataDir ? path.join(settings.dataDir, 'tls') : tempDir!;
  const certPath = path.join(dir, 'cert.pem');
  const keyPath = path.join(dir, 'key.pem');
  const kept = settings.dataDir ? await keptPair(certPath, keyPath, names) : undefined;
  if (kept) return { ...kept, generatedCertFile: certPath };
  const made = await selfSigned(names);
  await mkdir(dir, { recursive: true });
  await writeFile(keyPath, made.key, { mode: 0o600 });
  await writeFile(certPath, made.cert);
  log.info({ names, cert: certPath }, 'generated a self-signed TLS certificate');
  return { ...made, generatedCertFile: certPath, ...(tempDir ? { tempDir } : {}) };
}

async function readPem(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the TLS ${what} ${file}: ${(err as Error).message}`);
  }
}

/** localhost, 127.0.0.1, ::1 and the listening host (this machine's name when that is every address). */
export function certificateNames(host: string): string[] {
  const names = ['localhost', '127.0.0.1', '::1'];
  const unspecified = host === '0.0.0.0' || host === '::' || host === '';
  const extra = unspecified ? os.hostname() : host.replace(/^\[(.*)\]$/, '$1');
  if (extra && !names.includes(extra.toLowerCase())) names.push(extra);
  return names;
}

/** The certificate kept from an earlier start, when it still covers every name and is far from expiry. */
async function keptPair(certPath: string, keyPath: string, names: string[]): Promise<{ cert: string; key: string } | undefined> {
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    const x509 = new X509Certificate(cert);
    if (Date.parse(x509.validTo) - Date.now() < RENEW_BEFORE_MS) return undefined;
    if (!x509.checkPrivateKey(createPrivateKey(key))) return undefined;
    const covers = (name: string) => (net.isIP(name) ? x509.checkIP(name) : x509.checkHost(name)) !== undefined;
    return names.every(covers) ? { cert, key } : undefined;
  } catch {
    return undefined; // missing or unreadable: make a new one
  }
}

async function selfSigned(names: string[]): Promise<{ cert: string; key: string }> {
  // Loaded only here: starting without TLS, or with a given certificate, does not pay for it.
  const { generate } = await import('selfsigned');
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: 'localhost' }, { name: 'organizationName', value: 'Sluice (self-signed)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 5 * 60_000), // a little slack for clients whose clock is behind
    notAfterDate: new Date(now + VALID_FOR_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((n) => (net.isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })) },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
