import { ErrorCode } from '../../../src/common/errors';
import { UNKNOWN_OFFSET } from '../../../src/replication/high-watermark';
import { deleteRecordsTarget, lowWatermark } from '../../../src/replication/low-watermark';

describe('DeleteRecords arithmetic', () => {
  it('deletes up to the asked offset, or the high watermark for -1, never past it or below 0', () => {
    const cases: [requested: number, highWatermark: number, target: number | 'OFFSET_OUT_OF_RANGE' | 'INVALID_REQUEST'][] = [
      [5, 10, 5],
      [10, 10, 10],
      [0, 10, 0],
      [-1, 10, 10],
      [-1, 0, 0],
      [11, 10, 'OFFSET_OUT_OF_RANGE'],
      [-2, 10, 'OFFSET_OUT_OF_RANGE'],
      [2.5, 10, 'INVALID_REQUEST'],
      ['3' as unknown as number, 10, 'INVALID_REQUEST'], // what a msgpack request may carry
    ];
    for (const [requested, highWatermark, target] of cases) {
      const decide = (): number => deleteRecordsTarget(requested, highWatermark, 'orders-0');
      if (typeof target === 'string') expect(decide).toThrow(expect.objectContaining({ code: ErrorCode[target].code }));
      else expect(decide()).toBe(target);
    }
  });

  const input = (leader: number, followers: Record<number, number | undefined>, dead: number[] = []) => ({
    leaderLogStartOffset: leader,
    followers: Object.keys(followers).map(Number),
    followerLogStartOffset: (id: number) => followers[id],
    isAlive: (id: number) => !dead.includes(id),
  });

  it('is the lowest log start offset of the leader and its followers on live brokers, in the ISR or not', () => {
    const cases: [name: string, leader: number, followers: Record<number, number | undefined>, dead: number[], low: number][] = [
      ['leader alone', 30, {}, [], 30],
      ['followers caught up', 30, { 2: 30, 3: 30 }, [], 30],
      ['one follower behind', 30, { 2: 30, 3: 12 }, [], 12],
      ['a follower ahead of the leader (a new leader that has not deleted yet)', 10, { 2: 30 }, [], 10],
      ['a dead broker does not hold it back', 30, { 2: 30, 3: 12 }, [3], 30],
      ['a live follower not heard from yet holds it at unknown', 30, { 2: undefined }, [], UNKNOWN_OFFSET],
      ['one that fetched before it knew its start', 30, { 2: UNKNOWN_OFFSET, 3: 30 }, [], UNKNOWN_OFFSET],
    ];
    for (const [name, leader, followers, dead, low] of cases) expect([name, lowWatermark(input(leader, followers, dead))]).toEqual([name, low]);
  });
});
