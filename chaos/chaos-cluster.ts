/**
 * The cluster a chaos run hits: three brokers on a three-node ZooKeeper ensemble, either all on
 * loopback or each on a host of its own (hosts/topology.ts). On hosts, every broker listens on
 * and advertises its host's address under two named listeners, CLIENT for the clients in the
 * root namespace and INTERNAL between brokers (inter.broker.listener.name), so that a client
 * reaches every broker only by the address the cluster advertises. Stopping removes the hosts too.
 */
import { startLocalCluster, type LocalCluster } from '../src/local/local-cluster';
import { freePorts } from '../src/common/free-ports';
import type { Logger } from '../src/common/logger';
import { findFreeBasePort, startLocalZk, type LocalZk } from '../src/local/local-zk';
import { HostNetwork } from './hosts/netns';
import { execOn, hostOf, planTopology, runNameOf, type Topology } from './hosts/topology';

export const chaosBrokers = 3;
export const chaosZkNodes = 3;
/** The cluster's chroot in the ensemble: its znodes are ZkPaths under it. */
export const chaosChroot = '/josef';
/** On hosts every node has its host to itself: the customary ports. */
const hostsZkBasePort = 2181;
const clientPort = 9092;
const internalPort = 9093;

export interface ChaosClusterOptions {
  dir: string;
  hosts: boolean;
  overrides: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  logger: Logger;
}

export interface ChaosCluster {
  cluster: LocalCluster;
  zkDir: string;
  /** The ensemble's connect string with the cluster's chroot. */
  zookeeperConnect: string;
  /** On hosts: the network to cut and heal. */
  network: HostNetwork | undefined;
  stop(): Promise<void>;
}

/** The listener settings of broker `id` on its own host. */
export function hostListeners(topology: Topology, id: number): Record<string, string> {
  const { address } = hostOf(topology, 'broker', id);
  const listeners = `CLIENT://${address}:${clientPort},INTERNAL://${address}:${internalPort}`;
  return {
    listeners,
    'advertised.listeners': listeners,
    'listener.security.protocol.map': 'CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT',
    'inter.broker.listener.name': 'INTERNAL',
  };
}

export async function startChaosCluster(options: ChaosClusterOptions): Promise<ChaosCluster> {
  const zkDir = `${options.dir}/zk`;
  const topology = options.hosts ? planTopology(runNameOf(process.pid), { zookeepers: chaosZkNodes, brokers: chaosBrokers }) : undefined;
  const network = topology ? await HostNetwork.create(topology) : undefined;
  let zk: LocalZk | undefined;
  try {
    zk = topology
      ? await startLocalZk({ dir: zkDir, ensemble: 3, basePort: hostsZkBasePort, hosts: [1, 2, 3].map((id) => processHost(topology, 'zookeeper', id)) })
      : await startLocalZk({ dir: zkDir, ensemble: 3, basePort: await findFreeBasePort(22000 + Math.floor(Math.random() * 3000), 3) });
    const zookeeperConnect = `${zk.connectString}${chaosChroot}`;
    const ids = Array.from({ length: chaosBrokers }, (_, i) => i + 1);
    const cluster = await startLocalCluster({
      brokers: chaosBrokers,
      dataDir: options.dir,
      zookeeperConnect,
      ports: topology ? ids.map(() => clientPort) : await freePorts(chaosBrokers),
      overrides: options.overrides,
      ...(topology ? {
        brokerHosts: Object.fromEntries(ids.map((id) => [id, processHost(topology, 'broker', id)])),
        brokerOverrides: Object.fromEntries(ids.map((id) => [id, hostListeners(topology, id)])),
      } : {}),
      env: options.env,
      logger: options.logger,
    });
    const started = zk;
    return {
      cluster, zkDir, zookeeperConnect, network,
      stop: async () => {
        try {
          await cluster.stop();
          await started.stop();
        } finally {
          network?.destroy();
        }
      },
    };
  } catch (err) {
    await zk?.stop().catch(() => undefined);
    network?.destroy();
    throw err;
  }
}

function processHost(topology: Topology, kind: 'zookeeper' | 'broker', id: number): { address: string; exec: string[] } {
  const host = hostOf(topology, kind, id);
  return { address: host.address, exec: execOn(host) };
}
