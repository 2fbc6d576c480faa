/**
 * The nemesis's hands: carries out one planned fault against the running cluster (a process
 * signalled, killed or restarted, a ZooKeeper node stopped, or links between hosts cut with
 * nftables), holds it, and heals it; and, at the end of a run, heals everything at once.
 */
import type { LocalCluster } from '../src/local/local-cluster';
import { startLocalZk, stopLocalZk } from '../src/local/local-zk';
import type { HostNetwork } from './hosts/netns';
import { describeDrops } from './hosts/topology';
import { isNetworkFault, networkCut, type ClusterRoles, type PlannedFault } from './nemesis';

export interface FaultTarget {
  cluster: LocalCluster;
  zkDir: string;
  /** The hosts' network; network faults need it. */
  network: HostNetwork | undefined;
  say: (line: string) => void;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Carries out one fault and heals it after its hold; returns who it hit. */
export async function inflict(target: FaultTarget, fault: PlannedFault, roles: ClusterRoles): Promise<string> {
  const { cluster, zkDir, say } = target;
  const live = cluster.brokers().filter((b) => b.running).map((b) => b.id);
  const pickOf = <T>(items: readonly T[]): T => items[Math.floor(fault.pick * items.length)];
  if (isNetworkFault(fault.action)) {
    if (!target.network) throw new Error(`${fault.action} needs the brokers and ZooKeeper nodes on hosts of their own (--hosts)`);
    const cut = networkCut(fault, roles);
    say(`${fault.action}: ${cut.victim} (${describeDrops(cut.drops)}), healed in ${fault.holdMs} ms`);
    await target.network.cut(cut.drops);
    try {
      await pause(fault.holdMs);
    } finally {
      await target.network.heal();
    }
    return cut.victim;
  }
  switch (fault.action) {
    case 'kill-leader':
    case 'kill-controller': {
      let victim = fault.action === 'kill-controller' ? roles.controller : pickOf(roles.leaders);
      if (!live.includes(victim)) victim = pickOf(live);
      say(`${fault.action}: kill -9 broker ${victim}, back in ${fault.holdMs} ms`);
      await cluster.stopBroker(victim, 'SIGKILL');
      await pause(fault.holdMs);
      await cluster.startBroker(victim);
      return `broker ${victim}`;
    }
    case 'stop-broker': {
      const victim = pickOf(live);
      const pid = cluster.broker(victim).pid as number;
      say(`stop-broker: SIGSTOP broker ${victim} for ${fault.holdMs} ms (past its session timeout)`);
      process.kill(pid, 'SIGSTOP');
      try {
        await pause(fault.holdMs);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      return `broker ${victim}`;
    }
    case 'restart-broker': {
      const victim = pickOf(live);
      say(`restart-broker: SIGTERM broker ${victim} (controlled shutdown), back in ${fault.holdMs} ms`);
      await cluster.stopBroker(victim, 'SIGTERM');
      await pause(fault.holdMs);
      await cluster.startBroker(victim);
      return `broker ${victim}`;
    }
    case 'kill-zk-node': {
      const node = 1 + Math.floor(fault.pick * 3);
      say(`kill-zk-node: stop ZooKeeper node ${node}, back in ${fault.holdMs} ms`);
      await stopLocalZk(zkDir, { nodeIds: [node] });
      await pause(fault.holdMs);
      await startLocalZk({ dir: zkDir });
      return `zookeeper ${node}`;
    }
    default:
      throw new Error(`no way to inflict ${fault.action}`);
  }
}

/** Everything running and connected again: links healed, stopped brokers resumed, dead ones started, every ZooKeeper node up. */
export async function healAll(target: FaultTarget): Promise<void> {
  await target.network?.heal();
  await startLocalZk({ dir: target.zkDir });
  for (const b of target.cluster.brokers()) {
    if (b.running && b.pid) process.kill(b.pid, 'SIGCONT');
    if (!b.running) await target.cluster.startBroker(b.id);
  }
}
