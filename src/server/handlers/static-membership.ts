/**
 * Josef's group coordinator serves dynamic members only: KIP-345 static membership (a member
 * that names itself with group.instance.id and keeps its assignment across restarts) is not
 * implemented. A request that names an instance id is refused with UNSUPPORTED_VERSION, which is
 * what Kafka's broker answers JoinGroup, SyncGroup, Heartbeat and OffsetCommit with when it cannot
 * serve static members (inter.broker.protocol.version below 2.3): the client learns at its first
 * JoinGroup that group.instance.id cannot be used here. Null (every client's default) is served.
 */
import { ErrorCode, JosefError } from '../../common/errors';

export function refuseStaticMember(groupInstanceId: string | null | undefined, api: string): void {
  if (groupInstanceId === null || groupInstanceId === undefined) return;
  throw new JosefError(ErrorCode.UNSUPPORTED_VERSION, `${api}: group.instance.id "${groupInstanceId}" asks for static membership (KIP-345), which this broker does not serve`);
}
