/** bench produce's pairing: --security sasl_ssl measures each run against PLAINTEXT on the same settings, alternating the order, and reports the ratio as --compare-single reports its baseline's. */
import { LatencyRecorder } from '../../../bench/harness';
import { comparisonFigures, comparisonOf, parseSecurity, type ProduceBenchOptions, type ProduceMeasurement } from '../../../bench/produce';

const options: ProduceBenchOptions = {
  brokers: 3, acks: 'all', recordSize: 100, records: 300_000, partitions: 6, batchSize: 64_000, lingerMs: 0, warmupRecords: 1000, security: 'sasl_ssl',
};

/** A run of `records` records that took `elapsedMs` and `brokerCpuMs` of the brokers' CPU (half that of the producer's), `failed` of them refused. */
function measured(records: number, elapsedMs: number, failed = 0, brokerCpuMs = 1000): ProduceMeasurement {
  return { o: { ...options, records }, run: { elapsedMs, latency: new LatencyRecorder(), failed }, stored: records + 1001, brokerCpuMs, clientCpuMs: brokerCpuMs / 2 };
}

describe('bench produce --security', () => {
  it('takes plaintext or sasl_ssl in either case and refuses anything else', () => {
    expect(parseSecurity('plaintext')).toBe('plaintext');
    expect(parseSecurity('SASL_SSL')).toBe('sasl_ssl');
    expect(() => parseSecurity('ssl')).toThrow(/plaintext or sasl_ssl, got "ssl"/);
  });

  it('pairs a SASL_SSL run with PLAINTEXT on every other setting the same, SASL_SSL first in runs 1, 3, ...', () => {
    const comparison = comparisonOf(options, false, 16_384)!;
    expect(comparison.key).toBe('plaintext');
    expect(comparison.options).toEqual({ ...options, security: 'plaintext' });
    expect([0, 1, 2, 3].map((i) => comparison.measuredFirst(i))).toEqual([true, false, true, false]);
    expect(comparison.phaseName(', run 2')).toBe('PLAINTEXT: send (brokers 3, RF 3, acks=all, batch 64000, run 2)');
  });

  it('keeps --compare-single\'s baseline (one broker, RF 1, acks=1, measured after) and no pair by default', () => {
    const baseline = comparisonOf({ ...options, security: 'plaintext' }, true, 8196)!;
    expect(baseline.key).toBe('baseline');
    expect(baseline.options).toMatchObject({ brokers: 1, replicationFactor: 1, acks: 1, batchSize: 8196, security: 'plaintext' });
    expect(baseline.measuredFirst(1)).toBe(true);
    expect(comparisonOf({ ...options, security: 'plaintext' }, false, 8196)).toBeUndefined();
    expect(comparisonOf({ ...options, security: undefined }, false, 8196)).toBeUndefined();
  });

  it('refuses --compare-single with sasl_ssl, and either with --bootstrap-server', () => {
    expect(() => comparisonOf(options, true, 16_384)).toThrow(/give one of them/);
    expect(() => comparisonOf({ ...options, bootstrapServer: '127.0.0.1:9092' }, false, 16_384)).toThrow(/--security sasl_ssl starts its own clusters/);
    expect(() => comparisonOf({ ...options, security: 'plaintext', bootstrapServer: '127.0.0.1:9092' }, true, 16_384)).toThrow(/--compare-single starts its own clusters/);
  });

  it('reports each run\'s rate against its own PLAINTEXT twin: the median ratio and, over several runs, its range', () => {
    // 100,000 records/s against 200,000, then 150,000 against 200,000, then 90,000 against 100,000.
    const mains = [measured(100_000, 1000), measured(150_000, 1000), measured(90_000, 1000, 2)];
    // The PLAINTEXT twins' brokers spent 1, 2 and 4 µs of CPU per record.
    const others = [measured(200_000, 1000, 0, 200), measured(200_000, 1000, 1, 400), measured(100_000, 1000, 0, 400)];
    expect(comparisonFigures('plaintext', mains, others)).toEqual({
      plaintextRecordsPerSec: 200_000, plaintextP99Ms: 0, vsPlaintextPercent: 75, plaintextFailedRecords: 1, vsPlaintextPercentMin: 50, vsPlaintextPercentMax: 90,
      plaintextBrokerCpuUsPerRecord: 2, plaintextClientCpuUsPerRecord: 1,
    });
    expect(comparisonFigures('baseline', mains.slice(0, 1), others.slice(0, 1))).toEqual({
      baselineRecordsPerSec: 200_000, baselineP99Ms: 0, vsBaselinePercent: 50, baselineFailedRecords: 0, baselineBrokerCpuUsPerRecord: 1, baselineClientCpuUsPerRecord: 0.5,
    });
  });
});
