/**
 * One broker's metrics registry (prom-client), under the names the community's Kafka exporters
 * give Kafka's own metrics (jmx_exporter's Kafka rules; kafka_exporter's for consumer lag), so a
 * Kafka operator's dashboards and alerts read Josef unchanged. Requests are counted as they are
 * answered (request-metrics.ts); everything else is read from the broker's parts when Prometheus
 * scrapes, so the request path pays for nothing but a few additions.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { ControllerStatsView } from '../coordination/controller/controller';
import type { PartitionLag } from '../group/consumer-lag';
import type { BrokerTopicStats } from './broker-topic-stats';
import { RequestMetrics } from './request-metrics';
import { zkSessionStates, type ZkSessionStats } from './zk-session-stats';

/** What the metrics read of one hosted partition. */
export interface PartitionMetricsView {
  topic: string;
  partition: number;
  isLeader: boolean;
  replicas: readonly number[];
  isr: readonly number[];
  log: { sizeBytes: number; logStartOffset: number; logEndOffset: number; segmentCount: number };
}

/** The broker's parts the metrics read when scraped. */
export interface BrokerMetricsSources {
  partitions(): Iterable<PartitionMetricsView>;
  topicStats: BrokerTopicStats;
  isrChanges(): { shrinks: number; expands: number };
  controller(): ControllerStatsView;
  zkSession: ZkSessionStats;
  /** Lag of the groups this broker coordinates; rejects or leaves partitions out when a log end offset cannot be had. */
  groupLags(): Promise<PartitionLag[]>;
}

type Labels<T extends string> = Partial<Record<T, string | number>>;

/** A gauge whose value is read from `read` at every scrape. */
function scrapedGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
}

/** A counter whose total is kept elsewhere and copied in at every scrape (a label set vanishes with its source). */
function scrapedCounter<T extends string>(registry: Registry, name: string, help: string, labelNames: readonly T[], read: () => Iterable<[Labels<T>, number]>): void {
  new Counter({
    name, help, labelNames, registers: [registry],
    collect() {
      this.reset();
      for (const [labels, total] of read()) this.inc(labels, total);
    },
  });
}

/** A gauge with one sample per label set, all read at every scrape. */
function scrapedLabelledGauge<T extends string>(registry: Registry, name: string, help: string, labelNames: readonly T[], read: () => Iterable<[Labels<T>, number]> | Promise<Iterable<[Labels<T>, number]>>): void {
  new Gauge({
    name, help, labelNames, registers: [registry],
    async collect() {
      this.reset();
      for (const [labels, value] of await read()) this.set(labels, value);
    },
  });
}

export class BrokerMetrics {
  readonly registry = new Registry();
  readonly requests: RequestMetrics;

  constructor(brokerId: number, sources: BrokerMetricsSources) {
    const { registry } = this;
    registry.setDefaultLabels({ broker_id: String(brokerId) });
    // No prom-client default metrics: their GC observer and event-loop monitor run on every
    // collection and tick whether scraped or not, which a broker under load pays for.
    this.requests = new RequestMetrics(registry);
    registerTopicMetrics(registry, sources);
    registerReplicaManagerMetrics(registry, sources);
    registerLogAndPartitionMetrics(registry, sources);
    registerControllerMetrics(registry, sources);
    registerZooKeeperMetrics(registry, sources.zkSession);
    registerConsumerGroupMetrics(registry, sources);
  }

  /**
   * The text Prometheus scrapes: every family, or only those named (the console reads five of
   * them every second, and the rest, request histograms mostly, would be collected and sent for
   * nothing). Names not registered are left out.
   */
  async metrics(names?: readonly string[]): Promise<string> {
    if (names === undefined) return this.registry.metrics();
    const known = names.filter((name) => this.registry.getSingleMetric(name) !== undefined);
    const families = await Promise.all(known.map((name) => this.registry.getSingleMetricAsString(name)));
    return families.length === 0 ? '' : `${families.join('\n\n')}\n`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Kafka's BrokerTopicStats, per topic. */
function registerTopicMetrics(registry: Registry, sources: BrokerMetricsSources): void {
  const perTopic = (pick: (t: { messagesIn: number; bytesIn: number; bytesOut: number; replicationBytesOut: number }) => number) => function* perTopicTotals(): Iterable<[Labels<'topic'>, number]> {
    for (const [topic, totals] of sources.topicStats.snapshot()) yield [{ topic }, pick(totals)];
  };
  scrapedCounter(registry, 'kafka_server_brokertopicmetrics_messagesin_total', 'Records appended to partitions this broker leads (MessagesInPerSec).', ['topic'], perTopic((t) => t.messagesIn));
  scrapedCounter(registry, 'kafka_server_brokertopicmetrics_bytesin_total', 'Bytes of record batches produced to partitions this broker leads (BytesInPerSec).', ['topic'], perTopic((t) => t.bytesIn));
  scrapedCounter(registry, 'kafka_server_brokertopicmetrics_bytesout_total', 'Bytes of record batches fetched by consumers (BytesOutPerSec).', ['topic'], perTopic((t) => t.bytesOut));
  scrapedCounter(registry, 'kafka_server_brokertopicmetrics_replicationbytesout_total', 'Bytes of record batches fetched by followers (ReplicationBytesOutPerSec).', ['topic'], perTopic((t) => t.replicationBytesOut));
}

/** Kafka's ReplicaManager gauges and meters. */
function registerReplicaManagerMetrics(registry: Registry, sources: BrokerMetricsSources): void {
  const count = (test: (p: PartitionMetricsView) => boolean) => (): number => {
    let n = 0;
    for (const p of sources.partitions()) if (test(p)) n++;
    return n;
  };
  scrapedGauge(registry, 'kafka_server_replicamanager_partitioncount', 'Partitions with a replica on this broker.', count(() => true));
  scrapedGauge(registry, 'kafka_server_replicamanager_leadercount', 'Partitions this broker leads.', count((p) => p.isLeader));
  scrapedGauge(registry, 'kafka_server_replicamanager_underreplicatedpartitions', 'Partitions this broker leads whose ISR is smaller than their replica list.', count(isUnderReplicated));
  scrapedCounter(registry, 'kafka_server_replicamanager_isrshrinks_total', 'ISR shrinks this broker wrote as leader (IsrShrinksPerSec).', [], () => [[{}, sources.isrChanges().shrinks]]);
  scrapedCounter(registry, 'kafka_server_replicamanager_isrexpands_total', 'ISR expansions this broker wrote as leader (IsrExpandsPerSec).', [], () => [[{}, sources.isrChanges().expands]]);
}

/** Kafka's UnderReplicated: a leader whose ISR lacks some of the replicas. */
function isUnderReplicated(p: PartitionMetricsView): boolean {
  return p.isLeader && p.isr.length < p.replicas.length;
}

/** Kafka's per-log metrics (kafka.log:type=Log) and per-partition ones (kafka.cluster:type=Partition, reported by the leader). */
function registerLogAndPartitionMetrics(registry: Registry, sources: BrokerMetricsSources): void {
  const perPartition = (pick: (p: PartitionMetricsView) => number | undefined) => function* perPartitionValues(): Iterable<[Labels<'topic' | 'partition'>, number]> {
    for (const p of sources.partitions()) {
      const value = pick(p);
      if (value !== undefined) yield [{ topic: p.topic, partition: p.partition }, value];
    }
  };
  const labels = ['topic', 'partition'] as const;
  scrapedLabelledGauge(registry, 'kafka_log_log_size', 'Bytes of the partition\'s log on this broker.', labels, perPartition((p) => p.log.sizeBytes));
  scrapedLabelledGauge(registry, 'kafka_log_log_logendoffset', 'The offset the next record appended to the log will take.', labels, perPartition((p) => p.log.logEndOffset));
  scrapedLabelledGauge(registry, 'kafka_log_log_logstartoffset', 'The first offset still in the log.', labels, perPartition((p) => p.log.logStartOffset));
  scrapedLabelledGauge(registry, 'kafka_log_log_numlogsegments', 'Segments of the log.', labels, perPartition((p) => p.log.segmentCount));
  const leaderOnly = (pick: (p: PartitionMetricsView) => number) => perPartition((p) => (p.isLeader ? pick(p) : undefined));
  scrapedLabelledGauge(registry, 'kafka_cluster_partition_underreplicated', '1 when the partition, led here, has an ISR smaller than its replicas.', labels, leaderOnly((p) => Number(isUnderReplicated(p))));
  scrapedLabelledGauge(registry, 'kafka_cluster_partition_insyncreplicascount', 'Size of the ISR of a partition led here.', labels, leaderOnly((p) => p.isr.length));
  scrapedLabelledGauge(registry, 'kafka_cluster_partition_replicascount', 'Replicas of a partition led here.', labels, leaderOnly((p) => p.replicas.length));
}

/** Kafka's KafkaController gauges and ControllerStats meters. */
function registerControllerMetrics(registry: Registry, sources: BrokerMetricsSources): void {
  scrapedGauge(registry, 'kafka_controller_kafkacontroller_activecontrollercount', '1 on the active controller, 0 elsewhere.', () => sources.controller().activeControllerCount);
  scrapedGauge(registry, 'kafka_controller_kafkacontroller_offlinepartitionscount', 'Partitions without a live leader (active controller only).', () => sources.controller().offlinePartitionsCount);
  scrapedGauge(registry, 'kafka_controller_kafkacontroller_globaltopiccount', 'Topics in the cluster (active controller only).', () => sources.controller().globalTopicCount);
  scrapedGauge(registry, 'kafka_controller_kafkacontroller_globalpartitioncount', 'Partitions in the cluster (active controller only).', () => sources.controller().globalPartitionCount);
  scrapedCounter(registry, 'kafka_controller_controllerstats_uncleanleaderelections_total', 'Leaders this broker elected, as controller, from outside the ISR.', [], () => [[{}, sources.controller().uncleanLeaderElections]]);
}

/** Kafka's SessionExpireListener: the ZooKeeper session's state (one series per state, 1 for the current one) and its events. */
function registerZooKeeperMetrics(registry: Registry, session: ZkSessionStats): void {
  scrapedLabelledGauge(registry, 'kafka_server_sessionexpirelistener_sessionstate', 'The broker\'s ZooKeeper session state: 1 for the current one.', ['state'],
    () => zkSessionStates.map((state) => [{ state }, Number(session.state === state)]));
  scrapedCounter(registry, 'kafka_server_sessionexpirelistener_zookeepersyncconnects_total', 'Connections to ZooKeeper made (ZooKeeperSyncConnectsPerSec).', [], () => [[{}, session.syncConnects]]);
  scrapedCounter(registry, 'kafka_server_sessionexpirelistener_zookeeperdisconnects_total', 'Connections to ZooKeeper lost (ZooKeeperDisconnectsPerSec).', [], () => [[{}, session.disconnects]]);
  scrapedCounter(registry, 'kafka_server_sessionexpirelistener_zookeeperexpires_total', 'ZooKeeper sessions expired (ZooKeeperExpiresPerSec).', [], () => [[{}, session.expires]]);
}

/** kafka_exporter's consumer group metrics, from the coordinator: the group's committed offset and its lag behind the log end. */
function registerConsumerGroupMetrics(registry: Registry, sources: BrokerMetricsSources): void {
  // One read of the lags serves both gauges of a scrape.
  let pending: Promise<PartitionLag[]> | undefined;
  const lags = (): Promise<PartitionLag[]> => {
    pending ??= sources.groupLags().catch(() => []).finally(() => { pending = undefined; });
    return pending;
  };
  const labels = ['consumergroup', 'topic', 'partition'] as const;
  const perPartition = (pick: (l: PartitionLag) => number) => async (): Promise<Iterable<[Labels<(typeof labels)[number]>, number]>> =>
    (await lags()).map((l) => [{ consumergroup: l.groupId, topic: l.topic, partition: l.partition }, pick(l)]);
  scrapedLabelledGauge(registry, 'kafka_consumergroup_current_offset', 'The offset a group this broker coordinates has committed.', labels, perPartition((l) => l.offset));
  scrapedLabelledGauge(registry, 'kafka_consumergroup_lag', 'Records between a group\'s committed offset and the log end (the high watermark).', labels, perPartition((l) => l.lag));
}
