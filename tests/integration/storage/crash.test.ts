/**
 * SIGKILL while appending: a child process appends batches to a real log and reports each last
 * offset once its append returned; the parent kills it at seeded random moments, reopens the log
 * through the LogManager without a clean-shutdown marker, and checks that offsets run on from the
 * log start, every batch passes its CRC, and every reported offset is there. The child then carries
 * on appending to the same log. JOSEF_TEST_SEED=<n> replays a run.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import { systemClock } from '../../../src/common/clock';
import { LogManager } from '../../../src/storage/log-manager';
import { crashLogConfig } from '../../helpers/append-child';
import { checkedOffsets, quietLogger, readAll } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';
import { waitFor } from '../../helpers/wait';
import { seededRandom } from '../../../src/common/seeded-random';

const rounds = 6;
const childPath = path.join(__dirname, '../../helpers/append-child.ts');


/** Runs the child until it has reported `appendsWanted` offsets and `extraMs` more, then SIGKILLs it. */
async function appendUntilKilled(dir: string, appendsWanted: number, extraMs: number): Promise<{ startOffset: number; reported: number[] }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', childPath, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on('exit', () => resolve(void (exited = true))));
  try {
    await waitFor(() => {
      if (exited) throw new Error(`the appending child exited by itself:\n${output.slice(-500)}`);
      return output.split('\n').length > appendsWanted + 1;
    }, { timeoutMs: 90_000, intervalMs: 5, message: `${appendsWanted} appends by the child` });
    await new Promise((resolve) => setTimeout(resolve, extraMs));
  } finally {
    child.kill('SIGKILL');
    await exit;
  }
  const lines = output.split('\n');
  const start = /^start (\d+)$/.exec(lines[0]);
  if (!start) throw new Error(`the child did not report its start offset: ${lines[0]}`);
  // The last line may be cut by the kill; only whole lines count as reported.
  const reported = lines.slice(1, -1).filter((l) => /^\d+$/.test(l)).map(Number);
  return { startOffset: Number(start[1]), reported };
}

describe('SIGKILL while appending', () => {
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('crash');
  });
  afterEach(() => rmDir(dir));

  it('keeps every append the child reported, with contiguous offsets and valid CRCs', async () => {
    const seed = Number(process.env.JOSEF_TEST_SEED ?? Date.now() % 100_000);
    const random = seededRandom(seed);
    let highestReported = -1;
    let recoveredEnd = 0;
    for (let round = 0; round < rounds; round++) {
      const context = `seed ${seed}, round ${round}`;
      const { startOffset, reported } = await appendUntilKilled(dir, 100 + Math.floor(random() * 2000), Math.floor(random() * 40));
      expect({ context, startOffset }).toEqual({ context, startOffset: recoveredEnd });
      highestReported = Math.max(highestReported, ...reported);

      const manager = LogManager.open([dir], crashLogConfig, { clock: systemClock, logger: quietLogger });
      const log = manager.getLog('crash', 0)!;
      expect({ context, logStartOffset: log.logStartOffset }).toEqual({ context, logStartOffset: 0 });
      expect(log.logEndOffset).toBeGreaterThan(highestReported);
      expect(checkedOffsets(readAll(log), 0)).toHaveLength(log.logEndOffset);
      recoveredEnd = log.logEndOffset;
      // Close the files without the clean-shutdown marker, so the child's next start recovers again.
      for (const l of manager.allLogs()) l.close();
    }
  }, 600_000);
});
