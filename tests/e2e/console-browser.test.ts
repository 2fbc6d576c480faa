/**
 * The console in a real browser (Debian's Chromium) on a 3-broker `josef cluster up`, driven as
 * a teacher drives it: a topic created from the page, a producer and a consumer started from it (the
 * group shows up with its members and lag), the leader of
 * partition 0 killed from it; the page then shows the new leader and the shrunk ISR within the
 * session timeout plus 2 s, the timeline's entries, and the throughput dipping and recovering;
 * then the failover demo run from the page, its narration and verdict on the page.
 * With JOSEF_CONSOLE_SCREENSHOTS=1 the screenshots go to docs/console/ (the README shows them).
 */
import * as fs from 'fs';
import path from 'path';
import type { Page } from 'playwright-core';
import { openBrowser, type TestBrowser } from '../helpers/browser';
import { clusterUp, consecutiveFreePorts, killLeftovers, type ClusterUp } from '../helpers/cluster-up';
import { rmDir, tmpDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';
import { testChroot } from '../helpers/zk';

jest.setTimeout(180_000);

/** zookeeper.session.timeout.ms of cluster up's brokers (config.ts's default). */
const sessionTimeoutMs = 6_000;
const screenshotsToDocs = process.env.JOSEF_CONSOLE_SCREENSHOTS === '1';

describe('the console in a browser', () => {
  let dataDir: string;
  let up: ClusterUp | undefined;
  let browser: TestBrowser | undefined;
  let screenshotDir: string;

  beforeAll(async () => {
    dataDir = tmpDir('console-e2e');
    screenshotDir = screenshotsToDocs ? path.join(__dirname, '..', '..', 'docs', 'console') : tmpDir('console-screenshots');
    fs.mkdirSync(screenshotDir, { recursive: true });
    const basePort = await consecutiveFreePorts(3);
    const metricsBasePort = await consecutiveFreePorts(3);
    up = await clusterUp(['--brokers', '3', '--data-dir', dataDir, '--zookeeper', testChroot('console-e2e'), '--base-port', String(basePort), '--metrics-base-port', String(metricsBasePort)]);
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await killLeftovers(up, dataDir);
    rmDir(dataDir);
    if (!screenshotsToDocs) rmDir(screenshotDir);
  });

  const shoot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });

  /** Cluster-wide records in per second, as the page's chart shows them, oldest first. */
  const rateHistory = async (page: Page): Promise<number[]> => JSON.parse((await page.getByTestId('total-rate').getAttribute('data-history')) ?? '[]') as number[];

  it('creates a topic, kills a partition leader and shows the failover as it happens', async () => {
    const url = /^Console: (\S+)/m.exec(up!.child.stdout.toString())?.[1];
    expect(url).toBeDefined();
    const page = browser!.page;
    await page.goto(url!);
    for (const id of [1, 2, 3]) await page.getByTestId(`broker-${id}`).and(page.locator('[data-alive="true"]')).waitFor();
    await page.getByTestId('controller-badge').waitFor();
    await expect(page.getByTestId('zookeeper-status').textContent()).resolves.toMatch(/^ZooKeeper /);

    await page.getByTestId('topic-name').fill('lesson');
    await page.getByTestId('create-topic-button').click();
    await page.getByTestId('partition-lesson-2').waitFor({ timeout: 30_000 });
    await waitFor(async () => (await page.getByTestId('partition-lesson-0').getAttribute('data-isr'))?.split(',').length === 3, { timeoutMs: 30_000, message: 'a full ISR' });

    await page.getByTestId('load-topic').selectOption('lesson');
    await page.getByTestId('load-rate').fill('300');
    await page.getByTestId('start-load-button').click();
    await waitFor(async () => (await rateHistory(page)).slice(-3).every((r) => r > 100), { timeoutMs: 60_000, message: 'the producer\'s records on the chart' });
    await page.getByTestId('load-kind').selectOption('consumer');
    await page.getByTestId('start-load-button').click();
    await page.getByTestId('group-josef-console-lesson').getByText(/Stable, 1 member/).waitFor({ timeout: 60_000 });
    await shoot(page, 'console-running');

    const leader = Number(await page.getByTestId('partition-lesson-0').getAttribute('data-leader'));
    expect([1, 2, 3]).toContain(leader);
    const killedAtMs = Date.now();
    await page.getByTestId(`broker-${leader}-kill`).click();
    await page.getByTestId(`broker-${leader}`).and(page.locator('[data-alive="false"]')).waitFor({ timeout: sessionTimeoutMs + 2_000 });
    await waitFor(async () => {
      const row = page.getByTestId('partition-lesson-0');
      const [newLeader, isr] = [Number(await row.getAttribute('data-leader')), (await row.getAttribute('data-isr')) ?? ''];
      return newLeader !== leader && newLeader !== -1 && !isr.split(',').includes(String(leader));
    }, { timeoutMs: sessionTimeoutMs + 2_000 - (Date.now() - killedAtMs), intervalMs: 100, message: 'the new leader and the ISR without the killed broker on the page' });
    const failoverMs = Date.now() - killedAtMs;
    expect(failoverMs).toBeLessThanOrEqual(sessionTimeoutMs + 2_000);

    const timeline = page.getByTestId('timeline');
    await timeline.getByText(`broker ${leader} is gone`).first().waitFor();
    await timeline.getByText(new RegExp(`lesson-0: leader ${leader} -> \\d, leader epoch raised to \\d`)).first().waitFor();
    await timeline.getByText(/lesson-0: ISR shrank/).first().waitFor();
    await expect(page.locator('#timeline li.controller-elected, #timeline li.leader-elected').count()).resolves.toBeGreaterThan(0);

    // acks=all stalls while partition 0 has no leader, then the producer finds the new one.
    const history = await waitFor(async () => {
      const h = await rateHistory(page);
      const sinceKill = h.slice(-Math.ceil((Date.now() - killedAtMs) / 1000) - 1);
      const dipAt = sinceKill.findIndex((r) => r < 150);
      return dipAt >= 0 && sinceKill.slice(dipAt).slice(-2).every((r) => r > 200) ? h : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500, message: 'the throughput to dip and recover on the chart' });
    expect(Math.max(...history)).toBeGreaterThan(200);
    await page.getByTestId('zk-tree').getByText('brokers', { exact: true }).click();
    await shoot(page, 'console-failover');

    await page.getByTestId(`broker-${leader}-restart`).click();
    await timeline.getByText(new RegExp(`broker ${leader} registered`)).first().waitFor({ timeout: 60_000 });
    await timeline.getByText(new RegExp(`lesson-0: ISR grew .*${leader} caught up`)).first().waitFor({ timeout: 60_000 });
    await shoot(page, 'console-recovered');
  });

  it('runs the failover demo from the page, its narration and verdict shown as they come', async () => {
    const page = browser!.page;
    await page.getByTestId('failover-demo').click();
    let shown = '';
    const outputShows = (pattern: RegExp, timeoutMs: number): Promise<boolean> => waitFor(async () => {
      shown = (await page.getByTestId('action-output').textContent()) ?? '';
      return pattern.test(shown);
    }, { timeoutMs, intervalMs: 250, message: () => `${pattern} in the page's action output, which shows:\n${shown}` });
    await outputShows(/killed broker \d, the leader of partition 0, with SIGKILL/, 120_000);
    await outputShows(/josef demo failover ended/, 180_000);
    expect(shown).toMatch(/chose broker \d as leader of partition 0 with leader epoch [1-9]/);
    expect(shown).toMatch(/acknowledged [\d,]+, consumed [\d,]+, lost = 0/);
    expect(shown).toContain('josef demo failover ended (code 0)');
  }, 330_000);
});
