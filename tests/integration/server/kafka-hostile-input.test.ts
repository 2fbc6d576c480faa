/**
 * Issue 18's hostile input on Kafka's protocol, one case each, against a broker's real request
 * path (loopback TCP, handlers, replica manager, log files; the test plays the controller):
 * unknown API keys, versions outside the advertised range, ApiVersions in a version it does not
 * speak, a frame over socket.request.max.bytes, a header cut short, a client id or records
 * claiming more than the frame, negative and huge array counts, acks Kafka refuses, acks=0,
 * pipelining, and produced batches that are corrupt, truncated, lying or compressed. Each is
 * answered or closes only its own connection; afterwards the broker serves a Josef client and a
 * Kafka client, and no log changed unless the case wrote valid records. (Thousands of generated
 * requests against the codec: tests/unit/protocol/kafka/; the msgpack protocol: hostile-input.test.ts.)
 */
import fc from 'fast-check';
import type net from 'net';
import { ErrorCode } from '../../../src/common/errors';
import { ApiKey } from '../../../src/protocol/api-keys';
import type { KafkaApi } from '../../../src/protocol/kafka/api';
import { codecsFor, kafkaApiFor } from '../../../src/protocol/kafka/apis';
import type { Struct } from '../../../src/protocol/kafka/codec';
import { KafkaProtocol } from '../../../src/protocol/kafka/kafka-protocol';
import { inRange } from '../../../src/protocol/kafka/schema';
import { BatchField, encodeRecordBatch } from '../../../src/protocol/record-batch';
import { detectProtocol } from '../../../src/protocol/wire-protocol';
import { fuzzSeed } from '../../helpers/fuzz-seed';
import { encodeStruct, kafkaRequest, readKafkaResponse, requestHeader } from '../../helpers/kafka-wire';
import { advertisedVersions, lengthFields, messageArbitrary, withClaimedLength } from '../../helpers/kafka-schema-fuzz';
import { markedCompressed } from '../../helpers/log';
import { framed, rawClient, type RawClient } from '../../helpers/raw-client';
import { host, startSingleBroker, topic, type SingleBroker } from '../../helpers/single-broker';
import { waitFor } from '../../helpers/wait';

jest.setTimeout(60_000);

const requestBytesMax = 1 << 20;
const seed = fuzzSeed('hostile Kafka input against a broker');

function apiOf(apiKey: number): KafkaApi {
  const api = kafkaApiFor(apiKey);
  if (api === undefined) throw new Error(`no Kafka API ${apiKey}`);
  return api;
}

const produceOf = (acks: number, records: Buffer, partitions = [1]): Struct =>
  ({ transactionalId: null, acks, timeoutMs: 5000, topics: [{ name: topic, partitions: partitions.map((partition) => ({ partition, records })) }] });
const fetchOf = (partition: number): Struct =>
  ({ replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, topics: [{ name: topic, partitions: [{ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }] });
const listOffsetsOf = (partition: number): Struct => ({ replicaId: -1, topics: [{ name: topic, partitions: [{ partition, timestamp: -1 }] }] });
const metadataOf = (version: number): Struct => ({ topics: version === 0 ? [] : [{ name: topic }], allowAutoTopicCreation: false });
const aBatch = (): Buffer => encodeRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('value') }, { value: Buffer.from('second') }]);

/** `body` of `apiKey` at `version` encoded, with the length or count at `path` (as lengthFields names it) saying `claimed`. */
function withLyingLength(apiKey: number, version: number, body: Struct, path: string, claimed: number): Buffer {
  const api = apiOf(apiKey);
  const target = { version, flexible: codecsFor(api, version).flexible };
  const lying = lengthFields(api.request, target, body).fields.find((f) => f.path === path);
  if (lying === undefined) throw new Error(`${api.request.name} v${version} has no length at ${path}`);
  return withClaimedLength(encodeStruct(codecsFor(api, version).request, body), lying, claimed);
}

/**
 * What `broker` must do with `frame` (without its length), as Kafka's protocol decodes it: close
 * the connection, or answer as the API and version it names say. A request that waits by design
 * (acks=0 is never answered; a fetch may wait maxWaitMs) is not due an answer within a test's wait,
 * and a first byte damaged into a msgpack array's makes it a Josef request (hostile-input.test.ts's).
 */
function expectedOutcome(broker: SingleBroker, frame: Buffer): 'close' | 'no answer yet' | 'not Kafka' | { apiKey: number; apiVersion: number } {
  if (detectProtocol(frame) !== 'kafka') return 'not Kafka';
  const decoded = new KafkaProtocol((apiKey) => broker.dispatcher.offers(apiKey)).decode(frame);
  if (decoded.kind === 'close') return 'close';
  if (decoded.kind === 'reply') {
    // The protocol's own answer: ApiVersions in a version it does not speak (in v0), or a request its adapter refuses.
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    return apiKey === ApiKey.ApiVersions && !inRange(apiOf(apiKey).versions, apiVersion) ? { apiKey, apiVersion: 0 } : { apiKey, apiVersion };
  }
  const { apiKey, apiVersion, body } = decoded.request;
  const waits = (apiKey === ApiKey.Produce && body.acks === 0) || (apiKey === ApiKey.Fetch && (body.maxWaitMs as number) > 100);
  return waits ? 'no answer yet' : { apiKey, apiVersion };
}

describe('hostile Kafka input', () => {
  let broker: SingleBroker;
  const sockets: net.Socket[] = [];

  const kafka = async (): Promise<RawClient> => {
    const client = await rawClient(host, broker.port);
    sockets.push(client.socket);
    return client;
  };
  /** The answer in `client`'s frame `index`, read as `apiKey` at `version` answers. */
  const answer = async (client: RawClient, index: number, apiKey: number, version: number): Promise<{ correlationId: number; body: Struct }> => {
    await waitFor(() => client.frames.length > index || client.closed(), { timeoutMs: 5_000, intervalMs: 5, message: `answer ${index} of ${apiKey} v${version}` });
    if (client.frames.length <= index) throw new Error(`closed after ${client.frames.length} answers, waiting for answer ${index} of ${apiKey} v${version}`);
    return readKafkaResponse(client.frames[index], apiKey, version);
  };
  /** The broker closes `client` having answered `answered` frames: what came after them got no answer. */
  const closedAfter = async (client: RawClient, answered: number): Promise<void> => {
    await waitFor(client.closed, { timeoutMs: 5_000, intervalMs: 5, message: 'the hostile connection to be closed' });
    expect(client.frames.length).toBe(answered);
  };
  /** A Josef client and a Kafka client (ApiVersions, Metadata) are both served. */
  const stillServes = async (): Promise<void> => {
    const josef = await broker.connect();
    const metadata = await josef.send(ApiKey.Metadata, { topics: [topic], allowAutoTopicCreation: false });
    expect(metadata.topics[0]).toMatchObject({ name: topic, errorCode: 0 });
    const client = await kafka();
    client.socket.write(Buffer.concat([kafkaRequest(ApiKey.ApiVersions, 2, 1, {}), kafkaRequest(ApiKey.Metadata, 5, 2, metadataOf(5))]));
    expect((await answer(client, 0, ApiKey.ApiVersions, 2)).body.errorCode).toBe(0);
    const kafkaMetadata = await answer(client, 1, ApiKey.Metadata, 5);
    expect(kafkaMetadata).toMatchObject({ correlationId: 2, body: { topics: [{ name: topic, errorCode: 0, partitions: [{ partition: 0 }, { partition: 1 }] }] } });
    client.socket.destroy();
  };
  /** What the logs hold: their log end offsets, and every file with its size. */
  const logState = (): { ends: number[]; files: Record<string, number> } => ({ ends: broker.logEnds(), files: broker.logFiles() });

  beforeAll(async () => {
    // Generated Metadata requests name random topics: auto-created, each would wait for leaders that no controller elects here.
    broker = await startSingleBroker('kafka-hostile-input', 2, { 'socket.request.max.bytes': String(requestBytesMax), 'auto.create.topics.enable': 'false' });
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await broker.stop();
  });

  it('an API key the broker does not offer on Kafka\'s protocol closes only its connection, without an answer', async () => {
    // LeaderAndIsr is a Josef (controller) API, not offered to Kafka clients; 9999 and -1 are no API at all.
    for (const apiKey of [ApiKey.LeaderAndIsr, 9999, -1]) {
      const client = await kafka();
      client.socket.write(Buffer.concat([kafkaRequest(ApiKey.ApiVersions, 0, 1, {}), framed(requestHeader(apiKey, 0, 2), Buffer.alloc(8))]));
      expect((await answer(client, 0, ApiKey.ApiVersions, 0)).correlationId).toBe(1);
      await closedAfter(client, 1);
    }
    await stillServes();
  });

  it('a version above the advertised range closes the connection without an answer', async () => {
    for (const apiKey of [ApiKey.Produce, ApiKey.Fetch, ApiKey.ListOffsets, ApiKey.Metadata]) {
      const client = await kafka();
      client.socket.write(kafkaRequest(apiKey, apiOf(apiKey).versions.max + 1, 1, {}));
      await closedAfter(client, 0);
    }
    await stillServes();
  });

  it('a version below the advertised range closes the connection without an answer', async () => {
    for (const [apiKey, version] of [[ApiKey.Produce, 2], [ApiKey.Produce, 0], [ApiKey.Fetch, 3], [ApiKey.Metadata, -1]]) {
      const client = await kafka();
      client.socket.write(kafkaRequest(apiKey, version, 1, {}));
      await closedAfter(client, 0);
    }
    await stillServes();
  });

  it('ApiVersions v3 and later is answered in v0\'s format with UNSUPPORTED_VERSION and its own range; a v0 request then works on the same connection', async () => {
    const api = apiOf(ApiKey.ApiVersions);
    for (const version of [3, 4, 2 ** 15 - 1]) {
      const client = await kafka();
      // What librdkafka sends first: v3 with its software name and version (compact strings) and no tags.
      const softwareNameAndVersion = Buffer.from([11, ...Buffer.from('librdkafka'), 6, ...Buffer.from('2.0.2'), 0]);
      client.socket.write(Buffer.concat([framed(requestHeader(ApiKey.ApiVersions, version, 1, 'rdkafka'), softwareNameAndVersion), kafkaRequest(ApiKey.ApiVersions, 0, 2, {})]));
      expect(await answer(client, 0, ApiKey.ApiVersions, 0)).toEqual({
        correlationId: 1, body: { errorCode: ErrorCode.UNSUPPORTED_VERSION.code, apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: api.versions.min, maxVersion: api.versions.max }], throttleTimeMs: 0 },
      });
      const fallback = await answer(client, 1, ApiKey.ApiVersions, 0);
      expect(fallback).toMatchObject({ correlationId: 2, body: { errorCode: 0 } });
      expect(fallback.body.apiKeys).toEqual(expect.arrayContaining([
        { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 2 },
        { apiKey: ApiKey.Produce, minVersion: apiOf(ApiKey.Produce).versions.min, maxVersion: apiOf(ApiKey.Produce).versions.max },
      ]));
      expect(client.closed()).toBe(false);
      client.socket.destroy();
    }
    await stillServes();
  });

  it('a frame over socket.request.max.bytes closes the connection without an answer, before its body is read', async () => {
    const oversize = (correlationId: number): Buffer => {
      const header = framed(requestHeader(ApiKey.Metadata, 1, correlationId));
      header.writeUInt32BE(requestBytesMax + 1, 0);
      return header;
    };
    const first = await kafka();
    first.socket.write(oversize(1));
    await closedAfter(first, 0);
    const afterAnother = await kafka();
    afterAnother.socket.write(Buffer.concat([kafkaRequest(ApiKey.ApiVersions, 1, 1, {}), oversize(2)]));
    expect((await answer(afterAnother, 0, ApiKey.ApiVersions, 1)).correlationId).toBe(1);
    await closedAfter(afterAnother, 1);
    await stillServes();
  });

  it('a header cut short closes the connection', async () => {
    const header = requestHeader(ApiKey.Metadata, 1, 2, 'cut');
    for (const cut of [1, 2, 4, 7, 9, header.length - 1]) {
      const client = await kafka();
      client.socket.write(Buffer.concat([kafkaRequest(ApiKey.ApiVersions, 0, 1, {}), framed(header.subarray(0, cut))]));
      expect((await answer(client, 0, ApiKey.ApiVersions, 0)).correlationId).toBe(1);
      await closedAfter(client, 1);
    }
    // As the first frame, too: its first bytes look like a Kafka request, so Kafka's rules apply.
    const first = await kafka();
    first.socket.write(framed(header.subarray(0, 7)));
    await closedAfter(first, 0);
    await stillServes();
  });

  it('a client id claiming more bytes than the frame, or a negative length, closes the connection', async () => {
    for (const claimed of [0x7fff, 200, -2, -(2 ** 15)]) {
      const client = await kafka();
      const request = kafkaRequest(ApiKey.Metadata, 1, 1, metadataOf(1), 'liar');
      request.writeInt16BE(claimed, 4 + 8); // after the frame length, the API key, version and correlation id
      client.socket.write(request);
      await closedAfter(client, 0);
    }
    await stillServes();
  });

  it('a Produce whose records length points past the frame closes the connection and writes nothing', async () => {
    const before = logState();
    const records = 'ProduceRequest.topics[0].partitions[0].records';
    for (const version of [3, 7]) {
      for (const claimed of [aBatch().length + 1, aBatch().length + 100, 2 ** 31 - 1]) {
        const client = await kafka();
        client.socket.write(framed(requestHeader(ApiKey.Produce, version, 1), withLyingLength(ApiKey.Produce, version, produceOf(1, aBatch()), records, claimed)));
        await closedAfter(client, 0);
      }
    }
    expect(logState()).toEqual(before);
    await stillServes();
  });

  it('negative and huge array counts close the connection and write nothing', async () => {
    const before = logState();
    const lies: [number, number, Struct, string, number][] = [
      [ApiKey.Produce, 7, produceOf(1, aBatch()), 'ProduceRequest.topics', -2],
      [ApiKey.Produce, 7, produceOf(1, aBatch()), 'ProduceRequest.topics', 2 ** 31 - 1],
      [ApiKey.Produce, 3, produceOf(1, aBatch()), 'ProduceRequest.topics[0].partitions', -(2 ** 31)],
      [ApiKey.Produce, 3, produceOf(1, aBatch()), 'ProduceRequest.topics[0].partitions', -1], // null where it may not be
      [ApiKey.Fetch, 11, fetchOf(0), 'FetchRequest.topics[0].partitions', 2 ** 31 - 1],
      [ApiKey.Fetch, 4, fetchOf(0), 'FetchRequest.topics', -5],
      [ApiKey.Metadata, 0, { topics: [{ name: topic }] }, 'MetadataRequest.topics', -1], // null only from v1
      [ApiKey.Metadata, 5, metadataOf(5), 'MetadataRequest.topics', 2 ** 31 - 1],
      [ApiKey.ListOffsets, 2, listOffsetsOf(0), 'ListOffsetsRequest.topics[0].partitions', 1000],
    ];
    for (const [apiKey, version, body, path, claimed] of lies) {
      const client = await kafka();
      client.socket.write(framed(requestHeader(apiKey, version, 1), withLyingLength(apiKey, version, body, path, claimed)));
      await closedAfter(client, 0);
    }
    expect(logState()).toEqual(before);
    await stillServes();
  });

  it('acks that Kafka refuses are answered INVALID_REQUIRED_ACKS for every partition, and nothing is written', async () => {
    const before = logState();
    const client = await kafka();
    const refused = [2, -2, 5, 2 ** 15 - 1];
    client.socket.write(Buffer.concat(refused.map((acks, i) => kafkaRequest(ApiKey.Produce, 7, i, produceOf(acks, aBatch(), [0, 1])))));
    for (const [i] of refused.entries()) {
      const produced = await answer(client, i, ApiKey.Produce, 7);
      expect(produced).toMatchObject({ correlationId: i, body: { topics: [{ name: topic, partitions: [0, 1].map((partition) => ({ partition, errorCode: ErrorCode.INVALID_REQUIRED_ACKS.code })) }] } });
    }
    expect(logState()).toEqual(before);
    await stillServes();
  });

  it('a Produce with acks=0 gets no answer; the requests after it on the connection are answered in order', async () => {
    const before = broker.logEnds();
    const client = await kafka();
    client.socket.write(Buffer.concat([
      kafkaRequest(ApiKey.Produce, 7, 1, produceOf(0, aBatch())),
      kafkaRequest(ApiKey.Metadata, 1, 2, metadataOf(1)),
      kafkaRequest(ApiKey.Produce, 3, 3, produceOf(0, aBatch())),
      kafkaRequest(ApiKey.ApiVersions, 0, 4, {}),
      kafkaRequest(ApiKey.ListOffsets, 1, 5, listOffsetsOf(1)),
    ]));
    expect((await answer(client, 0, ApiKey.Metadata, 1)).correlationId).toBe(2);
    expect((await answer(client, 1, ApiKey.ApiVersions, 0)).correlationId).toBe(4);
    // The ListOffsets after both produces sees both: each was appended before the next request was read.
    expect(await answer(client, 2, ApiKey.ListOffsets, 1)).toMatchObject({ correlationId: 5, body: { topics: [{ partitions: [{ errorCode: 0, offset: before[1] + 4 }] }] } });
    expect(broker.logEnds()).toEqual([before[0], before[1] + 4]);
    expect(client.frames).toHaveLength(3);
  });

  it('a failed Produce with acks=0 closes its connection after the answers before it, as Kafka does', async () => {
    const before = broker.logEnds();
    const client = await kafka();
    const unknown = produceOf(0, aBatch());
    (unknown.topics as Struct[])[0].name = 'no-such-topic';
    client.socket.write(Buffer.concat([
      kafkaRequest(ApiKey.Metadata, 1, 1, metadataOf(1)),
      kafkaRequest(ApiKey.Produce, 7, 2, unknown),
      kafkaRequest(ApiKey.ApiVersions, 0, 3, {}),
    ]));
    expect((await answer(client, 0, ApiKey.Metadata, 1)).correlationId).toBe(1);
    await closedAfter(client, 1);
    expect(broker.logEnds()).toEqual(before);
  });

  it('pipelined requests of every API and version the broker offers are answered in order', async () => {
    const before = broker.logEnds();
    // Requests about the test's partitions; other APIs ask with every field its default.
    const bodies: Record<number, (version: number) => Struct> = {
      [ApiKey.Produce]: () => produceOf(1, aBatch()),
      [ApiKey.Fetch]: () => fetchOf(0),
      [ApiKey.ListOffsets]: () => listOffsetsOf(0),
      [ApiKey.Metadata]: metadataOf,
      [ApiKey.ApiVersions]: () => ({}),
    };
    const requests = advertisedVersions.filter(({ api }) => broker.dispatcher.offers(api.apiKey));
    const client = await kafka();
    client.socket.write(Buffer.concat(requests.map(({ api, version }, i) => kafkaRequest(api.apiKey, version, 100 + i, bodies[api.apiKey]?.(version) ?? {}))));
    for (const [i, { api, version }] of requests.entries()) expect((await answer(client, i, api.apiKey, version)).correlationId).toBe(100 + i);
    const produces = requests.filter(({ api }) => api.apiKey === ApiKey.Produce).length;
    expect(broker.logEnds()).toEqual([before[0], before[1] + 2 * produces]);
  });

  it('produced batches that are corrupt, truncated or lie about their length are refused with CORRUPT_MESSAGE and write nothing', async () => {
    const before = logState();
    const badCrc = aBatch();
    badCrc[badCrc.length - 1] ^= 0x01;
    const longerThanSent = aBatch();
    longerThanSent.writeInt32BE(longerThanSent.readInt32BE(BatchField.batchLength) + 100, BatchField.batchLength);
    const cases: [string, Buffer][] = [
      ['bad CRC', badCrc],
      ['truncated batch', aBatch().subarray(0, aBatch().length - 5)],
      ['truncated header', aBatch().subarray(0, 30)],
      ['batch length past the bytes sent', longerThanSent],
      ['a tail after the batch', Buffer.concat([aBatch(), Buffer.from([1, 2, 3])])],
    ];
    const client = await kafka();
    client.socket.write(Buffer.concat(cases.map(([, records], i) => kafkaRequest(ApiKey.Produce, 3 + (i % 5), i, produceOf(-1, records)))));
    for (const [i, [what]] of cases.entries()) {
      const produced = await answer(client, i, ApiKey.Produce, 3 + (i % 5));
      expect([what, (produced.body.topics as { partitions: { errorCode: number }[] }[])[0].partitions[0].errorCode]).toEqual([what, ErrorCode.CORRUPT_MESSAGE.code]);
    }
    expect(logState()).toEqual(before);
    await stillServes();
  });

  it('a compressed batch is refused with UNSUPPORTED_COMPRESSION_TYPE (not the retriable CORRUPT_MESSAGE) on both protocols, and nothing is written', async () => {
    const before = logState();
    const codecs = [1, 2, 3, 4]; // gzip, snappy, lz4, zstd
    const client = await kafka();
    client.socket.write(Buffer.concat(codecs.map((codec) => kafkaRequest(ApiKey.Produce, 7, codec, produceOf(1, markedCompressed(aBatch(), codec))))));
    const josef = await broker.connect();
    for (const codec of codecs) {
      const produced = await answer(client, codec - 1, ApiKey.Produce, 7);
      expect(produced).toMatchObject({ correlationId: codec, body: { topics: [{ partitions: [{ partition: 1, errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE.code }] }] } });
      const response = await josef.send(ApiKey.Produce, { acks: 1, timeoutMs: 5000, topics: [{ name: topic, partitions: [{ partition: 1, records: markedCompressed(aBatch(), codec) }] }] });
      expect([codec, response.topics[0].partitions[0].errorCode]).toEqual([codec, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE.code]);
    }
    expect(logState()).toEqual(before);
    await stillServes();
  });

  it('generated requests of every API and version, valid or damaged, are each answered or close their own connection, and write nothing', async () => {
    const before = logState();
    const request = fc.constantFrom(...advertisedVersions).chain(({ api, version }) => fc.record({
      api: fc.constant(api),
      version: fc.constant(version),
      // Answered at once: no long poll, no acks=0 (no answer by design), no wait for replicas.
      message: messageArbitrary(api.request, { version, flexible: codecsFor(api, version).flexible })
        .map((m) => ('acks' in m ? { ...m, acks: 1 } : 'maxWaitMs' in m ? { ...m, maxWaitMs: 0 } : m)),
      damage: fc.option(fc.oneof(
        fc.record({ cutAt: fc.nat() }),
        fc.record({ overwriteAt: fc.nat(), byte: fc.nat({ max: 255 }) }),
      ), { freq: 2 }),
    }));
    await fc.assert(fc.asyncProperty(request, async ({ api, version, message, damage }) => {
      const frame = kafkaRequest(api.apiKey, version, 77, message, 'fuzz');
      let sent = frame;
      if (damage !== null && 'cutAt' in damage) sent = framed(frame.subarray(4, 4 + (damage.cutAt % (frame.length - 4))));
      if (damage !== null && 'overwriteAt' in damage) sent[4 + (damage.overwriteAt % (frame.length - 4))] = damage.byte;
      // What the broker makes of it, decoded here the same way: a request, its own answer, or a close.
      const expected = expectedOutcome(broker, sent.subarray(4));
      if (expected === 'no answer yet' || expected === 'not Kafka') return;
      const client = await kafka();
      client.socket.write(sent);
      if (expected === 'close') {
        await closedAfter(client, 0);
        return;
      }
      const answered = await answer(client, 0, expected.apiKey, expected.apiVersion);
      expect(answered.correlationId).toBe(sent.readInt32BE(8));
      client.socket.destroy();
      // No shrinking: each step would cost a connection and, on failure, a wait; the seed replays the case.
    }), { seed, numRuns: 400, endOnFailure: true });
    expect(logState()).toEqual(before);
    await stillServes();
  });
});
