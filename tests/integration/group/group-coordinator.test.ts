/**
 * The group coordinator in a real broker (in-process, real ZooKeeper chroot, real log files),
 * driven by raw requests: FindCoordinator creates __consumer_offsets, JoinGroup/SyncGroup make a
 * generation, a new member forces a rebalance, a stale generation's commit is refused, and a
 * restarted broker loads the committed offsets and the group back from its log.
 */
import * as path from 'path';
import { Broker } from '../../../src/broker';
import { Connection } from '../../../src/client/connection';
import { loadBrokerConfig } from '../../../src/common/config';
import { ErrorCode } from '../../../src/common/errors';
import { ApiKey } from '../../../src/protocol/api-keys';
import { quietLogger } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';

jest.setTimeout(90_000);

const protocols = [{ name: 'range', metadata: Buffer.from('subscription') }];
const join = (memberId = '') => ({ groupId: 'g', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 10_000, memberId, protocolType: 'consumer', protocols });

describe('group coordinator in a broker', () => {
  let dir: string;
  let zookeeperConnect: string;
  let broker: Broker | undefined;
  const connections: Connection[] = [];

  const startBroker = async (): Promise<Broker> => {
    const { config } = loadBrokerConfig({
      env: {},
      flags: {
        'broker.id': '1', port: '0', 'log.dirs': path.join(dir, 'data'), 'zookeeper.connect': zookeeperConnect,
        'offsets.topic.num.partitions': '3', 'controlled.shutdown.enable': 'false',
      },
    });
    const started = new Broker({ config, logger: quietLogger, groupCoordinatorSettings: { groupInitialRebalanceDelayMs: 100 } });
    await started.startup();
    return started;
  };
  const connect = async (): Promise<Connection> => {
    const [{ host, port }] = broker!.advertisedEndpoints;
    const c = await Connection.connect(host, port, { clientId: 'test-client', requestTimeoutMs: 30_000 });
    connections.push(c);
    return c;
  };
  const findCoordinator = async (c: Connection): Promise<number> => {
    const found = await waitFor(async () => {
      const r = await c.send(ApiKey.FindCoordinator, { key: 'g', keyType: 0 });
      return r.errorCode === ErrorCode.NONE.code ? r : undefined;
    }, { timeoutMs: 30_000, message: 'a coordinator for group g' });
    return found.nodeId;
  };
  /** Waits while the coordinator loads its partition (or has yet to hear it leads it). */
  const fetchOffset = async (c: Connection): Promise<number> => {
    const r = await waitFor(async () => {
      const answer = await c.send(ApiKey.OffsetFetch, { groupId: 'g', topics: [{ name: 't', partitions: [0, 1] }] });
      const retriable = [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code, ErrorCode.NOT_COORDINATOR.code];
      return retriable.includes(answer.errorCode) ? undefined : answer;
    }, { timeoutMs: 30_000, message: 'offsets loaded' });
    expect(r.errorCode).toBe(ErrorCode.NONE.code);
    expect(r.topics[0].partitions[1].committedOffset).toBe(-1);
    return r.topics[0].partitions[0].committedOffset;
  };

  beforeEach(() => {
    dir = tmpDir('group-coordinator');
    zookeeperConnect = testChroot('group-coordinator');
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await broker?.shutdown();
    rmDir(dir);
  });

  it('runs generations, refuses a stale commit, and keeps offsets and members across a restart', async () => {
    broker = await startBroker();
    const [a, b, admin] = [await connect(), await connect(), await connect()];
    expect(await findCoordinator(admin)).toBe(1);

    const joinedA = await a.send(ApiKey.JoinGroup, join());
    expect(joinedA.errorCode).toBe(ErrorCode.NONE.code);
    expect(joinedA.generationId).toBe(1);
    expect(joinedA.leader).toBe(joinedA.memberId);
    expect(joinedA.memberId).toMatch(/^test-client-/);
    expect(joinedA.members.map((m) => m.memberId)).toEqual([joinedA.memberId]);
    const synced = await a.send(ApiKey.SyncGroup, { groupId: 'g', generationId: 1, memberId: joinedA.memberId, assignments: [{ memberId: joinedA.memberId, assignment: Buffer.from('all of t') }] });
    expect(synced).toEqual({ errorCode: 0, assignment: Buffer.from('all of t') });
    expect((await a.send(ApiKey.Heartbeat, { groupId: 'g', generationId: 1, memberId: joinedA.memberId })).errorCode).toBe(0);

    const commit = (generationId: number, offset: number) => a.send(ApiKey.OffsetCommit, {
      groupId: 'g', generationId, memberId: joinedA.memberId, topics: [{ name: 't', partitions: [{ partition: 0, committedOffset: offset, committedMetadata: null }] }],
    });
    expect((await commit(1, 42)).topics[0].partitions[0].errorCode).toBe(0);
    expect(await fetchOffset(admin)).toBe(42);

    // B joins: A learns of the rebalance from its heartbeat, rejoins, and both are in generation 2.
    const joiningB = b.send(ApiKey.JoinGroup, join());
    await waitFor(async () => (await a.send(ApiKey.Heartbeat, { groupId: 'g', generationId: 1, memberId: joinedA.memberId })).errorCode === ErrorCode.REBALANCE_IN_PROGRESS.code,
      { timeoutMs: 10_000, message: 'A to be told to rejoin' });
    const [rejoinedA, joinedB] = await Promise.all([a.send(ApiKey.JoinGroup, join(joinedA.memberId)), joiningB]);
    expect([rejoinedA.generationId, joinedB.generationId]).toEqual([2, 2]);
    expect(rejoinedA.leader).toBe(joinedA.memberId);
    expect(rejoinedA.members).toHaveLength(2);
    expect(joinedB.members).toHaveLength(0);

    // A commit from generation 1 is refused; one from generation 2 is taken (CompletingRebalance refuses both until synced).
    const [syncA, syncB] = await Promise.all([
      a.send(ApiKey.SyncGroup, { groupId: 'g', generationId: 2, memberId: joinedA.memberId, assignments: [{ memberId: joinedA.memberId, assignment: Buffer.from('p0') }, { memberId: joinedB.memberId, assignment: Buffer.from('p1') }] }),
      b.send(ApiKey.SyncGroup, { groupId: 'g', generationId: 2, memberId: joinedB.memberId, assignments: [] }),
    ]);
    expect([syncA.assignment.toString(), syncB.assignment.toString()]).toEqual(['p0', 'p1']);
    expect((await commit(1, 50)).topics[0].partitions[0].errorCode).toBe(ErrorCode.ILLEGAL_GENERATION.code);
    expect((await commit(2, 60)).topics[0].partitions[0].errorCode).toBe(0);

    const described = await admin.send(ApiKey.DescribeGroups, { groups: ['g'] });
    expect(described.groups[0]).toMatchObject({ errorCode: 0, groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(described.groups[0].members.map((m) => m.memberAssignment.toString()).sort()).toEqual(['p0', 'p1']);
    expect((await admin.send(ApiKey.ListGroups, {})).groups).toEqual([{ groupId: 'g', protocolType: 'consumer', groupState: 'Stable' }]);

    // B leaves: A is told to rejoin and leads generation 3 alone.
    const left = await b.send(ApiKey.LeaveGroup, { groupId: 'g', members: [{ memberId: joinedB.memberId, groupInstanceId: null }] });
    expect([left.errorCode, left.members.map((m) => m.errorCode)]).toEqual([0, [0]]);
    expect((await a.send(ApiKey.Heartbeat, { groupId: 'g', generationId: 2, memberId: joinedA.memberId })).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS.code);
    const alone = await a.send(ApiKey.JoinGroup, join(joinedA.memberId));
    expect(alone.generationId).toBe(3);

    // Restart on the same log: the offsets and the last written group come back from __consumer_offsets.
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await broker.shutdown();
    broker = await startBroker();
    const again = await connect();
    await findCoordinator(again);
    expect(await fetchOffset(again)).toBe(60);
    const reloaded = await again.send(ApiKey.DescribeGroups, { groups: ['g'] });
    expect(reloaded.groups[0].groupState).toBe('Stable');
    expect(reloaded.groups[0].members.map((m) => m.memberId).sort()).toEqual([joinedA.memberId, joinedB.memberId].sort());
  });
});
