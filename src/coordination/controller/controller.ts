/**
 * The controller (Kafka's ZooKeeper-era KafkaController): every broker runs one; the one that
 * creates the ephemeral /controller znode, raising /controller_epoch in the same multi, is active.
 * It loads the cluster state from ZooKeeper and reacts to watches on /controller, /brokers/ids,
 * /brokers/topics, /admin/delete_topics, /isr_change_notification and
 * /admin/preferred_replica_election and /log_dir_event_notification by electing leaders and
 * telling brokers, and on /admin/reassign_partitions, each topic znode and the state znodes of
 * partitions being reassigned by moving replicas; it runs the elections ElectLeaders and
 * ControlledShutdown requests ask for, and checks the leader imbalance on a timer. Watches and
 * timers only enqueue events; one serial loop (event-queue.ts) does the work.
 */
import { EventEmitter } from 'events';
import { systemClock, type Clock } from '../../common/clock';
import { PLAINTEXT_LISTENER_NAME } from '../../common/endpoint';
import { ErrorCode, JosefError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { timerScheduler, type Scheduler } from '../../common/scheduler';
import type { TopicPartition } from '../../protocol/messages';
import { liveBrokers, type LiveBrokerRegistration } from '../broker-registry';
import { ZkPaths } from '../paths';
import type { ZooKeeper } from '../zk-client';
import { ZkBadVersionError, ZkNodeExistsError } from '../zk-errors';
import { getDataIfExists } from '../zk-reads';
import { parseIsrChange, ZnodeFormatError } from '../znodes';
import { AdminLeaderElection, type PartitionElectionResult } from './admin-leader-election';
import { BrokerLifecycle } from './broker-lifecycle';
import { TcpControllerChannel, type ControllerChannel, type ControllerConnect } from './controller-channel';
import { ControllerContext, type LiveBroker } from './controller-context';
import { watchEventTypes, type ControllerEvent, type WatchEvent } from './controller-events';
import { ControllerRequests } from './controller-requests';
import { freeControllerIfOurs, readControllerId, registerControllerAndIncrementEpoch } from './controller-znode';
import { ControllerEventQueue } from './event-queue';
import { LogDirEvents } from './log-dir-events';
import { PartitionReassignment } from './partition-reassignment';
import { targetReplicas } from './reassignment';
import { ControllerMovedError, PartitionStateMachine } from './partition-state-machine';
import { PreferredReplicaElection, type AutoLeaderRebalanceOptions } from './preferred-replica-election';
import { TopicChanges } from './topic-changes';
import { TopicDeletionManager } from './topic-deletion-manager';
import { partitionKey } from '../../common/topic';

/** The controller's gauges and totals, for the broker's metrics. */
export interface ControllerStatsView {
  activeControllerCount: number;
  offlinePartitionsCount: number;
  globalTopicCount: number;
  globalPartitionCount: number;
  uncleanLeaderElections: number;
}

export interface ControllerSettings {
  zk: ZooKeeper;
  brokerId: number;
  /** Kafka's unclean.leader.election.enable: an offline partition may take a leader from outside its ISR. */
  uncleanLeaderElectionEnable: boolean;
  /** Kafka's auto leader rebalance settings; omitted: off (tests that drive elections themselves). */
  autoLeaderRebalance?: AutoLeaderRebalanceOptions;
  /**
   * inter.broker.listener.name: the listener of each broker the controller connects to and sends
   * followers to (default PLAINTEXT, Kafka's).
   */
  interBrokerListenerName?: string;
  logger: Logger;
  clock?: Clock;
  /** Runs the retry and imbalance-check timers; injectable so a simulation drives them (default: Node's timers). */
  scheduler?: Scheduler;
  /**
   * The partitions this broker believes led by none of `liveBrokerIds` (its metadata cache's last
   * word): on becoming controller it reads, elects and announces these first, then loads the rest
   * (onControllerFailover). Only an order: a wrong or empty answer costs time, never safety.
   */
  leaderlessHint?: (liveBrokerIds: ReadonlySet<number>) => TopicPartition[];
}

/**
 * How the controller reaches brokers: a connection to each, opened by `brokerConnect` (as the
 * replica fetcher's are), or a whole channel, so controller logic can be tested without sockets.
 */
export type ControllerOptions = ControllerSettings & ({ brokerConnect: ControllerConnect } | { channel: ControllerChannel });

export interface ControllerEvents {
  /** This broker became the active controller with this controller epoch. */
  elected: [controllerEpoch: number];
  /** This broker stopped being the active controller (another won, its session expired, shutdown). */
  resigned: [];
}

/** After an event failed, this broker races for /controller again after this pause. */
const retryBackoffMs = 1_000;
/** Events that race for /controller (and load the cluster when they win). */
const electionEventTypes: ReadonlySet<ControllerEvent['type']> = new Set(['Startup', 'ControllerChange', 'Expire']);
/** Kafka's first imbalance check after becoming controller comes after 5 s, later ones after the interval. */
const autoLeaderRebalanceFirstCheckMs = 5_000;
/** How long shutdown waits for the event being processed. */
const shutdownEventWaitMs = 5_000;
/**
 * How long a new controller's failover waits, after announcing the partitions it elected first,
 * for its own broker to have applied them (its UpdateMetadata answered, which follows the
 * LeaderAndIsr) before reading on: see electHintedLeaderless.
 */
const ownBrokerAnswerWaitMsMax = 1_500;

export class Controller extends EventEmitter<ControllerEvents> {
  private readonly context: ControllerContext;
  private readonly events: ControllerEventQueue<ControllerEvent>;
  private readonly channel: ControllerChannel;
  private readonly states: PartitionStateMachine;
  private readonly requests: ControllerRequests;
  private readonly deletions: TopicDeletionManager;
  private readonly brokers: BrokerLifecycle;
  private readonly preferred: PreferredReplicaElection;
  private readonly adminElections: AdminLeaderElection;
  private readonly logDirEvents: LogDirEvents;
  private readonly reassignments: PartitionReassignment;
  private readonly topicChanges: TopicChanges;
  private readonly scheduler: Scheduler;
  private cancelRebalance: () => void = () => undefined;
  private readonly retryTimers = new Set<() => void>();
  /** Watches set in this term, by event type (or by the key of a per-topic or per-partition watch). */
  private readonly armedWatches = new Set<string>();
  private active = false;
  private stopped = false;
  /** Raised on every resignation: watches set before it are ignored when they fire. */
  private generation = 0;
  private controllerIdSeen = -1;

  constructor(private readonly options: ControllerOptions) {
    super();
    const { zk, brokerId, logger } = options;
    this.scheduler = options.scheduler ?? timerScheduler;
    this.context = new ControllerContext(options.interBrokerListenerName ?? PLAINTEXT_LISTENER_NAME);
    this.events = new ControllerEventQueue((event) => this.process(event), logger, options.clock ?? systemClock);
    this.channel = 'channel' in options ? options.channel : new TcpControllerChannel({
      logger: logger.child('channel'),
      connect: options.brokerConnect,
      onQueueOverflow: (id) => this.put({ type: 'BrokerResync', controllerEpoch: this.context.epoch, brokerId: id }),
    });
    this.states = new PartitionStateMachine(zk, this.context, options.uncleanLeaderElectionEnable, logger);
    this.requests = new ControllerRequests(this.context, this.channel, brokerId, (id, response) =>
      this.put({ type: 'LeaderAndIsrResponse', controllerEpoch: this.context.epoch, brokerId: id, response }));
    this.deletions = new TopicDeletionManager(this.states, this.context, this.requests, (topic, id, response) =>
      this.put({ type: 'StopReplicaResponse', controllerEpoch: this.context.epoch, topic, brokerId: id, response }), logger);
    this.brokers = new BrokerLifecycle(this.context, this.states, this.requests, this.channel, this.deletions, logger);
    this.preferred = new PreferredReplicaElection(zk, this.context, this.states, this.requests, logger);
    this.adminElections = new AdminLeaderElection(this.context, this.states, this.requests, this.preferred, logger);
    this.logDirEvents = new LogDirEvents(zk, this.context, this.states, this.requests, options.uncleanLeaderElectionEnable, logger);
    this.reassignments = new PartitionReassignment(zk, this.context, this.states, this.requests, logger, (tp) => this.watchPartitionState(tp));
    this.topicChanges = new TopicChanges(zk, this.context, this.states, this.requests, logger, {
      topics: () => this.watcher({ type: 'TopicChange' }),
      topic: (topic) => this.watcher({ type: 'PartitionModifications', topic }, ZkPaths.topic(topic)),
      unset: (topic) => this.armedWatches.delete(ZkPaths.topic(topic)),
    });
    // Kafka's clearAndPut(Expire): what was queued for the old session no longer matters.
    zk.on('expired', () => {
      if (!this.stopped) this.events.clearAndPut({ type: 'Expire' }).catch(() => undefined);
    });
  }

  /** True while this broker is the active controller. */
  get isActive(): boolean {
    return this.active;
  }

  /** The broker holding /controller as last seen (-1: none). */
  get activeControllerId(): number {
    return this.active ? this.options.brokerId : this.controllerIdSeen;
  }

  /**
   * What Kafka's KafkaController and ControllerStats report: only the active controller counts
   * offline partitions and the cluster's topics and partitions (0 elsewhere, so a sum over brokers
   * is the cluster's); unclean elections are this broker's total over all its terms.
   */
  stats(): ControllerStatsView {
    const active = this.active;
    return {
      activeControllerCount: active ? 1 : 0,
      offlinePartitionsCount: active ? this.context.offlinePartitionCount() : 0,
      globalTopicCount: active ? this.context.assignments.size : 0,
      globalPartitionCount: active ? this.context.allPartitions().length : 0,
      uncleanLeaderElections: this.context.uncleanLeaderElectionCount,
    };
  }

  /** The controller epoch while active (0 otherwise). */
  get epoch(): number {
    return this.context.epoch;
  }

  /** Races for /controller; resolves once this broker either won (and loaded the cluster) or saw who did. */
  startup(): Promise<void> {
    return this.events.put({ type: 'Startup' });
  }

  /** Resolves once every queued controller event has been processed (tests, tools). */
  idle(): Promise<void> {
    return this.events.idle();
  }

  /** ControlledShutdown API: moves `brokerId`'s leaderships away; resolves with the replicated partitions it still leads. */
  async controlledShutdown(brokerId: number, brokerEpoch: number): Promise<TopicPartition[]> {
    if (!this.active) throw notController(this.options.brokerId);
    let remaining: TopicPartition[] = [];
    await this.events.put({ type: 'ControlledShutdown', brokerId, brokerEpoch, reply: (r) => { remaining = r; } });
    return remaining;
  }

  /** ElectLeaders API (PREFERRED or UNCLEAN, Kafka's ElectionType): runs the elections; resolves with each partition's result. */
  async electLeaders(partitions: TopicPartition[], electionType: number): Promise<PartitionElectionResult[]> {
    if (!this.active) throw notController(this.options.brokerId);
    let results: PartitionElectionResult[] = [];
    await this.events.put({ type: 'ElectLeaders', partitions, electionType, reply: (r) => { results = r; } });
    return results;
  }

  /** Stops processing events and resigns; /controller goes with the ZooKeeper session its owner closes. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const cancel of this.retryTimers) cancel();
    this.events.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.events.idle(), new Promise((resolve) => { timer = setTimeout(resolve, shutdownEventWaitMs); })]);
    clearTimeout(timer);
    this.resign('shutting down');
    this.channel.close();
  }

  private put(event: ControllerEvent): void {
    if (this.stopped) return;
    const queued = watchEventTypes.has(event.type) ? this.events.putIfAbsent(event) : this.events.put(event);
    queued.catch(() => undefined); // failures are logged by the queue
  }

  /**
   * A one-shot ZooKeeper watcher that queues `event`, or undefined when one for it (`key`: its
   * type, or the path of a per-topic or per-partition watch) is already set in this term (the read
   * then sets none: one watch per path). Watches set before a resignation are ignored when they fire.
   */
  private watcher(event: ControllerEvent, key: string = event.type): (() => void) | undefined {
    if (this.armedWatches.has(key)) return undefined;
    this.armedWatches.add(key);
    const generation = this.generation;
    return () => {
      if (generation !== this.generation) return;
      this.armedWatches.delete(key);
      this.put(event);
    };
  }

  /** Kafka's PartitionReassignmentIsrChangeHandler: a watch on the state znode of a partition being reassigned. */
  private async watchPartitionState(tp: TopicPartition): Promise<void> {
    const path = ZkPaths.partitionState(tp.topic, tp.partition);
    const watcher = this.watcher({ type: 'PartitionReassignmentIsrChange', topic: tp.topic, partition: tp.partition }, path);
    if (!watcher) return;
    // An exists watch fires on creation, change and deletion alike.
    await this.options.zk.exists(path, watcher);
  }

  /**
   * Runs one event. A fenced write that failed means another controller: resign and race again.
   * Other failures (ZooKeeper trouble, a failover that did not finish) may have left the context
   * half updated, so an active controller resigns and frees /controller for a clean failover
   * (Kafka's triggerControllerMove), and this broker races again after a pause. A malformed znode
   * met outside an election is the operator's to fix: logged, and the controller goes on, as
   * Kafka's does. Errors that answer an API call (JosefError) are only the caller's.
   */
  private async process(event: ControllerEvent): Promise<void> {
    try {
      await this.dispatch(event);
    } catch (err) {
      if (err instanceof ControllerMovedError) {
        this.options.logger.warn(err.message);
        await this.moveController('the controller epoch moved on');
        await this.elect();
        return;
      }
      if (this.stopped || err instanceof JosefError) throw err;
      if (err instanceof ZnodeFormatError && !electionEventTypes.has(event.type)) throw err;
      if (this.active) await this.moveController(`controller event ${event.type} failed: ${(err as Error).message}`);
      this.retryLater({ type: 'ControllerChange' });
      throw err;
    }
  }

  private async dispatch(event: ControllerEvent): Promise<void> {
    switch (event.type) {
      case 'Startup':
        return this.elect();
      case 'ControllerChange':
        return this.onControllerChange();
      case 'Expire':
        this.resign('the ZooKeeper session expired');
        return this.elect();
      case 'BrokerChange':
        return this.onBrokerChange();
      case 'TopicChange':
        if (this.active) await this.topicChanges.onTopicChange();
        return;
      case 'TopicDeletion':
        if (!this.active) return;
        await this.deletions.enqueue(await this.options.zk.getChildren(ZkPaths.deleteTopics, this.watcher(event)));
        await this.reassignments.onTopicsDeleted(new Set(this.context.topicsToBeDeleted));
        return;
      case 'IsrChangeNotification':
        return this.onIsrChangeNotification();
      case 'ControlledShutdown':
        if (!this.active) throw notController(this.options.brokerId);
        event.reply(await this.brokers.controlledShutdown(event.brokerId, event.brokerEpoch));
        return;
      case 'ElectLeaders':
        if (!this.active) throw notController(this.options.brokerId);
        event.reply(await this.adminElections.elect(event.partitions, event.electionType));
        return;
      case 'StopReplicaResponse':
        if (this.active && event.controllerEpoch === this.context.epoch) await this.deletions.onStopReplicaAnswered(event.topic, event.brokerId, event.response);
        return;
      case 'BrokerResync':
        if (this.active && event.controllerEpoch === this.context.epoch) await this.resync(event.brokerId);
        return;
      case 'PreferredReplicaElection':
        if (this.active) await this.preferred.onRequest(this.watcher(event));
        return;
      case 'LogDirEventNotification':
        if (this.active) await this.logDirEvents.onNotification(this.watcher(event));
        return;
      case 'LeaderAndIsrResponse':
        if (this.active && event.controllerEpoch === this.context.epoch) await this.logDirEvents.onLeaderAndIsrResponse(event.brokerId, event.response);
        return;
      case 'AutoPreferredReplicaLeaderElection':
        if (this.active && event.controllerEpoch === this.context.epoch) await this.autoLeaderRebalance();
        return;
      case 'PartitionReassignment':
        if (this.active) await this.reassignments.onRequest(this.watcher(event));
        return;
      case 'PartitionReassignmentIsrChange':
        if (this.active) await this.reassignments.maybeComplete({ topic: event.topic, partition: event.partition });
        return;
      case 'PartitionModifications':
        if (this.active) await this.topicChanges.onPartitionModifications(event.topic);
        return;
    }
  }

  private retryLater(event: WatchEvent): void {
    this.options.logger.info(`racing for ${ZkPaths.controller} again in ${retryBackoffMs} ms`);
    const cancel = this.scheduler.schedule(retryBackoffMs, () => {
      this.retryTimers.delete(cancel);
      this.put(event);
    });
    this.retryTimers.add(cancel);
  }

  /** Who holds /controller (-1: nobody), keeping a watch on it. */
  private async watchControllerZnode(): Promise<number> {
    this.controllerIdSeen = await readControllerId(this.options.zk, this.watcher({ type: 'ControllerChange' }));
    return this.controllerIdSeen;
  }

  /** Kafka's elect(): nobody holds /controller -> try to take it; lost -> the watch tells us when to try again. */
  private async elect(): Promise<void> {
    if (this.stopped || this.active) return;
    let holder = await this.watchControllerZnode();
    if (holder === this.options.brokerId) {
      // Not active, yet /controller names us: a resignation that could not free it (its delete
      // refused) leaves it to our session, and no broker races while it stands. Freed now, as
      // Kafka's triggerControllerMove frees it (found by the simulation, seed 2504); a znode of this
      // broker's previous session stays until that session expires.
      await freeControllerIfOurs(this.options.zk);
      holder = await this.watchControllerZnode();
    }
    if (holder !== -1) {
      this.options.logger.info(`broker ${holder} is the controller`);
      return;
    }
    try {
      const won = await registerControllerAndIncrementEpoch(this.options.zk, this.options.brokerId, (this.options.clock ?? systemClock).nowMs());
      this.context.epoch = won.epoch;
      this.context.epochZkVersion = won.epochZkVersion;
    } catch (err) {
      if (!(err instanceof ZkNodeExistsError || err instanceof ZkBadVersionError)) throw err;
      this.options.logger.info(`lost the race for ${ZkPaths.controller} (${err.message})`);
      await this.watchControllerZnode();
      return;
    }
    this.active = true;
    this.controllerIdSeen = this.options.brokerId;
    this.options.logger.info(`broker ${this.options.brokerId} is the controller now, controller epoch ${this.context.epoch}`);
    await this.onControllerFailover();
    this.emit('elected', this.context.epoch);
  }

  /**
   * /controller changed: resign if it is no longer ours; race if it is gone. A resignation forgets
   * the watches of the term it ends, the one just set on /controller too, so it is set again:
   * without, a controller that found another broker holding /controller (deleted by an admin, then
   * won by the other) kept no watch on it and never raced again (found by the simulation, seed 142
   * of `npm run sim`; reading without a watch first and watching after the resignation instead
   * left a controller active without /controller when it went between the two reads, seed 263).
   */
  private async onControllerChange(): Promise<void> {
    let holder = await this.watchControllerZnode();
    if (this.active && holder !== this.options.brokerId) {
      this.resign(holder === -1 ? `${ZkPaths.controller} was deleted` : `broker ${holder} is the controller now`);
      holder = await this.watchControllerZnode();
    }
    if (holder === -1 || (!this.active && holder === this.options.brokerId)) await this.elect();
  }

  /** Resigns and, if /controller is still ours, frees it so that brokers race again (Kafka's triggerControllerMove). */
  private async moveController(why: string): Promise<void> {
    this.resign(why);
    await freeControllerIfOurs(this.options.zk).catch((err: unknown) => {
      // It goes with our session anyway.
      this.options.logger.warn(`could not free ${ZkPaths.controller}: ${(err as Error).message}`);
    });
  }

  /** Loads everything from ZooKeeper (setting every watch first), elects where needed and tells every broker. */
  private async onControllerFailover(): Promise<void> {
    const { zk, logger } = this.options;
    const clock = this.options.clock ?? systemClock;
    const startedMs = clock.nowMs();
    for (const broker of await liveBrokers(zk, this.watcher({ type: 'BrokerChange' }))) this.brokers.addLiveBroker(toLiveBroker(broker));
    await this.topicChanges.refreshTopics();
    const markers = await zk.getChildren(ZkPaths.deleteTopics, this.watcher({ type: 'TopicDeletion' }));
    const early = await this.electHintedLeaderless(markers, startedMs);
    // Kafka 1.1's controller failover reads every state znode pipelined; here a thousand to a multiRead.
    const partitions = this.context.allPartitions();
    await this.states.readStates(partitions.filter((tp) => !early.read.has(partitionKey(tp.topic, tp.partition))));
    logger.info(`read ${this.context.assignments.size} topic(s) and the state of ${partitions.length} partition(s) in ${clock.nowMs() - startedMs} ms`);
    await this.onIsrChangeNotification();
    const serving = this.context.allPartitions().filter((tp) => !markers.includes(tp.topic));
    // As after a broker's death (BrokerLifecycle.onBrokerFailure): partitions without a live leader
    // first; every broker then learns the whole state, and the dead leave the other ISRs after.
    // Those just elected early were decided on their znode already (asked again, each would be read again).
    const { leaderless, led } = this.context.byRegisteredLeader(serving.filter((tp) => !early.elected.has(partitionKey(tp.topic, tp.partition))));
    await this.states.electLeaders(leaderless, 'controller failover');
    this.requests.sendUpdateMetadata(serving);
    this.requests.sendLeaderAndIsr(serving);
    logger.info(`every partition has a live leader, if any replica can lead, ${clock.nowMs() - startedMs} ms into the failover`);
    const shrunk = await this.states.electLeaders(led, 'controller failover');
    this.requests.sendLeaderAndIsr(shrunk);
    this.requests.sendUpdateMetadata(shrunk);
    // Kafka deletes the log dir events a failover finds: the LeaderAndIsr just sent asks every broker anyway.
    await this.logDirEvents.onNotification(this.watcher({ type: 'LogDirEventNotification' }));
    await this.deletions.enqueue(markers);
    await this.reassignments.onTopicsDeleted(new Set(this.context.topicsToBeDeleted));
    // Kafka's initializePartitionReassignments: what the topic znodes say is moving goes on, then new requests.
    await this.reassignments.resume();
    await this.reassignments.onRequest(this.watcher({ type: 'PartitionReassignment' }));
    // Kafka finishes a preferred election requested before the failover, then starts the imbalance checks.
    await this.preferred.onRequest(this.watcher({ type: 'PreferredReplicaElection' }));
    this.scheduleAutoLeaderRebalance(autoLeaderRebalanceFirstCheckMs);
  }

  /**
   * The failover's first step where a leaderlessHint is given (not Kafka's: its failover reads every
   * state znode, then elects). When the controller died, about a third of the partitions lost their
   * leader with it, and reading all 10,000 state znodes before electing any took longer than the
   * session timeout that had already passed (issue 24). So the partitions the hint names, of known
   * topics not marked for deletion (the markers are read before), have their state znodes read
   * first, those without a live leader are elected and their replicas and every broker told; then
   * the failover reads the rest and goes on as Kafka's, electing what is still leaderless and
   * sending every broker the whole state. Safe because the hint only orders the reads: every
   * election acts on a state znode just read, through the same electLeaders as every other (writes
   * conditional on its zkVersion and fenced by the controller epoch), and a partition the hint
   * wrongly names or leaves out is only read earlier or later. Returns the partitions read and
   * those elected (by key).
   */
  private async electHintedLeaderless(markers: readonly string[], startedMs: number): Promise<{ read: Set<string>; elected: Set<string> }> {
    const none = { read: new Set<string>(), elected: new Set<string>() };
    const hint = this.options.leaderlessHint;
    if (!hint) return none;
    const deleting = new Set(markers);
    const hinted = hint(new Set(this.context.liveBrokers.keys()))
      .filter((tp) => !deleting.has(tp.topic) && this.context.replicasOf(tp).length > 0);
    if (hinted.length === 0) return none;
    const clock = this.options.clock ?? systemClock;
    const readMs = clock.nowMs();
    await this.states.readStates(hinted);
    const electMs = clock.nowMs();
    const elected = await this.states.electLeaders(this.context.byRegisteredLeader(hinted).leaderless, 'controller failover, led by a dead broker');
    let announced: Promise<boolean> | undefined;
    if (elected.length > 0) {
      this.requests.sendLeaderAndIsr(elected);
      announced = this.untilOwnBrokerAnswers((onAnswered) => this.requests.sendUpdateMetadata(elected, { onAnswered }));
    }
    this.options.logger.info(`elected ${elected.length} of the ${hinted.length} partition(s) this broker saw led by a dead broker first, ` +
      `${clock.nowMs() - startedMs} ms into the failover (their states read in ${electMs - readMs} ms, elected in ${clock.nowMs() - electMs} ms)`);
    if (announced) {
      const waitMs = clock.nowMs();
      const applied = await announced;
      this.options.logger.info(`this broker ${applied ? 'applied them' : 'had not applied them'} ${clock.nowMs() - waitMs} ms later; reading the other partitions' states`);
    }
    const keys = (partitions: TopicPartition[]): Set<string> => new Set(partitions.map((tp) => partitionKey(tp.topic, tp.partition)));
    return { read: keys(hinted), elected: keys(elected) };
  }

  /**
   * Sends with `send`; resolves once this broker has answered it (true), or after ownBrokerAnswerWaitMsMax (false).
   * Not Kafka's (its controller has threads of its own): here the controller shares its broker's
   * one event loop, and once its reads took a few multiReads instead of thousands of getData,
   * the failover's next steps (the other state znodes read and parsed, the whole state built for
   * every broker, the dead broker taken out of the ISRs) took the CPU ahead of that broker's apply
   * of the partitions just elected: it applied them 0.35-2.6 s after the announcement instead of
   * 0.3-1.2 s, and no partition led sooner (docs/benchmarks.md). Only timing changes: every
   * step still runs, in the same order, on what it read.
   */
  private untilOwnBrokerAnswers(send: (onAnswered: (brokerId: number) => void) => void): Promise<boolean> {
    const ownId = this.options.brokerId;
    return new Promise<boolean>((resolve) => {
      const cancel = this.scheduler.schedule(ownBrokerAnswerWaitMsMax, () => resolve(false));
      send((brokerId) => {
        if (brokerId !== ownId) return;
        cancel();
        resolve(true);
      });
    });
  }

  /** Kafka's AutoPreferredReplicaLeaderElection event: check, then check again after the interval whatever happened. */
  private async autoLeaderRebalance(): Promise<void> {
    try {
      await this.preferred.checkImbalance(this.options.autoLeaderRebalance?.imbalancePerBrokerPercentage ?? 0);
    } finally {
      this.scheduleAutoLeaderRebalance(this.options.autoLeaderRebalance?.checkIntervalMs ?? 0);
    }
  }

  private scheduleAutoLeaderRebalance(delayMs: number): void {
    this.cancelRebalance();
    if (!this.active || this.stopped || !this.options.autoLeaderRebalance?.enable) return;
    const controllerEpoch = this.context.epoch;
    this.cancelRebalance = this.scheduler.schedule(delayMs, () => this.put({ type: 'AutoPreferredReplicaLeaderElection', controllerEpoch }));
  }

  /** /brokers/ids changed; then, as Kafka's onBrokerStartup, reassignments waiting for a broker that (re)started go on. */
  private async onBrokerChange(): Promise<void> {
    if (!this.active) return;
    const before = new Map([...this.context.liveBrokers].map(([id, b]) => [id, b.epoch]));
    await this.brokers.onBrokerChange((await liveBrokers(this.options.zk, this.watcher({ type: 'BrokerChange' }))).map(toLiveBroker));
    const started = new Set([...this.context.liveBrokers.values()].filter((b) => before.get(b.id) !== b.epoch).map((b) => b.id));
    if (started.size > 0) await this.reassignments.resume((_, a) => targetReplicas(a).some((r) => started.has(r)));
  }

  /** Leaders changed ISRs: re-read those partitions, tell every broker, delete the notifications. */
  private async onIsrChangeNotification(): Promise<void> {
    if (!this.active) return;
    const { zk } = this.options;
    const names = await zk.getChildren(ZkPaths.isrChangeNotifications, this.watcher({ type: 'IsrChangeNotification' }));
    const changed = new Map<string, TopicPartition>();
    for (const name of names.filter((n) => n.startsWith('isr_change_')).sort()) {
      const path = ZkPaths.isrChangeNotification(name);
      const node = await getDataIfExists(zk, path);
      try {
        for (const tp of node ? parseIsrChange(path, node.data) : []) changed.set(partitionKey(tp.topic, tp.partition), tp);
      } catch (err) {
        this.options.logger.warn(`ignoring ${path}: ${(err as Error).message}`);
      }
      await zk.deleteRecursive(path);
    }
    const known = [...changed.values()].filter((tp) => this.context.replicasOf(tp).length > 0 && !this.context.topicsToBeDeleted.has(tp.topic));
    await this.states.readStates(known);
    if (known.length > 0) this.requests.sendUpdateMetadata(known);
    // A replica being added may have joined the ISR (the state znode's watch usually tells first).
    for (const tp of known) await this.reassignments.maybeComplete(tp);
  }

  /** A broker whose request queue overflowed gets its full state again. */
  private async resync(brokerId: number): Promise<void> {
    if (!this.context.liveBrokers.has(brokerId)) return;
    const serving = this.context.allPartitions().filter((tp) => !this.context.topicsToBeDeleted.has(tp.topic));
    this.requests.sendUpdateMetadata(serving, { brokers: [brokerId], deletedTopics: [...this.context.topicsToBeDeleted] });
    this.requests.sendLeaderAndIsr(serving, { brokers: new Set([brokerId]) });
    await this.deletions.resendTo(brokerId);
  }

  /** Kafka's onControllerResignation: forget the cluster, close the channel, ignore the old watches. */
  private resign(why: string): void {
    this.generation++;
    this.cancelRebalance();
    this.armedWatches.clear();
    const wasActive = this.active;
    this.active = false;
    this.controllerIdSeen = -1;
    this.context.clear();
    this.channel.close();
    if (!wasActive) return;
    this.options.logger.info(`broker ${this.options.brokerId} resigns as controller: ${why}`);
    this.emit('resigned');
  }
}

function notController(brokerId: number): JosefError {
  return new JosefError(ErrorCode.NOT_CONTROLLER, `broker ${brokerId} is not the controller`);
}

function toLiveBroker(b: LiveBrokerRegistration): LiveBroker {
  return { id: b.brokerId, endpoints: b.endpoints, rack: b.rack, epoch: b.brokerEpoch };
}
