/**
 * One seeded run of Josef's controller on the simulated ZooKeeper: simulated brokers (a session,
 * a registration, the real Controller, a channel whose answers arrive after seeded delays, and as
 * leaders the ISR writes of Kafka's leaders: a dead follower leaves the ISR, a live one rejoins)
 * are started, killed, restarted, cut off and expired at times the seed picks, topics come and
 * the controller is moved; after every step the invariants are checked, and once nothing is left
 * to happen, that the controller settled. The same seed replays the same history.
 */
import { plaintextEndpoint } from '../../common/endpoint';
import { ErrorCode } from '../../common/errors';
import { createLogger, type Logger } from '../../common/logger';
import { ApiKey, apiName } from '../../protocol/api-keys';
import type { LeaderAndIsrRequest, RequestOf, ResponseOf, StopReplicaRequest } from '../../protocol/messages';
import { registerBroker } from '../broker-registry';
import { notifyIsrChange, writeLeaderAndIsr } from '../isr-change';
import type { ControllerApiKey, ControllerChannel } from '../controller/controller-channel';
import { Controller } from '../controller/controller';
import { ensureBasePaths, ZkPaths } from '../paths';
import { serializeTopicAssignment, type PartitionStateZnode, type TopicPartitionRef } from '../znodes';
import { ControllerInvariants } from './controller-invariants';
import { labelText, runToQuiescence, SimScheduler, type SimLabel } from './sim-scheduler';
import { SimZooKeeperServer, type SimZooKeeper } from './sim-zookeeper';

export interface ControllerSimulationOptions {
  seed: number;
  /** Kafka's unclean.leader.election.enable for every controller. */
  uncleanLeaderElectionEnable?: boolean;
  /** Keep the history (every step, every controller log line); on by default, off for speed. */
  recordHistory?: boolean;
  /** A scenario written down instead of drawn from the seed (the seed still draws latencies). */
  script?: ScriptedScenario;
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

export type Fault = 'kill' | 'restart' | 'expire' | 'disconnect' | 'moveController' | 'killAndMoveController' | 'createTopic' | 'deleteTopic';
const faults: readonly Fault[] = ['kill', 'restart', 'expire', 'disconnect', 'moveController', 'killAndMoveController', 'createTopic', 'deleteTopic'];

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
  private readonly led = new Map<string, LedPartition>();

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
    this.led.clear();
    const controller = new Controller({
      zk, brokerId: this.id, uncleanLeaderElectionEnable: this.sim.uncleanLeaderElectionEnable, logger: this.sim.logger(`controller-${this.id}`),
      clock: scheduler, scheduler, channel: new SimControllerChannel(this.sim, this.id),
    });
    this.controller = controller;
    controller.on('elected', (epoch) => this.sim.onElected(this.id, epoch));
    // As broker.ts: a new session after an expiry registers again.
    zk.on('connected', (_session, newSession) => {
      if (newSession && this.zk === zk) this.register(zk).catch((err: unknown) => this.sim.note(`broker ${this.id}: registering again failed: ${(err as Error).message}`));
    });
    void this.register(zk).then(() => {
      if (this.controller === controller) return controller.startup();
      return undefined;
    }).catch((err: unknown) => this.sim.note(`broker ${this.id}: start failed: ${(err as Error).message}`));
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
      const alive = (id: number): boolean => id === this.id || (this.sim.brokers.get(id)?.alive ?? false);
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

  /** A LeaderAndIsr, UpdateMetadata or StopReplica reaches this broker: its answer (a stale controller is refused). */
  answer<K extends ControllerApiKey>(apiKey: K, body: RequestOf<K>): ResponseOf<K> {
    const { controllerEpoch } = body as { controllerEpoch: number };
    const stale = controllerEpoch < this.controllerEpochSeen;
    this.controllerEpochSeen = Math.max(this.controllerEpochSeen, controllerEpoch);
    const errorCode = stale ? ErrorCode.STALE_CONTROLLER_EPOCH.code : 0;
    switch (apiKey) {
      case ApiKey.LeaderAndIsr:
        if (!stale) this.becomeLeaderOrFollower(body as LeaderAndIsrRequest);
        return { errorCode, partitions: (body as LeaderAndIsrRequest).partitionStates.map((p) => ({ topic: p.topic, partition: p.partition, errorCode })) } as ResponseOf<K>;
      case ApiKey.StopReplica:
        if (!stale) for (const p of (body as StopReplicaRequest).partitions) this.led.delete(`${p.topic}-${p.partition}`);
        return { errorCode, partitions: (body as StopReplicaRequest).partitions.map((p) => ({ ...p, errorCode })) } as ResponseOf<K>;
      default:
        return { errorCode } as ResponseOf<K>;
    }
  }

  private becomeLeaderOrFollower(request: LeaderAndIsrRequest): void {
    for (const p of request.partitionStates) {
      const key = `${p.topic}-${p.partition}`;
      const led = this.led.get(key);
      if (led && p.leaderEpoch < led.state.leaderEpoch) continue;
      if (p.leader !== this.id) {
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
    await registerBroker(zk, {
      brokerId: this.id, endpoints: [plaintextEndpoint('127.0.0.1', 19_000 + this.id)], rack: null, staleSessionWaitMs: 0, clock: this.sim.scheduler,
    }, this.sim.logger(`broker-${this.id}`));
  }
}

/** A controller's channel to the simulated brokers: each request answered after seeded delays, unless its broker died. */
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
    const { scheduler } = this.sim;
    const incarnation = target.incarnation;
    scheduler.schedule(scheduler.int(1, 20), () => {
      if (!target.alive || target.incarnation !== incarnation) return;
      const response = target.answer(apiKey, body);
      scheduler.schedule(scheduler.int(1, 20), () => {
        if (this.brokers.has(brokerId)) onResponse?.(response);
      }, () => `controller ${this.controllerId} gets broker ${brokerId}'s answer to ${apiName(apiKey)}`);
    }, () => `broker ${brokerId} gets ${apiName(apiKey)} from controller ${this.controllerId}`);
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
  private readonly invariants: ControllerInvariants;
  private failure: string | undefined;
  private topics = 0;
  private admin: SimZooKeeper;

  constructor(private readonly options: ControllerSimulationOptions) {
    this.scheduler = new SimScheduler(options.seed);
    this.server = new SimZooKeeperServer(this.scheduler);
    this.uncleanLeaderElectionEnable = options.uncleanLeaderElectionEnable ?? false;
    this.invariants = new ControllerInvariants(this.uncleanLeaderElectionEnable);
    this.admin = this.server.connect('admin');
  }

  logger(name: string): Logger {
    if (this.options.recordHistory === false) return silentLogger;
    // Without the logger's wall-clock time, so that a replay prints the same lines.
    return createLogger(name, (line) => this.note(line.slice(line.indexOf(' ') + 1).trimEnd()));
  }

  note(line: SimLabel): void {
    if (this.options.recordHistory !== false) this.history.push(`${String(this.scheduler.elapsedMs).padStart(6)} ms  ${labelText(line)}`);
  }

  onElected(brokerId: number, epoch: number): void {
    this.failure ??= this.invariants.elected(brokerId, epoch);
  }

  async run(): Promise<ControllerSimulationResult> {
    const { scheduler } = this;
    const { script } = this.options;
    const brokerCount = script?.brokers ?? scheduler.int(3, 5);
    for (let id = 1; id <= brokerCount; id++) this.brokers.set(id, new SimBroker(id, this));
    // The base paths every broker makes sure of at start, made once here: the runs are about what comes after.
    this.at(0, 'create the base paths and a topic', () => {
      ensureBasePaths(this.admin).then(() => this.createTopic(), (err: unknown) => this.note(`base paths: ${(err as Error).message}`));
    });
    for (const broker of this.brokers.values()) this.at(scheduler.int(0, 200), `start broker ${broker.id}`, () => broker.start());
    const planned = script?.faults ?? Array.from({ length: scheduler.int(faultsMin, faultsMax) }, (): ScriptedFault => ({
      fault: scheduler.pick(faults), atMs: scheduler.int(300, faultWindowMs),
    }));
    for (const f of planned) this.at(f.atMs, f.fault, () => this.inject(f));
    try {
      await runToQuiescence(scheduler, stepsMax, (label) => {
        this.note(label);
        this.checkStep();
      });
      this.failure ??= this.invariants.checkSettled(this.server.model);
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
    }
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
