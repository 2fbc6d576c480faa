/**
 * A child process for the cleaner's crash test, run from the build the test run makes (plain
 * JavaScript: a process started through ts-node costs seconds, and the test starts one per step).
 * It opens the log dir in argv[2] and cleans its one compacted log; at swap step argv[3] it says
 * so on stdout and freezes there (no further file operation happens), for the parent to SIGKILL
 * it. With step -1 it cleans to the end and prints every step. Should the parent die first, the
 * child wakes after a minute and finishes.
 */
'use strict';
const path = require('path');
const dist = path.join(__dirname, '..', '..', 'dist', 'src');
const { systemClock } = require(path.join(dist, 'common', 'clock'));
const { createLogger } = require(path.join(dist, 'common', 'logger'));
const { logConfig } = require(path.join(dist, 'storage', 'log-config'));
const { LogManager } = require(path.join(dist, 'storage', 'log-manager'));

const [dir, stopAtText, configJson] = process.argv.slice(2);
const stopAt = Number(stopAtText);
let step = 0;
const freeze = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
const manager = LogManager.open([dir], logConfig(JSON.parse(configJson)), {
  clock: systemClock,
  logger: createLogger('crash-child', () => undefined),
  cleaner: { threads: 1, dedupeBufferBytes: 1 << 20, ioBufferBytes: 16 * 1024, loadFactor: 0.9, maxIoBytesPerSecond: Number.MAX_VALUE, backoffMs: 3_600_000 },
  onSwapStep: (what) => {
    process.stdout.write(`step ${step} ${what}\n`);
    if (step++ === stopAt) freeze();
  },
});
manager.cleaner.cleanFilthiestLog().then(() => {
  process.stdout.write('done\n');
  manager.close();
});
