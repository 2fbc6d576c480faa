/**
 * Broker registration: the ephemeral /brokers/ids/<id> znode that says "broker id is alive at
 * host:port" for as long as its ZooKeeper session lives. Its czxid is the broker epoch.
 */
import type { Logger } from '../common/logger';
import { waitFor } from '../common/wait';
import { ZkPaths } from './paths';
import type { ZkClient } from './zk-client';
import { ZkNodeExistsError, ZkNoNodeError } from './zk-errors';
import { parseBrokerRegistration, serializeBrokerRegistration, type BrokerRegistration } from './znodes';

export class BrokerIdTakenError extends Error {
  constructor(brokerId: number, holder: string) {
    super(`broker id ${brokerId} is already registered in ZooKeeper by a live broker at ${holder}; ` +
      'give this broker another broker.id, or stop the other one');
    this.name = 'BrokerIdTakenError';
  }
}

export interface RegisterOptions {
  brokerId: number;
  host: string;
  port: number;
  rack: string | null;
  /** How long a stale registration of ours may take to go (its session timeout plus a margin). */
  staleSessionWaitMs: number;
}

/**
 * Creates the ephemeral registration and returns the broker epoch. A registration already there
 * with our host and port is taken for our own previous incarnation whose session has not expired
 * yet (a fast restart, Kafka's KAFKA-7165): we wait for it to go and retry, saying so. Anything
 * else there is another live broker: BrokerIdTakenError.
 */
export async function registerBroker(zk: ZkClient, options: RegisterOptions, logger: Logger): Promise<{ brokerEpoch: number }> {
  const path = ZkPaths.broker(options.brokerId);
  const data = serializeBrokerRegistration({ ...options, timestampMs: Date.now() });
  for (;;) {
    try {
      await zk.create(path, data, 'ephemeral', { createParents: true });
    } catch (err) {
      if (!(err instanceof ZkNodeExistsError)) throw err;
      const existing = await zk.getData(path).catch((e: unknown) => {
        if (e instanceof ZkNoNodeError) return undefined;
        throw e;
      });
      if (!existing) continue;
      if (existing.stat.ephemeralOwner === zk.sessionId) return { brokerEpoch: Number(existing.stat.czxid) };
      const holder = parseBrokerRegistration(path, options.brokerId, existing.data);
      if (holder.host !== options.host || holder.port !== options.port) {
        throw new BrokerIdTakenError(options.brokerId, `${holder.host}:${holder.port}`);
      }
      logger.warn(`${path} is still held by session 0x${existing.stat.ephemeralOwner.toString(16)} of a previous run of broker ` +
        `${options.brokerId} at ${holder.host}:${holder.port}; waiting for that session to expire (up to ${options.staleSessionWaitMs} ms)`);
      await waitFor(async () => (await zk.exists(path)) === null, {
        timeoutMs: options.staleSessionWaitMs,
        intervalMs: 200,
        message: () => `the stale registration ${path} to expire; is another broker ${options.brokerId} running at ${holder.host}:${holder.port}?`,
      });
      continue;
    }
    const stat = await zk.exists(path);
    if (!stat) continue;
    return { brokerEpoch: Number(stat.czxid) };
  }
}

/** Every registered broker with its endpoint and epoch; a broker vanishing while read is skipped. */
export async function readLiveBrokers(zk: ZkClient, watcher?: Parameters<ZkClient['getChildren']>[1]): Promise<(BrokerRegistration & { epoch: number })[]> {
  const ids = (await zk.getChildren(ZkPaths.brokerIds, watcher)).map(Number).filter(Number.isInteger).sort((a, b) => a - b);
  const out: (BrokerRegistration & { epoch: number })[] = [];
  for (const id of ids) {
    try {
      const { data, stat } = await zk.getData(ZkPaths.broker(id));
      out.push({ ...parseBrokerRegistration(ZkPaths.broker(id), id, data), epoch: Number(stat.czxid) });
    } catch (err) {
      if (!(err instanceof ZkNoNodeError)) throw err;
    }
  }
  return out;
}
