// What an operation is given: the caller's account and region, and the server's parts.
import type { Clock } from '../core/clock.js';
import type { IteratorCodec } from '../core/iterator-token.js';
import type { PageTokenCodec } from '../core/page-token.js';
import type { SluiceConfig } from '../config.js';
import type { Store } from '../storage/store.js';
import type { RecordNotifier } from './record-notifier.js';
import type { SubscriptionRegistry } from './subscriptions.js';

export interface Services {
  store: Store;
  config: SluiceConfig;
  clock: Clock;
  iterators: IteratorCodec;
  pageTokens: PageTokenCodec;
  /** Applies due lifecycle changes now (used when a delay is zero). */
  settle(): Promise<void>;
  /** Wakes SubscribeToShard subscribers when records are committed. */
  notifier: RecordNotifier;
  /** SubscribeToShard subscriptions in progress, by consumer and shard. */
  subscriptions: SubscriptionRegistry;
}

export interface Caller {
  account: string;
  region: string;
}

export interface OperationContext extends Services, Caller {}

/** An operation takes its validated input and returns its output (undefined for none). */
export type Operation = (input: any, ctx: OperationContext) => Promise<object | undefined>;

/** One event of an event stream: its type (the union member) and its payload (an output-like object). */
export interface StreamEvent {
  type: string;
  payload: object;
}

/**
 * An output sent as an event stream (SubscribeToShard) instead of a body: after the initial response,
 * the events of `events(signal)` in order, pulled one at a time as the client takes them; a
 * KinesisError thrown by the iterator is sent as an exception message, then the stream ends. `signal`
 * aborts when the client goes away. `stop` aborts when the stream must end even while the client is
 * not reading (another subscription took its place): the server then drops the response.
 */
export class EventStreamOutput {
  constructor(
    readonly events: (signal: AbortSignal) => AsyncIterable<StreamEvent>,
    readonly stop: AbortSignal,
  ) {}
}
