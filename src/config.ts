// Server configuration: every setting has a flag and an environment variable (see cli.ts).
import { availableParallelism } from 'node:os';

export interface SluiceConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Where the embedded engine keeps its data; ignored when inMemory or with a store URL. */
  dataDir: string;
  inMemory: boolean;
  /**
   * A PostgreSQL URL (postgres://user@host:port/database) to keep the data in, shared by any number
   * of Sluice nodes; unset, the embedded SQLite engine (dataDir or inMemory) is used.
   */
  store?: string | undefined;
  region: string;
  accountId: string;
  createStreamMs: number;
  deleteStreamMs: number;
  updateStreamMs: number;
  /** Open shards an account may hold in a region. */
  shardLimit: number;
  logLevel: string;
  /** Exposes POST /_sluice/clock so tests can move the server's clock forward. */
  testClock: boolean;
  /** The embedded engine's write-ahead log bound: past it, record writes wait while it starts over. */
  walLimitMiB: number;
  /** Threads that decode large request bodies (PutRecords); 0 decodes everything on the event loop. */
  decodeThreads: number;

  // Enhanced fan-out: how long a registered consumer stays CREATING, a deregistered one DELETING.
  registerConsumerMs: number;
  deregisterConsumerMs: number;

  // TLS listener (off unless tlsPort is set; 0 picks a free port). Without tlsCert and tlsKey
  // (PEM file paths), a self-signed certificate is generated at start.
  tlsPort?: number | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
}

export const DEFAULT_CONFIG: SluiceConfig = {
  host: '127.0.0.1',
  port: 4567,
  dataDir: './sluice-data',
  inMemory: false,
  region: 'us-east-1',
  accountId: '000000000000',
  createStreamMs: 500,
  deleteStreamMs: 500,
  updateStreamMs: 500,
  shardLimit: 500,
  logLevel: 'info',
  testClock: false,
  walLimitMiB: 256,
  // One per core beyond two (the event loop's, and one for the checkpointer, the kernel's network
  // work and whatever else runs on the machine), at most four. On two cores a decoding thread
  // competes with the event loop and the client for the same two: in the benchmark it gained
  // 0–20% on PutRecords, within this machine's noise, for 45–60 MB more memory.
  decodeThreads: Math.max(0, Math.min(4, availableParallelism() - 2)),
  // Enhanced fan-out consumer lifecycle delays.
  registerConsumerMs: 500,
  deregisterConsumerMs: 500,
};
