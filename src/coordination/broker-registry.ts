/**
 * Broker registration: the ephemeral /brokers/ids/<id> znode that says "broker id is alive at
 * these endpoints" for as long as its ZooKeeper session lives. Its czxid is the broker epoch, so a broker
 * that registers again (a restart, a new session) always has a higher epoch than before.
 */
import { systemClock, type Clock } from '../common/clock';
import { connectionString, formatAddresses, type ListenerEndpoint } from '../common/endpoint';
import type { Logger } from '../common/logger';
import { ZkPaths } from './paths';
import type { ZooKeeper, ZkWatcher } from './zk-client';
import { getDataIfExists } from './zk-reads';
import { ZkConnectionLossError, ZkNodeExistsError } from './zk-errors';
import { parseBrokerRegistration, serializeBrokerRegistration, type BrokerRegistration } from './znodes';

/** The broker id is held by another live broker (or by a session that did not go in time). */
export class BrokerIdTakenError extends Error {
  constructor(readonly brokerId: number, message: string) {
    super(message);
    this.name = 'BrokerIdTakenError';
  }
}

export interface RegisterOptions {
  brokerId: number;
  /** The advertised endpoints, as clients and other brokers should reach this broker, one per listener. */
  endpoints: ListenerEndpoint[];
  rack: string | null;
  /** How long a stale registration of ours may take to go: its session timeout plus a margin. */
  staleSessionWaitMs: number;
  clock?: Clock;
}

/** A registered broker with its broker epoch (the czxid of its registration). */
export interface LiveBrokerRegistration extends BrokerRegistration {
  brokerEpoch: number;
}

/** A create lost with the connection may or may not have been applied; the retry finds out. */
const connectionLossRetriesMax = 5;
/** Creates tried before giving up on a registration that keeps appearing and vanishing. */
const registrationAttemptsMax = 100;

/**
 * Creates the ephemeral registration and returns the broker epoch. As Kafka 2.x (KAFKA-7165): a
 * registration already there with our own endpoints is taken for our previous incarnation
 * whose session has not expired yet (a fast restart); we wait for it to go, watching it, and
 * retry. A registration with other endpoints is another live broker: BrokerIdTakenError. Kafka
 * cannot tell for sure that an old session was ours either; it compares the data, as we do.
 */
export async function registerBroker(zk: ZooKeeper, options: RegisterOptions, logger: Logger): Promise<{ brokerEpoch: number }> {
  const path = ZkPaths.broker(options.brokerId);
  const clock = options.clock ?? systemClock;
  const data = serializeBrokerRegistration({ ...options, timestampMs: clock.nowMs() });
  let waitDeadlineMs: number | undefined;
  let connectionLosses = 0;
  for (let attempt = 1; attempt <= registrationAttemptsMax; attempt++) {
    try {
      await zk.create(path, data, 'ephemeral', { createParents: true });
    } catch (err) {
      if (err instanceof ZkConnectionLossError && ++connectionLosses <= connectionLossRetriesMax) continue;
      if (!(err instanceof ZkNodeExistsError)) throw err;
    }
    const existing = await getDataIfExists(zk, path);
    if (!existing) continue;
    const owner = existing.stat.ephemeralOwner;
    // Ours: just created, or created by a try whose answer was lost with the connection.
    if (owner === zk.sessionId) return { brokerEpoch: Number(existing.stat.czxid) };
    const holder = parseBrokerRegistration(path, options.brokerId, existing.data);
    const ownerHex = `0x${owner.toString(16)}`;
    const holderAddresses = formatAddresses(holder.endpoints);
    if (!sameEndpoints(holder.endpoints, options.endpoints)) {
      throw new BrokerIdTakenError(options.brokerId, `broker id ${options.brokerId} is already registered in ZooKeeper by a live broker ` +
        `at ${holderAddresses} (session ${ownerHex}); give this broker another broker.id, or stop the other one`);
    }
    waitDeadlineMs ??= Date.now() + options.staleSessionWaitMs;
    const waitMs = waitDeadlineMs - Date.now();
    logger.warn(`waiting for the session of the previous broker ${options.brokerId} (${ownerHex}) to expire: ${path} still says ` +
      `${holderAddresses} (waiting up to ${Math.max(0, waitMs)} ms)`);
    if (waitMs <= 0 || !(await awaitDeletion(zk, path, waitMs))) {
      throw new BrokerIdTakenError(options.brokerId, `broker id ${options.brokerId} is still registered at ${holderAddresses} by session ` +
        `${ownerHex}, which did not expire within ${options.staleSessionWaitMs} ms: is another broker with broker.id ${options.brokerId} running there?`);
    }
  }
  throw new Error(`could not register ${path}: it kept appearing and vanishing over ${registrationAttemptsMax} attempts`);
}

function sameEndpoints(a: ListenerEndpoint[], b: ListenerEndpoint[]): boolean {
  return a.map(connectionString).join(',') === b.map(connectionString).join(',');
}

/** Every registered broker with its endpoints and epoch, by id; a broker vanishing while read is skipped. */
export async function liveBrokers(zk: ZooKeeper, watcher?: ZkWatcher): Promise<LiveBrokerRegistration[]> {
  const ids = (await zk.getChildren(ZkPaths.brokerIds, watcher)).filter((c) => /^\d+$/.test(c)).map(Number).sort((a, b) => a - b);
  const out: LiveBrokerRegistration[] = [];
  for (const id of ids) {
    const node = await getDataIfExists(zk, ZkPaths.broker(id));
    if (node) out.push({ ...parseBrokerRegistration(ZkPaths.broker(id), id, node.data), brokerEpoch: Number(node.stat.czxid) });
  }
  return out;
}

/** Resolves true once `path` is gone (watching it, not polling), false when `timeoutMs` passes first. */
function awaitDeletion(zk: ZooKeeper, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    let settled = false;
    const settle = (deleted: boolean, error?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error === undefined) resolve(deleted);
      else reject(error);
    };
    const timer = setTimeout(() => settle(false), timeoutMs);
    // A watch fires once; a change of data (not a deletion) sets it again.
    const arm = (): void => {
      const onEvent: ZkWatcher = (event) => {
        if (event.type === 'deleted') settle(true);
        else if (!settled) arm();
      };
      zk.exists(path, onEvent)
        .then((stat) => { if (stat === null) settle(true); }, (err: unknown) => settle(false, err));
    };
    arm();
  });
}
