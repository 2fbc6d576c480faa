/**
 * Long synchronous work cut into slices of real time, with the event loop given a turn between
 * them: Node has one thread, so whatever the work holds up (a ZooKeeper session's pings, requests)
 * waits at most a slice behind it.
 */
export class EventLoopSlice {
  private startMs = performance.now();

  constructor(private readonly sliceMs: number) {}

  /** Starts a fresh slice (the work begins now). */
  restart(): void {
    this.startMs = performance.now();
  }

  /**
   * Whether the current slice has lasted sliceMs. A loop over thousands of items asks this before
   * `await pause()`: an await costs a promise and a turn of the microtask queue even when it does not wait.
   */
  isOver(): boolean {
    return performance.now() - this.startMs >= this.sliceMs;
  }

  /** Yields to the event loop once the current slice has lasted sliceMs; otherwise returns at once. */
  async pause(): Promise<void> {
    if (!this.isOver()) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.startMs = performance.now();
  }
}
