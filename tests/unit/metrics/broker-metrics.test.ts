import { BrokerMetrics, type BrokerMetricsSources, type PartitionMetricsView } from '../../../src/metrics/broker-metrics';
import { BrokerTopicStats } from '../../../src/metrics/broker-topic-stats';
import { ZkSessionStats } from '../../../src/metrics/zk-session-stats';
import { ApiKey } from '../../../src/protocol/api-keys';

function partition(topic: string, p: number, isLeader: boolean, replicas: number[], isr: number[], sizeBytes = 0): PartitionMetricsView {
  return { topic, partition: p, isLeader, replicas, isr, log: { sizeBytes, logStartOffset: 0, logEndOffset: 10 + p, segmentCount: 1 } };
}

function fakeSources(): BrokerMetricsSources & { hosted: PartitionMetricsView[]; unclean: number } {
  const sources = {
    hosted: [partition('t', 0, true, [1, 2, 3], [1, 2], 100), partition('t', 1, true, [1, 2, 3], [1, 2, 3]), partition('t', 2, false, [2, 1, 3], [])],
    unclean: 0,
    partitions: () => sources.hosted,
    topicStats: new BrokerTopicStats(),
    isrChanges: () => ({ shrinks: 2, expands: 1 }),
    controller: () => ({ activeControllerCount: 1, offlinePartitionsCount: 3, globalTopicCount: 1, globalPartitionCount: 3, uncleanLeaderElections: sources.unclean }),
    zkSession: new ZkSessionStats(),
    groupLags: async () => [{ groupId: 'g', topic: 't', partition: 0, offset: 4, logEndOffset: 10, lag: 6 }],
  };
  return sources;
}

/** The value of one sample in the exposition text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (.+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = new Map([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}

describe('BrokerMetrics', () => {
  it('reads the replica manager\'s partitions under jmx_exporter\'s Kafka names at every scrape', async () => {
    const sources = fakeSources();
    const metrics = new BrokerMetrics(1, sources);
    let text = await metrics.metrics();
    expect(sample(text, 'kafka_server_replicamanager_partitioncount', { broker_id: '1' })).toBe(3);
    expect(sample(text, 'kafka_server_replicamanager_leadercount')).toBe(2);
    expect(sample(text, 'kafka_server_replicamanager_underreplicatedpartitions')).toBe(1);
    expect(sample(text, 'kafka_cluster_partition_underreplicated', { topic: 't', partition: '0' })).toBe(1);
    expect(sample(text, 'kafka_cluster_partition_insyncreplicascount', { topic: 't', partition: '1' })).toBe(3);
    // A follower reports its log, not the partition's replication state.
    expect(sample(text, 'kafka_cluster_partition_underreplicated', { topic: 't', partition: '2' })).toBeUndefined();
    expect(sample(text, 'kafka_log_log_logendoffset', { topic: 't', partition: '2' })).toBe(12);
    expect(sample(text, 'kafka_log_log_size', { topic: 't', partition: '0' })).toBe(100);
    expect(sample(text, 'kafka_server_replicamanager_isrshrinks_total')).toBe(2);
    expect(sample(text, 'kafka_server_replicamanager_isrexpands_total')).toBe(1);

    sources.hosted = [partition('t', 1, true, [1, 2, 3], [1, 2, 3])];
    text = await metrics.metrics();
    expect(sample(text, 'kafka_server_replicamanager_underreplicatedpartitions')).toBe(0);
    expect(sample(text, 'kafka_log_log_size', { topic: 't', partition: '0' })).toBeUndefined();
  });

  it('counts messages and bytes per topic, consumers apart from followers', async () => {
    const sources = fakeSources();
    const metrics = new BrokerMetrics(1, sources);
    sources.topicStats.recordMessagesIn('t', 10, 1000);
    sources.topicStats.recordMessagesIn('t', 5, 400);
    sources.topicStats.recordBytesOut('t', 300, false);
    sources.topicStats.recordBytesOut('t', 1400, true);
    const text = await metrics.metrics();
    expect(sample(text, 'kafka_server_brokertopicmetrics_messagesin_total', { topic: 't' })).toBe(15);
    expect(sample(text, 'kafka_server_brokertopicmetrics_bytesin_total', { topic: 't' })).toBe(1400);
    expect(sample(text, 'kafka_server_brokertopicmetrics_bytesout_total', { topic: 't' })).toBe(300);
    expect(sample(text, 'kafka_server_brokertopicmetrics_replicationbytesout_total', { topic: 't' })).toBe(1400);
    sources.topicStats.removeTopic('t');
    expect(sample(await metrics.metrics(), 'kafka_server_brokertopicmetrics_messagesin_total', { topic: 't' })).toBeUndefined();
  });

  it('reports the controller, the ZooKeeper session and consumer lag', async () => {
    const sources = fakeSources();
    const metrics = new BrokerMetrics(1, sources);
    sources.unclean = 4;
    sources.zkSession.onDisconnected();
    sources.zkSession.onExpired();
    let text = await metrics.metrics();
    expect(sample(text, 'kafka_controller_kafkacontroller_activecontrollercount')).toBe(1);
    expect(sample(text, 'kafka_controller_kafkacontroller_offlinepartitionscount')).toBe(3);
    expect(sample(text, 'kafka_controller_controllerstats_uncleanleaderelections_total')).toBe(4);
    expect(sample(text, 'kafka_server_sessionexpirelistener_sessionstate', { state: 'EXPIRED' })).toBe(1);
    expect(sample(text, 'kafka_server_sessionexpirelistener_sessionstate', { state: 'CONNECTED' })).toBe(0);
    expect(sample(text, 'kafka_server_sessionexpirelistener_zookeeperexpires_total')).toBe(1);
    expect(sample(text, 'kafka_server_sessionexpirelistener_zookeeperdisconnects_total')).toBe(1);
    expect(sample(text, 'kafka_consumergroup_lag', { consumergroup: 'g', topic: 't', partition: '0' })).toBe(6);
    expect(sample(text, 'kafka_consumergroup_current_offset', { consumergroup: 'g', topic: 't', partition: '0' })).toBe(4);
    sources.zkSession.onConnected();
    text = await metrics.metrics();
    expect(sample(text, 'kafka_server_sessionexpirelistener_sessionstate', { state: 'CONNECTED' })).toBe(1);
  });

  it('still answers when consumer lag cannot be read', async () => {
    const sources = { ...fakeSources(), groupLags: () => Promise.reject(new Error('no leader')) };
    const text = await new BrokerMetrics(1, sources).metrics();
    expect(sample(text, 'kafka_consumergroup_lag')).toBeUndefined();
    expect(sample(text, 'kafka_server_replicamanager_partitioncount')).toBe(3);
  });

  it('counts requests per API and version with a latency histogram, and gives unknown APIs and versions no series', async () => {
    const metrics = new BrokerMetrics(1, fakeSources());
    metrics.requests.observe(ApiKey.Produce, 7, 3);
    metrics.requests.observe(ApiKey.Produce, 7, 40);
    metrics.requests.observe(ApiKey.Produce, 0, 1);
    metrics.requests.observe(9999, 0, 1);
    metrics.requests.observe(ApiKey.Fetch, 32_000, 1);
    const text = await metrics.metrics();
    expect(sample(text, 'kafka_network_requestmetrics_requests_total', { request: 'Produce', version: '7' })).toBe(2);
    expect(sample(text, 'kafka_network_requestmetrics_requests_total', { request: 'Produce', version: '0' })).toBe(1);
    expect(sample(text, 'kafka_network_requestmetrics_totaltimems_count', { request: 'Produce' })).toBe(3);
    expect(sample(text, 'kafka_network_requestmetrics_totaltimems_bucket', { request: 'Produce', le: '5' })).toBe(2);
    expect(text).not.toMatch(/Unknown|request="Fetch"/);
  });

  it('answers only the families asked for by name, and nothing for names it does not have', async () => {
    const metrics = new BrokerMetrics(1, fakeSources());
    metrics.requests.observe(ApiKey.Produce, 7, 3);
    const text = await metrics.metrics(['kafka_log_log_logendoffset', 'kafka_server_replicamanager_partitioncount', 'no_such_metric']);
    expect(sample(text, 'kafka_server_replicamanager_partitioncount')).toBe(3);
    expect(sample(text, 'kafka_log_log_logendoffset', { topic: 't', partition: '0' })).toBe(10);
    expect(text).not.toMatch(/requestmetrics|leadercount|no_such_metric/);
    expect(await metrics.metrics([])).toBe('');
  });
});
