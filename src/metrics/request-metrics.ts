/**
 * Kafka's RequestMetrics per API, under the names jmx_exporter's Kafka rules give them: a count
 * per request type and version, and a histogram of the time from taking a request off its
 * connection's queue to handing its answer to the socket (Kafka's TotalTimeMs, less the wait in
 * the request queue, which Josef's connections do not have apart from pipelining). Both wire
 * protocols report here through the ClientChannel.
 *
 * The counts are plain numbers, handed to prom-client when the registry is scraped: its own
 * inc() and observe() check and hash their labels on every call, about 2 µs per request, which
 * librdkafka's Produces (one partition, about 150 records each) paid six times as often per
 * record as those of Josef's client.
 */
import { Counter, type Metric, type Registry } from 'prom-client';
import { apiName, isApiKey } from '../protocol/api-keys';

/** Told of each answered request (and of each acks=0 Produce, which gets no answer). */
export type RequestObserver = (apiKey: number, apiVersion: number, totalTimeMs: number) => void;

/** Versions above this are not given series of their own (Kafka's APIs have fewer than 20). */
const apiVersionLabelMax = 99;

/** Buckets in milliseconds: from a loopback Metadata to an acks=all Produce waiting out a slow follower. */
const totalTimeBucketsMs = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000];

/** One API's request times: how many fell in each bucket (not cumulative; the last one past every bound), their sum and count. */
interface TimeBuckets {
  readonly request: string;
  readonly counts: number[];
  sumMs: number;
  count: number;
}

/** One version's request count. */
interface VersionCount {
  readonly labels: { request: string; version: string };
  count: number;
}

/** A histogram sample as prom-client's registry prints it (prom-client's own histograms give the same). */
interface HistogramSample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

export class RequestMetrics {
  private readonly versionCounts = new Map<number, VersionCount>();
  private readonly times = new Map<number, TimeBuckets>();

  constructor(registry: Registry) {
    const { versionCounts } = this;
    new Counter({
      name: 'kafka_network_requestmetrics_requests_total',
      help: 'Requests handled, by request type and version (Kafka\'s RequestMetrics RequestsPerSec).',
      labelNames: ['request', 'version'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, count } of versionCounts.values()) this.inc(labels, count);
      },
    });
    const name = 'kafka_network_requestmetrics_totaltimems';
    const family = {
      name,
      help: 'Time to handle a request and hand its answer to the socket, in milliseconds (Kafka\'s RequestMetrics TotalTimeMs).',
      type: 'histogram',
      aggregator: 'sum',
    };
    // The registry asks a metric for its family with get() and clears it with reset() (prom-client's Metric shape, which has no public constructor for this).
    const totalTime = { ...family, get: () => Promise.resolve({ ...family, values: this.timeSamples(name) }), reset: () => this.times.clear() };
    registry.registerMetric(totalTime as unknown as Metric);
  }

  readonly observe: RequestObserver = (apiKey, apiVersion, totalTimeMs) => {
    // A client may send any key and version (it is then refused): only known APIs and plausible
    // versions get series, so a hostile client cannot grow the label sets without bound.
    if (!isApiKey(apiKey) || !Number.isInteger(apiVersion) || apiVersion < 0 || apiVersion > apiVersionLabelMax) return;
    const versionKey = apiKey * (apiVersionLabelMax + 1) + apiVersion;
    let counted = this.versionCounts.get(versionKey);
    if (counted === undefined) {
      counted = { labels: { request: apiName(apiKey), version: String(apiVersion) }, count: 0 };
      this.versionCounts.set(versionKey, counted);
    }
    counted.count++;
    let times = this.times.get(apiKey);
    if (times === undefined) {
      times = { request: apiName(apiKey), counts: new Array<number>(totalTimeBucketsMs.length + 1).fill(0), sumMs: 0, count: 0 };
      this.times.set(apiKey, times);
    }
    // The first bound the time does not pass, as prom-client's findBound (le: less or equal).
    let bucket = 0;
    while (bucket < totalTimeBucketsMs.length && totalTimeMs > totalTimeBucketsMs[bucket]) bucket++;
    times.counts[bucket]++;
    times.sumMs += totalTimeMs;
    times.count++;
  };

  /** The histogram's samples: cumulative buckets per request type, then +Inf, sum and count. */
  private timeSamples(name: string): HistogramSample[] {
    const samples: HistogramSample[] = [];
    for (const { request, counts, sumMs, count } of this.times.values()) {
      let cumulative = 0;
      totalTimeBucketsMs.forEach((le, i) => {
        cumulative += counts[i];
        samples.push({ metricName: `${name}_bucket`, labels: { le, request }, value: cumulative });
      });
      samples.push(
        { metricName: `${name}_bucket`, labels: { le: '+Inf', request }, value: count },
        { metricName: `${name}_sum`, labels: { request }, value: sumMs },
        { metricName: `${name}_count`, labels: { request }, value: count },
      );
    }
    return samples;
  }
}
