/**
 * The leader's ISR state machine without ZooKeeper: shrinks after replica.lag.time.max.ms,
 * expansion once a follower caught up, conditional writes that take effect only once written (and
 * fence the leader when someone else wrote), and the batching of notifications to the controller.
 */
import { ManualClock } from '../../../src/common/clock';
import type { LeaderAndIsrPartitionState, TopicPartition } from '../../../src/protocol/messages';
import {
  ISR_PROPAGATION_MAX_DELAY_MS, ISR_PROPAGATION_QUIET_MS, IsrManager, type IsrPartitionState, type IsrStore, type IsrWriteResult,
} from '../../../src/replication/isr-manager';
import { Partition } from '../../../src/replication/partition';
import type { PartitionLog } from '../../../src/storage/partition-log';
import { numberedBatch, openLog, quietLogger } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';

const LAG_MS = 10_000;

function leaderState(overrides: Partial<LeaderAndIsrPartitionState> = {}): LeaderAndIsrPartitionState {
  return {
    topic: 'orders', partition: 0, controllerEpoch: 1, leader: 1, leaderEpoch: 3, isr: [1, 2, 3], zkVersion: 7,
    replicas: [1, 2, 3], addingReplicas: [], removingReplicas: [], isNew: true, ...overrides,
  };
}

/** A store that records what is written and answers each write as `answer` says. */
class RecordingStore implements IsrStore {
  writes: { tp: TopicPartition; state: IsrPartitionState; zkVersion: number }[] = [];
  notifications: TopicPartition[][] = [];
  answer: (zkVersion: number) => IsrWriteResult = (zkVersion) => ({ updated: true, zkVersion: zkVersion + 1 });
  notifyFails = false;

  write(tp: TopicPartition, state: IsrPartitionState, zkVersion: number): Promise<IsrWriteResult> {
    this.writes.push({ tp, state, zkVersion });
    return Promise.resolve(this.answer(zkVersion));
  }

  notify(partitions: TopicPartition[]): Promise<unknown> {
    if (this.notifyFails) return Promise.reject(new Error('connection loss'));
    this.notifications.push(partitions);
    return Promise.resolve();
  }
}

describe('IsrManager', () => {
  let dir: string;
  let log: PartitionLog;
  let clock: ManualClock;
  let store: RecordingStore;
  let hosted: Partition;
  let changes: string[];
  let manager: IsrManager;

  beforeEach(() => {
    dir = tmpDir('isr-manager');
    clock = new ManualClock(1_700_000_000_000);
    log = openLog(dir, {}, clock);
    store = new RecordingStore();
    hosted = new Partition({ localBrokerId: 1, log, highWatermarkCheckpoint: undefined, minInsyncReplicas: 1, clock });
    hosted.makeLeader(leaderState());
    hosted.appendRecordsToLeader(numberedBatch(0, 5), 1);
    changes = [];
    manager = new IsrManager({
      localBrokerId: 1, replicaLagTimeMaxMs: LAG_MS, clock, logger: quietLogger, store,
      partitions: () => [hosted],
      partition: (topic, partition) => (topic === hosted.topic && partition === hosted.partition ? hosted : undefined),
      onChange: (p) => void changes.push(p.key),
    });
  });
  afterEach(() => {
    manager.shutdown();
    log.close();
    rmDir(dir);
  });

  it('drops a follower not caught up for replica.lag.time.max.ms, by a conditional write that takes effect once written', async () => {
    clock.advance(LAG_MS / 2);
    hosted.updateFollowerFetchState(2, 5);
    await manager.maybeShrinkIsrs();
    expect(store.writes).toEqual([]);
    clock.advance(LAG_MS / 2 + 1);
    await manager.maybeShrinkIsrs();
    expect(store.writes).toEqual([{ tp: { topic: 'orders', partition: 0 }, state: { leader: 1, leaderEpoch: 3, isr: [1, 2], controllerEpoch: 1 }, zkVersion: 7 }]);
    expect(hosted.isr).toEqual([1, 2]);
    expect(hosted.zkVersion).toBe(8);
    expect(changes).toEqual(['orders-0']);
    expect({ shrinks: manager.shrinkCount, expands: manager.expandCount }).toEqual({ shrinks: 1, expands: 0 });
  });

  it('takes a follower back once it holds everything up to the high watermark', async () => {
    hosted.makeLeader(leaderState({ leaderEpoch: 4, isr: [1, 2], zkVersion: 9 }));
    hosted.updateFollowerFetchState(2, 5);
    hosted.updateFollowerFetchState(3, 2);
    await manager.maybeExpandIsr(hosted, 3, 2);
    expect(store.writes).toEqual([]);
    hosted.updateFollowerFetchState(3, 5);
    await manager.maybeExpandIsr(hosted, 3, 5);
    expect(store.writes.map((w) => [w.state.isr, w.zkVersion])).toEqual([[[1, 2, 3], 9]]);
    expect(hosted.isr).toEqual([1, 2, 3]);
    expect({ shrinks: manager.shrinkCount, expands: manager.expandCount }).toEqual({ shrinks: 0, expands: 1 });
  });

  it('stops leading when the state names another leader, and keeps its ISR when only the version moved', async () => {
    store.answer = () => ({ updated: false, reason: 'version moved', current: { leader: 1, leaderEpoch: 3, isr: [1, 2, 3], controllerEpoch: 1 } });
    clock.advance(LAG_MS + 1);
    await manager.maybeShrinkIsrs();
    expect(hosted.isLeader).toBe(true);
    expect(hosted.isr).toEqual([1, 2, 3]);
    expect(changes).toEqual([]);

    store.answer = () => ({ updated: false, reason: 'version moved', current: { leader: 2, leaderEpoch: 4, isr: [2, 3], controllerEpoch: 1 } });
    await manager.maybeShrinkIsrs();
    expect(hosted.isLeader).toBe(false);
    expect(changes).toEqual(['orders-0']);
    expect(manager.shrinkCount).toBe(0);
  });

  it('does not apply a write answered after the partition changed hands', async () => {
    let release: (result: IsrWriteResult) => void = () => undefined;
    store.write = () => new Promise((resolve) => { release = resolve; });
    clock.advance(LAG_MS + 1);
    const shrinking = manager.maybeShrinkIsrs();
    // One write at a time per partition (Kafka's leaderIsrUpdateLock).
    await manager.maybeShrinkIsrs();
    hosted.makeLeader(leaderState({ leaderEpoch: 5, zkVersion: 12 }));
    release({ updated: true, zkVersion: 8 });
    await shrinking;
    expect(hosted.isr).toEqual([1, 2, 3]);
    expect(hosted.zkVersion).toBe(12);
    expect(changes).toEqual([]);
  });

  it('notifies the controller once changes have been quiet, or at the latest after the longest delay, and retries a failed notification', async () => {
    const lagMs = 100;
    manager = new IsrManager({
      localBrokerId: 1, replicaLagTimeMaxMs: lagMs, clock, logger: quietLogger, store,
      partitions: () => [hosted], partition: () => hosted, onChange: () => undefined,
    });
    const shrinkAfterLag = async (): Promise<void> => {
      hosted.makeLeader(leaderState({ leaderEpoch: hosted.leaderEpoch + 1, isr: [1, 2], zkVersion: hosted.zkVersion }));
      clock.advance(lagMs + 1);
      await manager.maybeShrinkIsrs();
    };
    const orders0 = [{ topic: 'orders', partition: 0 }];
    // None went before: the first change goes at once.
    await shrinkAfterLag();
    manager.maybePropagateIsrChanges();
    expect(store.notifications).toEqual([orders0]);
    await shrinkAfterLag();
    manager.maybePropagateIsrChanges();
    expect(store.notifications).toEqual([orders0]);
    clock.advance(ISR_PROPAGATION_QUIET_MS);
    store.notifyFails = true;
    manager.maybePropagateIsrChanges();
    await new Promise(setImmediate);
    store.notifyFails = false;
    manager.maybePropagateIsrChanges();
    expect(store.notifications).toEqual([orders0, orders0]);
    manager.maybePropagateIsrChanges();
    expect(store.notifications).toHaveLength(2);

    // Changes that never settle still go out once the longest delay has passed since the last notification.
    const lastNotifiedMs = clock.nowMs();
    while (clock.nowMs() - lastNotifiedMs < ISR_PROPAGATION_MAX_DELAY_MS) {
      expect(store.notifications).toHaveLength(2);
      await shrinkAfterLag();
      manager.maybePropagateIsrChanges();
    }
    expect(store.notifications).toHaveLength(3);
  });
});
