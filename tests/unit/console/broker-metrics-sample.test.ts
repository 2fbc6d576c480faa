import { brokerTotals, parsePrometheusText, throughput } from '../../../src/console/broker-metrics-sample';

const text = [
  '# HELP kafka_server_brokertopicmetrics_messagesin_total Records appended',
  '# TYPE kafka_server_brokertopicmetrics_messagesin_total counter',
  'kafka_server_brokertopicmetrics_messagesin_total{topic="a",broker_id="1"} 100',
  'kafka_server_brokertopicmetrics_messagesin_total{topic="b",broker_id="1"} 50',
  'kafka_server_brokertopicmetrics_bytesin_total{topic="a",broker_id="1"} 10000',
  'kafka_server_brokertopicmetrics_bytesout_total{topic="a",broker_id="1"} 2000',
  'kafka_log_log_logendoffset{topic="a",partition="0",broker_id="1"} 77',
  'kafka_log_log_logendoffset{topic="a",partition="1",broker_id="1"} 5',
  'kafka_cluster_partition_replicascount{topic="a",partition="0",broker_id="1"} 3',
  'odd line without a value',
].join('\n');

describe('broker metrics as the console reads them', () => {
  it('parses samples with escaped label values and skips what is not a sample', () => {
    expect(parsePrometheusText('m{l="a\\"b",k="x\\\\y"} 2.5\n# comment\n\nbad')).toEqual([{ name: 'm', labels: { l: 'a"b', k: 'x\\y' }, value: 2.5 }]);
  });

  it('sums the totals over topics and keeps log end offsets and the partitions led', () => {
    const totals = brokerTotals(text, 1000);
    expect([totals.messagesIn, totals.bytesIn, totals.bytesOut]).toEqual([150, 10000, 2000]);
    expect(totals.logEndOffsets.get('a-0')).toBe(77);
    expect([...totals.leads]).toEqual(['a-0']);
  });

  it('turns two scrapes into rates per second, a restarted broker counting from zero', () => {
    const before = brokerTotals(text, 1000);
    const after = { ...before, timeMs: 3000, messagesIn: 350, bytesIn: 30000, bytesOut: 500 };
    expect(throughput(before, after)).toEqual({ messagesInPerSec: 100, bytesInPerSec: 10000, bytesOutPerSec: 250 });
  });
});
