/**
 * What the console asks of the brokers themselves, through src/client: each broker's metrics
 * endpoint (its metrics.port, from DescribeConfigs), scraped for throughput and log end offsets
 * (only the families it reads, over a connection kept open between probes, as Prometheus keeps
 * its own: a broker's scrape is paid for by its producers);
 * high watermarks (ListOffsets, as a consumer's endOffsets); consumer groups with their members,
 * assignments, committed offsets and lag. A broker that does not answer is reported as such and
 * asked again at the next probe; nothing here throws at its caller.
 */
import http from 'http';
import { Connection } from '../client/connection';
import { Consumer } from '../client/consumer';
import { GroupAdmin } from '../client/group-admin';
import { httpGetText } from '../common/http-get';
import type { Logger } from '../common/logger';
import { consumerLag } from '../group/consumer-lag';
import { ApiKey } from '../protocol/api-keys';
import { METRICS_NAME_PARAM } from '../metrics/metrics-server';
import { ConfigResourceType } from '../protocol/messages/describe-configs';
import { brokerTotals, consoleMetricNames, throughput, type BrokerThroughput, type BrokerTotals } from './broker-metrics-sample';
import type { ClusterModel } from './cluster-model';
import { partitionKey } from '../common/topic';

export interface BrokerProbeView {
  metricsUrl: string | null;
  throughput: BrokerThroughput | null;
  /** Why the last scrape failed, if it did. */
  error: string | null;
}

export interface GroupPartitionView {
  topic: string;
  partition: number;
  committedOffset: number | null;
  logEndOffset: number | null;
  lag: number | null;
  memberId: string | null;
}

export interface GroupView {
  groupId: string;
  state: string;
  coordinator: number;
  members: Array<{ memberId: string; clientId: string; clientHost: string; assignment: string[] }>;
  partitions: GroupPartitionView[];
}

export interface ProbeResult {
  timeMs: number;
  brokers: Record<number, BrokerProbeView>;
  /** By `topic-partition`: the leader's log end offset (from its metrics) and the high watermark. */
  partitions: Record<string, { logEndOffset: number | null; highWatermark: number | null }>;
}

/** How long one scrape or one request of a probe may take. */
const probeTimeoutMs = 2_000;
/** The oldest scrape a rate is computed from (probes come every second while a page is open). */
const rateBaseAgeMaxMs = 5_000;
/** Groups described per probe. */
const groupsMax = 50;
const internalTopic = '__consumer_offsets';
/** What the console asks of a broker's /metrics: the families it reads, no others. */
const metricsQuery = new URLSearchParams(consoleMetricNames.map((name): [string, string] => [METRICS_NAME_PARAM, name])).toString();

export class BrokerProbe {
  private readonly metricsUrls = new Map<string, string | null>();
  private readonly lastTotals = new Map<number, BrokerTotals>();
  private consumer: Consumer | undefined;
  private groupAdmin: GroupAdmin | undefined;
  private bootstrap = '';
  /** One connection per broker's metrics endpoint, kept open from one probe to the next. */
  private readonly metricsAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(private readonly logger: Logger) {}

  async probe(model: ClusterModel): Promise<ProbeResult> {
    const timeMs = Date.now();
    this.useBootstrap(model);
    const brokers: Record<number, BrokerProbeView> = {};
    const logEndOffsets = new Map<string, number>();
    await Promise.all(model.brokers.map(async (b) => {
      const view: BrokerProbeView = { metricsUrl: null, throughput: null, error: null };
      brokers[b.id] = view;
      try {
        view.metricsUrl = await this.metricsUrl(b.id, b.host, b.port, b.brokerEpoch);
        if (view.metricsUrl === null) return;
        const totals = brokerTotals(await httpGetText(`${view.metricsUrl}?${metricsQuery}`, this.metricsAgent, probeTimeoutMs), Date.now());
        const before = this.lastTotals.get(b.id);
        this.lastTotals.set(b.id, totals);
        // Probes stop while no page is open: totals from before that are no base for a rate now.
        if (before && totals.timeMs - before.timeMs <= rateBaseAgeMaxMs) view.throughput = throughput(before, totals);
        for (const tp of totals.leads) {
          const leo = totals.logEndOffsets.get(tp);
          if (leo !== undefined) logEndOffsets.set(tp, leo);
        }
      } catch (err) {
        view.error = (err as Error).message;
        this.lastTotals.delete(b.id);
      }
    }));
    const highWatermarks = await this.highWatermarks(model);
    const partitions: ProbeResult['partitions'] = {};
    for (const t of model.topics) {
      for (const p of t.partitions) {
        const tp = partitionKey(t.name, p.partition);
        partitions[tp] = { logEndOffset: logEndOffsets.get(tp) ?? null, highWatermark: highWatermarks.get(tp) ?? null };
      }
    }
    return { timeMs, brokers, partitions };
  }

  /** Every group's members, assignment and lag (bounded to the first groupsMax). */
  async groups(model: ClusterModel): Promise<GroupView[]> {
    this.useBootstrap(model);
    const admin = this.groupAdmin;
    if (!admin) return [];
    try {
      const listings = (await admin.listGroups()).slice(0, groupsMax);
      const views: GroupView[] = [];
      for (const listing of listings) {
        const [description, committed] = [await admin.describeGroup(listing.groupId), await admin.committedOffsets(listing.groupId)];
        const owners = new Map<string, string>();
        for (const m of description.members) for (const tp of m.assignment) owners.set(partitionKey(tp.topic, tp.partition), m.memberId);
        const keys = new Set([...committed.keys(), ...owners.keys()]);
        const ends = await this.endOffsets([...keys].map((k) => committed.get(k) ?? splitTopicPartition(k)));
        views.push({
          groupId: listing.groupId, state: description.state, coordinator: description.coordinator,
          members: description.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost, assignment: m.assignment.map((tp) => partitionKey(tp.topic, tp.partition)) })),
          partitions: [...keys].sort().map((key) => {
            const { topic, partition } = committed.get(key) ?? splitTopicPartition(key);
            const offset = committed.get(key)?.offset;
            const committedOffset = offset !== undefined && offset >= 0 ? offset : null;
            const logEndOffset = ends.get(key) ?? null;
            return { topic, partition, committedOffset, logEndOffset, lag: consumerLag(committedOffset, logEndOffset), memberId: owners.get(key) ?? null };
          }),
        });
      }
      return views;
    } catch (err) {
      this.logger.debug(`groups: ${(err as Error).message}`);
      this.resetClients();
      return [];
    }
  }

  async close(): Promise<void> {
    this.metricsAgent.destroy();
    await this.closeClients();
  }

  /** Clients bootstrap from the registered brokers; a new set of addresses gets new clients. */
  private useBootstrap(model: ClusterModel): void {
    const bootstrap = model.brokers.map((b) => `${b.host}:${b.port}`).join(',');
    if (bootstrap === this.bootstrap && this.consumer) return;
    void this.closeClients();
    this.bootstrap = bootstrap;
    if (bootstrap === '') return;
    const options = { bootstrapServers: bootstrap, clientId: 'josef-console', requestTimeoutMs: probeTimeoutMs, logger: this.logger };
    this.consumer = new Consumer(options);
    this.groupAdmin = new GroupAdmin(options);
  }

  private resetClients(): void {
    this.bootstrap = '';
    void this.closeClients();
  }

  private async closeClients(): Promise<void> {
    const [consumer, admin] = [this.consumer, this.groupAdmin];
    this.consumer = undefined;
    this.groupAdmin = undefined;
    await Promise.all([consumer?.close(), admin?.close()].map((p) => p?.catch(() => undefined)));
  }

  private async highWatermarks(model: ClusterModel): Promise<Map<string, number>> {
    const partitions = model.topics.filter((t) => t.name !== internalTopic && !t.deleting)
      .flatMap((t) => t.partitions.filter((p) => p.leader !== -1).map((p) => ({ topic: t.name, partition: p.partition })));
    return this.endOffsets(partitions);
  }

  private async endOffsets(partitions: Array<{ topic: string; partition: number }>): Promise<Map<string, number>> {
    if (partitions.length === 0 || !this.consumer) return new Map();
    try {
      return await this.consumer.endOffsets(partitions, probeTimeoutMs);
    } catch (err) {
      this.logger.debug(`high watermarks: ${(err as Error).message}`);
      this.resetClients();
      return new Map();
    }
  }

  /** The broker's metrics URL from its metrics.port (DescribeConfigs), kept per broker epoch; null when it serves none. */
  private async metricsUrl(id: number, host: string, port: number, brokerEpoch: number): Promise<string | null> {
    const key = `${id}@${brokerEpoch}`;
    const known = this.metricsUrls.get(key);
    if (known !== undefined) return known;
    const connection = await Connection.connect(host, port, { clientId: 'josef-console', connectTimeoutMs: probeTimeoutMs, requestTimeoutMs: probeTimeoutMs });
    try {
      const response = await connection.send(ApiKey.DescribeConfigs, {
        resources: [{ resourceType: ConfigResourceType.BROKER, resourceName: String(id), configurationKeys: ['metrics.port'] }], includeSynonyms: false,
      });
      const value = response.results[0]?.configs.find((c) => c.name === 'metrics.port')?.value;
      const url = value === null || value === undefined || value === '' || value === '0' ? null : `http://${host}:${value}/metrics`;
      this.metricsUrls.set(key, url);
      return url;
    } finally {
      await connection.close();
    }
  }
}

function splitTopicPartition(key: string): { topic: string; partition: number } {
  const dash = key.lastIndexOf('-');
  return { topic: key.slice(0, dash), partition: Number(key.slice(dash + 1)) };
}
