// Starting Sluice from code: `const sluice = await startSluice({ port: 0, inMemory: true })`
// gives its endpoint and a close function (what a test suite wants).
import { pino } from 'pino';
import { OffsetClock } from './core/clock.js';
import { IteratorCodec } from './core/iterator-token.js';
import { PageTokenCodec } from './core/page-token.js';
import { DEFAULT_CONFIG, type SluiceConfig } from './config.js';
import type { Services } from './operations/index.js';
import { LocalRecordNotifier, type RecordNotifier } from './operations/record-notifier.js';
import { SubscriptionRegistry } from './operations/subscriptions.js';
import { DecodePool } from './protocol/decode-pool.js';
import { FrontDoor, type Extension, type Reply } from './server/front-door.js';
import { listen } from './server/listener.js';
import { Maintenance } from './server/maintenance.js';
import { listenTls, type TlsListener } from './server/tls.js';
import { SqliteStore } from './storage/sqlite/engine.js';
import type { Store } from './storage/store.js';

export type { SluiceConfig } from './config.js';
export { DEFAULT_CONFIG } from './config.js';

export interface Sluice {
  endpoint: string;
  port: number;
  /** With tlsPort: the HTTPS endpoint, its port, and the generated certificate's file (none when given). */
  tlsEndpoint?: string;
  tlsPort?: number;
  tlsCertFile?: string;
  close(): Promise<void>;
}

export async function startSluice(options: Partial<SluiceConfig> = {}): Promise<Sluice> {
  const config: SluiceConfig = { ...DEFAULT_CONFIG, ...options };
  if ((config.tlsCert || config.tlsKey) && config.tlsPort === undefined) throw new Error('tlsCert and tlsKey need tlsPort');
  const log = pino({ level: config.logLevel, base: undefined });
  // The engine: PostgreSQL when a store URL is given (several nodes may share it), else embedded SQLite.
  let store: Store;
  // Enhanced fan-out: subscribers wake on commits, and look again when a lifecycle change (a reshard)
  // applies; over PostgreSQL, on the commits and changes of every node.
  let notifier: RecordNotifier;
  let stopNotifier = async () => {};
  if (config.store) {
    // Loaded only for PostgreSQL: the driver is most of a start-up's module loading.
    const { PgStore } = await import('./storage/postgres/engine.js');
    const { PgRecordNotifier } = await import('./storage/postgres/notifier.js');
    const pg = await PgStore.open({
      connectionString: config.store,
      onError: (err) => log.warn({ err }, 'idle database connection failed; the pool opens a new one when needed'),
    });
    const pgNotifier = new PgRecordNotifier(pg.pool, config.store, log);
    await pgNotifier.start();
    store = pg;
    notifier = pgNotifier;
    stopNotifier = () => pgNotifier.close();
  } else {
    store = new SqliteStore(config.inMemory ? {} : {
      dataDir: config.dataDir,
      walLimitMiB: config.walLimitMiB,
      onWriterFailure: (err) => log.error({ err }, 'the writer thread failed; records are stored by the event loop from now on'),
    });
    notifier = new LocalRecordNotifier();
  }
  const embedded = !config.store;
  const clock = new OffsetClock();
  const secret = await store.secret();
  const maintenance = new Maintenance(store, clock, log, () => notifier.wakeAll());
  const services: Services = {
    store, config, clock,
    iterators: new IteratorCodec(secret),
    pageTokens: new PageTokenCodec(secret, 'list'),
    settle: () => maintenance.settle(),
    notifier,
    subscriptions: new SubscriptionRegistry(),
  };
  const extensions: Extension[] = [];
  if (config.testClock) extensions.push(testClock(clock, maintenance, notifier));
  const decoder = new DecodePool(config.decodeThreads);
  const frontDoor = new FrontDoor(services, decoder, log, extensions);
  // Changes that fell due while the server was down complete before the first request.
  await maintenance.settle();
  const listener = await listen(frontDoor, config.host, config.port, log);
  // The TLS listener, when asked for (server/tls.ts).
  let tls: TlsListener | undefined;
  if (config.tlsPort !== undefined) {
    try {
      tls = await listenTls(frontDoor, {
        host: config.host, port: config.tlsPort, certFile: config.tlsCert, keyFile: config.tlsKey,
        dataDir: config.inMemory || !embedded ? undefined : config.dataDir,
      }, log);
    } catch (err) {
      await listener.close();
      await decoder.close();
      await stopNotifier();
      await store.close();
      throw err;
    }
  }
  maintenance.start();
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    endpoint: `http://${host}:${listener.port}`,
    port: listener.port,
    ...(tls ? { tlsEndpoint: `https://${host}:${tls.port}`, tlsPort: tls.port } : {}),
    ...(tls?.generatedCertFile ? { tlsCertFile: tls.generatedCertFile } : {}),
    async close() {
      await Promise.all([listener.close(), tls?.close()]);
      await decoder.close();
      await maintenance.stop();
      await stopNotifier();
      await store.close();
    },
  };
}

/** POST /_sluice/clock {"advanceMs": n}: moves the server's clock forward, then runs due work. */
function testClock(clock: OffsetClock, maintenance: Maintenance, notifier: RecordNotifier): Extension {
  return async (request): Promise<Reply | undefined> => {
    if (request.method !== 'POST' || !request.url.startsWith('/_sluice/clock')) return undefined;
    const { advanceMs } = JSON.parse(request.body.toString('utf8') || '{}') as { advanceMs?: number };
    if (typeof advanceMs === 'number' && advanceMs > 0) clock.advance(advanceMs);
    await maintenance.settle();
    await maintenance.trim();
    notifier.wakeAll(); // subscriptions look at the clock again (their 5-minute lifetime)
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ now: clock.now() })) };
  };
}
