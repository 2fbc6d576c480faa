/**
 * Tests wait for state by polling with a deadline, never by sleeping: the same waitFor the code
 * uses (src/common/wait.ts).
 */
export { waitFor, type WaitForOptions } from '../../src/common/wait';
