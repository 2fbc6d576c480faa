/**
 * SIGKILL at every step of the cleaner's swap. A log is cleaned once to the end in a child process
 * to learn the steps (several swaps, each of one cleaned segment for a group of old ones); then, for every step, a fresh copy of
 * the log is cleaned by a child frozen at that step and killed with SIGKILL, and reopened here: it
 * must hold exactly what it held before that swap, or exactly what it holds after it (after the
 * last `.cleaned` file became `.swap`, the swap is decided), with no cleaner file left, every batch
 * whole and valid, and the cleaner able to finish the job.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ManualClock } from '../../../src/common/clock';
import { batchLocations, checkBatch } from '../../../src/protocol/record-batch';
import { logConfig, type LogConfig } from '../../../src/storage/log-config';
import { LogManager } from '../../../src/storage/log-manager';
import { TestChild, stopAllChildren } from '../../helpers/child-processes';
import { keyedBatch, latestValues, readRecords, testCleanerConfig, type ReadRecord } from '../../helpers/compacted';
import { quietLogger } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';

const childPath = path.join(__dirname, '../../helpers/cleaner-crash-child.js');
/** Children at once: the steps are independent, and each child mostly waits for its start. */
const parallelChildren = 3;
/**
 * Segments rolled by segment.ms after a few batches each (about 600 bytes), so that the cleaner
 * groups two of them within segment.bytes and a swap retires several segments' files.
 */
const config: Partial<LogConfig> = { segmentBytes: 1400, segmentMs: 60_000, indexIntervalBytes: 128, cleanupPolicy: 'compact' };
const batchesPerSegment = 6;
const oldSegmentCount = 6;

let dir: string;
beforeAll(() => {
  dir = tmpDir('cleaner-crash');
});
afterAll(async () => {
  await stopAllChildren();
  rmDir(dir);
});

/** Runs the child on `logDir` until it reports step `stopAt` (then SIGKILLs it) or finishes (stopAt -1); returns its step lines. */
async function runCleanerChild(logDir: string, stopAt: number): Promise<string[]> {
  const child = new TestChild(process.execPath, [childPath, logDir, String(stopAt), JSON.stringify(config)], { input: '' });
  if (stopAt < 0) {
    const exit = await child.exited;
    if (exit.code !== 0) throw new Error(`the child failed (${exit.code ?? exit.signal}):\n${child.stdout.toString()}${exit.stderr}`);
  } else {
    await child.waitForOutput((c) => (c.stdoutLines().some((line) => line.startsWith(`step ${stopAt} `)) ? true : undefined), 30_000, `step ${stopAt}`);
    await child.stop('SIGKILL');
  }
  return child.stdoutLines();
}

/**
 * Opens `logDir` as after a crash, and returns what its log holds, checking the files first, and
 * what it holds once a cleaner cleaned it again.
 */
async function recovered(logDir: string): Promise<{ records: ReadRecord[]; leftovers: string[]; recleaned: ReadRecord[] }> {
  const manager = LogManager.open([logDir], logConfig(config), { clock: new ManualClock(Date.now()), logger: quietLogger, cleaner: testCleanerConfig });
  try {
    const log = manager.getLog('compacted', 0)!;
    for (const segment of log.logSegments()) {
      const bytes = segment.sizeBytes === 0 ? Buffer.alloc(0) : segment.readBatchesAt(0, segment.sizeBytes);
      expect(bytes.length).toBe(segment.sizeBytes);
      for (const { position } of batchLocations(bytes)) expect(checkBatch(bytes, position).ok).toBe(true);
    }
    const leftovers = fs.readdirSync(log.dir).filter((f) => /\.(cleaned|swap|deleted)$/.test(f));
    const records = readRecords(log);
    while (await manager.cleaner!.cleanFilthiestLog());
    return { records, leftovers, recleaned: readRecords(log) };
  } finally {
    for (const log of manager.allLogs()) log.close();
  }
}

test('SIGKILL at every step of a swap recovers the log to just before or just after that swap', async () => {
  // Old segments of 30 keys written over and over (some deleted), then the active one.
  const template = path.join(dir, 'template');
  const clock = new ManualClock(1_700_000_000_000);
  const manager = LogManager.open([template], logConfig(config), { clock, logger: quietLogger });
  const log = manager.getOrCreateLog('compacted', 0, logConfig(config));
  for (let i = 0; log.segmentCount <= oldSegmentCount; i += 2) {
    if (i > 0 && (i / 2) % batchesPerSegment === 0) clock.advance(config.segmentMs! + 1);
    log.appendAsLeader(keyedBatch([[`k${i % 30}`, `v${i}`], [`k${(i + 7) % 30}`, i % 5 === 0 ? null : `w${i}`]], clock.nowMs()), 0);
  }
  const before = readRecords(log);
  manager.close();

  const reference = path.join(dir, 'reference');
  fs.cpSync(template, reference, { recursive: true });
  const steps = await runCleanerChild(path.join(reference), -1);
  expect(steps.at(-1)).toBe('done');
  const swapEnds = steps.map((line, i) => (line.endsWith(' swapped') ? i : -1)).filter((i) => i >= 0);
  expect(swapEnds.length).toBeGreaterThanOrEqual(2);
  const after = (await recovered(reference)).records;
  expect(latestValues(after)).toEqual(latestValues(before));
  expect(after.length).toBeLessThan(before.length / 2);

  // Each swap replaces the segments from its lowest new base offset to the next swap's: the log
  // after k swaps holds the cleaned records below the base of swap k + 1, the old ones above. A
  // swap is decided once the last of its .cleaned files became .swap.
  const swapStarts = swapEnds.map((_, i) => (i === 0 ? 0 : swapEnds[i - 1] + 1));
  const swapBases = swapEnds.map((end, i) => {
    const swapLines = steps.slice(swapStarts[i], end);
    expect(swapLines.filter((line) => line.endsWith('.log.deleted') && line.includes(' renamed ')).length).toBe(2);
    return Math.min(...swapLines.flatMap((line) => /(\d{20})\.log\.swap$/.exec(line)?.[1] ?? []).map(Number));
  });
  const swapDecidedAt = swapEnds.map((end, i) => Math.max(...steps.slice(swapStarts[i], end).map((line, j) => (line.endsWith('.swap') ? swapStarts[i] + j : -1))));
  const afterSwaps = (done: number): ReadRecord[] => {
    if (done === swapBases.length) return after;
    return [...after.filter((r) => r.offset < swapBases[done]), ...before.filter((r) => r.offset >= swapBases[done])];
  };
  const stepCount = steps.length - 1;
  for (let step = 0; step < stepCount; step += parallelChildren) {
    const batch = Array.from({ length: Math.min(parallelChildren, stepCount - step) }, (_, i) => step + i);
    await Promise.all(batch.map(async (stopAt) => {
      const copy = path.join(dir, `step-${stopAt}`);
      fs.cpSync(template, copy, { recursive: true });
      const lines = await runCleanerChild(copy, stopAt);
      expect(lines.at(-1)).toMatch(new RegExp(`^step ${stopAt} `));
      const { records, leftovers, recleaned } = await recovered(copy);
      const swap = swapEnds.findIndex((end) => stopAt <= end);
      const decided = stopAt >= swapDecidedAt[swap];
      const context = `killed at step ${stopAt} (${steps[stopAt]})`;
      expect({ context, leftovers }).toEqual({ context, leftovers: [] });
      expect({ context, records }).toEqual({ context, records: afterSwaps(swap + (decided ? 1 : 0)) });
      expect({ context, recleaned: latestValues(recleaned) }).toEqual({ context, recleaned: latestValues(before) });
      rmDir(copy);
    }));
  }
}, 300_000);
