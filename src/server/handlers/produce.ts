/**
 * Produce (key 0): appends each partition's batches through the replica manager. acks=0 gets no
 * answer; if a partition failed, the connection is closed instead, as Kafka does, since that is
 * the only way to tell a producer that asked for no answer (it then refreshes its metadata).
 */
import { ErrorCode } from '../../common/errors';
import { ApiKey } from '../../protocol/api-keys';
import type { ProduceRequest, ProduceResponse } from '../../protocol/messages';
import { CloseConnection } from '../../protocol/wire-protocol';
import type { Handler } from '../dispatcher';
import { emptyProduceResult, type ReplicaManager } from '../replica-manager';
import { splitByTopic, type AuthorizeRequest } from './authorization';
import { flattenByTopic, groupByTopic } from './by-topic';

export function produceHandler(replicaManager: ReplicaManager, authorize: AuthorizeRequest): Handler<typeof ApiKey.Produce> {
  return async (body: ProduceRequest, ctx): Promise<ProduceResponse | null | CloseConnection> => {
    // Kafka's handleProduceRequest: a topic the principal may not Write is answered, not appended.
    const { authorized, refused } = splitByTopic(flattenByTopic(body.topics, 'Produce'), authorize, ctx, 'Write');
    const appended = await replicaManager.appendRecords(body.acks, body.timeoutMs, authorized, { onWaitingForAcks: ctx.onWaitingForAcks });
    const results = [...refused.map((e) => ({ ...emptyProduceResult(e), errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED.code })), ...appended];
    if (body.acks === 0) {
      const failed = results.find((r) => r.errorCode !== ErrorCode.NONE.code);
      return failed === undefined ? null : new CloseConnection(`an acks=0 Produce to ${failed.topic}-${failed.partition} failed with error ${failed.errorCode}: closing the connection, the one signal such a producer gets (Kafka's rule)`);
    }
    return { topics: groupByTopic(results), throttleTimeMs: 0 };
  };
}
