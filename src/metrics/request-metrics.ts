/**
 * Kafka's RequestMetrics per API, under the names jmx_exporter's Kafka rules give them: a count
 * per request type and version, and a histogram of the time from taking a request off its
 * connection's queue to handing its answer to the socket (Kafka's TotalTimeMs, less the wait in
 * the request queue, which Josef's connections do not have apart from pipelining). Both wire
 * protocols report here through the ClientChannel; a child per label set is made once and kept.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { apiName, isApiKey } from '../protocol/api-keys';

/** Told of each answered request (and of each acks=0 Produce, which gets no answer). */
export type RequestObserver = (apiKey: number, apiVersion: number, totalTimeMs: number) => void;

/** Versions above this are not given series of their own (Kafka's APIs have fewer than 20). */
const apiVersionLabelMax = 99;

/** Buckets in milliseconds: from a loopback Metadata to an acks=all Produce waiting out a slow follower. */
const totalTimeBucketsMs = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000];

export class RequestMetrics {
  private readonly requests: Counter<'request' | 'version'>;
  private readonly totalTime: Histogram<'request'>;
  private readonly requestChildren = new Map<number, ReturnType<Counter<'request' | 'version'>['labels']>>();
  private readonly timeChildren = new Map<number, ReturnType<Histogram<'request'>['labels']>>();

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'kafka_network_requestmetrics_requests_total',
      help: 'Requests handled, by request type and version (Kafka\'s RequestMetrics RequestsPerSec).',
      labelNames: ['request', 'version'],
      registers: [registry],
    });
    this.totalTime = new Histogram({
      name: 'kafka_network_requestmetrics_totaltimems',
      help: 'Time to handle a request and hand its answer to the socket, in milliseconds (Kafka\'s RequestMetrics TotalTimeMs).',
      labelNames: ['request'],
      buckets: totalTimeBucketsMs,
      registers: [registry],
    });
  }

  readonly observe: RequestObserver = (apiKey, apiVersion, totalTimeMs) => {
    // A client may send any key and version (it is then refused): only known APIs and plausible
    // versions get series, so a hostile client cannot grow the label sets without bound.
    if (!isApiKey(apiKey) || !Number.isInteger(apiVersion) || apiVersion < 0 || apiVersion > apiVersionLabelMax) return;
    const versionKey = apiKey * (apiVersionLabelMax + 1) + apiVersion;
    let counter = this.requestChildren.get(versionKey);
    if (counter === undefined) {
      counter = this.requests.labels(apiName(apiKey), String(apiVersion));
      this.requestChildren.set(versionKey, counter);
    }
    counter.inc();
    let histogram = this.timeChildren.get(apiKey);
    if (histogram === undefined) {
      histogram = this.totalTime.labels(apiName(apiKey));
      this.timeChildren.set(apiKey, histogram);
    }
    histogram.observe(totalTimeMs);
  };
}
