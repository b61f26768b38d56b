// What an operation is given: the caller's account and region, and the server's parts.
import type { Clock } from '../core/clock.js';
import type { IteratorCodec } from '../core/iterator-token.js';
import type { PageTokenCodec } from '../core/page-token.js';
import type { SluiceConfig } from '../config.js';
import type { Store } from '../storage/store.js';

export interface Services {
  store: Store;
  config: SluiceConfig;
  clock: Clock;
  iterators: IteratorCodec;
  pageTokens: PageTokenCodec;
  /** Applies due lifecycle changes now (used when a delay is zero). */
  settle(): Promise<void>;
}

export interface Caller {
  account: string;
  region: string;
}

export interface OperationContext extends Services, Caller {}

/** An operation takes its validated input and returns its output (undefined for none). */
export type Operation = (input: any, ctx: OperationContext) => Promise<object | undefined>;
