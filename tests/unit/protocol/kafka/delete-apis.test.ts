/**
 * DeleteRecords (key 21) and DeleteGroups (key 42) as described for Kafka's protocol: each
 * advertised version's request and response survive their codec unchanged, version 0's bytes are
 * the ones Kafka's schema lays out (field by field, written out here by hand), and an error answer
 * names every partition or group of the request.
 */
import { ApiKey } from '../../../../src/protocol/api-keys';
import { codecsFor, kafkaApiFor, kafkaApiVersions } from '../../../../src/protocol/kafka/apis';
import type { Struct } from '../../../../src/protocol/kafka/codec';
import { KafkaWriter } from '../../../../src/protocol/kafka/kafka-writer';
import type { DeleteGroupsRequest, DeleteRecordsRequest } from '../../../../src/protocol/messages';
import { roundTrip } from '../../../helpers/kafka-wire';

const api = (key: number) => kafkaApiFor(key)!;

/** Big-endian fields, written one by one as the schema orders them. */
const int16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};
const string = (s: string): Buffer => Buffer.concat([int16(Buffer.byteLength(s)), Buffer.from(s)]);
const fields = (...parts: Buffer[]): Buffer => Buffer.concat(parts);

function encoded(apiKey: number, version: number, direction: 'request' | 'response', value: Struct): Buffer {
  const w = new KafkaWriter(true);
  codecsFor(api(apiKey), version)[direction].write(w, value);
  return Buffer.concat(w.finish().chunks);
}

/** The API is advertised as versions 0-1, neither flexible, and in each `request` and `response` survive their codecs. */
function expectVersions0To1RoundTrip(apiKey: number, request: object, response: Struct): void {
  expect(kafkaApiVersions((key) => key === apiKey)).toEqual([{ apiKey, minVersion: 0, maxVersion: 1 }]);
  for (const version of [0, 1]) {
    const codecs = codecsFor(api(apiKey), version);
    expect([version, codecs.flexible]).toEqual([version, false]);
    expect(roundTrip(codecs.request, request as Struct)).toEqual(request);
    expect(roundTrip(codecs.response, response)).toEqual(response);
  }
}

describe('DeleteRecords on the Kafka protocol', () => {
  const request: DeleteRecordsRequest = {
    topics: [{ name: 'orders', partitions: [{ partition: 0, offset: 12 }, { partition: 2, offset: -1 }] }, { name: 'logs', partitions: [{ partition: 1, offset: 0 }] }],
    timeoutMs: 30_000,
  };
  const response = {
    throttleTimeMs: 0,
    topics: [{ name: 'orders', partitions: [{ partition: 0, lowWatermark: 12, errorCode: 0 }, { partition: 2, lowWatermark: -1, errorCode: 7 }] }],
  };

  it('is advertised as versions 0-1, and each round-trips', () => expectVersions0To1RoundTrip(ApiKey.DeleteRecords, request, response));

  it('lays version 0 out as Kafka\'s schema does', () => {
    const small: DeleteRecordsRequest = { topics: [{ name: 'orders', partitions: [{ partition: 3, offset: 12 }] }], timeoutMs: 500 };
    expect(encoded(ApiKey.DeleteRecords, 0, 'request', small as unknown as Struct)).toEqual(fields(
      int32(1), string('orders'), int32(1), int32(3), int64(12), int32(500),
    ));
    const answer = { throttleTimeMs: 5, topics: [{ name: 'orders', partitions: [{ partition: 3, lowWatermark: 12, errorCode: 1 }] }] };
    expect(encoded(ApiKey.DeleteRecords, 0, 'response', answer)).toEqual(fields(
      int32(5), int32(1), string('orders'), int32(1), int32(3), int64(12), int16(1),
    ));
  });

  it('fails every partition of a failed request with no low watermark', () => {
    expect(api(ApiKey.DeleteRecords).errorResponse(request, 42, 1)).toEqual({
      throttleTimeMs: 0,
      topics: [
        { name: 'orders', partitions: [{ partition: 0, lowWatermark: -1, errorCode: 42 }, { partition: 2, lowWatermark: -1, errorCode: 42 }] },
        { name: 'logs', partitions: [{ partition: 1, lowWatermark: -1, errorCode: 42 }] },
      ],
    });
  });
});

describe('DeleteGroups on the Kafka protocol', () => {
  const request: DeleteGroupsRequest = { groupsNames: ['billing', 'audit'] };
  const response = { throttleTimeMs: 0, results: [{ groupId: 'billing', errorCode: 0 }, { groupId: 'audit', errorCode: 68 }] };

  it('is advertised as versions 0-1, and each round-trips', () => expectVersions0To1RoundTrip(ApiKey.DeleteGroups, request, response));

  it('lays version 0 out as Kafka\'s schema does', () => {
    expect(encoded(ApiKey.DeleteGroups, 0, 'request', { groupsNames: ['g1'] })).toEqual(fields(int32(1), string('g1')));
    expect(encoded(ApiKey.DeleteGroups, 0, 'response', { throttleTimeMs: 0, results: [{ groupId: 'g1', errorCode: 69 }] })).toEqual(fields(
      int32(0), int32(1), string('g1'), int16(69),
    ));
  });

  it('fails every group of a failed request', () => {
    expect(api(ApiKey.DeleteGroups).errorResponse(request, 16, 0)).toEqual({
      throttleTimeMs: 0, results: [{ groupId: 'billing', errorCode: 16 }, { groupId: 'audit', errorCode: 16 }],
    });
  });
});
