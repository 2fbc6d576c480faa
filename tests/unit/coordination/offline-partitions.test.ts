import { plaintextEndpoint } from '../../../src/common/endpoint';
import { ControllerContext } from '../../../src/coordination/controller/controller-context';
import { partitionKey } from '../../../src/common/topic';

function context(): ControllerContext {
  const c = new ControllerContext('PLAINTEXT');
  for (const id of [1, 2]) c.liveBrokers.set(id, { id, endpoints: [plaintextEndpoint('h', 9091 + id)], rack: null, epoch: id });
  for (const [partition, leader] of [[0, 1], [1, 3], [2, -1]] as const) {
    c.setFullAssignment({ topic: 't', partition }, { replicas: [1, 2, 3], addingReplicas: [], removingReplicas: [] });
    c.leadership.set(partitionKey('t', partition), { leader, leaderEpoch: 0, isr: [leader], controllerEpoch: 1, zkVersion: 0 });
  }
  return c;
}

describe('the controller\'s OfflinePartitionsCount', () => {
  it('counts partitions whose leader is not an online replica: none, a dead broker, or a failed log dir', () => {
    const c = context();
    expect(c.offlinePartitionCount()).toBe(2);
    c.replicasOnOfflineDirs.set(1, new Set([partitionKey('t', 0)]));
    expect(c.offlinePartitionCount()).toBe(3);
  });

  it('leaves out topics queued for deletion', () => {
    const c = context();
    c.topicsToBeDeleted.add('t');
    expect(c.offlinePartitionCount()).toBe(0);
  });
});

describe('the brokers an election may pick for a partition', () => {
  it('leaves out a live broker whose replica of that partition is on a failed log dir, and only for that partition', () => {
    const c = context();
    c.replicasOnOfflineDirs.set(1, new Set([partitionKey('t', 0)]));
    expect([...c.onlineReplicaBrokerIds({ topic: 't', partition: 0 }, new Set([1, 2]))]).toEqual([2]);
    expect([...c.onlineReplicaBrokerIds({ topic: 't', partition: 1 }, new Set([1, 2]))]).toEqual([1, 2]);
  });
});
