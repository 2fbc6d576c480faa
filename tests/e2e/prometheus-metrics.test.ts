/**
 * Three real brokers with metrics.port, scraped every second by a real Prometheus (Debian's
 * package): what an operator's first dashboard asks of it. Under-replicated partitions rise when
 * a broker is killed and fall once it is back, the controller is counted once, and the series
 * carry jmx_exporter's Kafka names.
 */
import { ApiKey } from '../../src/protocol/api-keys';
import { startTestCluster, type TestCluster } from '../helpers/cluster';
import { startPrometheus, type TestPrometheus } from '../helpers/prometheus';
import { waitFor } from '../helpers/wait';

jest.setTimeout(240_000);

describe('broker metrics in a real Prometheus', () => {
  let cluster: TestCluster;
  let prometheus: TestPrometheus;

  beforeAll(async () => {
    cluster = await startTestCluster('e2e-prometheus', {
      brokers: 3,
      metrics: true,
      overrides: { 'zookeeper.session.timeout.ms': '4000', 'replica.lag.time.max.ms': '3000', 'offsets.topic.num.partitions': '3' },
    });
    prometheus = await startPrometheus(cluster.cluster.brokers().map((b) => `${b.host}:${b.metricsPort}`));
  });
  afterAll(async () => {
    await prometheus?.stop();
    await cluster?.stop();
  });

  /** The single value of an aggregating query, undefined while Prometheus has no sample. */
  const scalar = async (promql: string): Promise<number | undefined> => (await prometheus.query(promql))[0]?.[1];

  const waitForValue = (promql: string, test: (v: number) => boolean, what: string): Promise<number> =>
    waitFor(async () => {
      const value = await scalar(promql);
      return value !== undefined && test(value) ? value : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500, message: `${what} (${promql})` });

  it('sees under-replicated partitions rise when a broker is killed and fall when it returns', async () => {
    const conn = await cluster.connect(1);
    const created = await conn.send(ApiKey.CreateTopics, {
      topics: [{ name: 'watched', numPartitions: 3, replicationFactor: 3, assignments: [], configs: {} }], timeoutMs: 20_000, validateOnly: false,
    });
    expect(created.topics[0].errorCode).toBe(0);

    await waitForValue('count(up{job="josef"} == 1)', (v) => v === 3, 'every broker scraped');
    await waitForValue('sum(kafka_controller_kafkacontroller_activecontrollercount)', (v) => v === 1, 'one active controller');
    await waitForValue('sum(kafka_cluster_partition_replicascount{topic="watched"})', (v) => v === 9, 'the topic\'s partitions led');
    expect(await scalar('sum(kafka_server_replicamanager_underreplicatedpartitions)')).toBe(0);
    // Requests are counted and timed where their answers are written: the CreateTopics above, the followers' Fetches.
    await waitForValue('sum(kafka_network_requestmetrics_totaltimems_count{request="CreateTopics"})', (v) => v >= 1, 'the CreateTopics request timed');
    await waitForValue('sum(kafka_network_requestmetrics_requests_total{request="Fetch"})', (v) => v > 0, 'the followers\' Fetch requests counted');

    await cluster.cluster.stopBroker(3, 'SIGKILL');
    // Every partition of the topic had a replica on broker 3: each is under-replicated once its ISR is without it.
    await waitForValue('sum(kafka_server_replicamanager_underreplicatedpartitions{broker_id!="3"})', (v) => v >= 3, 'under-replicated partitions after the kill');
    expect(await scalar('sum(kafka_cluster_partition_underreplicated{topic="watched"})')).toBe(3);

    await cluster.cluster.startBroker(3);
    await waitForValue('count(up{job="josef"} == 1)', (v) => v === 3, 'the restarted broker scraped');
    await waitForValue('sum(kafka_server_replicamanager_underreplicatedpartitions)', (v) => v === 0, 'no under-replicated partition once it is back');
    expect(await scalar('sum(kafka_server_replicamanager_isrexpands_total)')).toBeGreaterThan(0);
    expect(await scalar('sum(kafka_controller_kafkacontroller_offlinepartitionscount)')).toBe(0);
  });
});
