import {
  ALL_PARTITIONS, parseThrottledReplicas, parseThrottleRate, ReplicationQuota,
} from '../../../src/replication/replication-quota';

function quotaAt(startMs = 1_000_000): { quota: ReplicationQuota; advance: (ms: number) => void } {
  let nowMs = startMs;
  const quota = new ReplicationQuota({ nowMs: () => nowMs, samples: 11, sampleWindowMs: 1_000 });
  return { quota, advance: (ms) => { nowMs += ms; } };
}

describe('ReplicationQuota (Kafka\'s ReplicationQuotaManager)', () => {
  test('no limit: never exceeded', () => {
    const { quota } = quotaAt();
    quota.record(1e12);
    expect(quota.isQuotaExceeded()).toBe(false);
  });

  test('the rate is bytes over the time since the oldest sample, at least one window', () => {
    const { quota, advance } = quotaAt();
    quota.updateQuota(1_000);
    quota.record(900);
    expect(quota.rateBytesPerSec()).toBe(900);
    expect(quota.isQuotaExceeded()).toBe(false);
    quota.record(200);
    expect(quota.isQuotaExceeded()).toBe(true);
    // Two seconds later the same 1,100 bytes spread over 2 s.
    advance(2_000);
    expect(quota.rateBytesPerSec()).toBe(550);
    expect(quota.isQuotaExceeded()).toBe(false);
  });

  test('samples older than the whole window (11 x 1 s) are forgotten', () => {
    const { quota, advance } = quotaAt();
    quota.updateQuota(100);
    quota.record(10_000);
    advance(5_000);
    quota.record(10);
    expect(quota.isQuotaExceeded()).toBe(true);
    advance(6_000);
    expect(quota.rateBytesPerSec()).toBeCloseTo(10 / 6, 5);
    expect(quota.isQuotaExceeded()).toBe(false);
  });

  test('a steady stream at the limit stays at it', () => {
    const { quota, advance } = quotaAt();
    quota.updateQuota(1_000);
    for (let i = 0; i < 30; i++) {
      quota.record(1_000);
      advance(1_000);
    }
    expect(quota.rateBytesPerSec()).toBeGreaterThan(900);
    expect(quota.rateBytesPerSec()).toBeLessThanOrEqual(1_000);
  });

  test('lifting the limit ends throttling; a non-positive limit is refused', () => {
    const { quota } = quotaAt();
    quota.updateQuota(1);
    quota.record(10);
    expect(quota.isQuotaExceeded()).toBe(true);
    quota.updateQuota(undefined);
    expect(quota.isQuotaExceeded()).toBe(false);
    expect(() => quota.updateQuota(0)).toThrow(/positive/);
  });

  test('throttled partitions: "*" is all of the topic, a list names some, removal ends it', () => {
    const { quota } = quotaAt();
    quota.markThrottled('a', ALL_PARTITIONS);
    quota.markThrottled('b', [1, 3]);
    expect(quota.isThrottled('a', 7)).toBe(true);
    expect(quota.isThrottled('b', 1)).toBe(true);
    expect(quota.isThrottled('b', 2)).toBe(false);
    expect(quota.isThrottled('c', 0)).toBe(false);
    quota.removeThrottle('b');
    expect(quota.isThrottled('b', 1)).toBe(false);
  });
});

describe('throttle config values', () => {
  test('partition:broker pairs: this broker takes the partitions paired with its id', () => {
    expect(parseThrottledReplicas('0:1,0:2,1:2, 2 : 3', 2)).toEqual([0, 1]);
    expect(parseThrottledReplicas('0:1', 4)).toEqual([]);
    expect(parseThrottledReplicas(' * ', 4)).toBe(ALL_PARTITIONS);
    expect(parseThrottledReplicas('', 4)).toEqual([]);
    expect(() => parseThrottledReplicas('0-1', 1)).toThrow(/partition:brokerId/);
  });

  test('rates are positive bytes per second; absent is no limit', () => {
    expect(parseThrottleRate('x', '1048576')).toBe(1_048_576);
    expect(parseThrottleRate('x', undefined)).toBeUndefined();
    expect(() => parseThrottleRate('x', '-5')).toThrow(/positive/);
    expect(() => parseThrottleRate('x', 'fast')).toThrow(/x must/);
  });
});
