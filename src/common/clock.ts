/**
 * Time as an injected dependency: core code asks a Clock, so tests can drive time by hand.
 */
export interface Clock {
  /** Wall-clock milliseconds since the epoch (timestamps, segment ages). */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  constructor(private currentMs = 0) {}
  nowMs(): number {
    return this.currentMs;
  }
  advance(ms: number): void {
    this.currentMs += ms;
  }
  set(ms: number): void {
    this.currentMs = ms;
  }
}
