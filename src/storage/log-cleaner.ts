/**
 * The log cleaner (Kafka's LogCleaner): log.cleaner.threads cleaners, each a loop that takes the
 * dirtiest compacted log (log-cleaner-manager.ts), cleans it (cleaner.ts), writes the cleaner
 * checkpoint, runs the retention of compacted logs whose policy also deletes (Kafka leaves those
 * to the cleaner, so retention and cleaning never meet on one log), and waits
 * log.cleaner.backoff.ms when nothing needed cleaning. Kafka's cleaners are threads; Josef's are
 * tasks on the broker's event loop that give it back every few milliseconds and share one
 * throttle of log.cleaner.io.max.bytes.per.second, so requests keep being served while they work.
 */
import type { Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import { Cleaner, CleaningAbortedError, type CleanerStats } from './cleaner';
import type { LogCleanerManager, ManagedLog } from './log-cleaner-manager';
import { Throttler } from './throttler';

/** The broker's log.cleaner.* settings. */
export interface LogCleanerConfig {
  /** log.cleaner.threads. */
  threads: number;
  /** log.cleaner.dedupe.buffer.size, shared by the threads. */
  dedupeBufferBytes: number;
  /** log.cleaner.io.buffer.size, shared by the threads, half for reading and half for writing. */
  ioBufferBytes: number;
  /** log.cleaner.io.buffer.load.factor. */
  loadFactor: number;
  /** log.cleaner.io.max.bytes.per.second. */
  maxIoBytesPerSecond: number;
  /** log.cleaner.backoff.ms. */
  backoffMs: number;
}

export interface LogCleanerOptions {
  config: LogCleanerConfig;
  manager: LogCleanerManager;
  clock: Clock;
  logger: Logger;
  /** Retention of a compacted log whose policy also deletes (its own high watermark bounds it). */
  deleteOldSegments: (managed: ManagedLog) => void;
  /** Runs before, during (after every file operation) and after a swap (the crash test kills the process there). */
  onSwapStep?: (what: string) => void;
}

/** Smallest io buffer per thread: room for a batch header and more (Kafka refuses smaller settings). */
const ioBufferBytesMin = 1024;

/** What one cleaning did, for whoever watches (the benchmark). */
export interface CleaningDone {
  log: string;
  endOffset: number;
  stats: CleanerStats;
}

export class LogCleaner {
  private readonly cleaners: Cleaner[];
  private running = false;
  /** Set by shutdown: every cleaning, looped or called directly, stops. */
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private readonly wakeUps = new Set<() => void>();
  private readonly listeners: ((done: CleaningDone) => void)[] = [];

  constructor(private readonly options: LogCleanerOptions) {
    const { config, clock } = options;
    const throttler = new Throttler(config.maxIoBytesPerSecond, () => clock.nowMs(), (ms) => this.sleep(ms));
    this.cleaners = Array.from({ length: config.threads }, () => new Cleaner({
      dedupeBufferBytes: Math.floor(config.dedupeBufferBytes / config.threads),
      ioBufferBytes: Math.max(ioBufferBytesMin, Math.floor(config.ioBufferBytes / config.threads / 2)),
      loadFactor: config.loadFactor,
    }, throttler, clock));
  }

  /** `listener` hears of every finished cleaning. */
  onCleaned(listener: (done: CleaningDone) => void): void {
    this.listeners.push(listener);
  }

  startup(): void {
    if (this.running) return;
    this.running = true;
    for (const cleaner of this.cleaners) this.loops.push(this.loop(cleaner));
  }

  /** Stops the loops; a cleaning in progress is aborted and leaves nothing behind. Resolves once they all stopped. */
  async shutdown(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.options.manager.abortAll();
    for (const wake of this.wakeUps) wake();
    await Promise.all(this.loops.splice(0));
  }

  private async loop(cleaner: Cleaner): Promise<void> {
    while (this.running) {
      const cleaned = await this.cleanFilthiestLog(cleaner);
      if (!cleaned && this.running) await this.sleep(this.options.config.backoffMs);
    }
  }

  /** Sleeps `ms`, or less when the cleaner shuts down. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeUps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.wakeUps.add(wake);
    });
  }

  /**
   * One round of a cleaner (Kafka's cleanFilthiestLog): cleans the dirtiest log if one needs it,
   * then runs the retention of the compacted logs that also delete. True when a log was cleaned.
   */
  async cleanFilthiestLog(cleaner = this.cleaners[0]): Promise<boolean> {
    const { manager, clock, logger } = this.options;
    const picked = manager.grabFilthiestCompactedLog(clock.nowMs());
    if (picked) {
      try {
        const result = await cleaner.clean(picked.log, picked, { isAborted: () => this.stopping || manager.isAborted(picked.log), onSwapStep: this.options.onSwapStep });
        manager.doneCleaning(picked, result.endOffset);
        logger.info(cleaningSummary(picked.log.name, picked.firstDirtyOffset, result.endOffset, result.stats));
        for (const listener of this.listeners) listener({ log: picked.log.name, endOffset: result.endOffset, stats: result.stats });
      } catch (err) {
        if (err instanceof CleaningAbortedError) {
          manager.doneCleaning(picked, undefined);
          logger.info(err.message);
        } else {
          // Kafka's uncleanable partitions: a log the cleaner fails on is left alone rather than failed on forever.
          manager.markUncleanable(picked.log, (err as Error).message);
          logger.error(`unexpected error cleaning ${picked.log.name}; it is not cleaned again until the broker restarts: ${(err as Error).stack ?? err}`);
        }
      }
    }
    const deletable = manager.deletableLogs();
    try {
      for (const managed of deletable) {
        try {
          this.options.deleteOldSegments(managed);
        } catch (err) {
          logger.error(`retention of ${managed.log.name}: ${(err as Error).message}`);
        }
      }
    } finally {
      manager.doneDeleting(deletable);
    }
    return picked !== undefined;
  }
}

const MiB = 1024 * 1024;

/** Kafka's cleaner summary, in one line. */
export function cleaningSummary(log: string, firstDirtyOffset: number, endOffset: number, stats: CleanerStats): string {
  const seconds = Math.max(stats.endMs - stats.startMs, 1) / 1000;
  const mapSeconds = Math.max(stats.mapDoneMs - stats.startMs, 0) / 1000;
  const reduction = stats.bytesRead === 0 ? 0 : 100 * (1 - stats.bytesWritten / stats.bytesRead);
  const fewer = stats.recordsRead === 0 ? 0 : 100 * (1 - stats.recordsWritten / stats.recordsRead);
  return `cleaned log ${log} (dirty section = [${firstDirtyOffset}, ${endOffset}]): `
    + `${((stats.mapBytesRead + stats.bytesRead) / MiB).toFixed(1)} MB of log processed in ${seconds.toFixed(1)} s `
    + `(${((stats.mapBytesRead + stats.bytesRead) / MiB / seconds).toFixed(1)} MB/s); indexed ${(stats.mapBytesRead / MiB).toFixed(1)} MB in ${mapSeconds.toFixed(1)} s; `
    + `buffer utilization ${(100 * stats.bufferUtilization).toFixed(1)}%; start size ${(stats.bytesRead / MiB).toFixed(1)} MB (${stats.recordsRead} records), `
    + `end size ${(stats.bytesWritten / MiB).toFixed(1)} MB (${stats.recordsWritten} records): ${reduction.toFixed(1)}% size reduction (${fewer.toFixed(1)}% fewer records)`;
}
