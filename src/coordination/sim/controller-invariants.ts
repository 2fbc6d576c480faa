/**
 * What must hold of the controller's work whatever the schedule, checked against ZooKeeper's state
 * after every simulated step: one controller per epoch, no write of an old controller, a leader in
 * its ISR, the ISR within the replicas, leader epochs that only rise, no unclean election unless
 * enabled; and once everything has settled, no partition offline that a live in-sync replica could lead.
 * Pure: it reads a snapshot and remembers what it saw before.
 */
import { partitionKey } from '../../common/topic';
import { ZkPaths } from '../paths';
import { parseControllerEpoch, parsePartitionReassignment, parsePartitionState, parseTopicZnode, type PartitionStateZnode, type TopicZnode } from '../znodes';
import type { ZkPeekedNode } from './zk-model';

/** What the checker reads: the ZooKeeper model's state, outside any session. */
export interface ZkSnapshot {
  /** The last zxid: unchanged, nothing was written. */
  readonly zxid: bigint;
  peek(path: string): ZkPeekedNode | undefined;
  peekChildren(path: string): readonly string[];
}

interface SeenState extends PartitionStateZnode {
  zkVersion: number;
  topic: string;
  partition: number;
}

/** What the run knows beyond ZooKeeper when it checks that the controller settled. */
export interface SettledContext {
  /** Whether the broker holds the partition's replica (`topic-partition`) online: alive, not on a failed log dir. */
  replicaOnline(brokerId: number, name: string): boolean;
  /** Topics some broker refused to delete: Kafka's deletion waits for a broker change. */
  deletionsRefused: ReadonlySet<string>;
}

export class ControllerInvariants {
  /** By `topic-partition`. */
  private readonly states = new Map<string, SeenState>();
  /** Controller epoch -> the broker elected in it. */
  private readonly electedIn = new Map<number, number>();
  /** Topic znodes as last parsed, by topic: parsed again only when their version moves. */
  private readonly topicZnodes = new Map<string, { czxid: bigint; version: number; topic: TopicZnode }>();
  /** `topic-partition` -> the target replicas of its reassignment in progress. */
  private readonly reassigning = new Map<string, number[]>();
  /**
   * `topic-partition` -> the replicas /admin/reassign_partitions asked for it since its last
   * completed reassignment, oldest first (a new request replaces a target). Not only the last: the
   * controller acts on the request as it read it, and an admin may rewrite it meanwhile (seed 109065).
   */
  private readonly requested = new Map<string, number[][]>();
  /**
   * `topic-partition` -> replicas a topic znode write took out of its replicas, and the leader epoch
   * then: the leader may still add them to the ISR until the controller's next step raises the epoch.
   */
  private readonly leaving = new Map<string, { replicas: number[]; leaderEpoch: number }>();
  /**
   * `topic-partition` -> the topic and state znodes its last check read. The model never changes a
   * committed znode in place, so the same two objects again mean the check would find what it found
   * then: the partition is skipped, and a step costs what changed, not every partition.
   */
  private readonly checkedZnodes = new Map<string, { topic: ZkPeekedNode; state: ZkPeekedNode | undefined }>();
  private requestSeenZxid = -1n;
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
    this.readRequest(zk);
    const present = new Set<string>();
    for (const name of zk.peekChildren(ZkPaths.brokerTopics)) {
      const previous = this.topicZnodes.get(name);
      const topicNode = zk.peek(ZkPaths.topic(name));
      const topic = this.topicZnode(zk, name);
      if (!topic || !topicNode) continue;
      for (const [partition, replicas] of topic.partitions) {
        const tpName = partitionKey(name, partition);
        const path = ZkPaths.partitionState(name, partition);
        const node = zk.peek(path);
        if (node) present.add(tpName);
        const checked = this.checkedZnodes.get(tpName);
        if (checked && checked.topic === topicNode && checked.state === node) continue;
        this.checkedZnodes.set(tpName, { topic: topicNode, state: node });
        if (previous && previous.topic !== topic && previous.czxid === this.topicZnodes.get(name)?.czxid) this.noteLeaving(tpName, previous.topic.partitions.get(partition) ?? [], replicas);
        const broken = this.checkReassignment(tpName, topic, partition);
        if (broken) return broken;
        if (!node || node.stat.version === this.states.get(tpName)?.zkVersion) continue;
        const state = { ...parsePartitionState(path, node.data), zkVersion: node.stat.version, topic: name, partition };
        const brokenState = this.checkPartition(tpName, state, replicas, controllerEpoch);
        if (brokenState) return brokenState;
      }
    }
    // A deleted topic's partitions are forgotten: a topic of the same name starts afresh.
    for (const name of this.states.keys()) if (!present.has(name)) this.states.delete(name);
    for (const name of this.reassigning.keys()) if (!present.has(name)) this.reassigning.delete(name);
    for (const name of this.requested.keys()) if (!present.has(name)) this.requested.delete(name);
    for (const name of this.leaving.keys()) if (!present.has(name)) this.leaving.delete(name);
    for (const name of this.checkedZnodes.keys()) if (!present.has(name)) this.checkedZnodes.delete(name);
    return undefined;
  }

  /**
   * Kafka's controller writes a new assignment to the topic znode before it takes the replicas it
   * drops out of the ISR (updateCurrentReassignment, then stopRemovedReplicasOfReassignedPartition,
   * when a new reassignment replaces one that was adding them). Meanwhile the leader still follows
   * its last LeaderAndIsr, where they are replicas, and may add one that caught up to the ISR (its
   * ISR write is fenced by the state znode's version only, not by the topic znode). So such a
   * member is outside the replicas until the controller's removal, which raises the leader epoch.
   */
  private noteLeaving(name: string, before: readonly number[], after: readonly number[]): void {
    const removed = before.filter((r) => !after.includes(r));
    if (removed.length === 0) return;
    const seen = this.states.get(name);
    const known = this.leaving.get(name);
    const leaderEpoch = seen?.leaderEpoch ?? -1;
    const replicas = known && known.leaderEpoch === leaderEpoch ? [...new Set([...known.replicas, ...removed])] : removed;
    this.leaving.set(name, { replicas, leaderEpoch });
  }

  /** ISR members outside the replicas that the controller has not yet had its step to remove. */
  private stillLeaving(name: string, state: SeenState, outside: readonly number[]): boolean {
    const leaving = this.leaving.get(name);
    if (!leaving) return false;
    if (state.leaderEpoch !== leaving.leaderEpoch) {
      this.leaving.delete(name);
      return false;
    }
    return outside.every((r) => leaving.replicas.includes(r));
  }

  private readRequest(zk: ZkSnapshot): void {
    const node = zk.peek(ZkPaths.reassignPartitions);
    if (!node || node.stat.mzxid === this.requestSeenZxid) return;
    this.requestSeenZxid = node.stat.mzxid;
    for (const e of parsePartitionReassignment(ZkPaths.reassignPartitions, node.data).valid) {
      const name = partitionKey(e.topic, e.partition);
      const asked = this.requested.get(name) ?? [];
      if (!sameList(asked.at(-1), e.replicas)) this.requested.set(name, [...asked, e.replicas]);
    }
  }

  private topicZnode(zk: ZkSnapshot, name: string): TopicZnode | undefined {
    const node = zk.peek(ZkPaths.topic(name));
    if (!node) return undefined;
    const seen = this.topicZnodes.get(name);
    if (seen && seen.czxid === node.stat.czxid && seen.version === node.stat.version) return seen.topic;
    const topic = parseTopicZnode(ZkPaths.topic(name), node.data);
    this.topicZnodes.set(name, { czxid: node.stat.czxid, version: node.stat.version, topic });
    return topic;
  }

  /**
   * A partition being reassigned (adding or removing replicas in its topic znode) remembers its
   * target; once it is no longer, its replicas must be exactly that target (or what a later request
   * asked, such as its original replicas: a cancellation). The ISR follows a moment later (the
   * topic znode is written first, as Kafka does): checkSettled holds it to the replicas.
   */
  private checkReassignment(name: string, topic: TopicZnode, partition: number): string | undefined {
    const replicas = topic.partitions.get(partition) ?? [];
    const removing = topic.removingReplicas.get(partition) ?? [];
    if ((topic.addingReplicas.get(partition)?.length ?? 0) > 0 || removing.length > 0) {
      this.reassigning.set(name, replicas.filter((r) => !removing.includes(r)));
      return undefined;
    }
    const target = this.reassigning.get(name);
    if (target === undefined) return undefined;
    this.reassigning.delete(name);
    const list = (l: readonly number[]): string => `[${l.join(',')}]`;
    const asked = this.requested.get(name) ?? [];
    if (!sameList(target, replicas) && !asked.some((l) => sameList(l, replicas))) {
      return `${name}: a completed reassignment left replicas ${list(replicas)}, not its target ${list(target)}`;
    }
    // Older requests are answered; the last one may still come.
    if (asked.length > 1) this.requested.set(name, asked.slice(-1));
    return undefined;
  }

  private checkPartition(name: string, state: SeenState, replicas: number[], controllerEpoch: number): string | undefined {
    const before = this.states.get(name);
    this.states.set(name, state);
    const isr = `[${state.isr.join(',')}]`;
    if (state.leader !== -1 && !state.isr.includes(state.leader)) return `${name}: leader ${state.leader} is not in its ISR ${isr}`;
    const outside = state.isr.filter((r) => !replicas.includes(r));
    if (outside.length > 0 && !lastIsrMemberKept(state) && !this.stillLeaving(name, state, outside)) return `${name}: ISR ${isr} has ${outside.join(',')}, not replicas [${replicas.join(',')}]`;
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
   * Once nothing is left to happen: some live broker controls, every partition with an online
   * replica in its ISR has an online leader, every ISR is within its replicas (a completed
   * reassignment took the removed ones out), and a topic whose deletion was asked is gone unless
   * one of its replicas is down or refused (Kafka's deletion then waits for a broker change).
   */
  checkSettled(zk: ZkSnapshot, context: SettledContext): string | undefined {
    const live = new Set(zk.peekChildren(ZkPaths.brokerIds).map(Number));
    if (live.size === 0) return undefined;
    const controller = zk.peek(ZkPaths.controller);
    if (!controller) return `settled with live brokers [${[...live].join(',')}] and no controller`;
    const deleting = zk.peekChildren(ZkPaths.deleteTopics);
    for (const topic of deleting) {
      if (context.deletionsRefused.has(topic)) continue;
      const replicas = [...(this.topicZnode(zk, topic)?.partitions.values() ?? [])].flat();
      if (replicas.every((r) => live.has(r))) return `settled with the deletion of ${topic} unfinished although all its replicas are alive`;
    }
    const online = (broker: number, name: string): boolean => live.has(broker) && context.replicaOnline(broker, name);
    for (const [name, state] of this.states) {
      // A topic being deleted elects no leader (Kafka's controller skips it).
      if (deleting.some((topic) => name.startsWith(`${topic}-`))) continue;
      // An ISR member that is no longer a replica (the last member kept) cannot lead: Kafka elects among replicas.
      const replicas = this.topicZnode(zk, state.topic)?.partitions.get(state.partition) ?? [];
      const outside = state.isr.filter((r) => !replicas.includes(r));
      if (outside.length > 0 && !lastIsrMemberKept(state)) return `${name}: settled with ${outside.join(',')} in the ISR [${state.isr.join(',')}], not replicas [${replicas.join(',')}]`;
      const onlineIsr = state.isr.filter((r) => replicas.includes(r) && online(r, name));
      if (onlineIsr.length > 0 && !online(state.leader, name)) {
        return `${name}: settled with leader ${state.leader} offline although ISR members ${onlineIsr.join(',')} are online`;
      }
    }
    return undefined;
  }
}

function sameList(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((r, i) => r === b[i]);
}

/**
 * Kafka never empties an ISR: a leaderless partition keeps its last member even once a
 * reassignment removed that replica (ReplicaStateMachine's doRemoveReplicasFromIsr), so that
 * member may be outside the replicas.
 */
function lastIsrMemberKept(state: PartitionStateZnode): boolean {
  return state.leader === -1 && state.isr.length === 1;
}
