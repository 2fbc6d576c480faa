/**
 * node-zookeeper-client's error codes mapped to the few meanings Josef's code acts on, as typed
 * errors to catch with `instanceof`. Every error names the operation and znode it concerns.
 */

/** ZooKeeper's result codes (KeeperException.Code), as node-zookeeper-client reports them. */
const zkCode = {
  CONNECTION_LOSS: -4,
  UNIMPLEMENTED: -6,
  OPERATION_TIMEOUT: -7,
  NO_NODE: -101,
  NO_AUTH: -102,
  BAD_VERSION: -103,
  NODE_EXISTS: -110,
  NOT_EMPTY: -111,
  SESSION_EXPIRED: -112,
} as const;

export const zkSessionExpiredCode = zkCode.SESSION_EXPIRED;

/** Any ZooKeeper failure; `code` is ZooKeeper's result code, `op` and `path` say what failed. */
export class ZkError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    readonly op: string,
    readonly path: string | undefined,
    detail?: string,
  ) {
    super(`ZooKeeper ${op}${path === undefined ? '' : ` ${path}`} failed: ${codeName}${detail ? ` (${detail})` : ''}`);
    this.name = new.target.name;
  }
}

/**
 * The connection dropped before the answer came. The session may still be alive, and a write may
 * or may not have been applied: retry, and treat NodeExists/BadVersion/NoNode on the retry of a
 * write as "maybe it was mine" (check the znode's ephemeralOwner or data, as Kafka does).
 */
export class ZkConnectionLossError extends ZkError {}

/**
 * The session is gone: every ephemeral znode it owned is deleted and every leadership it held is
 * lost. The client opens a new session by itself; the owner must re-register (see ZkClient).
 */
export class ZkSessionExpiredError extends ZkError {}

/** The znode already exists: another writer won the race (or a retried create of our own did). */
export class ZkNodeExistsError extends ZkError {}

/** The conditional write lost: someone else changed the znode first. Re-read and decide again. */
export class ZkBadVersionError extends ZkError {}

/** The znode (or, for create, its parent) does not exist. */
export class ZkNoNodeError extends ZkError {}

/**
 * The znode's ACL does not let this session's identity do that (zookeeper.set.acl): the session
 * authenticated as someone else, or not at all. Retrying does not help; fix the credentials.
 */
export class ZkNoAuthError extends ZkError {}

/** The server does not know the request's op (e.g. multiRead asked of a ZooKeeper before 3.6). */
export class ZkUnimplementedError extends ZkError {}

/** Delete of a znode that still has children. */
export class ZkNotEmptyError extends ZkError {}

/** No session could be established within the connection timeout: the ensemble is unreachable. */
export class ZkConnectTimeoutError extends ZkError {}

/** The ZkClient was closed by its owner; nothing more can be asked of it. */
export class ZkClientClosedError extends ZkError {
  constructor(op: string, path: string | undefined) {
    super(0, 'CLIENT_CLOSED', op, path, 'the client was closed');
  }
}

type ZkErrorClass = new (code: number, codeName: string, op: string, path: string | undefined, detail?: string) => ZkError;

const classByCode = new Map<number, ZkErrorClass>([
  [zkCode.CONNECTION_LOSS, ZkConnectionLossError],
  [zkCode.UNIMPLEMENTED, ZkUnimplementedError],
  // An operation timeout is the server side of a lost connection: same meaning, same handling.
  [zkCode.OPERATION_TIMEOUT, ZkConnectionLossError],
  [zkCode.SESSION_EXPIRED, ZkSessionExpiredError],
  [zkCode.NODE_EXISTS, ZkNodeExistsError],
  [zkCode.BAD_VERSION, ZkBadVersionError],
  [zkCode.NO_NODE, ZkNoNodeError],
  [zkCode.NO_AUTH, ZkNoAuthError],
  [zkCode.NOT_EMPTY, ZkNotEmptyError],
]);

interface LibraryException {
  code: number;
  name: string;
}

function isLibraryException(err: unknown): err is LibraryException {
  return (
    typeof err === 'object' && err !== null &&
    typeof (err as LibraryException).code === 'number' && typeof (err as LibraryException).name === 'string'
  );
}

/** The names of the codes Josef does not act on, as node-zookeeper-client spells them (ZooKeeper's KeeperException.Code). */
const otherCodeNames: Record<string, number> = {
  SYSTEM_ERROR: -1, RUNTIME_INCONSISTENCY: -2, DATA_INCONSISTENCY: -3, MARSHALLING_ERROR: -5, BAD_ARGUMENTS: -8, API_ERROR: -100,
  NO_CHILDREN_FOR_EPHEMERALS: -108, INVALID_CALLBACK: -113, INVALID_ACL: -114, AUTH_FAILED: -115,
};

const codeNames = new Map<number, string>(Object.entries({ ...zkCode, ...otherCodeNames }).map(([name, code]) => [code, name]));

/** The typed error for a result code ZooKeeper gave one op of a multi or multiRead (not through the library's exceptions). */
export function zkErrorOfCode(code: number, op: string, path: string | undefined): ZkError {
  const ErrorClass = classByCode.get(code) ?? ZkError;
  return new ErrorClass(code, codeNames.get(code) ?? `error ${code}`, op, path);
}

/** Wraps what node-zookeeper-client reported for `op` on `path` in the matching typed error. */
export function toZkError(err: unknown, op: string, path: string | undefined): Error {
  if (err instanceof ZkError) return err;
  if (!isLibraryException(err)) return err instanceof Error ? err : new Error(String(err));
  const ErrorClass = classByCode.get(err.code) ?? ZkError;
  return new ErrorClass(err.code, err.name, op, path);
}
