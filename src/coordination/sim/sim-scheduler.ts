/**
 * The simulation's only source of time and chance: a virtual clock that moves only from one task
 * to the next, tasks run in (time, order scheduled) order, and a PRNG seeded once (mulberry32), so
 * a seed replays the same history exactly. Nothing here touches a real timer.
 */
import type { Clock } from '../../common/clock';
import { seededRandom } from '../../common/seeded-random';
import type { Scheduler } from '../../common/scheduler';

/** What a task is, for the history; a function so that runs without history never build the text. */
export type SimLabel = string | (() => string);

export function labelText(label: SimLabel): string {
  return typeof label === 'string' ? label : label();
}

interface SimTask {
  atMs: number;
  order: number;
  label: SimLabel;
  run: () => void;
  cancelled: boolean;
}

/** Simulated time starts here (a plausible wall clock, so timestamps in znodes look real). */
const simEpochMs = 1_700_000_000_000;

/** Numbers from a seed's sequence (mulberry32): a run draws everything it decides from one of these. */
export class SeededDraws {
  private readonly random: () => number;

  constructor(readonly seed: number) {
    this.random = seededRandom(seed);
  }

  /** A number in [0, 1) from the seed's sequence. */
  next(): number {
    return this.random();
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.random() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[Math.floor(this.random() * items.length)];
  }
}

export class SimScheduler extends SeededDraws implements Clock, Scheduler {
  /** A binary min-heap on (atMs, order): inserting and taking the next task cost log(pending), not a shift of every task. */
  private readonly tasks: SimTask[] = [];
  private currentMs = simEpochMs;
  private scheduled = 0;
  private ran = 0;
  private freeRunning = false;
  private draining = false;

  nowMs(): number {
    return this.currentMs;
  }

  /** Milliseconds of simulated time since the run began. */
  get elapsedMs(): number {
    return this.currentMs - simEpochMs;
  }

  /** Tasks run so far. */
  get steps(): number {
    return this.ran;
  }

  get pending(): number {
    return this.tasks.length;
  }

  schedule(delayMs: number, run: () => void, label: SimLabel = 'timer'): () => void {
    return this.at(this.currentMs + Math.max(0, delayMs), run, label);
  }

  /** Runs `run` at `atMs` (not before now); same-time tasks run in the order they were scheduled. */
  at(atMs: number, run: () => void, label: SimLabel): () => void {
    const task: SimTask = { atMs: Math.max(atMs, this.currentMs), order: this.scheduled++, label, run, cancelled: false };
    const { tasks } = this;
    // Sift up from the end.
    let i = tasks.length;
    tasks.push(task);
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (!runsBefore(task, tasks[parent])) break;
      tasks[i] = tasks[parent];
      i = parent;
    }
    tasks[i] = task;
    if (this.freeRunning) this.drainSoon();
    return () => {
      task.cancelled = true;
    };
  }

  /**
   * Runs tasks by itself, one per turn of Node's loop, whenever there are any: for code that awaits
   * simulated ZooKeeper calls as it would real ones (the conformance suite), not for seeded runs.
   */
  runFreely(): void {
    this.freeRunning = true;
    this.drainSoon();
  }

  stopRunningFreely(): void {
    this.freeRunning = false;
  }

  private drainSoon(): void {
    if (this.draining) return;
    this.draining = true;
    setImmediate(() => {
      this.draining = false;
      if (this.freeRunning && this.runNext() !== undefined) this.drainSoon();
    });
  }

  /** Runs the next task, moving the clock to its time; undefined when none is left, else its label. */
  runNext(): SimLabel | undefined {
    for (;;) {
      const task = this.takeFirst();
      if (task === undefined) return undefined;
      if (task.cancelled) continue;
      this.currentMs = task.atMs;
      this.ran++;
      task.run();
      return task.label;
    }
  }

  /** Takes the heap's root: the last task moves to the root and sifts down. */
  private takeFirst(): SimTask | undefined {
    const { tasks } = this;
    const first = tasks[0];
    const last = tasks.pop();
    if (first === undefined || last === undefined || tasks.length === 0) return first;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= tasks.length) break;
      const right = left + 1;
      const child = right < tasks.length && runsBefore(tasks[right], tasks[left]) ? right : left;
      if (!runsBefore(tasks[child], last)) break;
      tasks[i] = tasks[child];
      i = child;
    }
    tasks[i] = last;
    return first;
  }
}

function runsBefore(a: SimTask, b: SimTask): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.order < b.order);
}

/**
 * Lets every promise continuation that is already due run: one turn of Node's loop empties the
 * microtask queue. Between two simulated tasks, so async code (the controller) reacts to the last
 * one before the next; nothing real is waited for.
 */
export function settleMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs tasks, letting async code settle before each, until none is left or `stepsMax` ran. */
export async function runToQuiescence(scheduler: SimScheduler, stepsMax: number, afterStep?: (label: SimLabel) => void): Promise<void> {
  for (let steps = 0; steps < stepsMax; steps++) {
    await settleMicrotasks();
    const label = scheduler.runNext();
    if (label === undefined) return;
    afterStep?.(label);
  }
  throw new Error(`the simulation did not settle within ${stepsMax} steps`);
}
