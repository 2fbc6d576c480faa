/**
 * Metadata (key 3), versions 0-5: brokers, controller and every partition's leader, replicas and
 * ISR. Kafka names topics as structs ({name}); Josef's handler takes their names. In version 0 an
 * empty list means every topic (later versions say that with null), and versions before 4 cannot
 * say whether to create a missing topic: Kafka creates it then, if the broker allows.
 */
import { ApiKey } from '../../api-keys';
import type { MetadataRequest } from '../../messages';
import { kafkaApi } from '../api';
import { array, arrayOf, field, message } from '../schema';

export const metadataApi = kafkaApi({
  apiKey: ApiKey.Metadata,
  versions: '0-5',
  flexibleVersions: '9+',
  request: message('MetadataRequest', [
    array('topics', '0+', [field('name', 'string')], { nullable: '1+' }),
    field('allowAutoTopicCreation', 'bool', '4+', { default: true }),
  ]),
  response: message('MetadataResponse', [
    field('throttleTimeMs', 'int32', '3+'),
    array('brokers', '0+', [
      field('nodeId', 'int32'),
      field('host', 'string'),
      field('port', 'int32'),
      field('rack', 'string', '1+', { nullable: '1+', default: null }),
    ]),
    field('clusterId', 'string', '2+', { nullable: '2+', default: null }),
    field('controllerId', 'int32', '1+', { default: -1 }),
    array('topics', '0+', [
      field('errorCode', 'int16'),
      field('name', 'string'),
      field('isInternal', 'bool', '1+'),
      array('partitions', '0+', [
        field('errorCode', 'int16'),
        field('partition', 'int32'),
        field('leader', 'int32'),
        field('leaderEpoch', 'int32', '7+', { default: -1 }),
        arrayOf('replicas', 'int32'),
        arrayOf('isr', 'int32'),
        arrayOf('offlineReplicas', 'int32', '5+'),
      ]),
    ]),
  ]),
  toJosefRequest: (decoded, version): MetadataRequest => {
    const topics = decoded.topics as { name: string }[] | null;
    const all = topics === null || (version === 0 && topics.length === 0);
    return { topics: all ? null : topics.map((t) => t.name), allowAutoTopicCreation: decoded.allowAutoTopicCreation as boolean };
  },
  errorResponse: (request, errorCode) => ({
    brokers: [],
    topics: (request.topics ?? []).map((name) => ({ errorCode, name, partitions: [] })),
  }),
});
