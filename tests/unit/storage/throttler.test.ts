import { throttleSleepMs } from '../../../src/storage/throttler';

describe('the cleaner\'s throttle (Kafka\'s Throttler)', () => {
  // [what, observed bytes, elapsed ms, rate per second, sleep ms (undefined: the period goes on)]
  const cases: [string, number, number, number, number | undefined][] = [
    ['within a period nothing happens', 10_000_000, 200, 1000, undefined],
    ['nothing observed, nothing to do', 0, 500, 1000, undefined],
    ['slower than the rate: no sleep', 500, 1000, 1000, 0],
    ['twice the rate: sleep as long again', 2000, 1000, 1000, 1000],
    ['ten times over in 400 ms', 4_000_000, 400, 1_000_000, 3600],
  ];
  it.each(cases)('%s', (_, observed, elapsedMs, rate, sleepMs) => {
    expect(throttleSleepMs(observed, elapsedMs, rate)).toBe(sleepMs);
  });
});
