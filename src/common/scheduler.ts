/**
 * What schedules timeouts and retries: Node's timers in a broker, a virtual clock in tests and in
 * the seeded simulation. It lives at the floor because every layer that waits takes it injected
 * (the purgatory, the controller, the group coordinator, controlled shutdown).
 */

/** Schedules timeouts; injected so tests drive time by hand. */
export interface Scheduler {
  /** Runs `task` after `delayMs`; the returned function cancels it. */
  schedule(delayMs: number, task: () => void): () => void;
}

/** Node's timers, unref'd: a waiting request never keeps the process alive on its own. */
export const timerScheduler: Scheduler = {
  schedule(delayMs, task) {
    const timer = setTimeout(task, delayMs);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
