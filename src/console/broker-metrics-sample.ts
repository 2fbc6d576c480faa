/**
 * What the console takes from each broker's /metrics: the totals behind the throughput charts
 * and each partition's log end offset, parsed from Prometheus's text format, and the rates
 * between two scrapes. Pure, so the parsing and the arithmetic are tested without a broker.
 */
import { partitionKey } from '../common/topic';

/** One broker's totals at one scrape. */
export interface BrokerTotals {
  timeMs: number;
  messagesIn: number;
  bytesIn: number;
  bytesOut: number;
  /** Log end offsets of the partitions this broker hosts, by `topic-partition`, as its leader or a follower reports them. */
  logEndOffsets: Map<string, number>;
  /** The partitions it leads, by `topic-partition`. */
  leads: Set<string>;
}

export interface BrokerThroughput {
  messagesInPerSec: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Lines over this length are skipped: no series of ours is anywhere near it. */
const lineLengthMax = 4096;

/** The samples of a text exposition (comments and malformed lines skipped). */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.length > lineLengthMax) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const l of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The families brokerTotals reads: the console asks a broker for these alone (`?name[]=`). */
const families = {
  messagesIn: 'kafka_server_brokertopicmetrics_messagesin_total',
  bytesIn: 'kafka_server_brokertopicmetrics_bytesin_total',
  bytesOut: 'kafka_server_brokertopicmetrics_bytesout_total',
  logEndOffset: 'kafka_log_log_logendoffset',
  /** Reported by a partition's leader only: tells which partitions the broker leads. */
  replicasCount: 'kafka_cluster_partition_replicascount',
} as const;

export const consoleMetricNames: readonly string[] = Object.values(families);

/** A broker's totals from its /metrics text. */
export function brokerTotals(text: string, timeMs: number): BrokerTotals {
  const totals: BrokerTotals = { timeMs, messagesIn: 0, bytesIn: 0, bytesOut: 0, logEndOffsets: new Map(), leads: new Set() };
  for (const s of parsePrometheusText(text)) {
    const tp = partitionKey(s.labels.topic, Number(s.labels.partition));
    switch (s.name) {
      case families.messagesIn: totals.messagesIn += s.value; break;
      case families.bytesIn: totals.bytesIn += s.value; break;
      case families.bytesOut: totals.bytesOut += s.value; break;
      case families.logEndOffset: totals.logEndOffsets.set(tp, s.value); break;
      case families.replicasCount: totals.leads.add(tp); break;
      default: break;
    }
  }
  return totals;
}

/** Per-second rates between two scrapes of one broker; a total that went down (the broker restarted) counts from zero. */
export function throughput(before: BrokerTotals, after: BrokerTotals): BrokerThroughput {
  const seconds = Math.max(0.001, (after.timeMs - before.timeMs) / 1000);
  const rate = (a: number, b: number): number => (b >= a ? b - a : b) / seconds;
  return {
    messagesInPerSec: rate(before.messagesIn, after.messagesIn),
    bytesInPerSec: rate(before.bytesIn, after.bytesIn),
    bytesOutPerSec: rate(before.bytesOut, after.bytesOut),
  };
}
