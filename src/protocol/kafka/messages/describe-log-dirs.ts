/**
 * DescribeLogDirs (key 35), versions 0-1 (the same message; 1 only changed when a throttled answer
 * is sent): the broker's log dirs and the size of each partition log in them. Null topics ask for
 * every partition the broker hosts.
 */
import { ApiKey } from '../../api-keys';
import { kafkaApi } from '../api';
import { array, arrayOf, field, message } from '../schema';

export const describeLogDirsApi = kafkaApi({
  apiKey: ApiKey.DescribeLogDirs,
  versions: '0-1',
  flexibleVersions: '2+',
  request: message('DescribeLogDirsRequest', [
    array('topics', '0+', [
      field('topic', 'string'),
      arrayOf('partitions', 'int32'),
    ], { nullable: '0+' }),
  ]),
  response: message('DescribeLogDirsResponse', [
    field('throttleTimeMs', 'int32'),
    array('results', '0+', [
      field('errorCode', 'int16'),
      field('logDir', 'string'),
      array('topics', '0+', [
        field('name', 'string'),
        array('partitions', '0+', [
          field('partition', 'int32'),
          field('size', 'int64'),
          field('offsetLag', 'int64'),
          field('isFuture', 'bool'),
        ]),
      ]),
    ]),
  ]),
  // Kafka's v0-1 answer has no error of its own: a request that fails as a whole lists no log dirs.
  errorResponse: () => ({ throttleTimeMs: 0, results: [] }),
});
