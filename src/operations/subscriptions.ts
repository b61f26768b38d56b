// SubscribeToShard subscriptions in progress, one per consumer and shard, as AWS allows: a second
// subscription within 5 seconds of the first is refused; after that it takes the first one's place,
// and the first ends (with ResourceInUseException). Deregistering a consumer, or deleting its stream,
// ends its subscriptions. In-process state: several Sluice processes on one store would each keep their own.

/** A new subscription for the same consumer and shard is refused this long after the current one started. */
export const TAKEOVER_AFTER_MS = 5_000;

export type StopReason = 'taken-over' | 'consumer-gone' | 'expired';

export class SubscriptionLease {
  private readonly controller = new AbortController();
  private reasonValue?: StopReason;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly consumerArn: string,
    readonly streamUid: number,
    readonly shardIndex: number,
    /** When it started, on the server's clock. */
    readonly startedMs: number,
    private readonly onRelease: (lease: SubscriptionLease) => void,
  ) {}

  /** Aborts when the subscription must end before its time. */
  get stop(): AbortSignal {
    return this.controller.signal;
  }

  get reason(): StopReason | undefined {
    return this.reasonValue;
  }

  end(reason: StopReason): void {
    if (this.reasonValue) return;
    this.reasonValue = reason;
    this.controller.abort();
  }

  /**
   * Ends the subscription after `ms` of real time whatever happens: a backstop for one whose client
   * stopped reading (its stream never gets to look at the clock) or that never started.
   */
  expireAfter(ms: number): void {
    this.timer = setTimeout(() => {
      this.end('expired');
      this.release();
    }, ms);
    this.timer.unref();
  }

  /** The subscription is over: its place is free. */
  release(): void {
    clearTimeout(this.timer);
    this.onRelease(this);
  }
}

export class SubscriptionRegistry {
  private readonly leases = new Map<string, SubscriptionLease>();

  /**
   * Takes the place of consumer + shard for a new subscription, ending the current one; undefined
   * (refused) when the current one started less than TAKEOVER_AFTER_MS ago.
   */
  claim(consumerArn: string, streamUid: number, shardIndex: number, nowMs: number): SubscriptionLease | undefined {
    const key = `${consumerArn} ${shardIndex}`;
    const holder = this.leases.get(key);
    if (holder) {
      if (nowMs - holder.startedMs < TAKEOVER_AFTER_MS) return undefined;
      holder.end('taken-over');
    }
    const lease = new SubscriptionLease(consumerArn, streamUid, shardIndex, nowMs, (l) => {
      if (this.leases.get(key) === l) this.leases.delete(key);
    });
    this.leases.set(key, lease);
    return lease;
  }

  /** Ends the subscriptions of a consumer (by ARN), or of every consumer of a stream (by uid). */
  endConsumers(match: { consumerArn: string } | { streamUid: number }): void {
    for (const lease of [...this.leases.values()]) {
      if ('consumerArn' in match ? lease.consumerArn === match.consumerArn : lease.streamUid === match.streamUid) {
        lease.end('consumer-gone');
      }
    }
  }

  get size(): number {
    return this.leases.size;
  }
}
