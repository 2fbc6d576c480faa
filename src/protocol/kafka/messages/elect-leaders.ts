/**
 * ElectLeaders (key 43), versions 0-1: version 0 elects preferred leaders only; version 1 says
 * which election (KIP-460: preferred or unclean) and adds an error code for the whole request.
 */
import { ApiKey } from '../../api-keys';
import { ElectionType } from '../../messages';
import { kafkaApi } from '../api';
import { array, arrayOf, field, message } from '../schema';

export const electLeadersApi = kafkaApi({
  apiKey: ApiKey.ElectLeaders,
  versions: '0-1',
  flexibleVersions: '2+',
  request: message('ElectLeadersRequest', [
    field('electionType', 'int8', '1+', { default: ElectionType.PREFERRED }),
    array('topicPartitions', '0+', [
      field('topic', 'string'),
      arrayOf('partitionId', 'int32'),
    ], { nullable: '0+' }),
    field('timeoutMs', 'int32', '0+', { default: 60_000 }),
  ]),
  response: message('ElectLeadersResponse', [
    field('throttleTimeMs', 'int32'),
    field('errorCode', 'int16', '1+'),
    array('replicaElectionResults', '0+', [
      field('topic', 'string'),
      array('partitionResult', '0+', [
        field('partitionId', 'int32'),
        field('errorCode', 'int16'),
        field('errorMessage', 'string', '0+', { nullable: '0+' }),
      ]),
    ]),
  ]),
  // Kafka's getErrorResponse: the error for the request and for every partition it named.
  errorResponse: (request, errorCode) => ({
    throttleTimeMs: 0,
    errorCode,
    replicaElectionResults: (request.topicPartitions ?? []).map((t) => ({
      topic: t.topic,
      partitionResult: (t.partitionId ?? []).map((partitionId) => ({ partitionId, errorCode, errorMessage: null })),
    })),
  }),
});
