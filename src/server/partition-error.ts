/**
 * Turns what went wrong for one partition into the code its response carries, so that one bad
 * partition (or one failing disk) never fails the rest of a request. I/O errors of the log become
 * KAFKA_STORAGE_ERROR, as in Kafka; assertion failures are programmer errors and are rethrown.
 */
import { AssertionError } from '../common/assert';
import { ErrorCode, JosefError } from '../common/errors';
import type { Logger } from '../common/logger';

export interface PartitionErrorResult {
  errorCode: number;
  errorMessage: string | null;
}

/** errno codes of a failing or full disk (Kafka's IOException on a log dir). */
const storageErrnos = new Set(['ENOSPC', 'EIO', 'EROFS', 'EDQUOT', 'EFBIG', 'ENXIO', 'EBADF', 'ENOENT', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE']);

export function isStorageError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && storageErrnos.has(code);
}

export function partitionError(err: unknown, what: string, logger: Logger): PartitionErrorResult {
  if (err instanceof AssertionError) throw err;
  if (err instanceof JosefError) return { errorCode: err.code, errorMessage: err.message };
  if (isStorageError(err)) {
    logger.error(`${what}: storage error: ${(err as Error).message}`);
    return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR.code, errorMessage: `${what}: ${(err as Error).message}` };
  }
  logger.error(`${what}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR.code, errorMessage: `${what}: ${err instanceof Error ? err.message : String(err)}` };
}
