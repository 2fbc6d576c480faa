/** The failover demo's words: narration of ZooKeeper events, the verdict, and rows wrapped for the live view. */
import { deliveryVerdict } from '../../../../src/harness/delivery-check';
import { formatVerdict, narrate, wrap } from '../../../../src/cli/demo/demo-view';
import type { WatchedCluster } from '../../../../src/cli/demo/demo-watch';

const cluster: WatchedCluster = { brokers: [1, 3], controllerId: 1, controllerEpoch: 4, partitions: new Map() };
const state = { leader: 3, leaderEpoch: 2, isr: [3, 1], controllerEpoch: 4 };

describe('narrate', () => {
  it('tells the killed broker\'s znode vanishing as its session expiring, with the time since the kill', () => {
    expect(narrate({ kind: 'brokerGone', brokerId: 2 }, cluster, { brokerId: 2, atMs: 1_000 }, 7_100))
      .toBe('ZooKeeper: broker 2\'s session expired (6.1 s after broker 2 was killed); its ephemeral /brokers/ids/2 is gone and the controller\'s watch on /brokers/ids fires');
    expect(narrate({ kind: 'brokerGone', brokerId: 3 }, cluster, undefined, 0)).toBe('ZooKeeper: /brokers/ids/3 is gone: broker 3 left the cluster');
  });

  it('tells a new leader apart from a leader kept with a new epoch, and an offline partition', () => {
    expect(narrate({ kind: 'leaderChosen', partition: 0, previousLeader: 2, state }, cluster, undefined, 0))
      .toBe('the controller (broker 1) chose broker 3 as leader of partition 0 with leader epoch 2 (was broker 2; controller epoch 4)');
    expect(narrate({ kind: 'leaderChosen', partition: 1, previousLeader: 3, state }, cluster, undefined, 0))
      .toBe('the controller (broker 1) kept broker 3 as leader of partition 1 and raised its leader epoch to 2 with the new ISR');
    expect(narrate({ kind: 'leaderChosen', partition: 2, previousLeader: 3, state: { ...state, leader: -1 } }, cluster, undefined, 0))
      .toBe('the controller (broker 1) found no live ISR member for partition 2: it is offline (leader -1)');
  });

  it('tells ISR changes with the brokers that left or came back', () => {
    expect(narrate({ kind: 'isrShrank', partition: 0, removed: [2], state }, cluster, undefined, 0)).toBe('ISR of partition 0 shrank to [3,1]: broker 2 out');
    expect(narrate({ kind: 'isrExpanded', partition: 0, added: [2], state: { ...state, isr: [3, 1, 2] } }, cluster, undefined, 0))
      .toBe('ISR of partition 0 grew to [3,1,2]: broker 2 caught up with the leader and is back in sync');
  });
});

describe('formatVerdict', () => {
  const context = { acks: 'all' as const, minInsyncReplicas: 2, killedBrokerId: 2, failures: [] };

  it('says lost = 0 when every acknowledged value was read, and counts duplicates', () => {
    const text = formatVerdict(deliveryVerdict(['a', 'b'], ['a', 'b', 'b']), context);
    expect(text).toContain('acknowledged 2, consumed 3, lost = 0, duplicates 1');
    expect(text).toContain('nothing acknowledged was lost');
  });

  it('names what acks=1 lost and why; calls a loss under acks=all a bug', () => {
    const lost = deliveryVerdict(['a', 'b', 'c'], ['a']);
    expect(formatVerdict(lost, { ...context, acks: 1 })).toMatch(/lost = 2[\s\S]*Lost: b, c[\s\S]*broker 2 died before a follower copied them/);
    expect(formatVerdict(lost, context)).toContain('acks=all must not lose an acknowledged record: this is a bug.');
  });
});

describe('wrap', () => {
  it('cuts at spaces within the width and indents continuation rows', () => {
    expect(wrap('one two three four', 9)).toEqual(['one two', '    three', '    four']);
    expect(wrap('short', 9)).toEqual(['short']);
    expect(wrap('abcdefghijkl', 5).every((row) => row.length <= 5)).toBe(true);
  });
});
