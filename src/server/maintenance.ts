// Background work: completing due lifecycle changes (CREATING → ACTIVE, DELETING → gone, resharding)
// and trimming records past retention. Both are persisted in the store, so they resume after a restart.
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { Store } from '../storage/store.js';

const CHANGE_POLL_MS = 50;
const TRIM_EVERY_MS = 10_000;

export class Maintenance {
  private changeTimer?: NodeJS.Timeout;
  private trimTimer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Told when changes were applied (SubscribeToShard subscribers then look at their shard again). */
    private readonly onChanged: () => void = () => {},
  ) {}

  start(): void {
    this.changeTimer = setInterval(() => void this.settle().catch((err: unknown) => this.log.error({ err }, 'lifecycle change failed')), CHANGE_POLL_MS);
    this.trimTimer = setInterval(() => void this.trim().catch((err: unknown) => this.log.error({ err }, 'trim failed')), TRIM_EVERY_MS);
    this.changeTimer.unref();
    this.trimTimer.unref();
  }

  /** Runs one task at a time, in order. */
  private serial(task: () => Promise<unknown>): Promise<void> {
    const next = this.running.then(task).then(() => undefined);
    this.running = next.catch(() => undefined);
    return next;
  }

  settle(): Promise<void> {
    return this.serial(async () => {
      if ((await this.store.completeDueChanges(this.clock.now())) > 0) this.onChanged();
    });
  }

  trim(): Promise<void> {
    return this.serial(() => this.store.trimExpired(this.clock.now()));
  }

  async stop(): Promise<void> {
    clearInterval(this.changeTimer);
    clearInterval(this.trimTimer);
    await this.running;
  }
}
