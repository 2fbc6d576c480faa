/**
 * Kafka's Throttler, as the log cleaner uses it for log.cleaner.io.max.bytes.per.second: the bytes
 * read and written are counted over periods of checkIntervalMs; at the end of a period that went
 * faster than the rate, the caller sleeps as long as it takes to bring the period down to it. The
 * arithmetic is pure (throttleSleepMs); the class keeps the period and sleeps through an injected
 * function, so tests need no real time.
 */

/** Kafka's default check interval. */
export const THROTTLE_CHECK_INTERVAL_MS = 300;

/**
 * After `observed` units in `elapsedMs`: how long to sleep so the period averages at most
 * `ratePerSec` (0 when it did not go faster), or undefined while the period is not over yet.
 */
export function throttleSleepMs(observed: number, elapsedMs: number, ratePerSec: number, checkIntervalMs = THROTTLE_CHECK_INTERVAL_MS): number | undefined {
  if (elapsedMs <= checkIntervalMs || observed <= 0) return undefined;
  const rateNow = (observed * 1000) / elapsedMs;
  if (rateNow <= ratePerSec) return 0;
  return Math.max(0, Math.round((observed * 1000) / ratePerSec - elapsedMs));
}

export class Throttler {
  private periodStartMs: number;
  private observedSoFar = 0;

  constructor(
    private readonly ratePerSec: number,
    private readonly nowMs: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly checkIntervalMs = THROTTLE_CHECK_INTERVAL_MS,
  ) {
    this.periodStartMs = nowMs();
  }

  /** Counts `observed` units, and sleeps when the period that just ended went faster than the rate. */
  async maybeThrottle(observed: number): Promise<void> {
    this.observedSoFar += observed;
    const sleepMs = throttleSleepMs(this.observedSoFar, this.nowMs() - this.periodStartMs, this.ratePerSec, this.checkIntervalMs);
    if (sleepMs === undefined) return;
    if (sleepMs > 0) await this.sleep(sleepMs);
    this.periodStartMs = this.nowMs();
    this.observedSoFar = 0;
  }
}
