/** The scale-out demo's words: loads per broker, copy progress, the tables, the narration of a move, and the verdict. */
import { PassThrough } from 'stream';
import { deliveryVerdict } from '../../../../src/harness/delivery-check';
import {
  brokerLoads, copyProgress, formatBrokerTable, formatMoveProgress, formatPartitionTable, formatPlanLines, formatScaleOutVerdict, moveEvents,
  narrateScaleOut, replicaKey, ScaleOutView, screenLines, statusLine, type MovePicture, type PartitionPicture, type ScaleOutPicture,
} from '../../../../src/cli/demo/demo-scale-out-view';

const MiB = 1024 * 1024;

const settled = (partition: number, replicas: number[]): PartitionPicture => ({ partition, replicas, adding: [], removing: [], leader: replicas[0], isr: replicas });

/** Partition 0 stays on [1,2]; partition 1 moves [2,3] -> [4,3] and is halfway: broker 4 holds 1 of 2 MiB. */
function midMove(): ScaleOutPicture {
  const move: MovePicture = { targets: new Map([[1, [4, 3]]]), newReplicas: [[1, 4]], throttleBytesPerSec: 2 * MiB, startedMs: 1_000, finishedMs: undefined };
  return {
    topic: 't',
    replicationFactor: 2,
    brokers: [1, 2, 3, 4],
    controllerId: 1,
    partitions: [settled(0, [1, 2]), { partition: 1, replicas: [4, 3, 2], adding: [4], removing: [2], leader: 2, isr: [2, 3] }],
    logBytes: new Map([
      [replicaKey(0, 1), 3 * MiB], [replicaKey(0, 2), 3 * MiB],
      [replicaKey(1, 2), 2 * MiB], [replicaKey(1, 3), 2 * MiB], [replicaKey(1, 4), 1 * MiB],
    ]),
    move,
    counts: { produced: 10, acknowledged: 9, failed: 0, consumed: 8 },
    step: { index: 6, count: 9, text: 'replicas copy' },
  };
}

describe('brokerLoads and copyProgress', () => {
  it('counts replicas (those being added too), leaderships and log bytes per broker', () => {
    expect(brokerLoads(midMove())).toEqual([
      { brokerId: 1, replicas: 1, leaders: 1, logBytes: 3 * MiB },
      { brokerId: 2, replicas: 2, leaders: 1, logBytes: 5 * MiB },
      { brokerId: 3, replicas: 1, leaders: 0, logBytes: 2 * MiB },
      { brokerId: 4, replicas: 1, leaders: 0, logBytes: 1 * MiB },
    ]);
  });

  it('lists a broker named in a replica list even before it registers', () => {
    const picture = { ...midMove(), brokers: [1, 2, 3] };
    expect(brokerLoads(picture).map((b) => b.brokerId)).toEqual([1, 2, 3, 4]);
    expect(formatBrokerTable(picture)).toMatch(/^4\s+not registered\s+1\s+0\s+1$/m);
  });

  it('measures a new replica against the largest copy of its partition, and counts a partition moved only once settled on its target', () => {
    const picture = midMove();
    expect(copyProgress(picture, picture.move as MovePicture)).toEqual({ copiedBytes: 1 * MiB, totalBytes: 2 * MiB, partitionsDone: 0, partitionsMoving: 1 });
    const done: ScaleOutPicture = { ...picture, partitions: [settled(0, [1, 2]), settled(1, [4, 3])], logBytes: new Map([...picture.logBytes, [replicaKey(1, 4), 2 * MiB + 10]]) };
    // A new replica a little ahead of the others (the leader appended since) counts as a full copy, not more.
    expect(copyProgress(done, done.move as MovePicture)).toEqual({ copiedBytes: 2 * MiB + 10, totalBytes: 2 * MiB + 10, partitionsDone: 1, partitionsMoving: 1 });
  });
});

describe('the view', () => {
  it('shows replicas being added and removed, the target and the copy per partition', () => {
    const table = formatPartitionTable(midMove());
    expect(table).toMatch(/^1\s+2\s+\[2,3\]\s+\[4,3,2\]\s+\[4\]\s+\[2\]\s+\[4,3\]\s+broker 4: 1\/2 MB$/m);
    expect(table).toMatch(/^0\s+1\s+\[1,2\]\s+\[1,2\]$/m);
  });

  it('says how far the move is, at what rate, under which throttle', () => {
    const picture = midMove();
    expect(formatMoveProgress(picture, picture.move as MovePicture, 3_000))
      .toBe('reassignment: 0 of 1 partitions moved; new replicas hold 1 of 2 MB (50%) after 2 s, 0.5 MB/s; throttle 2 MB/s per broker');
    const finished = { ...(picture.move as MovePicture), throttleBytesPerSec: undefined, finishedMs: 5_000 };
    expect(formatMoveProgress(picture, finished, 60_000)).toMatch(/after 4 s, 0\.3 MB\/s; no throttle; done$/);
  });

  it('draws the whole screen and a one-line status for plain output', () => {
    const lines = screenLines(midMove(), 3_000);
    expect(lines[0]).toBe('Josef scale-out demo: topic t, 2 partitions, replication factor 2');
    expect(lines).toContain('produced 10, acknowledged 9, failed 0, consumed 8');
    expect(lines[lines.length - 1]).toBe('[#############.......] step 6 of 9: replicas copy');
    expect(statusLine(midMove(), 3_000)).toMatch(/^produced 10, .*; replicas\/leaders by broker 1:1\/1 2:2\/1 3:1\/0 4:1\/0; reassignment: 0 of 1 partitions moved/);
  });
});

describe('narration', () => {
  it('tells a partition starting its move and finishing it from two pictures of the topic znode', () => {
    const before = [settled(0, [1, 2]), settled(1, [2, 3])];
    const moving = midMove().partitions;
    expect(moveEvents(before, moving)).toEqual([
      'topic znode: partition 1 is moving: replicas [4,3,2], adding [4], removing [2]; the controller raised its leader epoch and sent LeaderAndIsr, so broker 4 starts fetching from the leader',
    ]);
    expect(moveEvents(moving, moving)).toEqual([]);
    expect(moveEvents(moving, [settled(0, [1, 2]), settled(1, [4, 3])])).toEqual([
      'topic znode: partition 1 moved: replicas [4,3]; broker 2 stopped its replica and deletes its files',
    ]);
    // A move quicker than the pictures: its end is still told.
    expect(moveEvents(before, [settled(0, [1, 2]), settled(1, [4, 3])])).toEqual(['topic znode: partition 1 moved: replicas [4,3]']);
    // The first picture, before the topic znode was read, tells nothing.
    expect(moveEvents([{ ...settled(1, []), leader: undefined }], [settled(1, [2, 3])])).toEqual([]);
  });

  it('tells watch events in the words of a reassignment', () => {
    const state = { leader: 4, leaderEpoch: 3, isr: [4, 3], controllerEpoch: 1 };
    expect(narrateScaleOut({ kind: 'isrExpanded', partition: 1, added: [4], state })).toBe('partition 1: broker 4 caught up with the leader and joined the ISR [4,3]');
    expect(narrateScaleOut({ kind: 'isrShrank', partition: 1, removed: [2], state })).toBe('partition 1: broker 2 left the ISR [4,3]');
    expect(narrateScaleOut({ kind: 'leaderChosen', partition: 1, previousLeader: 2, state })).toBe('partition 1: broker 4 leads now (was broker 2), leader epoch 3');
    expect(narrateScaleOut({ kind: 'leaderChosen', partition: 1, previousLeader: 4, state }))
      .toBe('partition 1: leader epoch raised to 3 (its replicas or ISR change), broker 4 still leads');
  });

  it('shows the plan as moves between brokers', () => {
    expect(formatPlanLines(new Map([[0, [1, 2]], [1, [3, 1]]]), new Map([[1, [4, 1]], [0, [1, 4]]]))).toEqual([
      '  partition 0: [1,2] -> [1,4], copies to broker 4, drops broker 2',
      '  partition 1: [3,1] -> [4,1], copies to broker 4, drops broker 3, preferred leader 3 -> 4',
    ]);
  });
});

describe('formatScaleOutVerdict', () => {
  const newBroker = { brokerId: 4, replicas: 1, leaders: 1, logBytes: 2 * MiB };

  it('says nothing acknowledged was lost when every value was read back', () => {
    const text = formatScaleOutVerdict(deliveryVerdict(['a', 'b', 'c'], ['a', 'b', 'c', 'c']), { newBrokerId: 4, loadedRecords: 2, failures: [], newBroker });
    expect(text).toContain('Broker 4 holds 1 replica and leads 1 partition (2 MB of log).');
    expect(text).toContain('acknowledged 3 (2 loaded before the move), read back 4, lost = 0, duplicates 1');
    expect(text).toContain('nothing acknowledged was lost');
  });

  it('names lost values and calls it a bug', () => {
    const text = formatScaleOutVerdict(deliveryVerdict(['a', 'b'], ['a']), { newBrokerId: 4, loadedRecords: 0, failures: ['x: timeout'], newBroker: undefined });
    expect(text).toContain('Broker 4 holds 0 replicas and leads 0 partitions');
    expect(text).toContain('lost = 1');
    expect(text).toContain('Lost: b');
    expect(text).toContain('this is a bug');
    expect(text).toContain('First failed send: x: timeout');
  });
});

describe('ScaleOutView', () => {
  const output = (stream: PassThrough): string => (stream.read() as Buffer | null)?.toString() ?? '';

  it('plain: timestamped lines, the last status line on finish, no escape codes', () => {
    const out = new PassThrough();
    let nowMs = 1_000;
    const view = new ScaleOutView(out, false, 0, () => nowMs);
    view.say('hello');
    view.attach(() => midMove());
    nowMs = 3_000;
    view.finish(midMove(), 'verdict');
    const text = output(out);
    expect(text).toMatch(/^\[\+\s+1s\] hello\n\[\+\s+3s\] produced 10, .*\nverdict\n$/);
    expect(text).not.toContain('\x1b[');
  });

  it('live: draws the screen in place with the events under it and shows the cursor again on finish', () => {
    const out = new PassThrough();
    const view = new ScaleOutView(out, true, 0, () => 2_000);
    view.attach(() => midMove());
    view.say('an event');
    view.finish(midMove(), 'verdict');
    const text = output(out);
    expect(text.startsWith('\x1b[?25l')).toBe(true);
    expect(text).toContain('Josef scale-out demo: topic t');
    expect(text).toContain('[+    2s] an event\x1b[K');
    expect(text.endsWith('\x1b[?25hverdict\n')).toBe(true);
  });
});
