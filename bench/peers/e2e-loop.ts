/**
 * The fixed-rate end-to-end run every peer shares, so that only the client calls differ: values
 * carry their send time (performance.now(), float64, in their first 8 bytes); every tick of 1 ms
 * sends what the rate says is due as one group (a pipeline, a batch); the receiving side hands
 * every value back, and send-to-receive time is kept in an HDR histogram past the warm-up.
 */
import { performance } from 'perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { randomPayload } from '../client-bench';
import type { LatencySummary } from '../harness';
import type { E2ePlan } from './peer';

const tickMs = 1;
/** Past the last send, how long the receiving side may take to see everything. */
const drainTimeoutMs = 30_000;

/** Counts received values and keeps their latencies; `done` settles once every value arrived. */
export class LatencyTap {
  private readonly histogram = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, autoResize: true });
  private received = 0;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((resolve) => { this.resolveDone = resolve; });

  constructor(private readonly plan: E2ePlan) {}

  /** Called with every value the receiver gets, in any order. */
  receive(value: Uint8Array): void {
    const sentMs = Buffer.from(value.buffer, value.byteOffset, 8).readDoubleBE(0);
    const latencyUs = Math.round((performance.now() - sentMs) * 1000);
    if (this.received++ >= this.plan.warmupRecords) this.histogram.recordValue(Math.max(1, latencyUs));
    if (this.received === this.plan.records) this.resolveDone();
  }

  get count(): number {
    return this.received;
  }

  summary(): LatencySummary {
    return {
      p50Us: this.histogram.getValueAtPercentile(50),
      p99Us: this.histogram.getValueAtPercentile(99),
      p999Us: this.histogram.getValueAtPercentile(99.9),
      maxUs: this.histogram.maxValue,
    };
  }
}

/**
 * Sends plan.records stamped values at plan.rate per second through `sendGroup` (called once per
 * tick with the values due), then waits for the tap to have them all.
 */
export async function runAtRate(plan: E2ePlan, tap: LatencyTap, sendGroup: (values: Buffer[]) => void): Promise<LatencySummary> {
  const payload = randomPayload(Math.max(8, plan.recordSize));
  const startMs = performance.now();
  let sent = 0;
  while (sent < plan.records) {
    const due = Math.min(plan.records, Math.floor(((performance.now() - startMs) * plan.rate) / 1000) + 1);
    const group: Buffer[] = [];
    for (; sent < due; sent++) {
      const value = Buffer.from(payload);
      value.writeDoubleBE(performance.now(), 0);
      group.push(value);
    }
    if (group.length > 0) sendGroup(group);
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`e2e: ${tap.count} of ${plan.records} records arrived within ${drainTimeoutMs} ms of the last send`)), drainTimeoutMs);
  });
  try {
    await Promise.race([tap.done, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return tap.summary();
}

/**
 * Runs `count` items through `sendChunk` in chunks of `chunk`, with up to `inFlight` chunks
 * unanswered at once: how the peers' producers keep their servers busy without unbounded memory.
 */
export async function windowed(count: number, chunk: number, inFlight: number, sendChunk: (first: number, n: number) => Promise<unknown>): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (let first = 0; first < count; first += chunk) {
    pending.push(sendChunk(first, Math.min(chunk, count - first)));
    if (pending.length >= inFlight) await pending.shift();
  }
  await Promise.all(pending);
}
