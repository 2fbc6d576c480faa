/**
 * `josef demo failover --plain` as a user runs it, in a child process: with no `cluster up` in its
 * data dir it starts three brokers of its own (on the test ZooKeeper, in a private chroot), kills
 * the leader of partition 0, narrates the session expiry and the new leader from ZooKeeper,
 * restarts the broker, sees it rejoin the ISR, and ends with lost = 0 and exit code 0.
 */
import { runJosef } from '../helpers/cluster';
import { rmDir, tmpDir } from '../helpers/tmp';
import { testChroot } from '../helpers/zk';

jest.setTimeout(240_000);

describe('josef demo failover --plain', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = tmpDir('demo-failover');
  });
  afterEach(() => {
    if (!process.env.JOSEF_TEST_KEEP) rmDir(dataDir);
  });

  it('tells the story of a killed leader to its verdict, with nothing acknowledged lost', async () => {
    const run = await runJosef([
      'demo', 'failover', '--plain', '--data-dir', dataDir, '--zookeeper', testChroot('demo-failover'),
      '--session-timeout-ms', '4000', '--records-per-step', '500', '--rate', '1000',
    ], 220_000);
    const out = run.stdout;
    expect([run.code, run.stderr]).toEqual([0, '']);
    const victim = Number(/killed broker (\d+), the leader of partition 0, with SIGKILL/.exec(out)?.[1]);
    expect(victim).toBeGreaterThan(0);
    expect(out).toMatch(/froze brokers \d and \d, the followers of partition 0/);
    expect(out).toContain(`ZooKeeper: broker ${victim}'s session expired`);
    expect(out).toMatch(new RegExp(`chose broker (?!${victim}\\b)\\d as leader of partition 0 with leader epoch [1-9]`));
    expect(out).toMatch(new RegExp(`ISR of partition 0 shrank to \\[[\\d,]+\\]: broker ${victim} out`));
    expect(out).toContain(`ZooKeeper: /brokers/ids/${victim} created`);
    expect(out).toMatch(new RegExp(`ISR of partition 0 grew to \\[[\\d,]+\\]: broker ${victim} caught up`));
    const verdict = /acknowledged ([\d,]+), consumed ([\d,]+), lost = (\d+)/.exec(out);
    expect(verdict).not.toBeNull();
    const [acknowledged, consumed, lost] = (verdict as RegExpExecArray).slice(1).map((n) => Number(n.replace(/,/g, '')));
    expect(acknowledged).toBeGreaterThanOrEqual(1500);
    expect(consumed).toBeGreaterThanOrEqual(acknowledged);
    expect(lost).toBe(0);
    expect(out).toContain('Every acknowledged record was read back');
    // Each line of --plain output is timestamped: no ANSI redraw in a log.
    expect(out).not.toContain('\x1b[');
  });
});
