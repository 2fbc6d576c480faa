/**
 * Reads the console's ClusterModel from ZooKeeper, through src/coordination's paths and znode
 * parsers: registered brokers with their epochs, the controller and its epoch, every topic's
 * replica assignment and partition states, the deletion queue and pending reassignments, and the
 * mzxid of each znode read. A znode that vanishes while read is left out; other errors throw.
 * Each znode read (or found missing) gets a watch, as Kafka's controller sets them, so the
 * console reads again only once something changed (ClusterWatches) instead of every half second.
 */
import { formatAddresses } from '../common/endpoint';
import { ZkPaths } from '../coordination/paths';
import type { ZkClient, ZkNodeData, ZkWatcher } from '../coordination/zk-client';
import { ZkNoNodeError } from '../coordination/zk-errors';
import { parseBrokerRegistration, parseController, registeredPlaintextEndpoint, parseControllerEpoch, parsePartitionReassignment, parsePartitionState, parseTopicAssignment } from '../coordination/znodes';
import type { BrokerModel, ClusterModel, TopicModel } from './cluster-model';

/** Partition states read per reading: a cluster with more is shown in part, not read for minutes. */
export const partitionsReadMax = 5_000;

/**
 * The watches one ZooKeeper session holds for the console, and whether one has fired since the
 * last reading began (`changed`). A watch fires once: a znode gets a new one when it is read
 * after its last fired, never a second while one is pending (the session would pile them up).
 */
export class ClusterWatches {
  /** True until the first reading, and after any watch fired or the session's watches were lost. */
  changed = true;
  private readonly pending = new Set<string>();

  /** A new session has none of the old one's watches, and may have missed changes. */
  lost(): void {
    this.pending.clear();
    this.changed = true;
  }

  /** A watcher for `kind` of `path`, or undefined when one is already set. */
  watcher(kind: 'data' | 'children', path: string): ZkWatcher | undefined {
    const key = `${kind} ${path}`;
    if (this.pending.has(key)) return undefined;
    this.pending.add(key);
    return () => {
      this.pending.delete(key);
      this.changed = true;
    };
  }
}

export async function readClusterModel(zk: ZkClient, watches: ClusterWatches): Promise<ClusterModel> {
  watches.changed = false;
  const znodes: Record<string, string> = {};
  // A missing znode is watched for its creation (exists), a present one for its change or deletion.
  const watched = async <T>(kind: 'data' | 'children', path: string, get: (watcher: ZkWatcher | undefined) => Promise<T>): Promise<T | undefined> => {
    const watcher = watches.watcher(kind, path);
    try {
      return await get(watcher);
    } catch (err) {
      if (!(err instanceof ZkNoNodeError)) throw err;
      // Created since? Then it is read at the next reading.
      if (watcher !== undefined && (await zk.exists(path, watcher)) !== null) watches.changed = true;
      return undefined;
    }
  };
  const read = async (path: string): Promise<ZkNodeData | undefined> => {
    const node = await watched('data', path, (watcher) => zk.getData(path, watcher));
    if (node) znodes[path] = node.stat.mzxid.toString();
    return node;
  };
  const children = async (path: string): Promise<string[]> => ((await watched('children', path, (watcher) => zk.getChildren(path, watcher))) ?? []).sort();
  const brokers: BrokerModel[] = [];
  for (const child of await children(ZkPaths.brokerIds)) {
    const id = Number(child);
    const node = Number.isSafeInteger(id) ? await read(ZkPaths.broker(id)) : undefined;
    if (!node) continue;
    const registration = parseBrokerRegistration(ZkPaths.broker(id), id, node.data);
    // Where a tool that reads ZooKeeper reaches a broker: its first PLAINTEXT endpoint, as Kafka's znode names it.
    const endpoint = registeredPlaintextEndpoint(registration) ?? registration.endpoints[0];
    if (!endpoint) continue;
    brokers.push({ id, host: endpoint.host, port: endpoint.port, listeners: formatAddresses(registration.endpoints), brokerEpoch: Number(node.stat.czxid) });
  }
  brokers.sort((a, b) => a.id - b.id);
  const controllerNode = await read(ZkPaths.controller);
  const epochNode = await read(ZkPaths.controllerEpoch);
  const deleting = new Set(await children(ZkPaths.deleteTopics));
  for (const topic of deleting) znodes[ZkPaths.deleteTopic(topic)] = 'queued';
  const reassignNode = await read(ZkPaths.reassignPartitions);
  return {
    brokers,
    controllerId: controllerNode ? parseController(ZkPaths.controller, controllerNode.data).brokerId : -1,
    controllerEpoch: epochNode ? parseControllerEpoch(ZkPaths.controllerEpoch, epochNode.data) : null,
    topics: await readTopics(children, read, deleting),
    reassigning: reassignNode ? parsePartitionReassignment(ZkPaths.reassignPartitions, reassignNode.data).valid : [],
    znodes,
  };
}

async function readTopics(children: (path: string) => Promise<string[]>, read: (path: string) => Promise<ZkNodeData | undefined>, deleting: ReadonlySet<string>): Promise<TopicModel[]> {
  const topics: TopicModel[] = [];
  let statesRead = 0;
  for (const name of await children(ZkPaths.brokerTopics)) {
    const node = await read(ZkPaths.topic(name));
    if (!node) continue;
    const assignment = parseTopicAssignment(ZkPaths.topic(name), node.data);
    const topic: TopicModel = { name, deleting: deleting.has(name), partitions: [] };
    for (const [partition, replicas] of [...assignment].sort((a, b) => a[0] - b[0])) {
      if (statesRead++ >= partitionsReadMax) break;
      const stateNode = await read(ZkPaths.partitionState(name, partition));
      const state = stateNode && parsePartitionState(ZkPaths.partitionState(name, partition), stateNode.data);
      topic.partitions.push({ partition, replicas, leader: state?.leader ?? -1, leaderEpoch: state?.leaderEpoch ?? -1, isr: state?.isr ?? [] });
    }
    topics.push(topic);
  }
  return topics;
}
