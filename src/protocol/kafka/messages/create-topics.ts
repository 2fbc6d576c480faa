/**
 * CreateTopics (key 19), versions 0-4. Kafka lists a topic's configs as name/value pairs; Josef's
 * handler takes them as a record. A partition count or replication factor of -1 takes the broker's
 * num.partitions or default.replication.factor: version 4 says so (KIP-464), and Kafka's broker
 * reads -1 so in every version, as Josef does. Version 0 has no validateOnly (false) and no error
 * messages. A timeout of 0 or less answers REQUEST_TIMED_OUT for the topics written, as Kafka does
 * (src/server/handlers/create-topics.ts).
 */
import { ApiKey } from '../../api-keys';
import type { CreatableTopic, CreateTopicsRequest } from '../../messages';
import { kafkaApi } from '../api';
import { array, arrayOf, field, message } from '../schema';

interface KafkaCreatableTopic extends Omit<CreatableTopic, 'configs'> {
  configs: { name: string; value: string | null }[];
}

export const createTopicsApi = kafkaApi({
  apiKey: ApiKey.CreateTopics,
  versions: '0-4',
  flexibleVersions: '5+',
  request: message('CreateTopicsRequest', [
    array('topics', '0+', [
      field('name', 'string'),
      field('numPartitions', 'int32'),
      field('replicationFactor', 'int16'),
      array('assignments', '0+', [
        field('partition', 'int32'),
        arrayOf('brokerIds', 'int32'),
      ]),
      array('configs', '0+', [
        field('name', 'string'),
        field('value', 'string', '0+', { nullable: '0+' }),
      ]),
    ]),
    field('timeoutMs', 'int32', '0+', { default: 60_000 }),
    field('validateOnly', 'bool', '1+'),
  ]),
  response: message('CreateTopicsResponse', [
    field('throttleTimeMs', 'int32', '2+'),
    array('topics', '0+', [
      field('name', 'string'),
      field('errorCode', 'int16'),
      field('errorMessage', 'string', '1+', { nullable: '0+', default: null }),
    ]),
  ]),
  toJosefRequest: (decoded): CreateTopicsRequest => ({
    topics: (decoded.topics as KafkaCreatableTopic[]).map((t) => ({
      ...t,
      configs: Object.fromEntries(t.configs.map((c) => [c.name, c.value])),
    })),
    timeoutMs: decoded.timeoutMs as number,
    validateOnly: decoded.validateOnly as boolean,
  }),
  errorResponse: (request, errorCode) => ({ topics: (request.topics ?? []).map((t) => ({ name: t.name, errorCode, errorMessage: null })) }),
});
