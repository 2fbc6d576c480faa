/**
 * The controller's side of a log dir failure, against the real ZooKeeper, with a channel that
 * answers LeaderAndIsr as a broker would: broker 1 writes a /log_dir_event_notification, the
 * controller deletes it and asks broker 1 about its replicas; the one it reports with
 * KAFKA_STORAGE_ERROR becomes an offline replica: leadership moves to another ISR member, it leaves
 * the ISR, and UpdateMetadata lists it as offline. Replicas on the healthy dir are left alone.
 */
import { plaintextEndpoint } from '../../../src/common/endpoint';
import { registerBroker } from '../../../src/coordination/broker-registry';
import type { ControllerApiKey } from '../../../src/coordination/controller/controller-channel';
import { Controller } from '../../../src/coordination/controller/controller';
import { propagateLogDirEvent } from '../../../src/coordination/log-dir-event-notification';
import { ZkPaths } from '../../../src/coordination/paths';
import { createTopic } from '../../../src/admin/topic-admin';
import { ErrorCode } from '../../../src/common/errors';
import { ApiKey } from '../../../src/protocol/api-keys';
import type { LeaderAndIsrRequest, RequestOf, ResponseOf, UpdateMetadataRequest } from '../../../src/protocol/messages';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';
import { capturingLogger, ControllerHarness, RecordingChannel } from './controller-harness';

jest.setTimeout(60_000);

/** Answers LeaderAndIsr like a broker whose replicas in `offline` (`topic-partition`) sit on a failed log dir. */
class AnsweringChannel extends RecordingChannel {
  readonly offline = new Set<string>();

  override send<K extends ControllerApiKey>(brokerId: number, apiKey: K, body: RequestOf<K>, onResponse?: (response: ResponseOf<K>) => void): void {
    super.send(brokerId, apiKey, body, onResponse);
    if (apiKey !== ApiKey.LeaderAndIsr || !onResponse) return;
    const partitions = (body as LeaderAndIsrRequest).partitionStates.map((s) => ({
      topic: s.topic, partition: s.partition,
      errorCode: brokerId === 1 && this.offline.has(`${s.topic}-${s.partition}`) ? ErrorCode.KAFKA_STORAGE_ERROR.code : ErrorCode.NONE.code,
    }));
    setImmediate(() => onResponse({ errorCode: 0, partitions } as ResponseOf<K>));
  }
}

let h: ControllerHarness;
let controller: Controller | undefined;
afterEach(async () => {
  await controller?.shutdown();
  await h.close();
});

it('moves the leadership of a replica on a failed log dir, takes it out of the ISR, and reports it offline', async () => {
  h = new ControllerHarness(testChroot('log-dir-events'));
  const zk = await h.session();
  await registerBroker(zk, { brokerId: 2, endpoints: [plaintextEndpoint('127.0.0.1', 19002)], rack: null, staleSessionWaitMs: 10_000 }, capturingLogger().logger);
  const channel = new AnsweringChannel();
  const { logger, lines } = capturingLogger();
  controller = new Controller({ zk, brokerId: 2, uncleanLeaderElectionEnable: false, logger, channel });
  await controller.startup();
  const b1 = await h.broker(1, { start: false });
  await h.broker(3, { start: false });
  await waitFor(() => lines.some((l) => l.includes('live [2,1,3]') || l.includes('new [3]')), { timeoutMs: 10_000, message: 'brokers 1 and 3 registered' });
  // Broker 1 leads p0 and follows in p1; both of its replicas sit on one dir, p2 is on its other, healthy one.
  await createTopic(zk, { name: 'disk', numPartitions: -1, replicationFactor: -1, assignments: new Map([[0, [1, 2, 3]], [1, [2, 1, 3]], [2, [1, 3, 2]]]), configs: {} }, []);
  await waitFor(async () => (await zk.exists(ZkPaths.partitionState('disk', 2))) !== null, { timeoutMs: 10_000, message: 'state znodes of disk' });
  await controller.idle();
  expect((await h.state(zk, 'disk', 0)).leader).toBe(1);
  channel.offline.add('disk-0');
  channel.offline.add('disk-1');
  channel.clear();

  await propagateLogDirEvent(b1.zk, 1);
  await waitFor(async () => (await zk.getChildren(ZkPaths.logDirEventNotifications)).length === 0, { timeoutMs: 10_000, message: 'the notification handled and deleted' });
  await waitFor(async () => (await h.state(zk, 'disk', 0)).leader === 2 && !(await h.state(zk, 'disk', 1)).isr.includes(1), {
    timeoutMs: 10_000, message: 'broker 1 out of the leadership and ISRs of disk-0 and disk-1',
  });
  await controller.idle();
  expect(await h.state(zk, 'disk', 0)).toMatchObject({ leader: 2, isr: [2, 3] });
  expect(await h.state(zk, 'disk', 1)).toMatchObject({ leader: 2, isr: [2, 3] });
  expect(await h.state(zk, 'disk', 2)).toMatchObject({ leader: 1, isr: [1, 3, 2] });
  // Broker 1 was asked about all its replicas, and every broker hears that disk-0 and disk-1 have an offline replica.
  const asked = channel.of(ApiKey.LeaderAndIsr, 1)[0] as LeaderAndIsrRequest;
  expect(asked.partitionStates.map((s) => s.partition).sort()).toEqual([0, 1, 2]);
  const metadata = channel.of(ApiKey.UpdateMetadata).flatMap((r) => (r as UpdateMetadataRequest).partitionStates);
  expect(metadata.filter((s) => s.partition === 0).at(-1)?.offlineReplicas).toEqual([1]);
  expect(metadata.filter((s) => s.partition === 1).at(-1)?.offlineReplicas).toEqual([1]);
  expect(lines.some((l) => l.includes('failed log dir'))).toBe(true);

  // Broker 1 restarts with its disk repaired: a new registration forgets the offline replicas.
  channel.offline.clear();
  await b1.kill();
  await waitFor(() => lines.some((l) => l.includes('dead [1]')), { timeoutMs: 10_000, message: 'broker 1 gone' });
  await h.broker(1, { start: false });
  await waitFor(() => lines.filter((l) => l.includes('new [1]')).length >= 2, { timeoutMs: 10_000, message: 'broker 1 back' });
  await controller.idle();
  channel.clear();
  await propagateLogDirEvent(zk, 3); // a broker without a failed dir: nothing moves
  await waitFor(async () => (await zk.getChildren(ZkPaths.logDirEventNotifications)).length === 0, { timeoutMs: 10_000, message: 'the second notification handled' });
  await controller.idle();
  expect(channel.of(ApiKey.UpdateMetadata).flatMap((r) => (r as UpdateMetadataRequest).partitionStates).every((s) => s.offlineReplicas.length === 0)).toBe(true);
});
