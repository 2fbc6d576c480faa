/**
 * Kafka's LogDirFailureChannel: where storage code reports that a log dir has become unusable (a
 * full, read-only or failing disk), and where the replica manager learns it. A dir goes offline
 * once and stays offline until the broker restarts; listeners hear of it once, outside the failing
 * call (Kafka hands it to its LogDirFailureHandler thread), so the code that met the error only
 * has to throw KAFKA_STORAGE_ERROR and never acts on the failure half-way through an operation.
 */
import { ErrorCode, JosefError } from '../common/errors';
import type { Logger } from '../common/logger';

/**
 * errno codes that mean the dir itself is unusable, not that one request was wrong: no space or
 * quota left, a read-only file system, an I/O error or a device gone (Kafka: any IOException).
 * Out of file descriptors (EMFILE, ENFILE) counts too: the file-handle cache has already closed
 * what it could, so the dir's logs cannot be opened and its partitions must move to replicas that
 * can serve them, not stay led by a broker that answers every request with an error.
 */
const logDirFailureErrnos: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'ENXIO', 'ENODEV', 'EMFILE', 'ENFILE']);

export function isLogDirFailure(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && logDirFailureErrnos.has(code);
}

export type OfflineLogDirListener = (logDir: string, reason: string) => void;

export class LogDirFailureChannel {
  private readonly offline = new Map<string, string>();
  private readonly listeners: OfflineLogDirListener[] = [];

  constructor(private readonly logger: Logger) {}

  /** Marks `logDir` offline (the first report only), logs it at ERROR and tells the listeners on the next turn. */
  maybeAddOfflineLogDir(logDir: string, message: string, err: unknown): void {
    if (this.offline.has(logDir)) return;
    const reason = `${message}: ${err instanceof Error ? err.message : String(err)}`;
    this.offline.set(logDir, reason);
    this.logger.error(`log dir ${logDir} is offline: ${reason}`);
    setImmediate(() => {
      for (const listener of this.listeners) listener(logDir, reason);
    });
  }

  isOffline(logDir: string): boolean {
    return this.offline.has(logDir);
  }

  offlineLogDirs(): string[] {
    return [...this.offline.keys()];
  }

  onOfflineLogDir(listener: OfflineLogDirListener): void {
    this.listeners.push(listener);
  }
}

/**
 * Kafka's maybeHandleIOException: runs `io` on a file of `logDir`; an error that makes the dir
 * unusable marks it offline and is thrown again as KAFKA_STORAGE_ERROR naming `what`. Other errors
 * pass through. A dir already offline refuses at once, so nothing touches its files again.
 */
export function maybeHandleIOException<T>(channel: LogDirFailureChannel | undefined, logDir: string, what: string, io: () => T): T {
  if (channel?.isOffline(logDir)) throw new JosefError(ErrorCode.KAFKA_STORAGE_ERROR, `${what}: log dir ${logDir} is offline`);
  try {
    return io();
  } catch (err) {
    if (!isLogDirFailure(err)) throw err;
    channel?.maybeAddOfflineLogDir(logDir, what, err);
    throw new JosefError(ErrorCode.KAFKA_STORAGE_ERROR, `${what}: ${(err as Error).message}`);
  }
}
