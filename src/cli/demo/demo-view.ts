/**
 * How the failover demo shows itself: the narration of each ZooKeeper event in words a Kafka
 * learner knows, and the view, either a few lines redrawn in place with ANSI escapes (a
 * terminal) or plain timestamped lines (--plain, logs, tests). The view only formats; the story
 * in demo.ts decides what happens.
 */
import type { DeliveryVerdict } from '../../harness/delivery-check';
import { formatNumber, formatTable } from '../format';
import { LiveScreen } from '../live-screen';
import type { WatchEvent, WatchedCluster } from './demo-watch';

/** What the story is doing, and how far along it is. */
export interface DemoStep {
  index: number;
  count: number;
  text: string;
}

/** The counts of the producer and the consumer. */
export interface DemoCounts {
  produced: number;
  acknowledged: number;
  failed: number;
  consumed: number;
}

export interface DemoHeader {
  topic: string;
  partitions: number;
  acks: 'all' | 1;
  minInsyncReplicas: number;
  /** Replica lists by partition, the preferred leader first. */
  replicas: Map<number, number[]>;
}

/** The failure the story caused, so that narration can say how long each reaction took. */
export interface Incident {
  brokerId: number;
  atMs: number;
}

/** Events kept on screen in the live view. */
const liveEventsMax = 10;

const list = (ids: readonly number[]): string => `[${ids.join(',')}]`;

function since(incident: Incident | undefined, nowMs: number): string {
  return incident ? ` (${formatNumber((nowMs - incident.atMs) / 1000, 1)} s after broker ${incident.brokerId} was killed)` : '';
}

/** One sentence per ZooKeeper event, saying what Kafka's machinery did. */
export function narrate(event: WatchEvent, cluster: WatchedCluster, incident: Incident | undefined, nowMs: number): string {
  const controller = cluster.controllerId === undefined ? 'the controller' : `the controller (broker ${cluster.controllerId})`;
  switch (event.kind) {
    case 'brokerGone':
      return incident?.brokerId === event.brokerId
        ? `ZooKeeper: broker ${event.brokerId}'s session expired${since(incident, nowMs)}; its ephemeral /brokers/ids/${event.brokerId} is gone and the controller's watch on /brokers/ids fires`
        : `ZooKeeper: /brokers/ids/${event.brokerId} is gone: broker ${event.brokerId} left the cluster`;
    case 'brokerRegistered':
      return `ZooKeeper: /brokers/ids/${event.brokerId} created: broker ${event.brokerId} registered with broker epoch ${event.brokerEpoch} (the znode's czxid)`;
    case 'controllerChanged':
      return event.controllerId === undefined
        ? 'ZooKeeper: /controller is gone: no controller until another broker wins the race to create it'
        : `ZooKeeper: /controller now names broker ${event.controllerId} (controller epoch ${event.controllerEpoch ?? '?'})`;
    case 'leaderChosen':
      if (event.state.leader < 0) return `${controller} found no live ISR member for partition ${event.partition}: it is offline (leader -1)`;
      return event.state.leader === event.previousLeader
        ? `${controller} kept broker ${event.state.leader} as leader of partition ${event.partition} and raised its leader epoch to ${event.state.leaderEpoch} with the new ISR`
        : `${controller} chose broker ${event.state.leader} as leader of partition ${event.partition} with leader epoch ${event.state.leaderEpoch}`
          + ` (was broker ${event.previousLeader}; controller epoch ${event.state.controllerEpoch})${since(incident, nowMs)}`;
    case 'isrShrank':
      return `ISR of partition ${event.partition} shrank to ${list(event.state.isr)}: broker ${event.removed.join(', ')} out`;
    case 'isrExpanded':
      return `ISR of partition ${event.partition} grew to ${list(event.state.isr)}: broker ${event.added.join(', ')} caught up with the leader and is back in sync`;
  }
}

function partitionTable(header: DemoHeader, cluster: WatchedCluster): string {
  const rows = Array.from({ length: header.partitions }, (_, p) => {
    const state = cluster.partitions.get(p);
    return [p, state ? (state.leader < 0 ? 'none' : state.leader) : '?', state?.leaderEpoch ?? '?', state ? list(state.isr) : '?', list(header.replicas.get(p) ?? [])];
  });
  return formatTable([{ title: 'partition' }, { title: 'leader' }, { title: 'leader epoch' }, { title: 'isr' }, { title: 'replicas' }], rows);
}

export function formatCounts(c: DemoCounts): string {
  return `produced ${formatNumber(c.produced, 0)}, acknowledged ${formatNumber(c.acknowledged, 0)}, failed ${formatNumber(c.failed, 0)}, consumed ${formatNumber(c.consumed, 0)}`;
}

function progressBar(step: DemoStep, width = 20): string {
  const done = Math.round((width * step.index) / step.count);
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}]`;
}

export { wrap } from '../live-screen';

export interface DemoViewSource {
  header: DemoHeader;
  cluster: WatchedCluster;
  counts(): DemoCounts;
  step(): DemoStep;
}

/** Lines on stdout: redrawn in place on a terminal, appended with timestamps otherwise. */
export class DemoView {
  private readonly screen: LiveScreen<DemoViewSource>;

  constructor(out: NodeJS.WritableStream, live: boolean, startedMs: number, nowMs: () => number = Date.now) {
    this.screen = new LiveScreen(out, live, { lines: screenLines, status: statusLine }, liveEventsMax, startedMs, nowMs);
  }

  /** Starts redrawing (live) or printing the counts now and then (plain) from `source`. */
  attach(source: DemoViewSource): void {
    this.screen.attach(() => source);
  }

  /** A line of the story: kept on screen (live) or printed with its time (plain). Before the view is attached (starting a cluster, creating the topic) lines are printed as they come. */
  say(text: string): void {
    this.screen.say(text);
  }

  /** Text printed below the view once, e.g. the verdict; the view stops redrawing. */
  finish(source: DemoViewSource | undefined, text: string): void {
    this.screen.finish(source, text, { plainStatus: false, onlyIfAttached: false });
  }
}

/** A plain run's status: the counts, and partition 0's leader and ISR. */
function statusLine(source: DemoViewSource): string {
  const p0 = source.cluster.partitions.get(0);
  return `${formatCounts(source.counts())}; partition 0 leader ${p0?.leader ?? '?'}, isr ${p0 ? list(p0.isr) : '?'}`;
}

/** The live picture: header, controller, partition table, counts and the story's step. */
function screenLines(source: DemoViewSource): string[] {
  const { header, cluster } = source;
  const step = source.step();
  return [
    `Josef failover demo: topic ${header.topic}, ${header.partitions} partitions, replication factor 3, acks=${header.acks}, min.insync.replicas=${header.minInsyncReplicas}`,
    `Controller: ${cluster.controllerId === undefined ? 'none' : `broker ${cluster.controllerId}`} (epoch ${cluster.controllerEpoch ?? '?'})   brokers in /brokers/ids: ${list(cluster.brokers)}`,
    '',
    ...partitionTable(header, cluster).trimEnd().split('\n'),
    '',
    formatCounts(source.counts()),
    `${progressBar(step)} step ${step.index} of ${step.count}: ${step.text}`,
  ];
}

export interface VerdictContext {
  acks: 'all' | 1;
  minInsyncReplicas: number;
  killedBrokerId: number;
  /** Sends that failed, `value: reason`. */
  failures: readonly string[];
}

/** Lost values shown by name at most; the count says the rest. */
const lostShownMax = 10;

/** The lost values by name (the first few; the count says the rest). */
export function lostValuesLine(v: DeliveryVerdict): string {
  return `Lost: ${v.lost.slice(0, lostShownMax).join(', ')}${v.lost.length > lostShownMax ? `, ... (${v.lost.length} in all)` : ''}`;
}

/** The verdict's closing lines in every demo: where duplicates come from, and the first failed send. */
export function sendOutcomeLines(v: DeliveryVerdict, failures: readonly string[]): string[] {
  const lines: string[] = [];
  if (v.duplicates > 0) lines.push('Duplicates are sends retried after a lost answer (Kafka without idempotence does the same).');
  if (failures.length > 0) lines.push(`First failed send: ${failures[0]}`);
  return lines;
}

/** The last lines of the demo: acknowledged against consumed, and what it means for this acks setting. */
export function formatVerdict(v: DeliveryVerdict, c: VerdictContext): string {
  const lines = [
    '',
    `Verdict (acks=${c.acks}, min.insync.replicas=${c.minInsyncReplicas}): acknowledged ${formatNumber(v.acknowledged, 0)}, consumed ${formatNumber(v.consumed, 0)}, `
      + `lost = ${v.lost.length}, duplicates ${v.duplicates}, written but not acknowledged ${v.unacknowledgedButWritten}, failed sends ${c.failures.length}`,
  ];
  if (v.lost.length === 0) {
    lines.push('Every acknowledged record was read back: nothing acknowledged was lost.');
  } else {
    lines.push(lostValuesLine(v));
  }
  if (c.acks === 1) {
    lines.push(v.lost.length > 0
      ? `With acks=1 the leader alone acknowledged these; broker ${c.killedBrokerId} died before a follower copied them, the new leader never had them, `
        + `and the old leader truncated them when it came back. acks=all with min.insync.replicas=${c.minInsyncReplicas} waits for the ISR first.`
      : `With acks=1 a record the leader acknowledged can be lost if it dies before a follower copies it; this time the followers were not behind when broker ${c.killedBrokerId} died.`);
  } else if (v.lost.length > 0) {
    lines.push('acks=all must not lose an acknowledged record: this is a bug.');
  }
  lines.push(...sendOutcomeLines(v, c.failures));
  return `${lines.join('\n')}\n`;
}
