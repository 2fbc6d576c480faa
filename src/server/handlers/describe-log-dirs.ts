/** DescribeLogDirs (key 35, KIP-113): the broker's log dirs and the size of each partition log in them. */
import { ErrorCode, JosefError } from '../../common/errors';
import type { ApiKey } from '../../protocol/api-keys';
import type { DescribeLogDirsRequest, DescribeLogDirsResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { ReplicaManager } from '../replica-manager';
import { requireArray } from './by-topic';

/** The partitions a request names, or null for all; a malformed body is INVALID_REQUEST. */
function partitionsAsked(body: DescribeLogDirsRequest): { topic: string; partition: number }[] | null {
  if (body.topics === null) return null;
  return requireArray(body.topics, 'DescribeLogDirs.topics').flatMap((t) => {
    if (typeof t?.topic !== 'string') throw new JosefError(ErrorCode.INVALID_REQUEST, 'DescribeLogDirs: a topic without a name');
    return requireArray(t.partitions, `DescribeLogDirs.topics[${t.topic}].partitions`).map((partition) => {
      if (!Number.isInteger(partition)) throw new JosefError(ErrorCode.INVALID_REQUEST, `DescribeLogDirs: partition ${String(partition)} of ${t.topic} is not an integer`);
      return { topic: t.topic, partition };
    });
  });
}

export function describeLogDirsHandler(replicaManager: ReplicaManager): Handler<typeof ApiKey.DescribeLogDirs> {
  return (body: DescribeLogDirsRequest): DescribeLogDirsResponse => ({ throttleTimeMs: 0, results: replicaManager.describeLogDirs(partitionsAsked(body)) });
}
