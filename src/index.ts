// Starting Sluice from code: `const sluice = await startSluice({ port: 0, inMemory: true })`
// gives its endpoint and a close function (what a test suite wants).
import { pino } from 'pino';
import { OffsetClock } from './core/clock.js';
import { IteratorCodec } from './core/iterator-token.js';
import { PageTokenCodec } from './core/page-token.js';
import { DEFAULT_CONFIG, type SluiceConfig } from './config.js';
import type { Services } from './operations/index.js';
import { FrontDoor, type Extension, type Reply } from './server/front-door.js';
import { listen } from './server/listener.js';
import { Maintenance } from './server/maintenance.js';
import { SqliteStore } from './storage/sqlite/engine.js';

export type { SluiceConfig } from './config.js';
export { DEFAULT_CONFIG } from './config.js';

export interface Sluice {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

export async function startSluice(options: Partial<SluiceConfig> = {}): Promise<Sluice> {
  const config: SluiceConfig = { ...DEFAULT_CONFIG, ...options };
  const log = pino({ level: config.logLevel, base: undefined });
  const store = new SqliteStore(config.inMemory ? {} : { dataDir: config.dataDir });
  const clock = new OffsetClock();
  const secret = await store.secret();
  const maintenance = new Maintenance(store, clock, log);
  const services: Services = {
    store, config, clock,
    iterators: new IteratorCodec(secret),
    pageTokens: new PageTokenCodec(secret, 'list'),
    settle: () => maintenance.settle(),
  };
  const extensions: Extension[] = [];
  if (config.testClock) extensions.push(testClock(clock, maintenance));
  const frontDoor = new FrontDoor(services, log, extensions);
  // Changes that fell due while the server was down complete before the first request.
  await maintenance.settle();
  const listener = await listen(frontDoor, config.host, config.port, log);
  maintenance.start();
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    endpoint: `http://${host}:${listener.port}`,
    port: listener.port,
    async close() {
      await listener.close();
      await maintenance.stop();
      await store.close();
    },
  };
}

/** POST /_sluice/clock {"advanceMs": n}: moves the server's clock forward, then runs due work. */
function testClock(clock: OffsetClock, maintenance: Maintenance): Extension {
  return async (request): Promise<Reply | undefined> => {
    if (request.method !== 'POST' || !request.url.startsWith('/_sluice/clock')) return undefined;
    const { advanceMs } = JSON.parse(request.body.toString('utf8') || '{}') as { advanceMs?: number };
    if (typeof advanceMs === 'number' && advanceMs > 0) clock.advance(advanceMs);
    await maintenance.settle();
    await maintenance.trim();
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ now: clock.now() })) };
  };
}
