/**
 * OffsetForLeaderEpoch (key 23, Josef's OffsetsForLeaderEpoch), versions 0-3: where a leader epoch
 * ends in the leader's log, for a consumer or replica that must truncate (KIP-101, KIP-320).
 * Version 0 answers without the epoch; versions before 2 cannot name the asker's current leader
 * epoch (-1: not checked); versions before 3 do not name the asker, whom Kafka then takes for a
 * debugging consumer (-2).
 */
import { ApiKey } from '../../api-keys';
import { eachPartitionFails, kafkaApi } from '../api';
import { array, field, message } from '../schema';

export const offsetsForLeaderEpochApi = kafkaApi({
  apiKey: ApiKey.OffsetsForLeaderEpoch,
  versions: '0-3',
  flexibleVersions: '4+',
  request: message('OffsetForLeaderEpochRequest', [
    field('replicaId', 'int32', '3+', { default: -2 }),
    array('topics', '0+', [
      field('name', 'string'),
      array('partitions', '0+', [
        field('partition', 'int32'),
        field('currentLeaderEpoch', 'int32', '2+', { default: -1 }),
        field('leaderEpoch', 'int32'),
      ]),
    ]),
  ]),
  response: message('OffsetForLeaderEpochResponse', [
    field('throttleTimeMs', 'int32', '2+'),
    array('topics', '0+', [
      field('name', 'string'),
      array('partitions', '0+', [
        field('errorCode', 'int16'),
        field('partition', 'int32'),
        field('leaderEpoch', 'int32', '1+', { default: -1 }),
        field('endOffset', 'int64'),
      ]),
    ]),
  ]),
  errorResponse: (request, errorCode) => ({
    topics: eachPartitionFails(request.topics, (p) => ({ errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1 })),
  }),
});
