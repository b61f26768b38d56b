// The server's notion of now. Tests move it forward (iterator expiry, retention) instead of sleeping.

export interface Clock {
  now(): number;
}

export class OffsetClock implements Clock {
  private offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
