/**
 * Produce (key 0): appends each partition's batches through the replica manager. acks=0 gets no
 * answer; if a partition failed, the connection is closed instead, as Kafka does, since that is
 * the only way to tell a producer that asked for no answer (it then refreshes its metadata).
 * Not an async function: an acks=0 or acks=1 Produce is answered in the same turn, without a
 * promise (librdkafka sends one Produce per partition, so per-request costs count).
 */
import { ErrorCode } from '../../common/errors';
import { ApiKey } from '../../protocol/api-keys';
import { groupByTopic, type ByTopic, type ProduceRequest, type ProducePartitionResponse, type ProduceResponse } from '../../protocol/messages';
import { CloseConnection } from '../../protocol/wire-protocol';
import type { Handler } from '../dispatcher';
import { emptyProduceResult, type ProducePartitionResult, type ReplicaManager, type TopicPartitionRef } from '../replica-manager';
import { splitByTopic, type AuthorizeRequest } from './authorization';
import { flattenByTopic } from './by-topic';

export function produceHandler(replicaManager: ReplicaManager, authorize: AuthorizeRequest): Handler<typeof ApiKey.Produce> {
  return (body: ProduceRequest, ctx): ProduceResponse | null | CloseConnection | Promise<ProduceResponse | null | CloseConnection> => {
    // Kafka's handleProduceRequest: a topic the principal may not Write is answered, not appended.
    const { authorized, refused } = splitByTopic(flattenByTopic(body.topics, 'Produce'), authorize, ctx, 'Write');
    const appended = replicaManager.appendRecords(body.acks, body.timeoutMs, authorized, { onWaitingForAcks: ctx.onWaitingForAcks });
    if (appended instanceof Promise) return appended.then((results) => produceResponse(body.acks, refused, results));
    return produceResponse(body.acks, refused, appended);
  };
}

function produceResponse(acks: number, refused: TopicPartitionRef[], appended: ProducePartitionResult[]): ProduceResponse | null | CloseConnection {
  const results = refused.length === 0
    ? appended
    : [...refused.map((e) => Object.assign(emptyProduceResult(e), { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED.code })), ...appended];
  if (acks === 0) {
    const failed = results.find((r) => r.errorCode !== ErrorCode.NONE.code);
    return failed === undefined ? null : new CloseConnection(`an acks=0 Produce to ${failed.topic}-${failed.partition} failed with error ${failed.errorCode}: closing the connection, the one signal such a producer gets (Kafka's rule)`);
  }
  return { topics: responseTopics(results), throttleTimeMs: 0 };
}

/** The results by topic, in first-seen order; each partition's written out, not copied by a rest pattern (V8's runtime, per partition). */
function responseTopics(results: ProducePartitionResult[]): ByTopic<ProducePartitionResponse>[] {
  return groupByTopic(results, (r) => r.topic, (r) => ({
    partition: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage, baseOffset: r.baseOffset, logAppendTimeMs: r.logAppendTimeMs, logStartOffset: r.logStartOffset,
  }));
}
