import { Histogram, Registry } from 'prom-client';
import { RequestMetrics } from '../../../src/metrics/request-metrics';
import { ApiKey } from '../../../src/protocol/api-keys';

/** Each sample line of a text exposition as `name{labels sorted} value`, sorted: the order of labels on a line is not part of the format. */
function samples(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a sample line: ${line}`);
    const labels = (match[2] ?? '').split(',').filter((l) => l !== '').sort().join(',');
    return `${match[1]}{${labels}} ${match[3]}`;
  }).sort();
}

describe('RequestMetrics', () => {
  // On a bound, just past it, below the first and past the last.
  const times: [number, number][] = [
    [ApiKey.Produce, 0.1], [ApiKey.Produce, 0.5], [ApiKey.Produce, 0.51], [ApiKey.Produce, 5], [ApiKey.Produce, 30_000], [ApiKey.Produce, 45_000],
    [ApiKey.Fetch, 499.9], [ApiKey.Fetch, 2.5],
  ];

  it('exports the time histogram prom-client\'s own Histogram gives for the same observations', async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics(registry);
    for (const [apiKey, ms] of times) metrics.observe(apiKey, 7, ms);
    const ours = samples(await registry.getSingleMetricAsString('kafka_network_requestmetrics_totaltimems'));

    const bounds = [...new Set(ours.map((s) => /le="([^"]+)"/.exec(s)?.[1]).filter((le) => le !== undefined && le !== '+Inf').map(Number))].sort((a, b) => a - b);
    expect(bounds.length).toBeGreaterThan(5);
    const reference = new Registry();
    const histogram = new Histogram({ name: 'kafka_network_requestmetrics_totaltimems', help: 'h', labelNames: ['request'], buckets: bounds, registers: [reference] });
    for (const [apiKey, ms] of times) histogram.observe({ request: apiKey === ApiKey.Produce ? 'Produce' : 'Fetch' }, ms);
    expect(ours).toEqual(samples(await reference.getSingleMetricAsString('kafka_network_requestmetrics_totaltimems')));
    expect(ours).toContain('kafka_network_requestmetrics_totaltimems_bucket{le="+Inf",request="Produce"} 6');
  });

  it('counts requests per API and version', async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics(registry);
    for (const [apiKey, ms] of times) metrics.observe(apiKey, apiKey === ApiKey.Fetch ? 11 : 7, ms);
    metrics.observe(ApiKey.Produce, 3, 1);
    expect(samples(await registry.getSingleMetricAsString('kafka_network_requestmetrics_requests_total'))).toEqual([
      'kafka_network_requestmetrics_requests_total{request="Fetch",version="11"} 2',
      'kafka_network_requestmetrics_requests_total{request="Produce",version="3"} 1',
      'kafka_network_requestmetrics_requests_total{request="Produce",version="7"} 6',
    ]);
  });
});
