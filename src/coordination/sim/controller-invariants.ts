/**
 * What must hold of the controller's work whatever the schedule, checked against ZooKeeper's state
 * after every simulated step: one controller per epoch, no write of an old controller, a leader in
 * its ISR, the ISR within the replicas, leader epochs that only rise, no unclean election unless
 * enabled; and once everything has settled, no partition offline that a live in-sync replica could lead.
 * Pure: it reads a snapshot and remembers what it saw before.
 */
import { ZkPaths } from '../paths';
import { parseControllerEpoch, parsePartitionState, parseTopicAssignment, type PartitionStateZnode } from '../znodes';
import type { ZkNodeData } from '../zk-types';

/** What the checker reads: the ZooKeeper model's state, outside any session. */
export interface ZkSnapshot {
  /** The last zxid: unchanged, nothing was written. */
  readonly zxid: bigint;
  peek(path: string): ZkNodeData | undefined;
  peekChildren(path: string): string[];
}

interface SeenState extends PartitionStateZnode {
  zkVersion: number;
}

export class ControllerInvariants {
  /** By `topic-partition`. */
  private readonly states = new Map<string, SeenState>();
  /** Controller epoch -> the broker elected in it. */
  private readonly electedIn = new Map<number, number>();
  private checkedZxid = -1n;

  constructor(private readonly uncleanLeaderElectionEnable: boolean) {}

  /** A broker says it became controller in `epoch`: nobody else may have. */
  elected(brokerId: number, epoch: number): string | undefined {
    const before = this.electedIn.get(epoch);
    if (before !== undefined && before !== brokerId) return `brokers ${before} and ${brokerId} both became controller in epoch ${epoch}`;
    this.electedIn.set(epoch, brokerId);
    return undefined;
  }

  /** Active controllers (broker id -> epoch) must hold distinct epochs. */
  activeControllers(active: ReadonlyMap<number, number>): string | undefined {
    const byEpoch = new Map<number, number>();
    for (const [id, epoch] of active) {
      const other = byEpoch.get(epoch);
      if (other !== undefined) return `brokers ${other} and ${id} are both active in controller epoch ${epoch}`;
      byEpoch.set(epoch, id);
    }
    return undefined;
  }

  /** Every partition's state znode against what it was at the last step; the first violation found. */
  check(zk: ZkSnapshot): string | undefined {
    if (zk.zxid === this.checkedZxid) return undefined;
    this.checkedZxid = zk.zxid;
    const epochNode = zk.peek(ZkPaths.controllerEpoch);
    const controllerEpoch = epochNode ? parseControllerEpoch(ZkPaths.controllerEpoch, epochNode.data) : 0;
    const present = new Set<string>();
    for (const topic of zk.peekChildren(ZkPaths.brokerTopics)) {
      const topicNode = zk.peek(ZkPaths.topic(topic));
      if (!topicNode) continue;
      for (const [partition, replicas] of parseTopicAssignment(ZkPaths.topic(topic), topicNode.data)) {
        const path = ZkPaths.partitionState(topic, partition);
        const node = zk.peek(path);
        if (node) present.add(`${topic}-${partition}`);
        if (!node || node.stat.version === this.states.get(`${topic}-${partition}`)?.zkVersion) continue;
        const state = { ...parsePartitionState(path, node.data), zkVersion: node.stat.version };
        const broken = this.checkPartition(`${topic}-${partition}`, state, replicas, controllerEpoch);
        if (broken) return broken;
      }
    }
    // A deleted topic's partitions are forgotten: a topic of the same name starts afresh.
    for (const name of this.states.keys()) if (!present.has(name)) this.states.delete(name);
    return undefined;
  }

  private checkPartition(name: string, state: SeenState, replicas: number[], controllerEpoch: number): string | undefined {
    const before = this.states.get(name);
    this.states.set(name, state);
    const isr = `[${state.isr.join(',')}]`;
    if (state.leader !== -1 && !state.isr.includes(state.leader)) return `${name}: leader ${state.leader} is not in its ISR ${isr}`;
    const outside = state.isr.filter((r) => !replicas.includes(r));
    if (outside.length > 0) return `${name}: ISR ${isr} has ${outside.join(',')}, not replicas [${replicas.join(',')}]`;
    if (before === undefined || before.zkVersion === state.zkVersion) return undefined;
    // A change of the state znode: a fenced write of the controller of the current epoch, or of the leader (ISR).
    if (state.controllerEpoch > controllerEpoch) return `${name}: written in controller epoch ${state.controllerEpoch}, past /controller_epoch ${controllerEpoch}`;
    const elected = state.leader !== before.leader || state.leaderEpoch !== before.leaderEpoch;
    if (elected && state.controllerEpoch < controllerEpoch) {
      return `${name}: leader ${state.leader} (leader epoch ${state.leaderEpoch}) written by controller epoch ${state.controllerEpoch} while /controller_epoch is ${controllerEpoch}: an old controller's write went through`;
    }
    if (state.leaderEpoch < before.leaderEpoch) return `${name}: leader epoch fell from ${before.leaderEpoch} to ${state.leaderEpoch}`;
    if (state.leader !== before.leader && state.leaderEpoch <= before.leaderEpoch) {
      return `${name}: leader ${before.leader} -> ${state.leader} without raising leader epoch ${before.leaderEpoch}`;
    }
    const newLeader = state.leader !== -1 && state.leader !== before.leader;
    if (newLeader && !this.uncleanLeaderElectionEnable && !before.isr.includes(state.leader)) {
      return `${name}: unclean election of ${state.leader}, not in the ISR [${before.isr.join(',')}], with unclean election disabled`;
    }
    return undefined;
  }

  /**
   * Once nothing is left to happen: some live broker controls, every partition with a live
   * replica in its ISR has a live leader, and a topic whose deletion was asked is gone unless
   * one of its replicas is down (Kafka's deletion then waits for it).
   */
  checkSettled(zk: ZkSnapshot): string | undefined {
    const live = new Set(zk.peekChildren(ZkPaths.brokerIds).map(Number));
    if (live.size === 0) return undefined;
    const controller = zk.peek(ZkPaths.controller);
    if (!controller) return `settled with live brokers [${[...live].join(',')}] and no controller`;
    const deleting = zk.peekChildren(ZkPaths.deleteTopics);
    for (const topic of deleting) {
      const topicNode = zk.peek(ZkPaths.topic(topic));
      const replicas = topicNode ? [...parseTopicAssignment(ZkPaths.topic(topic), topicNode.data).values()].flat() : [];
      if (replicas.every((r) => live.has(r))) return `settled with the deletion of ${topic} unfinished although all its replicas are alive`;
    }
    for (const [name, state] of this.states) {
      // A topic being deleted elects no leader (Kafka's controller skips it).
      if (deleting.some((topic) => name.startsWith(`${topic}-`))) continue;
      const liveIsr = state.isr.filter((r) => live.has(r));
      if (liveIsr.length > 0 && !live.has(state.leader)) {
        return `${name}: settled with leader ${state.leader} although ISR members ${liveIsr.join(',')} are alive`;
      }
    }
    return undefined;
  }
}
