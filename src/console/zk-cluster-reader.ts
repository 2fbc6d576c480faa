/**
 * Reads the console's ClusterModel from ZooKeeper, through src/coordination's paths and znode
 * parsers: registered brokers with their epochs, the controller and its epoch, every topic's
 * replica assignment and partition states, the deletion queue and pending reassignments, and the
 * mzxid of each znode read. A znode that vanishes while read is left out; other errors throw.
 */
import { formatAddresses } from '../common/endpoint';
import { ZkPaths } from '../coordination/paths';
import type { ZkClient, ZkNodeData } from '../coordination/zk-client';
import { getChildrenIfExists, getDataIfExists } from '../coordination/zk-reads';
import { parseBrokerRegistration, parseController, registeredPlaintextEndpoint, parseControllerEpoch, parsePartitionReassignment, parsePartitionState, parseTopicAssignment } from '../coordination/znodes';
import type { BrokerModel, ClusterModel, TopicModel } from './cluster-model';

/** Partition states read per reading: a cluster with more is shown in part, not read for minutes. */
export const partitionsReadMax = 5_000;

export async function readClusterModel(zk: ZkClient): Promise<ClusterModel> {
  const znodes: Record<string, string> = {};
  const read = async (path: string): Promise<ZkNodeData | undefined> => {
    const node = await getDataIfExists(zk, path);
    if (node) znodes[path] = node.stat.mzxid.toString();
    return node;
  };
  const brokers: BrokerModel[] = [];
  for (const child of await getChildrenIfExists(zk, ZkPaths.brokerIds)) {
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
  const deleting = new Set(await getChildrenIfExists(zk, ZkPaths.deleteTopics));
  for (const topic of deleting) znodes[ZkPaths.deleteTopic(topic)] = 'queued';
  const reassignNode = await read(ZkPaths.reassignPartitions);
  return {
    brokers,
    controllerId: controllerNode ? parseController(ZkPaths.controller, controllerNode.data).brokerId : -1,
    controllerEpoch: epochNode ? parseControllerEpoch(ZkPaths.controllerEpoch, epochNode.data) : null,
    topics: await readTopics(zk, read, deleting),
    reassigning: reassignNode ? parsePartitionReassignment(ZkPaths.reassignPartitions, reassignNode.data).valid : [],
    znodes,
  };
}

async function readTopics(zk: ZkClient, read: (path: string) => Promise<ZkNodeData | undefined>, deleting: ReadonlySet<string>): Promise<TopicModel[]> {
  const topics: TopicModel[] = [];
  let statesRead = 0;
  for (const name of await getChildrenIfExists(zk, ZkPaths.brokerTopics)) {
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
