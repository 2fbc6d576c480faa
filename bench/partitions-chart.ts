/**
 * The chart of `npm run bench -- partitions --svg FILE`: each figure of the partitions benchmark
 * against the partition count, with Kafka's published figures beside them where Kafka published
 * one (kept here with their sources, so that the chart and docs/benchmarks.md say the same).
 */
import { formatNumber } from '../src/cli/format';
import { barChartSvg, type BarPanel } from './compare-chart';

/**
 * Kafka's published figures, in seconds.
 * - Controlled shutdown: Jun Rao, "Apache Kafka Supports 200K Partitions Per Cluster" (Confluent
 *   blog, 2018): 6.5 minutes on Kafka 1.0.0, 3 seconds on 1.1.0, for the blog's test broker.
 * - Controller failover: the experiment on apache/kafka pull request 3765 (KAFKA-5642, 2017-10-11):
 *   5 brokers and a 5-node ZooKeeper on different racks, 100,000 single-partition topics, RF 1;
 *   from /controller created to "Starting the controller scheduler", 58-61 s in four runs before
 *   the asynchronous ZooKeeper client. After it (apache/kafka pull request 5101, 2018-09-01, a
 *   similar 5+5 cluster with 100,000 partitions): 7.4 s and 14.9 s in two runs.
 */
export const kafkaPublished = {
  controlledShutdownBeforeS: 6.5 * 60,
  controlledShutdownAfterS: 3,
  controllerFailoverBeforeS: 60,
  controllerFailoverAfterS: 14.9,
} as const;

const kafkaGroup = 'Kafka\'s test';
const seconds = (v: number): string => formatNumber(v, v < 10 ? 1 : 0);

/** The chart from a run's figures (the --json line's names) at each of `counts`. */
export function partitionsChartSvg(figures: Readonly<Record<string, number>>, counts: readonly number[], caption: readonly string[]): string {
  const groups = counts.map((c) => formatNumber(c, 0));
  const at = (name: string, scale = 1): Array<number | undefined> => counts.map((c) => (figures[`${name}_${c}`] === undefined ? undefined : figures[`${name}_${c}`] * scale));
  const josefOnly = (title: string, name: string, scale: number, format: (v: number) => string): BarPanel => ({
    title, groups, values: [at(name, scale), counts.map(() => undefined), counts.map(() => undefined)], format,
  });
  const withKafka = (title: string, name: string, before: number, after: number): BarPanel => ({
    title,
    groups: [...groups, kafkaGroup],
    values: [[...at(name, 1 / 1000), undefined], [...counts.map(() => undefined), before], [...counts.map(() => undefined), after]],
    format: seconds,
  });
  const panels: BarPanel[] = [
    josefOnly('all led after CreateTopics, s', 'allLedMs', 1 / 1000, seconds),
    josefOnly('led again after SIGKILL of a broker, s', 'ledAgainAfterKillMs', 1 / 1000, seconds),
    withKafka('led again after SIGKILL of the controller, s', 'ledAgainAfterControllerKillMs', kafkaPublished.controllerFailoverBeforeS, kafkaPublished.controllerFailoverAfterS),
    withKafka('controlled shutdown, s', 'controlledShutdownMs', kafkaPublished.controlledShutdownBeforeS, kafkaPublished.controlledShutdownAfterS),
    josefOnly('open descriptors, most of a broker', 'maxFds', 1, (v) => formatNumber(v, 0)),
    josefOnly('RSS MB, most of a broker', 'maxRssMb', 1, (v) => formatNumber(v, 0)),
    josefOnly('RSS KiB per partition replica', 'rssKibPerReplica', 1, (v) => formatNumber(v, 1)),
    {
      title: 'produce over every partition, % of over 6',
      groups,
      values: [
        counts.map((c) => (figures[`produceAllRps_${c}`] && figures[`produceSixRps_${c}`] ? (100 * figures[`produceAllRps_${c}`]) / figures[`produceSixRps_${c}`] : undefined)),
        counts.map(() => undefined), counts.map(() => undefined),
      ],
      format: (v) => `${formatNumber(v, 0)}%`,
    },
  ];
  return barChartSvg(panels, [
    'Josef: 3 brokers, RF 3, on one 2-core machine',
    'Kafka before (1.0: controlled shutdown; controller failover before KAFKA-5642)',
    'Kafka after (1.1: controlled shutdown; controller failover on 2.1-era trunk)',
  ], caption);
}
