/**
 * Never a zombie on file descriptors: a broker whose process can open no descriptor can accept no
 * connection, write no checkpoint and open no log, yet its ZooKeeper session (an old socket) would
 * keep it registered and leading. Node gives no reliable sign of a refused accept (libuv accepts
 * and closes the connection itself), so the watchdog opens one descriptor of its own every
 * interval. Out of descriptors, it first has the segment file-handle cache close half its files;
 * still out after `failuresMax` checks in a row, it reports the broker exhausted (the broker then
 * closes its session and stops, so the controller moves its leaderships).
 */
import * as fs from 'fs';
import type { Logger } from '../common/logger';
import { type FileHandleCache, isOutOfFileDescriptors } from '../storage/file-handle-cache';

/** Checks in a row that find no descriptor before the broker gives up. */
export const OPEN_FILE_FAILURES_MAX = 3;
export const OPEN_FILE_CHECK_INTERVAL_MS = 1_000;

export interface OpenFileWatchdogOptions {
  fileHandles: FileHandleCache;
  logger: Logger;
  /** Called once, with why, when the process stays out of descriptors. */
  onExhausted: (reason: string) => void;
  /** Opens and closes one descriptor; throws EMFILE/ENFILE when there is none. */
  probe?: () => void;
  checkIntervalMs?: number;
}

const probeDevNull = (): void => fs.closeSync(fs.openSync('/dev/null', 'r'));

export class OpenFileWatchdog {
  private failures = 0;
  private exhausted = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: OpenFileWatchdogOptions) {}

  start(): void {
    this.timer = setInterval(() => this.check(), this.options.checkIntervalMs ?? OPEN_FILE_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One check (the timer's, or at once when a listener reports EMFILE). Returns whether a descriptor could be opened. */
  check(): boolean {
    if (this.exhausted) return false;
    const probe = this.options.probe ?? probeDevNull;
    const { fileHandles, logger } = this.options;
    try {
      probe();
      this.failures = 0;
      return true;
    } catch (err) {
      if (!isOutOfFileDescriptors(err)) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      fileHandles.shrinkBy(Math.ceil(fileHandles.openCount / 2));
      this.failures++;
      logger.error(`out of file descriptors (${code}), check ${this.failures} of ${OPEN_FILE_FAILURES_MAX}: closed idle segment files, ${fileHandles.openCount} still open`);
      if (this.failures < OPEN_FILE_FAILURES_MAX) return false;
      this.exhausted = true;
      this.stop();
      this.options.onExhausted(`out of file descriptors (${code}) in ${OPEN_FILE_FAILURES_MAX} checks in a row, with idle segment files closed: ` +
        'the broker can accept no connection (raise ulimit -n, or lower log.max.open.files or the partitions it hosts)');
      return false;
    }
  }
}
