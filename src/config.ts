// Server configuration: every setting has a flag and an environment variable (see cli.ts).

export interface SluiceConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Where the embedded engine keeps its data; ignored when inMemory. */
  dataDir: string;
  inMemory: boolean;
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
};
