/**
 * Invariant checks. A failed assertion is a programmer error: it crashes loudly with context
 * instead of letting a broker write bytes it cannot read back.
 */
export class AssertionError extends Error {
  constructor(message: string) {
    super(`assertion failed: ${message}`);
    this.name = 'AssertionError';
  }
}

export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new AssertionError(typeof message === 'function' ? message() : message);
}
