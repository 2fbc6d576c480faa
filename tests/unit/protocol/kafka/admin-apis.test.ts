/**
 * DescribeConfigs 0-2, AlterConfigs 0-1, CreatePartitions 0-1 and ElectLeaders 0-1 on Kafka's
 * protocol: kafka-python's requests (ElectLeaders declared with its types, which kafka-python
 * lacks) decode into Josef's shapes, the fields a version lacks as their defaults (no synonyms
 * before DescribeConfigs v1, a preferred election in ElectLeaders v0), and Josef's answers encode
 * byte for byte as kafka-python encodes Kafka's, DescribeConfigs v0 saying isDefault where later
 * versions give the source; a request that fails as a whole is answered per resource, topic or partition.
 */
import { ErrorCode } from '../../../../src/common/errors';
import {
  ConfigSource, type AlterConfigsResponse, type CreatePartitionsResponse, type DescribeConfigsResponse, type ElectLeadersResponse,
} from '../../../../src/protocol/messages';
import { RequestFailure } from '../../../../src/protocol/wire-protocol';
import { decodeRequest, encodeResponse, goldenFrames, versions } from '../../../helpers/kafka-golden';

describe('DescribeConfigs on Kafka\'s protocol', () => {
  it.each(versions(0, 2))('v%i', (version) => {
    const frames = goldenFrames('DescribeConfigs', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({
      resources: [{ resourceType: 2, resourceName: 't', configurationKeys: ['retention.ms', 'segment.bytes'] }, { resourceType: 4, resourceName: '2', configurationKeys: null }],
      includeSynonyms: version >= 1,
    });
    const answer: DescribeConfigsResponse = {
      throttleTimeMs: 0,
      results: [{
        errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't', configs: [
          {
            name: 'retention.ms', value: '60000', readOnly: false, configSource: ConfigSource.TOPIC_CONFIG, isSensitive: false,
            synonyms: [{ name: 'retention.ms', value: '60000', source: ConfigSource.TOPIC_CONFIG }, { name: 'log.retention.ms', value: '604800000', source: ConfigSource.DEFAULT_CONFIG }],
          },
          {
            name: 'segment.bytes', value: '1073741824', readOnly: false, configSource: ConfigSource.DEFAULT_CONFIG, isSensitive: false,
            synonyms: [{ name: 'log.segment.bytes', value: '1073741824', source: ConfigSource.DEFAULT_CONFIG }],
          },
        ],
      }, {
        errorCode: ErrorCode.INVALID_REQUEST.code, errorMessage: 'Unexpected broker id, expected 1 or empty string, but received 2', resourceType: 4, resourceName: '2', configs: [],
      }],
    };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });
});

describe('AlterConfigs on Kafka\'s protocol', () => {
  it.each(versions(0, 1))('v%i', (version) => {
    const frames = goldenFrames('AlterConfigs', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({
      resources: [
        { resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', value: '60000' }] },
        { resourceType: 4, resourceName: '1', configs: [{ name: 'leader.replication.throttled.rate', value: '1048576' }, { name: 'num.partitions', value: '3' }] },
      ],
      validateOnly: true,
    });
    const answer: AlterConfigsResponse = { throttleTimeMs: 0, responses: [
      { errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't' },
      { errorCode: ErrorCode.INVALID_REQUEST.code, errorMessage: "Invalid config value for resource ConfigResource(type=BROKER, name='1'): Cannot update these configs dynamically: num.partitions", resourceType: 4, resourceName: '1' },
    ] };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });
});

describe('CreatePartitions on Kafka\'s protocol', () => {
  it.each(versions(0, 1))('v%i', (version) => {
    const frames = goldenFrames('CreatePartitions', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({
      topics: [{ name: 't1', count: 4, assignments: [{ brokerIds: [1, 2] }, { brokerIds: [2, 3] }] }, { name: 't2', count: 3, assignments: null }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    const answer: CreatePartitionsResponse = { throttleTimeMs: 0, results: [
      { name: 't1', errorCode: 0, errorMessage: null },
      { name: 't2', errorCode: ErrorCode.INVALID_PARTITIONS.code, errorMessage: 'Topic already has 3 partitions.' },
    ] };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });
});

describe('ElectLeaders on Kafka\'s protocol', () => {
  it.each(versions(0, 1))('v%i', (version) => {
    const frames = goldenFrames('ElectLeaders', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({ electionType: version === 0 ? 0 : 1, topicPartitions: [{ topic: 't', partitionId: [0, 1] }], timeoutMs: 5000 });
    expect(decodeRequest(frames.requestAll).body).toEqual({ electionType: 0, topicPartitions: null, timeoutMs: 5000 });
    const answer: ElectLeadersResponse = { throttleTimeMs: 0, errorCode: 0, replicaElectionResults: [{ topic: 't', partitionResult: [
      { partitionId: 0, errorCode: 0, errorMessage: null },
      { partitionId: 1, errorCode: ErrorCode.ELECTION_NOT_NEEDED.code, errorMessage: null },
    ] }] };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });

  it('a failed request carries its error for the request and every partition named (v1), as Kafka\'s getErrorResponse', () => {
    const request = decodeRequest(goldenFrames('ElectLeaders', 1).request);
    const frame = Buffer.from(encodeResponse(request, new RequestFailure(ErrorCode.INVALID_REQUEST.code)), 'hex');
    // correlation id, throttle time, then the request's error code; each partition's follows its id.
    expect(frame.readInt16BE(8)).toBe(ErrorCode.INVALID_REQUEST.code);
    const firstPartitionAt = 8 + 2 + 4 + 2 + 1 + 4;
    expect([frame.readInt32BE(firstPartitionAt), frame.readInt16BE(firstPartitionAt + 4)]).toEqual([0, ErrorCode.INVALID_REQUEST.code]);
  });
});

describe('a request that fails as a whole', () => {
  it.each([['DescribeConfigs', 2], ['AlterConfigs', 1], ['CreatePartitions', 1]] as const)('%s v%i answers each resource or topic with the error', (api, version) => {
    const request = decodeRequest(goldenFrames(api, version).request);
    const frame = Buffer.from(encodeResponse(request, new RequestFailure(ErrorCode.NOT_CONTROLLER.code)), 'hex');
    // correlation id, throttle time, the array's length, then each item: its error code first, or after the topic's name.
    expect(frame.readInt32BE(8)).toBe(2);
    const firstError = api === 'CreatePartitions' ? frame.readInt16BE(12 + 2 + 2) : frame.readInt16BE(12);
    expect(firstError).toBe(ErrorCode.NOT_CONTROLLER.code);
  });
});
