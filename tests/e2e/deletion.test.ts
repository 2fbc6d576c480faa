/**
 * DeleteRecords and DeleteGroups against real broker processes (two brokers, replication factor 2,
 * real ZooKeeper), through Josef's clients and through Kafka's protocol (KafkaJS, kafka-python, and
 * raw requests of each version written with Josef's codec): the leader and its follower both delete,
 * consumers below the new start get OFFSET_OUT_OF_RANGE, kill -9 of both brokers brings no record
 * back; a group without members goes with its offsets and stays gone when its coordinator is
 * killed, one with members is refused.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { Admin } from '../../src/client/admin';
import { Consumer } from '../../src/client/consumer';
import { GroupAdmin } from '../../src/client/group-admin';
import { Producer } from '../../src/client/producer';
import { ErrorCode } from '../../src/common/errors';
import { partitionForGroup } from '../../src/group/coordinator-partition';
import { ApiKey, DEBUGGING_REPLICA_ID, EARLIEST_TIMESTAMP } from '../../src/protocol/api-keys';
import type { Struct } from '../../src/protocol/kafka/codec';
import { decodeBatches } from '../../src/protocol/record-batch';
import { LOG_START_OFFSET_CHECKPOINT } from '../../src/storage/log-manager';
import { runJosef, startTestCluster, type TestCluster } from '../helpers/cluster';
import { sendKafkaRequest } from '../helpers/kafka-request';
import { quietLogger } from '../helpers/log';
import { waitFor } from '../helpers/wait';

jest.setTimeout(240_000);

const OFFSETS_PARTITIONS = 3;

describe('deleting records and groups', () => {
  let cluster: TestCluster;
  let bootstrapServers: string;
  let admin: Admin;
  let groups: GroupAdmin;

  beforeAll(async () => {
    cluster = await startTestCluster('e2e-deletion', {
      brokers: 2,
      overrides: { 'offsets.topic.num.partitions': String(OFFSETS_PARTITIONS), 'offsets.topic.replication.factor': '2', 'zookeeper.session.timeout.ms': '4000' },
    });
    bootstrapServers = cluster.cluster.bootstrapServers;
    admin = new Admin({ bootstrapServers, logger: quietLogger });
    groups = new GroupAdmin({ bootstrapServers, logger: quietLogger });
    await admin.createTopics([{ name: 'trimmed', numPartitions: 1, replicationFactor: 2, configs: { 'segment.bytes': '1024' } }]);
    await admin.createTopics([{ name: 'orders', numPartitions: 2, replicationFactor: 2 }]);
    // Small batches: a segment of 1 KiB holds a few, so deleting records deletes whole segments too.
    const producer = new Producer({ bootstrapServers, acks: -1, batchSize: 200, logger: quietLogger });
    try {
      for (let i = 0; i < 60; i++) await producer.send({ topic: 'trimmed', partition: 0, value: `t${i}` });
      await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic: 'orders', partition: i % 2, value: `o${i}` })));
    } finally {
      await producer.close();
    }
  });
  afterAll(async () => {
    await groups?.close();
    await admin?.close();
    await cluster?.stop();
  });

  const replicasOf = async (topic: string): Promise<{ leader: number; follower: number }> => {
    const [{ partitions: [p] }] = await admin.describeTopics([topic]);
    return { leader: p.leader, follower: p.replicas.find((r) => r !== p.leader)! };
  };

  /** ListOffsets earliest at `brokerId`: as a consumer asks the leader, or (DEBUGGING_REPLICA_ID) any replica's own start. */
  const earliest = async (brokerId: number, replicaId = -1): Promise<{ errorCode: number; offset: number }> => {
    const response = await (await cluster.connect(brokerId)).send(ApiKey.ListOffsets, { replicaId, topics: [{ name: 'trimmed', partitions: [{ partition: 0, timestamp: EARLIEST_TIMESTAMP }] }] });
    return response.topics[0].partitions[0];
  };

  const consumerFetch = async (brokerId: number, fetchOffset: number): Promise<{ errorCode: number; offsets: number[] }> => {
    const response = await (await cluster.connect(brokerId)).send(ApiKey.Fetch, {
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
      topics: [{ name: 'trimmed', partitions: [{ partition: 0, fetchOffset, currentLeaderEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
    });
    const p = response.topics[0].partitions[0];
    return { errorCode: p.errorCode, offsets: p.records ? decodeBatches(p.records).map((r) => r.offset) : [] };
  };

  const segmentBases = (brokerId: number): number[] =>
    fs.readdirSync(path.join(cluster.cluster.broker(brokerId).logDir, 'trimmed', '0')).filter((f) => f.endsWith('.log')).map((f) => Number(f.slice(0, -4))).sort((a, b) => a - b);

  test('through Josef\'s Admin: leader and follower delete, readers below get OFFSET_OUT_OF_RANGE, and kill -9 of both brings nothing back', async () => {
    const { leader, follower } = await replicasOf('trimmed');
    expect(segmentBases(leader).length).toBeGreaterThan(3);
    const lowWatermarks = await admin.deleteRecords([{ topic: 'trimmed', partition: 0, offset: 25 }], { timeoutMs: 30_000 });
    // The low watermark is the lowest start among live replicas: the follower has deleted too when the answer comes.
    expect(lowWatermarks.get('trimmed-0')).toEqual({ topic: 'trimmed', partition: 0, lowWatermark: 25 });
    expect(await earliest(follower, DEBUGGING_REPLICA_ID)).toMatchObject({ errorCode: 0, offset: 25 });
    for (const [tp, code] of [[{ topic: 'missing', partition: 0, offset: 1 }, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [{ topic: 'trimmed', partition: 3, offset: 1 }, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [{ topic: 'trimmed', partition: 0, offset: 61 }, ErrorCode.OFFSET_OUT_OF_RANGE]] as const) {
      await expect(admin.deleteRecords([tp])).rejects.toMatchObject({ code: code.code });
    }

    const checkDeleted = async (): Promise<void> => {
      const current = await replicasOf('trimmed');
      expect(await earliest(current.leader)).toMatchObject({ errorCode: 0, offset: 25 });
      expect(await earliest(current.follower, DEBUGGING_REPLICA_ID)).toMatchObject({ errorCode: 0, offset: 25 });
      expect((await consumerFetch(current.leader, 24)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE.code);
      expect((await consumerFetch(current.leader, 25)).offsets).toContain(25);
      for (const id of [leader, follower]) {
        // The segments wholly below 25 are gone on both brokers; the one holding 25 starts below it, so
        // only log-start-offset-checkpoint remembers where the log starts.
        const [first] = segmentBases(id);
        expect(first).toBeGreaterThan(0);
        expect(first).toBeLessThan(25);
        expect(fs.readFileSync(path.join(cluster.cluster.broker(id).logDir, LOG_START_OFFSET_CHECKPOINT), 'utf8')).toContain('trimmed 0 25\n');
      }
    };
    await checkDeleted();

    for (const id of [leader, follower]) await cluster.cluster.stopBroker(id, 'SIGKILL');
    for (const id of [leader, follower]) await cluster.cluster.startBroker(id);
    await cluster.cluster.awaitReady();
    await waitFor(async () => (await earliest((await replicasOf('trimmed')).leader).catch(() => undefined))?.errorCode === 0,
      { timeoutMs: 60_000, message: 'trimmed-0 to have a leader again' });
    // Both restarted from their checkpoints: consumers see records again once the leader's high
    // watermark has risen past them, after the follower's first fetches (Kafka's too).
    await waitFor(async () => (await consumerFetch((await replicasOf('trimmed')).leader, 25).catch(() => undefined))?.offsets.includes(25) === true,
      { timeoutMs: 60_000, message: 'trimmed-0\'s leader to serve offset 25 again' });
    await checkDeleted();
  });

  test('through Kafka\'s protocol: KafkaJS deleteTopicRecords, then versions 0 and 1 as raw requests', async () => {
    const kafka = new Kafka({ clientId: 'josef-e2e', brokers: bootstrapServers.split(','), logLevel: logLevel.NOTHING });
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    try {
      // KafkaJS finds the leaders in metadata it already holds: fetchTopicOffsets loads the topic's.
      expect(Number((await kafkaAdmin.fetchTopicOffsets('trimmed'))[0].low)).toBeLessThan(40);
      await kafkaAdmin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '40' }] });
      expect(await kafkaAdmin.fetchTopicOffsets('trimmed')).toEqual([{ partition: 0, offset: '60', high: '60', low: '40' }]);
    } finally {
      await kafkaAdmin.disconnect();
    }
    const { leader, follower } = await replicasOf('trimmed');
    const send = (id: number, version: number, body: Struct): Promise<Struct> => {
      const broker = cluster.cluster.broker(id);
      return sendKafkaRequest(broker.host, broker.port, ApiKey.DeleteRecords, version, body);
    };
    expect(await send(leader, 0, { topics: [{ name: 'trimmed', partitions: [{ partition: 0, offset: 45 }] }], timeoutMs: 30_000 }))
      .toEqual({ throttleTimeMs: 0, topics: [{ name: 'trimmed', partitions: [{ partition: 0, lowWatermark: 45, errorCode: 0 }] }] });
    const v1 = await send(leader, 1, {
      topics: [{ name: 'trimmed', partitions: [{ partition: 0, offset: 61 }] }, { name: 'missing', partitions: [{ partition: 0, offset: 1 }] }], timeoutMs: 30_000,
    });
    expect(v1.topics).toEqual([
      { name: 'trimmed', partitions: [{ partition: 0, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE.code }] },
      { name: 'missing', partitions: [{ partition: 0, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code }] },
    ]);
    const atFollower = await send(follower, 1, { topics: [{ name: 'trimmed', partitions: [{ partition: 0, offset: 50 }] }], timeoutMs: 30_000 });
    expect(atFollower.topics).toEqual([{ name: 'trimmed', partitions: [{ partition: 0, lowWatermark: -1, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER.code }] }]);
    expect(await earliest(leader)).toMatchObject({ offset: 45 });
  });

  /** A consumer of `groupId` on `orders` that read everything, committed, and is still polling (a member) or left. */
  const groupThatRead = async (groupId: string): Promise<{ leave: () => Promise<void> }> => {
    const consumer = new Consumer({ bootstrapServers, groupId, enableAutoCommit: false, autoOffsetReset: 'earliest', sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, logger: quietLogger });
    consumer.subscribe(['orders']);
    let read = 0;
    await waitFor(async () => (read += (await consumer.poll(200)).length) >= 20, { timeoutMs: 60_000, message: `group ${groupId} to read orders` });
    await consumer.commit();
    let polling = true;
    const loop = (async () => { while (polling) await consumer.poll(200); })();
    return {
      leave: async () => {
        polling = false;
        await loop;
        await consumer.close();
      },
    };
  };

  test('through Josef\'s GroupAdmin: a group without members goes with its offsets, one with members is refused', async () => {
    const busy = await groupThatRead('busy');
    const finished = await groupThatRead('finished');
    await finished.leave();
    try {
      await expect(groups.deleteGroup('busy')).rejects.toMatchObject({ code: ErrorCode.NON_EMPTY_GROUP.code });
      expect((await groups.committedOffsets('finished')).size).toBe(2);
      await groups.deleteGroup('finished');
      expect((await groups.listGroups()).map((g) => g.groupId)).toEqual(['busy']);
      expect((await groups.describeGroup('finished')).state).toBe('Dead');
      expect((await groups.committedOffsets('finished')).size).toBe(0);
      await expect(groups.deleteGroup('finished')).rejects.toMatchObject({ code: ErrorCode.GROUP_ID_NOT_FOUND.code });
    } finally {
      await busy.leave();
    }
    await groups.deleteGroup('busy');
  });

  /** `base`, or `base-N`, whichever first lands on the __consumer_offsets partition of `groupId` (so on its coordinator). */
  const besides = (groupId: string, base: string): string =>
    [base, ...Array.from({ length: 100 }, (_, i) => `${base}-${i}`)].find((id) => partitionForGroup(id, OFFSETS_PARTITIONS) === partitionForGroup(groupId, OFFSETS_PARTITIONS))!;

  test('through Kafka\'s protocol: kafka-python and KafkaJS find the coordinator and delete, a group with members is refused; versions 0 and 1 as raw requests', async () => {
    const [pyGone, jsGone, rawV0, rawV1] = ['py-gone', 'js-gone', 'raw-v0', 'raw-v1'].map((base) => besides('py-busy', base));
    for (const g of [pyGone, jsGone, rawV0, rawV1]) await groups.alterOffsets(g, [{ topic: 'orders', partition: 0, offset: 3 }]);
    const busy = await groupThatRead('py-busy');
    try {
      const script = [
        'import json, sys',
        'from kafka import KafkaAdminClient',
        'admin = KafkaAdminClient(bootstrap_servers=sys.argv[1].split(","), client_id="josef-e2e")',
        'result = admin.delete_consumer_groups(sys.argv[2].split(","))',
        'print(json.dumps(sorted([group, error.errno] for group, error in result)))',
        'admin.close()',
      ].join('\n');
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile('/usr/bin/python3', ['-c', script, bootstrapServers, `${pyGone},py-busy`], { timeout: 60_000 },
          (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
      });
      expect(JSON.parse(stdout)).toEqual([[pyGone, 0], ['py-busy', ErrorCode.NON_EMPTY_GROUP.code]].sort());
      expect((await groups.committedOffsets(pyGone)).size).toBe(0);

      const kafkaAdmin = new Kafka({ clientId: 'josef-e2e', brokers: bootstrapServers.split(','), logLevel: logLevel.NOTHING }).admin();
      await kafkaAdmin.connect();
      try {
        expect(await kafkaAdmin.deleteGroups([jsGone])).toEqual([{ groupId: jsGone, errorCode: 0 }]);
        await expect(kafkaAdmin.deleteGroups(['py-busy'])).rejects.toMatchObject({ groups: [{ groupId: 'py-busy', errorCode: ErrorCode.NON_EMPTY_GROUP.code }] });
      } finally {
        await kafkaAdmin.disconnect();
      }

      const coordinator = cluster.cluster.broker((await groups.describeGroup('py-busy')).coordinator);
      for (const [version, groupId] of [[0, rawV0], [1, rawV1]] as const) {
        expect(await sendKafkaRequest(coordinator.host, coordinator.port, ApiKey.DeleteGroups, version, { groupsNames: [groupId, 'py-busy', pyGone] })).toEqual({
          throttleTimeMs: 0,
          results: [{ groupId, errorCode: 0 }, { groupId: 'py-busy', errorCode: ErrorCode.NON_EMPTY_GROUP.code }, { groupId: pyGone, errorCode: ErrorCode.GROUP_ID_NOT_FOUND.code }],
        });
      }
      expect((await groups.listGroups()).map((g) => g.groupId)).toEqual(['py-busy']);
    } finally {
      await busy.leave();
    }
    await groups.deleteGroup('py-busy');
  });

  test('a deleted group stays deleted when its coordinator is killed (kill -9): the new coordinator loads its tombstones', async () => {
    const committed = [{ topic: 'orders', partition: 1, offset: 7 }];
    const sibling = besides('ledger', 'kept');
    for (const g of ['ledger', sibling]) await groups.alterOffsets(g, committed);
    const coordinator = (await groups.describeGroup('ledger')).coordinator;
    const run = await runJosef(['group', 'delete', 'ledger', '--bootstrap-server', bootstrapServers]);
    expect(run).toMatchObject({ code: 0, stdout: 'Deletion of requested consumer groups (\'ledger\') was successful.\n' });

    await cluster.cluster.stopBroker(coordinator, 'SIGKILL');
    try {
      // The sibling's offsets answer once the surviving broker leads the partition and has loaded it.
      await waitFor(async () => (await groups.committedOffsets(sibling).catch(() => undefined))?.get('orders-1')?.offset === 7,
        { timeoutMs: 60_000, message: `the new coordinator to load ${sibling}` });
      expect((await groups.describeGroup(sibling)).coordinator).not.toBe(coordinator);
      expect((await groups.committedOffsets('ledger')).size).toBe(0);
      expect((await groups.listGroups()).map((g) => g.groupId)).toEqual([sibling]);
    } finally {
      await cluster.cluster.startBroker(coordinator);
      await cluster.cluster.awaitReady();
    }
  });
});
