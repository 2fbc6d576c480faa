import { formatGenerated, formatVerification } from '../../../src/cli/topic-reassign';
import { formatProgressLine, ProgressRenderer, summarizeProgress } from '../../../src/cli/reassign-progress';
import { formatTopicDescription } from '../../../src/cli/topic';
import { parseBrokerList } from '../../../src/cli/zk-command';
import type { PartitionVerification } from '../../../src/admin/reassignment-admin';

const status = (partition: number, s: PartitionVerification['status'], assigned = [1]): PartitionVerification =>
  ({ topic: 't', partition, replicas: [1], assigned, status: s });

describe('josef topic reassign output', () => {
  it('prints --generate as Kafka does: current, then proposed, one JSON line each', () => {
    const plan = (r: number[]) => ({ version: 1 as const, partitions: [{ topic: 't', partition: 0, replicas: r }] });
    expect(formatGenerated(plan([1, 2]), plan([3, 1]))).toBe(
      'Current partition replica assignment\n{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]}]}\n\n' +
      'Proposed partition reassignment configuration\n{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[3,1]}]}\n',
    );
  });

  it('prints --verify per partition, and whether the throttle went', () => {
    expect(formatVerification([status(0, 'done'), status(1, 'in progress'), status(2, 'failed', [2])], false)).toBe([
      'Status of partition reassignment:',
      'Reassignment of partition t-0 is complete.',
      'Reassignment of partition t-1 is still in progress.',
      'Reassignment of partition t-2 failed: replicas are [2], the plan says [1].',
      'Throttles stay until every partition is done: run --verify again.',
      '',
    ].join('\n'));
    expect(formatVerification([status(0, 'done')], true)).toContain('Throttle was removed.');
  });

  it('draws a progress line from partitions finished and bytes copied', () => {
    const progress = summarizeProgress([status(0, 'done'), status(1, 'in progress'), status(2, 'failed'), status(3, 'in progress')], [
      { topic: 't', partition: 0, broker: 4, copiedBytes: 1024 * 1024, totalBytes: 1024 * 1024 },
      { topic: 't', partition: 1, broker: 4, copiedBytes: 256 * 1024, totalBytes: 1024 * 1024 },
    ]);
    expect(formatProgressLine(progress, 12_400)).toBe('[###############...............]  50%  1/4 partitions moved, 1.3/2.0 MB copied (1 failed), 12 s');
  });

  it('redraws in place on a terminal and prints a line per change elsewhere', () => {
    const written: string[] = [];
    const plain = new ProgressRenderer({ write: (t: string) => written.push(t) > 0, isTTY: false });
    plain.update('a, 1 s');
    plain.update('a, 2 s');
    plain.update('b, 3 s');
    plain.finish();
    expect(written).toEqual(['a, 1 s\n', 'b, 3 s\n']);
    const drawn: string[] = [];
    const tty = new ProgressRenderer({ write: (t: string) => drawn.push(t) > 0, isTTY: true });
    tty.update('a, 1 s');
    tty.update('a, 2 s');
    tty.finish();
    expect(drawn).toEqual(['\r\x1b[2Ka, 1 s', '\r\x1b[2Ka, 2 s', '\n']);
  });

  it('reads broker lists', () => {
    expect(parseBrokerList('--brokers', '1, 2,3')).toEqual([1, 2, 3]);
    expect(() => parseBrokerList('--brokers', '1,x')).toThrow('--brokers wants broker ids separated by commas (1,2,3), got "1,x"');
  });

  it('shows a topic\'s overrides in describe\'s Configs', () => {
    const topic = { name: 't', isInternal: false, partitions: [{ partition: 0, leader: 1, replicas: [1], isr: [1], offlineReplicas: [] }] };
    expect(formatTopicDescription(topic, { 'segment.bytes': '1024', 'retention.ms': '5' }).split('\n')[0])
      .toBe('Topic: t PartitionCount: 1 ReplicationFactor: 1 Configs: retention.ms=5,segment.bytes=1024');
  });
});
