/**
 * What a caller building costly lines asks the logger (isDebugEnabled, from JOSEF_LOG_LEVEL), and
 * when a long loop's slice is over (EventLoopSlice.isOver, checked before awaiting a pause).
 */
import { EventLoopSlice } from '../../../src/common/event-loop-slice';
import { createLogger } from '../../../src/common/logger';

describe('createLogger', () => {
  const saved = process.env.JOSEF_LOG_LEVEL;
  afterEach(() => {
    if (saved === undefined) delete process.env.JOSEF_LOG_LEVEL;
    else process.env.JOSEF_LOG_LEVEL = saved;
  });

  it('says debug lines are written only at level debug, and writes none otherwise', () => {
    const lines: string[] = [];
    process.env.JOSEF_LOG_LEVEL = 'info';
    const quiet = createLogger('t', (line) => lines.push(line));
    quiet.debug('hidden');
    expect(quiet.isDebugEnabled?.()).toBe(false);
    process.env.JOSEF_LOG_LEVEL = 'debug';
    const chatty = createLogger('t', (line) => lines.push(line)).child('sub');
    chatty.debug('shown');
    expect(chatty.isDebugEnabled?.()).toBe(true);
    expect(lines).toEqual([expect.stringMatching(/DEBUG \[t\.sub\] shown\n$/)]);
  });
});

describe('EventLoopSlice', () => {
  it('is over once its length has passed, and a pause then starts a fresh slice', async () => {
    const long = new EventLoopSlice(60_000);
    expect(long.isOver()).toBe(false);
    const none = new EventLoopSlice(0);
    expect(none.isOver()).toBe(true);
    const slice = new EventLoopSlice(100);
    const startedMs = performance.now();
    while (performance.now() - startedMs < 101) { /* the slice's work */ }
    expect(slice.isOver()).toBe(true);
    await slice.pause();
    expect(slice.isOver()).toBe(false);
  });
});
