/** A Scheduler driven by a ManualClock: tasks run when the test advances time past their deadline. */
import { ManualClock } from '../../src/common/clock';
import type { Scheduler } from '../../src/common/scheduler';

export class ManualScheduler implements Scheduler {
  private tasks: { atMs: number; task: () => void; cancelled: boolean }[] = [];

  constructor(readonly clock = new ManualClock(1_700_000_000_000)) {}

  schedule(delayMs: number, task: () => void): () => void {
    const entry = { atMs: this.clock.nowMs() + delayMs, task, cancelled: false };
    this.tasks.push(entry);
    return () => {
      entry.cancelled = true;
    };
  }

  /** Pending (not cancelled, not run) tasks. */
  get pending(): number {
    return this.tasks.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward, running every task whose deadline passed, in deadline order. */
  advance(ms: number): void {
    this.clock.advance(ms);
    const due = this.tasks.filter((t) => !t.cancelled && t.atMs <= this.clock.nowMs()).sort((a, b) => a.atMs - b.atMs);
    this.tasks = this.tasks.filter((t) => !t.cancelled && t.atMs > this.clock.nowMs());
    for (const t of due) t.task();
  }
}
