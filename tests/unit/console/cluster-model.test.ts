import { changedZnodes, clusterEvents, emptyClusterModel, isUnderReplicated, partitionsLed, type ClusterModel } from '../../../src/console/cluster-model';

const state = '/brokers/topics/demo/partitions/0/state';

function model(overrides: Partial<ClusterModel> = {}): ClusterModel {
  return {
    brokers: [{ id: 1, host: 'h', port: 9092, listeners: 'h:9092', brokerEpoch: 10 }, { id: 2, host: 'h', port: 9093, listeners: 'h:9093', brokerEpoch: 11 }, { id: 3, host: 'h', port: 9094, listeners: 'h:9094', brokerEpoch: 12 }],
    controllerId: 1,
    controllerEpoch: 4,
    topics: [{ name: 'demo', deleting: false, partitions: [{ partition: 0, replicas: [3, 1, 2], leader: 3, leaderEpoch: 0, isr: [3, 1, 2] }] }],
    reassigning: [],
    znodes: { [state]: '100', '/controller': '5' },
    ...overrides,
  };
}

const texts = (before: ClusterModel, after: ClusterModel): string[] => clusterEvents(before, after, 1000).map((e) => `${e.kind} ${e.znode}: ${e.text}`);

describe('cluster events', () => {
  it('narrates a leader\'s death in the order a reader follows it, each with its znode', () => {
    const before = model();
    const after = model({
      brokers: before.brokers.filter((b) => b.id !== 3),
      topics: [{ name: 'demo', deleting: false, partitions: [{ partition: 0, replicas: [3, 1, 2], leader: 1, leaderEpoch: 1, isr: [1, 2] }] }],
    });
    expect(texts(before, after)).toEqual([
      'broker-gone /brokers/ids/3: broker 3 is gone: its ZooKeeper session ended (closed, or expired after the session timeout), and with it the ephemeral znode',
      `leader-elected ${state}: demo-0: leader 3 -> 1, leader epoch raised to 1`,
      `isr-shrank ${state}: demo-0: ISR shrank [3,1,2] -> [1,2] (without 3)`,
    ]);
  });

  it('tells a broker\'s return with a new epoch, a new controller, and an ISR that grows back', () => {
    const before = model({ brokers: model().brokers.filter((b) => b.id !== 3), topics: [{ name: 'demo', deleting: false, partitions: [{ partition: 0, replicas: [3, 1, 2], leader: 1, leaderEpoch: 1, isr: [1, 2] }] }] });
    const after = model({ brokers: [...before.brokers, { id: 3, host: 'h', port: 9094, listeners: 'h:9094', brokerEpoch: 40 }], controllerId: 2, controllerEpoch: 5,
      topics: [{ name: 'demo', deleting: false, partitions: [{ partition: 0, replicas: [3, 1, 2], leader: 1, leaderEpoch: 1, isr: [1, 2, 3] }] }] });
    expect(texts(before, after)).toEqual([
      'broker-registered /brokers/ids/3: broker 3 registered at h:9094, broker epoch 40',
      'controller-elected /controller: broker 2 is the controller, controller epoch 5',
      `isr-expanded ${state}: demo-0: ISR grew [1,2] -> [1,2,3] (3 caught up)`,
    ]);
  });

  it.each([
    ['a broker registering again after its session expired', model({ brokers: [...model().brokers.slice(0, 2), { id: 3, host: 'h', port: 9094, listeners: 'h:9094', brokerEpoch: 99 }] }), 'broker-registered'],
    ['the controller\'s znode gone', model({ controllerId: -1, controllerEpoch: 4 }), 'controller-gone'],
    ['a partition left without a leader', model({ topics: [{ name: 'demo', deleting: false, partitions: [{ partition: 0, replicas: [3], leader: -1, leaderEpoch: 1, isr: [3] }] }] }), 'partition-offline'],
    ['a topic queued for deletion', model({ topics: [{ ...model().topics[0], deleting: true }] }), 'topic-deletion-queued'],
    ['a new topic', model({ topics: [...model().topics, { name: 'new', deleting: false, partitions: [] }] }), 'topic-created'],
    ['a reassignment begun', model({ reassigning: [{ topic: 'demo', partition: 0, replicas: [1, 2, 4] }] }), 'reassignment-started'],
  ])('%s', (_what, after, kind) => {
    expect(clusterEvents(model(), after, 5).map((e) => e.kind)).toContain(kind);
  });

  it('has nothing to say about the same cluster read twice', () => {
    expect(clusterEvents(model(), model(), 5)).toEqual([]);
  });

  it('finds the znodes written, created and deleted between two readings', () => {
    const after = model({ znodes: { [state]: '101', '/brokers/ids/4': '102' } });
    expect(changedZnodes(model(), after)).toEqual(['/brokers/ids/4', state, '/controller'].sort());
    expect(changedZnodes(emptyClusterModel, emptyClusterModel)).toEqual([]);
  });

  it('counts partitions led and under-replicated ones', () => {
    expect(partitionsLed(model())).toEqual(new Map([[3, 1]]));
    expect(isUnderReplicated({ partition: 0, replicas: [1, 2], leader: 1, leaderEpoch: 0, isr: [1] })).toBe(true);
    expect(isUnderReplicated({ partition: 0, replicas: [1, 2], leader: -1, leaderEpoch: 0, isr: [1] })).toBe(false);
  });
});

describe('a new leadership without a new leader', () => {
  it('says the leader stays when the controller only raised its epoch', () => {
    const after = model({ topics: [{ name: 'demo', deleting: false, partitions: [{ partition: 0, replicas: [3, 1, 2], leader: 3, leaderEpoch: 1, isr: [3, 1] }] }] });
    expect(clusterEvents(model(), after, 1).map((e) => e.text)).toEqual([
      'demo-0: leader 3 stays, leader epoch raised to 1 (a new leadership: the controller changed its ISR)',
      'demo-0: ISR shrank [3,1,2] -> [3,1] (without 2)',
    ]);
  });
});
