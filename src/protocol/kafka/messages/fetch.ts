/**
 * Fetch (key 1), versions 4-11: consumers read whole record batches, straight from the segment
 * files into the answer. Josef has no fetch sessions (KIP-227): every fetch is a full one, answered
 * with session id 0 ("no session was made"), after which clients go on sending full fetches; a
 * fetch that names a session, or an epoch past the first, is refused as Kafka refuses one for a
 * session it does not have. Without transactions the last stable offset is the
 * high watermark and there are no aborted transactions, so both isolation levels read the same.
 */
import { ErrorCode, JosefError } from '../../../common/errors';
import { ApiKey } from '../../api-keys';
import type { FetchRequest } from '../../messages';
import { eachPartitionFails, kafkaApi } from '../api';
import type { Struct } from '../codec';
import { array, arrayOf, field, message } from '../schema';

const noRecords = Buffer.alloc(0);

export const fetchApi = kafkaApi({
  apiKey: ApiKey.Fetch,
  versions: '4-11',
  flexibleVersions: '12+',
  request: message('FetchRequest', [
    field('replicaId', 'int32'),
    field('maxWaitMs', 'int32'),
    field('minBytes', 'int32'),
    field('maxBytes', 'int32', '3+', { default: 0x7fffffff }),
    field('isolationLevel', 'int8', '4+'),
    field('sessionId', 'int32', '7+'),
    field('sessionEpoch', 'int32', '7+', { default: -1 }),
    array('topics', '0+', [
      field('name', 'string'),
      array('partitions', '0+', [
        field('partition', 'int32'),
        field('currentLeaderEpoch', 'int32', '9+', { default: -1 }),
        field('fetchOffset', 'int64'),
        field('logStartOffset', 'int64', '5+', { default: -1 }),
        field('partitionMaxBytes', 'int32'),
      ]),
    ]),
    // Incremental fetches name partitions to drop from the session; with no sessions there are none.
    array('forgottenTopics', '7+', [
      field('name', 'string'),
      arrayOf('partitions', 'int32'),
    ]),
    field('rackId', 'string', '11+'),
  ]),
  response: message('FetchResponse', [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '7+'),
    field('sessionId', 'int32', '7+'),
    array('topics', '0+', [
      field('name', 'string'),
      array('partitions', '0+', [
        field('partition', 'int32'),
        field('errorCode', 'int16'),
        field('highWatermark', 'int64'),
        field('lastStableOffset', 'int64', '4+', { default: -1 }),
        field('logStartOffset', 'int64', '5+', { default: -1 }),
        array('abortedTransactions', '4+', [
          field('producerId', 'int64'),
          field('firstOffset', 'int64'),
        ], { nullable: '4+', default: null }),
        field('preferredReadReplica', 'int32', '11+', { default: -1 }),
        field('records', 'records', '0+', { nullable: '0+' }),
      ]),
    ]),
  ]),
  toJosefRequest: (decoded) => {
    if (decoded.sessionId !== 0) throw new JosefError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND, `fetch session ${String(decoded.sessionId)}: this broker makes no fetch sessions`);
    if ((decoded.sessionEpoch as number) > 0) throw new JosefError(ErrorCode.INVALID_FETCH_SESSION_EPOCH, `fetch session epoch ${String(decoded.sessionEpoch)} without a session`);
    return decoded as unknown as FetchRequest;
  },
  // No transactions: everything below the high watermark is stable. A partition with nothing to
  // give gets empty records, never null: Kafka's brokers send size 0 and librdkafka rejects -1.
  toKafkaResponse: (response) => {
    for (const topic of response.topics) {
      for (const p of topic.partitions) {
        const kafka = p as unknown as Struct;
        kafka.lastStableOffset = p.highWatermark;
        if (p.records === null) kafka.records = noRecords;
      }
    }
    return response as unknown as Struct;
  },
  errorResponse: (request, errorCode) => ({
    throttleTimeMs: 0,
    errorCode,
    sessionId: 0,
    topics: eachPartitionFails(request.topics, (p) => ({ partition: p.partition, errorCode, highWatermark: -1, records: noRecords })),
  }),
});
