// Who may write to the SQLite file when. Record writes go to the writer thread (record-writer.ts)
// and many may be in its queue at once; every other write (streams, shards, tags, consumers,
// trimming) runs on the event loop's own connection, and SQLite lets one connection write at a
// time: such a write waits, as a promise, until no record write is in flight, and record writes
// arriving meanwhile wait for it (so a steady flow of records cannot starve it). The checkpointer's
// pause (checkpointer.ts) holds both kinds back the same way.

export class WriteGate {
  /** Record writes sent to the writer thread and not yet answered. */
  private inFlight = 0;
  /** Exclusive writes waiting or running, and the checkpointer's pause: record writes wait for none. */
  private holds = 0;
  private paused = false;
  private waiters: (() => void)[] = [];

  /** Waits until a record write may be sent; the caller then sends it at once and calls done() after. */
  async enterRecordWrite(): Promise<void> {
    while (this.holds > 0) await this.changed();
    this.inFlight++;
  }

  /** Whether the caller's record write (entered) is the only one in flight: nothing can overtake it. */
  alone(): boolean {
    return this.inFlight === 1;
  }

  /** A record write sent after enterRecordWrite() has been answered. */
  recordWriteDone(): void {
    this.inFlight--;
    if (this.inFlight === 0) this.wake();
  }

  /**
   * Runs `write` (synchronous, on the event loop's connection) once no record write is in flight
   * and the checkpointer is not emptying the log.
   */
  async exclusive<T>(write: () => T): Promise<T> {
    this.holds++;
    try {
      // Checked and run in one synchronous step: nothing can be sent in between.
      while (this.inFlight > 0 || this.paused) await this.changed();
      return write();
    } finally {
      this.holds--;
      this.wake();
    }
  }

  /** The checkpointer's pause: `ready` is called once no write is running; writes wait until resume(). */
  async pause(ready: () => void): Promise<void> {
    if (!this.paused) {
      this.paused = true;
      this.holds++;
    }
    while (this.inFlight > 0) await this.changed();
    ready();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.holds--;
    this.wake();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Every waiter checks its condition again. */
  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
