/**
 * One seeded run of Josef's controller on the simulated ZooKeeper: simulated brokers (a session,
 * a registration, the real Controller, a channel whose answers arrive after seeded delays, and as
 * leaders the ISR writes of Kafka's leaders: a dead follower leaves the ISR, a live one rejoins)
 * are started, killed, restarted, cut off and expired at times the seed picks, topics come and
 * the controller is moved; after every step the invariants are checked, and once nothing is left
 * to happen, that the controller settled. The same seed replays the same history.
 *
 * The extra faults (on by default) come from a second sequence of the seed, so that without them a
 * seed replays the history it had before they were added: partitions reassigned (also over a
 * reassignment in progress, or a deletion), preferred and automatic leader elections, controlled
 * shutdowns, failed log dirs, brokers answering the controller with errors or dropping the
 * connection mid-request, ZooKeeper refusing writes, and deliveries to one session held up.
 */
import { plaintextEndpoint } from '../../common/endpoint';
import { ErrorCode } from '../../common/errors';
import { createLogger, type Logger } from '../../common/logger';
import { partitionKey } from '../../common/topic';
import { ApiKey, apiName } from '../../protocol/api-keys';
import type { LeaderAndIsrRequest, RequestOf, ResponseOf, StopReplicaRequest, UpdateMetadataRequest } from '../../protocol/messages';
import { registerBroker } from '../broker-registry';
import { notifyIsrChange, writeLeaderAndIsr } from '../isr-change';
import { propagateLogDirEvent } from '../log-dir-event-notification';
import type { ControllerApiKey, ControllerChannel } from '../controller/controller-channel';
import { Controller } from '../controller/controller';
import { ensureBasePaths, ZkPaths } from '../paths';
import { getDataIfExists } from '../zk-reads';
import {
  parsePartitionReassignment, parseTopicAssignment, serializePartitionReassignment, serializePreferredReplicaElection, serializeTopicAssignment,
  type PartitionReassignmentEntry, type PartitionStateZnode, type TopicPartitionRef,
} from '../znodes';
import type { AutoLeaderRebalanceOptions } from '../controller/preferred-replica-election';
import { ControllerInvariants } from './controller-invariants';
import { labelText, runToQuiescence, SeededDraws, SimScheduler, type SimLabel } from './sim-scheduler';
import { SimZooKeeperServer, type SimZooKeeper } from './sim-zookeeper';

export interface ControllerSimulationOptions {
  seed: number;
  /** Kafka's unclean.leader.election.enable for every controller. */
  uncleanLeaderElectionEnable?: boolean;
  /** Keep the history (every step, every controller log line); on by default, off for speed. */
  recordHistory?: boolean;
  /** A scenario written down instead of drawn from the seed (the seed still draws latencies). */
  script?: ScriptedScenario;
  /**
   * The extra faults drawn from the seed (see above): on by default, off with a script (which may
   * still name them). Off, a seed replays its history from before they came.
   */
  extraFaults?: boolean;
}

/** A fault at a time, on a broker (by id, or whichever is the active controller then), held for `holdMs` where it lasts. */
export interface ScriptedFault {
  atMs: number;
  fault: Fault;
  target?: number | 'controller';
  holdMs?: number;
}

export interface ScriptedScenario {
  brokers: number;
  faults: ScriptedFault[];
}

export interface ControllerSimulationResult {
  seed: number;
  steps: number;
  simulatedMs: number;
  /** The first invariant broken, or why the run did not settle; undefined when all held. */
  failure?: string;
  history: string[];
}

/** A run that has not settled after this many steps has a livelock: a failure of its own. */
const stepsMax = 200_000;
const faultsMin = 4;
const faultsMax = 12;
/** Faults fall within this much simulated time from the start. */
const faultWindowMs = 8_000;
const topicPrefix = 'sim-topic-';

/** Runs without a history say nothing, at no cost. */
const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silentLogger };

export type Fault = 'kill' | 'restart' | 'expire' | 'disconnect' | 'moveController' | 'killAndMoveController' | 'createTopic' | 'deleteTopic'
  | 'reassign' | 'preferredElection' | 'controlledShutdown' | 'logDirFailure';
const faults: readonly Fault[] = ['kill', 'restart', 'expire', 'disconnect', 'moveController', 'killAndMoveController', 'createTopic', 'deleteTopic'];
/** Drawn from the second sequence; reassignments twice as often, so that they overlap. */
const extraFaults: readonly Fault[] = ['reassign', 'reassign', 'preferredElection', 'controlledShutdown', 'logDirFailure', 'deleteTopic'];
const extraFaultsMax = 8;

/** What the extra faults make of a seed: chances and settings, drawn once per run from the second sequence. */
interface ExtraFaultSettings {
  /** A request the broker answers with an error, unapplied. */
  brokerErrorProbability: number;
  /** A request whose connection breaks: applied or not, unanswered, sent again by the channel. */
  brokerFailureProbability: number;
  writeFailureProbability: number;
  slowDeliveryProbability: number;
  /** Shared by every controller; turned off once faults are over, so that the run can end. */
  autoLeaderRebalance: AutoLeaderRebalanceOptions;
}

/** After this, no controller schedules another imbalance check: a periodic timer would never let the run end. */
const autoLeaderRebalanceUntilMs = faultWindowMs + 6_000;
/** The TCP channel's pause before sending a request again after its connection broke. */
const channelRetryBackoffMs = 200;
/** How long a broker waits for the controller's answer to ControlledShutdown, and how often it asks. */
const controlledShutdownTimeoutMs = 1_000;
const controlledShutdownAttemptsMax = 3;
/** Kafka brokers with a failed log dir keep the others; ours have two (a third failure would be the last dir: the broker halts). */
const logDirsPerBroker = 2;
/** Held-up deliveries to a session take up to this much longer. */
const slowDeliveryMsMax = 400;

/** Which of a broker's log dirs holds a replica: fixed per broker and partition, so a replay places them the same. */
function logDirOf(brokerId: number, key: string): number {
  let hash = brokerId;
  for (let i = 0; i < key.length; i++) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) >>> 0;
  return hash % logDirsPerBroker;
}

/** A partition this broker leads, as its last LeaderAndIsr said: its ISR writes name that zkVersion. */
interface LedPartition {
  tp: TopicPartitionRef;
  state: PartitionStateZnode;
  zkVersion: number;
  replicas: number[];
}

/** How long a leader takes to notice a follower died or caught up (Kafka's replica.lag.time.max.ms, scaled down). */
const isrLagMsMin = 50;
const isrLagMsMax = 400;

/** A broker as far as the controller can tell: a session, a registration, a controller, answers to requests, ISR writes. */
class SimBroker {
  zk: SimZooKeeper | undefined;
  controller: Controller | undefined;
  /** Raised at each start: requests sent to an earlier incarnation are never answered. */
  incarnation = 0;
  controllerEpochSeen = 0;
  /** The registration's czxid (Kafka's broker epoch), for ControlledShutdown. */
  brokerEpoch = -1;
  /** The log dir that failed in this incarnation, if one did. */
  private failedLogDir: number | undefined;
  private readonly led = new Map<string, LedPartition>();
  /** Each partition's leader as the UpdateMetadata requests this incarnation accepted said (a broker's metadata cache). */
  private readonly leadersSeen = new Map<string, { tp: TopicPartitionRef; leader: number }>();
  /**
   * The log dir of each replica this broker has, by `topic-partition`: on disk, so kept across
   * restarts. A replica is placed when first asked about, on its hashed dir, or on the live one once
   * a dir failed: Kafka's log manager creates a new log only on a live dir (a new partition's replica
   * was offline on a broker whose dir had failed before the partition existed, seeds 3462 and 9129).
   */
  private readonly logDirs = new Map<string, number>();

  constructor(readonly id: number, private readonly sim: ControllerSimulation) {}

  get alive(): boolean {
    return this.zk !== undefined;
  }

  start(): void {
    const { server, scheduler } = this.sim;
    const zk = server.connect(`broker-${this.id}`);
    this.zk = zk;
    this.incarnation++;
    this.controllerEpochSeen = 0;
    this.brokerEpoch = -1;
    this.failedLogDir = undefined;
    this.led.clear();
    this.leadersSeen.clear();
    const controller = new Controller({
      zk, brokerId: this.id, uncleanLeaderElectionEnable: this.sim.uncleanLeaderElectionEnable, logger: this.sim.logger(`controller-${this.id}`),
      clock: scheduler, scheduler, channel: new SimControllerChannel(this.sim, this.id), autoLeaderRebalance: this.sim.extra?.autoLeaderRebalance,
      // As broker.ts's, from what UpdateMetadata said: stale or empty as a real broker's may be.
      leaderlessHint: (live) => [...this.leadersSeen.values()].filter((p) => !live.has(p.leader)).map((p) => p.tp),
    });
    this.controller = controller;
    controller.on('elected', (epoch) => this.sim.onElected(this.id, epoch));
    // As broker.ts: a new session after an expiry registers again.
    zk.on('connected', (_session, newSession) => {
      if (newSession && this.zk === zk) this.register(zk).catch((err: unknown) => this.sim.note(`broker ${this.id}: registering again failed: ${(err as Error).message}`));
    });
    const incarnation = this.incarnation;
    this.register(zk).then(() => {
      if (this.controller === controller) controller.startup().catch((err: unknown) => this.sim.note(`broker ${this.id}: controller start failed: ${(err as Error).message}`));
    }, (err: unknown) => {
      // A broker that cannot register exits (broker.ts): it is dead until restarted.
      this.sim.note(`broker ${this.id}: start failed: ${(err as Error).message}`);
      if (this.incarnation === incarnation && this.controller === controller) this.kill();
    });
  }

  /** Whether this broker holds the replica online: alive, and not on a failed log dir. */
  holdsOnline(key: string): boolean {
    return this.alive && (this.failedLogDir === undefined || this.logDirOf(key) !== this.failedLogDir);
  }

  private logDirOf(key: string): number {
    let dir = this.logDirs.get(key);
    if (dir === undefined) {
      const hashed = logDirOf(this.id, key);
      dir = hashed === this.failedLogDir ? (hashed + 1) % logDirsPerBroker : hashed;
      this.logDirs.set(key, dir);
    }
    return dir;
  }

  /**
   * One of the broker's log dirs fails (Kafka's LogDirFailureHandler): its replicas go offline, and
   * a /log_dir_event_notification tells the controller, written until it is. With its last dir
   * gone, the broker halts instead.
   */
  failLogDir(): void {
    if (this.failedLogDir !== undefined) {
      this.kill();
      return;
    }
    this.failedLogDir = this.sim.scheduler.int(0, logDirsPerBroker - 1);
    for (const key of [...this.led.keys()]) if (!this.holdsOnline(key)) this.led.delete(key);
    const { incarnation } = this;
    const propagate = (): void => {
      const zk = this.zk;
      if (!zk || this.incarnation !== incarnation) return;
      propagateLogDirEvent(zk, this.id).catch((err: unknown) => {
        this.sim.note(`broker ${this.id}: log dir event failed: ${(err as Error).message}`);
        this.sim.scheduler.schedule(channelRetryBackoffMs, propagate, () => `broker ${this.id} writes its log dir event again`);
      });
    };
    propagate();
  }

  /**
   * Kafka's controlled shutdown: ask the active controller to move this broker's leaderships away
   * (directly: the ControlledShutdown request itself is not what is being tested), a few times
   * while some remain, then stop.
   */
  async shutDownControlled(): Promise<void> {
    const { scheduler } = this.sim;
    const { incarnation } = this;
    for (let attempt = 1; attempt <= controlledShutdownAttemptsMax; attempt++) {
      const controller = [...this.sim.brokers.values()].find((b) => b.controller?.isActive)?.controller;
      if (!controller) break;
      const answer = await Promise.race([
        controller.controlledShutdown(this.id, this.brokerEpoch).then((remaining) => remaining.length, (err: unknown) => (err as Error).message),
        new Promise<string>((resolve) => scheduler.schedule(controlledShutdownTimeoutMs, () => resolve('timed out'), `broker ${this.id}'s controlled shutdown times out`)),
      ]);
      if (this.incarnation !== incarnation) return;
      this.sim.note(`broker ${this.id}: controlled shutdown: ${typeof answer === 'number' ? `${answer} partition(s) still led here` : answer}`);
      if (answer === 0) break;
      await new Promise((resolve) => scheduler.schedule(channelRetryBackoffMs, () => resolve(undefined), `broker ${this.id} asks again`));
      if (this.incarnation !== incarnation) return;
    }
    this.kill();
  }

  /** A crash: the controller stops, the session ends (its ephemeral znodes go at once). */
  kill(): void {
    const { zk, controller } = this;
    this.zk = undefined;
    this.controller = undefined;
    void controller?.shutdown();
    void zk?.close();
    this.led.clear();
  }

  /**
   * Kafka's leader ISR changes (Partition.maybeShrinkIsr / maybeExpandIsr), with "caught up"
   * meaning alive: a dead follower leaves the ISR, a live replica outside it joins, each change a
   * conditional write on the zkVersion of the last LeaderAndIsr and then an isr_change_notification.
   * A write refused because the znode moved waits for the next LeaderAndIsr, as Kafka's leader does.
   */
  scheduleIsrUpdate(): void {
    const { scheduler } = this.sim;
    const incarnation = this.incarnation;
    scheduler.schedule(scheduler.int(isrLagMsMin, isrLagMsMax), () => {
      if (this.incarnation === incarnation && this.zk) {
        this.updateIsrs(this.zk).catch((err: unknown) => this.sim.note(`broker ${this.id}: ISR update failed: ${(err as Error).message}`));
      }
    }, () => `broker ${this.id} checks its followers`);
  }

  private async updateIsrs(zk: SimZooKeeper): Promise<void> {
    const changed: TopicPartitionRef[] = [];
    for (const [key, led] of [...this.led]) {
      const alive = (id: number): boolean => id === this.id || (this.sim.brokers.get(id)?.holdsOnline(key) ?? false);
      const isr = [...led.state.isr.filter(alive), ...led.replicas.filter((r) => alive(r) && !led.state.isr.includes(r))];
      if (isr.length === led.state.isr.length && isr.every((r) => led.state.isr.includes(r))) continue;
      const state = { ...led.state, isr };
      const written = await writeLeaderAndIsr(zk, led.tp, state, led.zkVersion);
      if (this.led.get(key) !== led) continue;
      if (written.updated) {
        this.led.set(key, { ...led, state, zkVersion: written.zkVersion });
        changed.push(led.tp);
      } else {
        this.led.delete(key);
      }
    }
    if (changed.length > 0) await notifyIsrChange(zk, changed);
  }

  /**
   * A LeaderAndIsr, UpdateMetadata or StopReplica reaches this broker: its answer (a stale
   * controller is refused; with `failed`, the broker could not handle it and answers
   * UNKNOWN_SERVER_ERROR without applying it). Replicas on a failed log dir answer
   * KAFKA_STORAGE_ERROR, as Kafka's do.
   */
  answer<K extends ControllerApiKey>(apiKey: K, body: RequestOf<K>, failed = false): ResponseOf<K> {
    const { controllerEpoch } = body as { controllerEpoch: number };
    const stale = controllerEpoch < this.controllerEpochSeen;
    this.controllerEpochSeen = Math.max(this.controllerEpochSeen, controllerEpoch);
    const errorCode = stale ? ErrorCode.STALE_CONTROLLER_EPOCH.code : failed ? ErrorCode.UNKNOWN_SERVER_ERROR.code : 0;
    const partitionError = (p: { topic: string; partition: number }): number =>
      errorCode !== 0 ? errorCode : this.holdsOnline(partitionKey(p.topic, p.partition)) ? 0 : ErrorCode.KAFKA_STORAGE_ERROR.code;
    switch (apiKey) {
      case ApiKey.LeaderAndIsr:
        if (errorCode === 0) this.becomeLeaderOrFollower(body as LeaderAndIsrRequest);
        return { errorCode, partitions: (body as LeaderAndIsrRequest).partitionStates.map((p) => ({ topic: p.topic, partition: p.partition, errorCode: partitionError(p) })) } as ResponseOf<K>;
      case ApiKey.StopReplica: {
        const { partitions, deletePartitions } = body as StopReplicaRequest;
        const answered = partitions.map((p) => ({ ...p, errorCode: partitionError(p) }));
        if (errorCode === 0) {
          for (const p of answered) {
            this.led.delete(partitionKey(p.topic, p.partition));
            // A deleted replica's log is gone; one on the failed dir cannot be deleted.
            if (deletePartitions && p.errorCode === 0) this.logDirs.delete(partitionKey(p.topic, p.partition));
          }
        }
        return { errorCode, partitions: answered } as ResponseOf<K>;
      }
      case ApiKey.UpdateMetadata:
        if (errorCode === 0) {
          for (const p of (body as UpdateMetadataRequest).partitionStates) this.leadersSeen.set(partitionKey(p.topic, p.partition), { tp: { topic: p.topic, partition: p.partition }, leader: p.leader });
          for (const topic of (body as UpdateMetadataRequest).deletedTopics) for (const [key, p] of this.leadersSeen) if (p.tp.topic === topic) this.leadersSeen.delete(key);
        }
        return { errorCode } as ResponseOf<K>;
      default:
        return { errorCode } as ResponseOf<K>;
    }
  }

  private becomeLeaderOrFollower(request: LeaderAndIsrRequest): void {
    for (const p of request.partitionStates) {
      const key = partitionKey(p.topic, p.partition);
      const led = this.led.get(key);
      if (led && p.leaderEpoch < led.state.leaderEpoch) continue;
      if (p.leader !== this.id || !this.holdsOnline(key)) {
        this.led.delete(key);
        continue;
      }
      this.led.set(key, {
        tp: { topic: p.topic, partition: p.partition },
        state: { leader: p.leader, leaderEpoch: p.leaderEpoch, isr: [...p.isr], controllerEpoch: p.controllerEpoch },
        zkVersion: p.zkVersion,
        replicas: [...p.replicas],
      });
    }
    this.scheduleIsrUpdate();
  }

  private async register(zk: SimZooKeeper): Promise<void> {
    const { brokerEpoch } = await registerBroker(zk, {
      brokerId: this.id, endpoints: [plaintextEndpoint('127.0.0.1', 19_000 + this.id)], rack: null, staleSessionWaitMs: 0, clock: this.sim.scheduler,
    }, this.sim.logger(`broker-${this.id}`));
    if (this.zk === zk) this.brokerEpoch = brokerEpoch;
  }
}

/**
 * A controller's channel to the simulated brokers: each request answered after seeded delays, unless
 * its broker died; with the extra faults, some are answered with an error, and on some the
 * connection breaks (the request applied or not) and the request goes again after a pause, as
 * the TCP channel resends it.
 */
class SimControllerChannel implements ControllerChannel {
  private readonly brokers = new Set<number>();

  constructor(private readonly sim: ControllerSimulation, private readonly controllerId: number) {}

  addBroker(broker: { id: number }): void {
    this.brokers.add(broker.id);
  }

  removeBroker(id: number): void {
    this.brokers.delete(id);
  }

  send<K extends ControllerApiKey>(brokerId: number, apiKey: K, body: RequestOf<K>, onResponse?: (response: ResponseOf<K>) => void): void {
    const target = this.sim.brokers.get(brokerId);
    if (!this.brokers.has(brokerId) || !target) return;
    const { scheduler, extra, draws } = this.sim;
    const incarnation = target.incarnation;
    const deliver = (): void => {
      scheduler.schedule(scheduler.int(1, 20), () => {
        if (!target.alive || target.incarnation !== incarnation) return;
        if (extra && extra.brokerFailureProbability > 0 && draws.chance(extra.brokerFailureProbability)) {
          if (draws.chance(0.5)) target.answer(apiKey, body);
          this.sim.note(`the connection from controller ${this.controllerId} to broker ${brokerId} breaks during ${apiName(apiKey)}`);
          scheduler.schedule(channelRetryBackoffMs, () => {
            if (this.brokers.has(brokerId)) deliver();
          }, () => `controller ${this.controllerId} sends ${apiName(apiKey)} to broker ${brokerId} again`);
          return;
        }
        const failed = extra !== undefined && extra.brokerErrorProbability > 0 && draws.chance(extra.brokerErrorProbability);
        const response = target.answer(apiKey, body, failed);
        this.sim.answered(brokerId, apiKey, body, response);
        scheduler.schedule(scheduler.int(1, 20), () => {
          if (this.brokers.has(brokerId)) onResponse?.(response);
        }, () => `controller ${this.controllerId} gets broker ${brokerId}'s answer to ${apiName(apiKey)}`);
      }, () => `broker ${brokerId} gets ${apiName(apiKey)} from controller ${this.controllerId}`);
    };
    deliver();
  }

  close(): void {
    this.brokers.clear();
  }
}

class ControllerSimulation {
  readonly scheduler: SimScheduler;
  readonly server: SimZooKeeperServer;
  readonly brokers = new Map<number, SimBroker>();
  readonly uncleanLeaderElectionEnable: boolean;
  readonly history: string[] = [];
  /** The second sequence of the seed, for the extra faults. */
  readonly draws: SeededDraws;
  /** Undefined when the extra faults are off. */
  readonly extra: ExtraFaultSettings | undefined;
  /** Topic -> brokers that refused to delete its replicas: Kafka's deletion then waits for a broker change. */
  private readonly deletionsRefused = new Map<string, Set<number>>();
  private readonly invariants: ControllerInvariants;
  private failure: string | undefined;
  private topics = 0;
  private admin: SimZooKeeper;

  constructor(private readonly options: ControllerSimulationOptions) {
    this.scheduler = new SimScheduler(options.seed);
    this.draws = new SeededDraws(options.seed ^ 0x5eed_f00d);
    const { draws } = this;
    this.extra = !(options.extraFaults ?? options.script === undefined) ? undefined : {
      brokerErrorProbability: draws.pick([0, 0.01, 0.05]),
      brokerFailureProbability: draws.pick([0, 0.01, 0.05]),
      writeFailureProbability: draws.pick([0, 0.002, 0.01]),
      slowDeliveryProbability: draws.pick([0, 0.02, 0.1]),
      autoLeaderRebalance: { enable: draws.chance(0.5), checkIntervalMs: draws.int(500, 3_000), imbalancePerBrokerPercentage: draws.pick([0, 10]) },
    };
    this.server = new SimZooKeeperServer(this.scheduler, this.extra && {
      faultDraws: draws, writeFailureProbability: this.extra.writeFailureProbability, slowDeliveryProbability: this.extra.slowDeliveryProbability, slowDeliveryMsMax,
    });
    this.uncleanLeaderElectionEnable = options.uncleanLeaderElectionEnable ?? false;
    this.invariants = new ControllerInvariants(this.uncleanLeaderElectionEnable);
    this.admin = this.server.connect('admin');
  }

  logger(name: string): Logger {
    if (this.options.recordHistory === false) return silentLogger;
    // Without the logger's wall-clock time, and without stack traces (they name the caller's file
    // and line), so that a replay prints the same lines.
    return createLogger(name, (line) => this.note(line.slice(line.indexOf(' ') + 1).split('\n', 1)[0].trimEnd()));
  }

  note(line: SimLabel): void {
    if (this.options.recordHistory !== false) this.history.push(`${String(this.scheduler.elapsedMs).padStart(6)} ms  ${labelText(line)}`);
  }

  onElected(brokerId: number, epoch: number): void {
    this.failure ??= this.invariants.elected(brokerId, epoch);
  }

  /** A broker answered: a refused StopReplica(delete) leaves the topic's deletion waiting, as Kafka's does. */
  answered<K extends ControllerApiKey>(brokerId: number, apiKey: K, body: RequestOf<K>, response: ResponseOf<K>): void {
    if (apiKey !== ApiKey.StopReplica || !(body as StopReplicaRequest).deletePartitions) return;
    const { partitions, errorCode } = response as ResponseOf<typeof ApiKey.StopReplica>;
    for (const topic of new Set(partitions.map((p) => p.topic))) {
      const refusedBy = this.deletionsRefused.get(topic) ?? new Set<number>();
      if (errorCode !== 0 || partitions.some((p) => p.topic === topic && p.errorCode !== 0)) refusedBy.add(brokerId);
      else refusedBy.delete(brokerId);
      if (refusedBy.size > 0) this.deletionsRefused.set(topic, refusedBy);
      else this.deletionsRefused.delete(topic);
    }
  }

  async run(): Promise<ControllerSimulationResult> {
    const { scheduler } = this;
    const { script } = this.options;
    const brokerCount = script?.brokers ?? scheduler.int(3, 5);
    for (let id = 1; id <= brokerCount; id++) this.brokers.set(id, new SimBroker(id, this));
    // The base paths every broker makes sure of at start, made once here: the runs are about what comes after.
    // Until made: every real broker makes sure of them at each start, so a refused write cannot leave one missing.
    const makeBasePaths = (): void => {
      ensureBasePaths(this.admin).then(() => this.createTopic(), (err: unknown) => {
        this.note(`base paths: ${(err as Error).message}`);
        this.at(10, 'create the base paths again', makeBasePaths);
      });
    };
    this.at(0, 'create the base paths and a topic', makeBasePaths);
    for (const broker of this.brokers.values()) this.at(scheduler.int(0, 200), `start broker ${broker.id}`, () => broker.start());
    const planned = script?.faults ?? Array.from({ length: scheduler.int(faultsMin, faultsMax) }, (): ScriptedFault => ({
      fault: scheduler.pick(faults), atMs: scheduler.int(300, faultWindowMs),
    }));
    const { extra, draws } = this;
    if (extra) {
      for (let n = draws.int(0, extraFaultsMax); n > 0; n--) planned.push({ fault: draws.pick(extraFaults), atMs: draws.int(300, faultWindowMs) });
    }
    for (const f of planned) this.at(f.atMs, f.fault, () => this.inject(f));
    if (extra?.autoLeaderRebalance.enable) {
      this.at(autoLeaderRebalanceUntilMs, 'auto leader rebalance turned off, so that the run can end', () => { extra.autoLeaderRebalance.enable = false; });
    }
    try {
      await runToQuiescence(scheduler, stepsMax, (label) => {
        this.note(label);
        this.checkStep();
      });
      this.failure ??= this.invariants.checkSettled(this.server.model, {
        replicaOnline: (brokerId, name) => this.brokers.get(brokerId)?.holdsOnline(name) ?? false,
        deletionsRefused: new Set(this.deletionsRefused.keys()),
      });
    } catch (err) {
      this.failure ??= (err as Error).message;
    }
    for (const broker of this.brokers.values()) broker.kill();
    await this.admin.close();
    return { seed: this.options.seed, steps: scheduler.steps, simulatedMs: scheduler.elapsedMs, failure: this.failure, history: this.history };
  }

  private at(atMs: number, label: SimLabel, run: () => void): void {
    this.scheduler.schedule(atMs, run, label);
  }

  private checkStep(): void {
    if (this.failure) return;
    const active = new Map<number, number>();
    for (const broker of this.brokers.values()) if (broker.controller?.isActive) active.set(broker.id, broker.controller.epoch);
    this.failure = this.invariants.activeControllers(active) ?? this.invariants.check(this.server.model);
    if (this.failure) this.note(`INVARIANT BROKEN: ${this.failure}`);
  }

  /** The fault's target is chosen when it happens, among the brokers it can hit then (unless the script names it). */
  private inject({ fault, target, holdMs }: ScriptedFault): void {
    const { scheduler } = this;
    const all = [...this.brokers.values()].filter((b) => target === undefined || b.id === target || (target === 'controller' && b.controller?.isActive));
    const alive = all.filter((b) => b.alive);
    const dead = all.filter((b) => !b.alive);
    switch (fault) {
      case 'kill':
        if (alive.length > 0) this.act(scheduler.pick(alive), 'killed', (b) => b.kill());
        return;
      case 'restart':
        if (dead.length > 0) this.act(scheduler.pick(dead), 'restarted', (b) => b.start());
        return;
      case 'expire':
        if (alive.length > 0) this.act(scheduler.pick(alive), 'session expires', (b) => b.zk?.expire(holdMs ?? scheduler.int(10, 2_000)));
        return;
      case 'disconnect':
        if (alive.length > 0) {
          this.act(scheduler.pick(alive), 'cut off from ZooKeeper', (b) => {
            const zk = b.zk;
            zk?.disconnect();
            scheduler.schedule(holdMs ?? scheduler.int(1, 500), () => zk?.reconnect(), `broker ${b.id} reconnects`);
          });
        }
        return;
      case 'moveController':
        this.moveController();
        return;
      case 'killAndMoveController':
        // The controller busy with a broker's death when it loses its place: its writes must be refused.
        this.inject({ fault: 'kill', atMs: scheduler.nowMs() });
        this.scheduler.schedule(this.scheduler.int(0, 60), () => this.moveController(), 'moveController');
        return;
      case 'createTopic':
        this.createTopic();
        return;
      case 'deleteTopic': {
        const topics = this.server.model.peekChildren(ZkPaths.brokerTopics);
        if (topics.length === 0) return;
        const topic = scheduler.pick(topics);
        this.note(`an admin asks to delete ${topic}`);
        this.admin.create(ZkPaths.deleteTopic(topic)).catch(() => undefined);
        return;
      }
      case 'reassign':
        this.reassign().catch((err: unknown) => this.note(`the reassignment was not written: ${(err as Error).message}`));
        return;
      case 'preferredElection':
        this.askPreferredElection();
        return;
      case 'controlledShutdown':
        if (alive.length > 0) this.act(scheduler.pick(alive), 'shuts down (controlled)', (b) => void b.shutDownControlled());
        return;
      case 'logDirFailure':
        if (alive.length > 0) this.act(scheduler.pick(alive), 'loses a log dir', (b) => b.failLogDir());
        return;
    }
  }

  /** Partitions of a topic the seed picks, with their replicas, as the admin reads them; undefined: no topic. */
  private pickPartitions(): { topic: string; partitions: [number, number[]][] } | undefined {
    const { scheduler } = this;
    const topics = this.server.model.peekChildren(ZkPaths.brokerTopics);
    if (topics.length === 0) return undefined;
    const topic = scheduler.pick(topics);
    const node = this.server.model.peek(ZkPaths.topic(topic));
    if (!node) return undefined;
    const all = [...parseTopicAssignment(ZkPaths.topic(topic), node.data)];
    const partitions = all.filter(() => scheduler.chance(0.6));
    return { topic, partitions: partitions.length > 0 ? partitions : all.slice(0, 1) };
  }

  /**
   * An admin moves some partitions of a topic to replicas the seed draws: a new
   * /admin/reassign_partitions, or, while one is there, the same rewritten with these entries
   * replacing any for the same partitions (a reassignment over one in progress).
   */
  private async reassign(): Promise<void> {
    const { scheduler } = this;
    const picked = this.pickPartitions();
    if (!picked) return;
    const ids = [...this.brokers.keys()];
    const entries: PartitionReassignmentEntry[] = picked.partitions.map(([partition, replicas]) => {
      const pool = [...ids];
      const target: number[] = [];
      for (let n = scheduler.int(1, Math.min(3, ids.length)); n > 0; n--) target.push(pool.splice(scheduler.int(0, pool.length - 1), 1)[0]);
      return { topic: picked.topic, partition, replicas: scheduler.chance(0.2) ? replicas : target };
    });
    this.note(`an admin reassigns ${entries.map((e) => `${e.topic}-${e.partition} to [${e.replicas.join(',')}]`).join(', ')}`);
    const path = ZkPaths.reassignPartitions;
    const node = await getDataIfExists(this.admin, path);
    if (!node) {
      await this.admin.create(path, serializePartitionReassignment(entries), 'persistent', { createParents: true });
      return;
    }
    const replaced = (e: PartitionReassignmentEntry): boolean => entries.some((n) => n.topic === e.topic && n.partition === e.partition);
    const kept = parsePartitionReassignment(path, node.data).valid.filter((e) => !replaced(e));
    await this.admin.setData(path, serializePartitionReassignment([...kept, ...entries]), node.stat.version);
  }

  /** An admin asks for the preferred replicas of some partitions to lead (Kafka's tool: refused while a request is pending). */
  private askPreferredElection(): void {
    const picked = this.pickPartitions();
    if (!picked) return;
    const partitions = picked.partitions.map(([partition]) => ({ topic: picked.topic, partition }));
    this.note(`an admin asks for preferred leaders of ${partitions.map((p) => `${p.topic}-${p.partition}`).join(', ')}`);
    this.admin.create(ZkPaths.preferredReplicaElection, serializePreferredReplicaElection(partitions), 'persistent', { createParents: true })
      .catch((err: unknown) => this.note(`the preferred election was not asked: ${(err as Error).message}`));
  }

  private moveController(): void {
    this.note('an admin deletes /controller');
    this.admin.delete(ZkPaths.controller, -1).catch(() => undefined);
  }

  private act(broker: SimBroker, what: string, run: (b: SimBroker) => void): void {
    this.note(`broker ${broker.id} ${what}`);
    run(broker);
    // Leaders notice a follower that died or came back.
    for (const b of this.brokers.values()) if (b.alive) b.scheduleIsrUpdate();
  }

  /** A topic of 1-4 partitions, replication factor 1-3, on brokers drawn by the seed. */
  private createTopic(): void {
    const { scheduler } = this;
    const ids = [...this.brokers.keys()];
    const replicationFactor = scheduler.int(1, Math.min(3, ids.length));
    const assignment = new Map<number, number[]>();
    for (let p = 0; p < scheduler.int(1, 4); p++) {
      const pool = [...ids];
      const replicas: number[] = [];
      while (replicas.length < replicationFactor) replicas.push(pool.splice(scheduler.int(0, pool.length - 1), 1)[0]);
      assignment.set(p, replicas);
    }
    const topic = `${topicPrefix}${this.topics++}`;
    this.note(`an admin creates ${topic} ${JSON.stringify([...assignment])}`);
    this.admin.create(ZkPaths.topic(topic), serializeTopicAssignment(assignment), 'persistent', { createParents: true }).catch(() => undefined);
  }
}

export function runControllerSimulation(options: ControllerSimulationOptions): Promise<ControllerSimulationResult> {
  return new ControllerSimulation(options).run();
}
