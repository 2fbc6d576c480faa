/**
 * Polling with a deadline: wait for a condition to hold, checking every `intervalMs`, and fail
 * with a message that says what was awaited. The one way Josef waits for outside state (a process
 * becoming ready, a znode vanishing); never a bare sleep.
 */

export interface WaitForOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** What was awaited; a function is called at timeout, so it can describe the last state seen. */
  message: string | (() => string);
}

/** A value that counts as "not yet": keep polling. */
type NotYet = undefined | null | false;

const intervalMsDefault = 50;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves with the condition's first result other than undefined, null or false (those mean
 * "poll again"). A condition that throws ends the wait with that error: use it when waiting is
 * pointless, e.g. the process being waited for has died.
 */
export async function waitFor<T>(
  condition: () => T | NotYet | Promise<T | NotYet>,
  options: WaitForOptions,
): Promise<T> {
  const deadlineMs = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? intervalMsDefault;
  for (;;) {
    const result = await condition();
    if (result !== undefined && result !== null && result !== false) return result;
    if (Date.now() >= deadlineMs) {
      const what = typeof options.message === 'function' ? options.message() : options.message;
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
    }
    await delay(Math.min(intervalMs, Math.max(0, deadlineMs - Date.now())));
  }
}

/**
 * `promise`'s value, or `fallback` when it has not settled within `timeoutMs` (it is then left to
 * settle unobserved): for an answer worth having only if it comes quickly, such as a read from a
 * ZooKeeper that may be gone or frozen.
 */
export async function valueWithin<T, F>(promise: Promise<T>, timeoutMs: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
