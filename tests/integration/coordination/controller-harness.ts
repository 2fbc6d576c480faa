/**
 * Controllers against the real ZooKeeper with a recording channel instead of sockets: each
 * "broker" is a ZooKeeper session, a registration and a Controller; what the controller would send
 * is recorded per broker, and StopReplica is answered at once (as a broker that deleted its files).
 */
import { plaintextEndpoint } from '../../../src/common/endpoint';
import { createLogger, type Logger } from '../../../src/common/logger';
import { registerBroker } from '../../../src/coordination/broker-registry';
import type { ControllerApiKey, ControllerChannel } from '../../../src/coordination/controller/controller-channel';
import { Controller } from '../../../src/coordination/controller/controller';
import { ensureBasePaths, ZkPaths } from '../../../src/coordination/paths';
import { ZkClient } from '../../../src/coordination/zk-client';
import { parsePartitionState, type PartitionStateZnode } from '../../../src/coordination/znodes';
import { ApiKey } from '../../../src/protocol/api-keys';
import type { RequestOf, ResponseOf, StopReplicaRequest } from '../../../src/protocol/messages';
import { quietLogger } from '../../helpers/log';

export interface SentRequest<K extends ControllerApiKey = ControllerApiKey> {
  brokerId: number;
  apiKey: K;
  body: RequestOf<K>;
}

export class RecordingChannel implements ControllerChannel {
  readonly sent: SentRequest[] = [];
  readonly brokers = new Set<number>();
  /** false: StopReplica stays unanswered (a broker that never deletes). */
  answerStopReplica = true;

  addBroker(broker: { id: number }): void {
    this.brokers.add(broker.id);
  }

  removeBroker(id: number): void {
    this.brokers.delete(id);
  }

  send<K extends ControllerApiKey>(brokerId: number, apiKey: K, body: RequestOf<K>, onResponse?: (response: ResponseOf<K>) => void): void {
    this.sent.push({ brokerId, apiKey, body } as SentRequest);
    if (apiKey !== ApiKey.StopReplica || !onResponse || !this.answerStopReplica) return;
    const request = body as StopReplicaRequest;
    const response: ResponseOf<typeof ApiKey.StopReplica> = { errorCode: 0, partitions: request.partitions.map((p) => ({ ...p, errorCode: 0 })) };
    setImmediate(() => onResponse(response as ResponseOf<K>));
  }

  close(): void {
    this.brokers.clear();
  }

  of<K extends ControllerApiKey>(apiKey: K, brokerId?: number): RequestOf<K>[] {
    return this.sent.filter((s) => s.apiKey === apiKey && (brokerId === undefined || s.brokerId === brokerId)).map((s) => s.body as RequestOf<K>);
  }

  clear(): void {
    this.sent.length = 0;
  }
}

export interface TestBroker {
  id: number;
  zk: ZkClient;
  controller: Controller;
  channel: RecordingChannel;
  brokerEpoch: number;
  /** Ends the session: registration and (if held) /controller vanish at once, as when a broker dies. */
  kill(): Promise<void>;
}

/** A logger that keeps its lines, for tests that check what was said. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger('test', (line) => lines.push(line)), lines };
}

export class ControllerHarness {
  private readonly sessions: ZkClient[] = [];
  private readonly controllers: Controller[] = [];

  constructor(readonly connectString: string) {}

  /** A session to the test's chroot, or through `connectString` (e.g. a proxy) when given. */
  async session(connectString = this.connectString): Promise<ZkClient> {
    const zk = await ZkClient.connect({ connectString, sessionTimeoutMs: 4000, logger: quietLogger });
    this.sessions.push(zk);
    await ensureBasePaths(zk);
    return zk;
  }

  async broker(id: number, options: { uncleanLeaderElectionEnable?: boolean; start?: boolean; connectString?: string } = {}): Promise<TestBroker> {
    const zk = await this.session(options.connectString);
    const { brokerEpoch } = await registerBroker(zk, { brokerId: id, endpoints: [plaintextEndpoint('127.0.0.1', 19000 + id)], rack: null, staleSessionWaitMs: 10_000 }, quietLogger);
    const channel = new RecordingChannel();
    const controller = new Controller({ zk, brokerId: id, uncleanLeaderElectionEnable: options.uncleanLeaderElectionEnable ?? false, logger: quietLogger, channel });
    this.controllers.push(controller);
    if (options.start ?? true) await controller.startup();
    return {
      id, zk, controller, channel, brokerEpoch,
      kill: async () => {
        await controller.shutdown();
        await zk.close();
      },
    };
  }

  async state(zk: ZkClient, topic: string, partition: number): Promise<PartitionStateZnode & { zkVersion: number }> {
    const path = ZkPaths.partitionState(topic, partition);
    const { data, stat } = await zk.getData(path);
    return { ...parsePartitionState(path, data), zkVersion: stat.version };
  }

  async close(): Promise<void> {
    for (const c of this.controllers.splice(0)) await c.shutdown();
    for (const s of this.sessions.splice(0)) await s.close();
  }
}
