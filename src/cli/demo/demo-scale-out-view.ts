/**
 * How the scale-out demo shows itself: a picture of the topic while a reassignment moves replicas
 * onto a new broker (per partition its replicas, the ones being added and removed, leader and ISR;
 * per broker its replicas, leaderships and bytes; how much the new replicas have copied), the
 * sentences that narrate each change, and the verdict. Pure functions from a picture to text;
 * ScaleOutView only writes them out, redrawn in place on a terminal or as timestamped lines.
 */
import type { DeliveryVerdict } from '../../harness/delivery-check';
import type { DemoCounts, DemoStep } from './demo-view';
import { formatCounts, lostValuesLine, sendOutcomeLines } from './demo-view';
import { LiveScreen } from '../live-screen';
import type { WatchEvent } from './demo-watch';
import { formatNumber, formatTable } from '../format';

/** One partition as the topic znode and its state znode say it now. */
export interface PartitionPicture {
  partition: number;
  /** The topic znode's replica list; during a move RS = the target and the replicas being removed. */
  replicas: number[];
  adding: number[];
  removing: number[];
  /** undefined until the state znode is read; -1: no leader. */
  leader: number | undefined;
  isr: number[];
}

/** The reassignment the demo started. */
export interface MovePicture {
  /** Replica lists the plan asks for, by partition (only partitions that change). */
  targets: ReadonlyMap<number, readonly number[]>;
  /** Replicas that did not exist before the plan, as [partition, brokerId]: the ones that copy a log. */
  newReplicas: ReadonlyArray<readonly [number, number]>;
  /** Replication throttle per broker and direction; undefined: none. */
  throttleBytesPerSec: number | undefined;
  startedMs: number;
  /** When verify first said every partition is done. */
  finishedMs: number | undefined;
}

export interface ScaleOutPicture {
  topic: string;
  replicationFactor: number;
  /** Brokers registered in /brokers/ids. */
  brokers: number[];
  controllerId: number | undefined;
  partitions: PartitionPicture[];
  /** Bytes of each replica's log segments on disk, by replicaKey(partition, brokerId). */
  logBytes: ReadonlyMap<string, number>;
  move: MovePicture | undefined;
  counts: DemoCounts;
  step: DemoStep;
}

export const replicaKey = (partition: number, brokerId: number): string => `${partition}:${brokerId}`;

const list = (ids: readonly number[]): string => `[${ids.join(',')}]`;
const mb = (bytes: number): string => formatNumber(bytes / (1024 * 1024), 1);
const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
const sameList = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export interface BrokerLoad {
  brokerId: number;
  replicas: number;
  leaders: number;
  logBytes: number;
}

/** Replicas, leaderships and log bytes per broker, for every registered broker and every broker named in a replica list. */
export function brokerLoads(picture: ScaleOutPicture): BrokerLoad[] {
  const ids = new Set(picture.brokers);
  for (const p of picture.partitions) for (const id of p.replicas) ids.add(id);
  return [...ids].sort((a, b) => a - b).map((brokerId) => ({
    brokerId,
    replicas: picture.partitions.filter((p) => p.replicas.includes(brokerId)).length,
    leaders: picture.partitions.filter((p) => p.leader === brokerId).length,
    logBytes: picture.partitions.reduce((sum, p) => sum + (picture.logBytes.get(replicaKey(p.partition, brokerId)) ?? 0), 0),
  }));
}

export interface CopyProgress {
  /** What the new replicas hold, each counted up to the largest copy of its partition. */
  copiedBytes: number;
  /** The largest copy of each new replica's partition: what it has to hold to be a full copy. */
  totalBytes: number;
  partitionsDone: number;
  partitionsMoving: number;
}

/** A partition has moved once its replica list is the target and nothing is being added or removed. */
export function partitionMoved(p: PartitionPicture, target: readonly number[]): boolean {
  return p.adding.length === 0 && p.removing.length === 0 && sameList(p.replicas, target);
}

function largestCopy(picture: ScaleOutPicture, partition: number): number {
  let largest = 0;
  for (const [key, bytes] of picture.logBytes) if (key.startsWith(`${partition}:`)) largest = Math.max(largest, bytes);
  return largest;
}

export function copyProgress(picture: ScaleOutPicture, move: MovePicture): CopyProgress {
  let copiedBytes = 0;
  let totalBytes = 0;
  for (const [partition, brokerId] of move.newReplicas) {
    const total = largestCopy(picture, partition);
    totalBytes += total;
    copiedBytes += Math.min(total, picture.logBytes.get(replicaKey(partition, brokerId)) ?? 0);
  }
  const partitionsDone = [...move.targets].filter(([partition, target]) => {
    const p = picture.partitions.find((x) => x.partition === partition);
    return p !== undefined && partitionMoved(p, target);
  }).length;
  return { copiedBytes, totalBytes, partitionsDone, partitionsMoving: move.targets.size };
}

/** One line on the move: partitions done, bytes copied, rate, throttle. */
export function formatMoveProgress(picture: ScaleOutPicture, move: MovePicture, nowMs: number): string {
  const c = copyProgress(picture, move);
  const seconds = ((move.finishedMs ?? nowMs) - move.startedMs) / 1000;
  const percent = c.totalBytes === 0 ? 100 : (100 * c.copiedBytes) / c.totalBytes;
  const rate = seconds > 0 ? `, ${mb(c.copiedBytes / seconds)} MB/s` : '';
  const throttle = move.throttleBytesPerSec === undefined ? 'no throttle' : `throttle ${mb(move.throttleBytesPerSec)} MB/s per broker`;
  return `reassignment: ${c.partitionsDone} of ${c.partitionsMoving} partitions moved; new replicas hold ${mb(c.copiedBytes)} of ${mb(c.totalBytes)} MB `
    + `(${formatNumber(percent, 0)}%) after ${formatNumber(seconds, 1)} s${rate}; ${throttle}${move.finishedMs === undefined ? '' : '; done'}`;
}

function copiedCell(picture: ScaleOutPicture, p: PartitionPicture): string {
  const fresh = picture.move?.newReplicas.filter(([partition]) => partition === p.partition) ?? [];
  if (fresh.length === 0) return '';
  const total = largestCopy(picture, p.partition);
  return fresh.map(([, id]) => `broker ${id}: ${mb(Math.min(total, picture.logBytes.get(replicaKey(p.partition, id)) ?? 0))}/${mb(total)} MB`).join(', ');
}

export function formatPartitionTable(picture: ScaleOutPicture): string {
  const rows = picture.partitions.map((p) => {
    const target = picture.move?.targets.get(p.partition);
    return [
      p.partition,
      p.leader === undefined ? '?' : p.leader < 0 ? 'none' : p.leader,
      list(p.isr),
      list(p.replicas),
      p.adding.length > 0 ? list(p.adding) : '',
      p.removing.length > 0 ? list(p.removing) : '',
      target === undefined ? '' : partitionMoved(p, target) ? `${list(target)} moved` : list(target),
      copiedCell(picture, p),
    ];
  });
  return formatTable([
    { title: 'partition' }, { title: 'leader' }, { title: 'isr' }, { title: 'replicas' }, { title: 'adding' }, { title: 'removing' },
    { title: 'target' }, { title: 'new replica copied' },
  ], rows);
}

export function formatBrokerTable(picture: ScaleOutPicture): string {
  const rows = brokerLoads(picture).map((b) => [
    b.brokerId, picture.brokers.includes(b.brokerId) ? 'up' : 'not registered', b.replicas, b.leaders, mb(b.logBytes),
  ]);
  return formatTable([
    { title: 'broker' }, { title: 'state' }, { title: 'replicas', align: 'right' }, { title: 'leaders', align: 'right' }, { title: 'log MB', align: 'right' },
  ], rows);
}

function progressBar(step: DemoStep, width = 20): string {
  const done = Math.round((width * step.index) / step.count);
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}]`;
}

/** Everything the live view shows, top to bottom (without the recent events). */
export function screenLines(picture: ScaleOutPicture, nowMs: number): string[] {
  const { step } = picture;
  return [
    `Josef scale-out demo: topic ${picture.topic}, ${picture.partitions.length} partitions, replication factor ${picture.replicationFactor}`,
    `Controller: ${picture.controllerId === undefined ? 'none' : `broker ${picture.controllerId}`}   brokers in /brokers/ids: ${list(picture.brokers)}`,
    '',
    ...formatPartitionTable(picture).trimEnd().split('\n'),
    '',
    ...formatBrokerTable(picture).trimEnd().split('\n'),
    '',
    picture.move ? formatMoveProgress(picture, picture.move, nowMs) : 'reassignment: not started',
    formatCounts(picture.counts),
    `${progressBar(step)} step ${step.index} of ${step.count}: ${step.text}`,
  ];
}

/** The one line a plain (non-terminal) run prints now and then. */
export function statusLine(picture: ScaleOutPicture, nowMs: number): string {
  const brokers = brokerLoads(picture).map((b) => `${b.brokerId}:${b.replicas}/${b.leaders}`).join(' ');
  const move = picture.move ? `; ${formatMoveProgress(picture, picture.move, nowMs)}` : '';
  return `${formatCounts(picture.counts)}; replicas/leaders by broker ${brokers}${move}`;
}

/**
 * Sentences for what changed in the topic znode between two pictures: a partition starting or
 * finishing its move (also one whose whole move fell between the two pictures).
 */
export function moveEvents(before: readonly PartitionPicture[], after: readonly PartitionPicture[]): string[] {
  const out: string[] = [];
  for (const p of after) {
    const was = before.find((x) => x.partition === p.partition);
    if (!was) continue;
    const wasMoving = was.adding.length + was.removing.length > 0;
    const moving = p.adding.length + p.removing.length > 0;
    if (!wasMoving && moving) {
      out.push(`topic znode: partition ${p.partition} is moving: replicas ${list(p.replicas)}, adding ${list(p.adding)}, removing ${list(p.removing)}; `
        + `the controller raised its leader epoch and sent LeaderAndIsr, so ${p.adding.length > 1 ? `brokers ${p.adding.join(', ')} start` : `broker ${p.adding[0]} starts`} fetching from the leader`);
    } else if (!moving && (wasMoving || !sameList(was.replicas, p.replicas)) && was.replicas.length > 0) {
      out.push(`topic znode: partition ${p.partition} moved: replicas ${list(p.replicas)}`
        + `${was.removing.length > 0 ? `; broker ${was.removing.join(', ')} stopped its replica and deletes its files` : ''}`);
    }
  }
  return out;
}

/** One sentence per ZooKeeper watch event, in the words of a reassignment; undefined for events not worth a line. */
export function narrateScaleOut(event: WatchEvent): string | undefined {
  switch (event.kind) {
    case 'brokerRegistered':
      return `ZooKeeper: /brokers/ids/${event.brokerId} created: broker ${event.brokerId} registered (broker epoch ${event.brokerEpoch}); `
        + 'the controller tells every broker of it, but it holds no partition until a reassignment gives it some';
    case 'brokerGone':
      return `ZooKeeper: /brokers/ids/${event.brokerId} is gone: broker ${event.brokerId} left the cluster`;
    case 'controllerChanged':
      return event.controllerId === undefined ? 'ZooKeeper: /controller is gone' : `ZooKeeper: /controller now names broker ${event.controllerId}`;
    case 'leaderChosen':
      return event.state.leader === event.previousLeader
        ? `partition ${event.partition}: leader epoch raised to ${event.state.leaderEpoch} (its replicas or ISR change), broker ${event.state.leader} still leads`
        : `partition ${event.partition}: broker ${event.state.leader} leads now (was broker ${event.previousLeader}), leader epoch ${event.state.leaderEpoch}`;
    case 'isrExpanded':
      return `partition ${event.partition}: broker ${event.added.join(', ')} caught up with the leader and joined the ISR ${list(event.state.isr)}`;
    case 'isrShrank':
      return `partition ${event.partition}: broker ${event.removed.join(', ')} left the ISR ${list(event.state.isr)}`;
  }
}

/** The plan, one line per partition that changes. */
export function formatPlanLines(current: ReadonlyMap<number, readonly number[]>, targets: ReadonlyMap<number, readonly number[]>): string[] {
  return [...targets].sort((a, b) => a[0] - b[0]).map(([partition, target]) => {
    const was = current.get(partition) ?? [];
    const adds = target.filter((id) => !was.includes(id));
    const removes = was.filter((id) => !target.includes(id));
    return `  partition ${partition}: ${list(was)} -> ${list(target)}`
      + `${adds.length > 0 ? `, copies to broker ${adds.join(', ')}` : ''}${removes.length > 0 ? `, drops broker ${removes.join(', ')}` : ''}`
      + `${was[0] !== target[0] ? `, preferred leader ${was[0]} -> ${target[0]}` : ''}`;
  });
}

export interface ScaleOutVerdictContext {
  newBrokerId: number;
  /** Records written before the move (the loaded data), counted in the acknowledged. */
  loadedRecords: number;
  /** Sends that failed, `value: reason`. */
  failures: readonly string[];
  newBroker: BrokerLoad | undefined;
}

export function formatScaleOutVerdict(v: DeliveryVerdict, c: ScaleOutVerdictContext): string {
  const lines = [
    '',
    `Broker ${c.newBrokerId} holds ${plural(c.newBroker?.replicas ?? 0, 'replica')} and leads ${plural(c.newBroker?.leaders ?? 0, 'partition')} (${mb(c.newBroker?.logBytes ?? 0)} MB of log).`,
    `Verdict (acks=all): acknowledged ${formatNumber(v.acknowledged, 0)} (${formatNumber(c.loadedRecords, 0)} loaded before the move), read back ${formatNumber(v.consumed, 0)}, `
      + `lost = ${v.lost.length}, duplicates ${v.duplicates}, written but not acknowledged ${v.unacknowledgedButWritten}, failed sends ${c.failures.length}`,
  ];
  if (v.lost.length === 0) {
    lines.push('Every acknowledged record was read back: nothing acknowledged was lost while replicas moved.');
  } else {
    lines.push(lostValuesLine(v));
    lines.push('A reassignment must not lose an acknowledged record: this is a bug.');
  }
  lines.push(...sendOutcomeLines(v, c.failures));
  return `${lines.join('\n')}\n`;
}

/** Events kept on screen in the live view. */
const liveEventsMax = 12;

/** Lines on stdout: the picture redrawn in place on a terminal, timestamped lines otherwise. */
export class ScaleOutView {
  private readonly screen: LiveScreen<ScaleOutPicture>;

  constructor(out: NodeJS.WritableStream, live: boolean, startedMs: number, nowMs: () => number = Date.now) {
    this.screen = new LiveScreen(out, live, { lines: (p) => screenLines(p, nowMs()), status: (p) => statusLine(p, nowMs()) }, liveEventsMax, startedMs, nowMs);
  }

  /** Starts redrawing (live) or printing the status line now and then (plain) from `picture`. */
  attach(picture: () => ScaleOutPicture): void {
    this.screen.attach(picture);
  }

  say(text: string): void {
    this.screen.say(text);
  }

  /** Stops redrawing, draws the picture a last time (plain: its status line) and prints `text` below it. */
  finish(picture: ScaleOutPicture | undefined, text: string): void {
    this.screen.finish(picture, text, { plainStatus: true, onlyIfAttached: true });
  }
}
