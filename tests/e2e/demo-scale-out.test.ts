/**
 * `josef demo scale-out --plain` as a user runs it, in a child process, with short options: three
 * brokers of its own (on the test ZooKeeper, in a private chroot) take a small loaded topic, broker
 * 4 starts, the reassignment moves replicas onto it under a throttle while an acks=all producer and
 * a consumer group run, a preferred election gives it leaderships, and the verdict is lost = 0.
 */
import { runJosef } from '../helpers/cluster';
import { rmDir, tmpDir } from '../helpers/tmp';
import { testChroot } from '../helpers/zk';

// Four broker processes start from the TypeScript sources: 1.5-2.5 minutes on a busy 2-core machine.
jest.setTimeout(240_000);

describe('josef demo scale-out --plain', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = tmpDir('demo-scale-out');
  });
  afterEach(() => {
    if (!process.env.JOSEF_TEST_KEEP) rmDir(dataDir);
  });

  it('moves replicas and leaderships onto broker 4 under load, with nothing acknowledged lost', async () => {
    const run = await runJosef([
      'demo', 'scale-out', '--plain', '--data-dir', dataDir, '--zookeeper', testChroot('demo-scale-out'),
      '--partitions', '4', '--replication-factor', '2', '--load-mb', '2', '--throttle', '1', '--rate', '200', '--records-after', '200',
    ], 230_000);
    const out = run.stdout;
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(out).toContain('ZooKeeper: /brokers/ids/4 created');
    expect(out).toMatch(/partitions change\n(.*\n)*.*partition \d+: \[\d,\d\] -> \[[\d,]*4[\d,]*\], copies to broker 4/);
    expect(out).toContain('throttle: 1.0 MB/s per broker');
    expect(out).toMatch(/topic znode: partition \d+ is moving: .*adding \[4\]/);
    expect(out).toMatch(/partition \d+: broker 4 caught up with the leader and joined the ISR/);
    expect(out).toMatch(/verify: all 4 partitions of the plan are done/);
    const held = /Broker 4 holds (\d+) replicas? and leads (\d+) partitions?/.exec(out);
    expect(held).not.toBeNull();
    // 8 replicas over 4 brokers: 2 each, and 1 of the 4 leaderships.
    expect(Number(held?.[1])).toBe(2);
    expect(Number(held?.[2])).toBeGreaterThanOrEqual(1);
    const verdict = /acknowledged ([\d,]+) \(([\d,]+) loaded before the move\), read back ([\d,]+), lost = (\d+)/.exec(out);
    expect(verdict).not.toBeNull();
    const [acknowledged, loaded, readBack, lost] = (verdict as RegExpExecArray).slice(1).map((n) => Number(n.replace(/,/g, '')));
    expect(loaded).toBe(2048);
    expect(acknowledged).toBeGreaterThan(loaded + 200);
    expect(readBack).toBeGreaterThanOrEqual(acknowledged);
    expect(lost).toBe(0);
    expect(out).toContain('nothing acknowledged was lost while replicas moved');
    expect(out).not.toContain('\x1b[');
  });
});
