/**
 * Issue 9's list of hostile and broken input, one case each, against a broker's real request path
 * (loopback TCP, handlers, replica manager, log files; the test plays the controller): random
 * bytes, truncated frames, a frame claiming 4 GiB, msgpack of the wrong shape, unknown APIs and
 * versions, produce batches with a bad CRC or lying lengths (under a valid CRC too), fetches with
 * negative or huge offsets and sizes, topic names with `..`, `/`, NUL or 300 characters, and 1,000
 * connections at once. Each costs at most its own connection: the broker answers a well-behaved
 * client afterwards, and no log changes. (A client that stops reading its socket:
 * socket-server.test.ts; thousands of generated requests: fuzz.test.ts.)
 */
import * as fs from 'fs';
import net from 'net';
import { encode } from 'msgpackr';
import { ErrorCode } from '../../../src/common/errors';
import { ApiKey } from '../../../src/protocol/api-keys';
import { decodeResponse, encodeRequest, FRAME_LENGTH_BYTES } from '../../../src/protocol/frame';
import type { FetchRequest } from '../../../src/protocol/messages';
import { BATCH_HEADER_BYTES, BatchField, computeBatchCrc, decodeBatches, encodeRecordBatch } from '../../../src/protocol/record-batch';
import { framed, rawClient } from '../../helpers/raw-client';
import { host, startSingleBroker, type SingleBroker } from '../../helpers/single-broker';
import { waitFor } from '../../helpers/wait';

jest.setTimeout(60_000);

/** Rewrites the batch's CRC after a change, as a hostile client can: only the broker's own checks stand. */
function withValidCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), BatchField.crc);
  return batch;
}

describe('hostile and broken input', () => {
  let broker: SingleBroker;
  let dir: string;
  let port: number;
  const sockets: net.Socket[] = [];

  const connect = () => broker.connect();
  /** A raw client whose answers are read as Josef's responses. */
  const raw = async () => {
    const client = await rawClient(host, port);
    sockets.push(client.socket);
    return { socket: client.socket, closed: client.closed, get responses() { return client.frames.map((f) => decodeResponse(f)); } };
  };
  const logEnds = (): number[] => broker.logEnds();
  /** A well-behaved client is still served. */
  const stillServes = async (): Promise<void> => {
    const c = await connect();
    const metadata = await c.send(ApiKey.Metadata, { topics: ['orders'], allowAutoTopicCreation: false });
    expect(metadata.topics[0]).toMatchObject({ name: 'orders', errorCode: 0 });
  };

  beforeAll(async () => {
    broker = await startSingleBroker('hostile-input', 2, { 'socket.request.max.bytes': String(1 << 20) });
    ({ dir, port } = broker);
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await broker.stop();
  });

  it('random bytes close only their own connection', async () => {
    const before = logEnds();
    const client = await raw();
    // A length that fits, then bytes that are not msgpack; then more garbage.
    client.socket.write(framed(Buffer.from([0xc1, 0xff, 0x00, 0x13, 0x37, 0xde, 0xad])));
    client.socket.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await waitFor(client.closed, { timeoutMs: 5_000, message: 'the connection that sent garbage to be closed' });
    await stillServes();
    expect(logEnds()).toEqual(before);
  });

  it('a truncated frame is held only up to its declared length, and a client that leaves midway costs nothing', async () => {
    const request = encodeRequest({ apiKey: ApiKey.Metadata, apiVersion: 0, correlationId: 9, clientId: 'cut' }, { topics: ['orders'], allowAutoTopicCreation: false });
    const leaving = await raw();
    leaving.socket.end(request.subarray(0, request.length - 5));
    await waitFor(leaving.closed, { timeoutMs: 5_000, message: 'the half-sent connection to close' });
    expect(leaving.responses).toEqual([]);
    // A client that stalls midway is simply waited for; the rest of its frame completes it.
    const stalling = await raw();
    stalling.socket.write(request.subarray(0, 7));
    await stillServes();
    stalling.socket.write(request.subarray(7));
    await waitFor(() => stalling.responses.length === 1, { timeoutMs: 5_000, message: 'the completed frame answered' });
    expect(stalling.responses[0].correlationId).toBe(9);
  });

  it('a frame claiming 4 GiB is refused before its body is read', async () => {
    const client = await raw();
    const header = Buffer.alloc(FRAME_LENGTH_BYTES);
    header.writeUInt32BE(0xffffffff);
    client.socket.write(Buffer.concat([header, encode([ApiKey.Metadata, 0, 77, 'huge', {}])]));
    await waitFor(client.closed, { timeoutMs: 5_000, message: 'the 4 GiB frame refused and its connection closed' });
    await stillServes();
  });

  it('valid msgpack of the wrong shape is INVALID_REQUEST, unknown APIs and versions UNSUPPORTED_VERSION', async () => {
    const wrongShape = await raw();
    wrongShape.socket.write(framed(encode([ApiKey.Fetch, 0, 5, 'shape', 'not a map'])));
    await waitFor(() => wrongShape.responses.length === 1 || wrongShape.closed(), { timeoutMs: 5_000, message: 'an answer to a body that is not a map' });
    expect(wrongShape.responses[0]).toMatchObject({ correlationId: 5, body: { errorCode: ErrorCode.INVALID_REQUEST.code } });
    const notArray = await raw();
    notArray.socket.write(framed(encode({ apiKey: 0, hello: 'world' })));
    await waitFor(notArray.closed, { timeoutMs: 5_000, message: 'a request that is not an array to close its connection' });
    const unknown = await raw();
    unknown.socket.write(framed(encode([999, 0, 6, 'unknown', {}])));
    unknown.socket.write(framed(encode([ApiKey.Metadata, 99, 7, 'future', { topics: null }])));
    await waitFor(() => unknown.responses.length === 2, { timeoutMs: 5_000, message: 'answers to an unknown API and version' });
    expect(unknown.responses.map((r) => [r.correlationId, r.body.errorCode])).toEqual([[6, ErrorCode.UNSUPPORTED_VERSION.code], [7, ErrorCode.UNSUPPORTED_VERSION.code]]);
    await stillServes();
  });

  it('refuses produce batches with a bad CRC or lying lengths, even under a valid CRC, and appends nothing', async () => {
    const before = logEnds();
    const good = (): Buffer => encodeRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('value') }, { value: Buffer.from('second') }]);
    const badCrc = good();
    badCrc[badCrc.length - 1] ^= 0x01;
    const longerThanSent = good();
    longerThanSent.writeInt32BE(longerThanSent.readInt32BE(BatchField.batchLength) + 100, BatchField.batchLength);
    const shorterThanSent = good();
    shorterThanSent.writeInt32BE(shorterThanSent.readInt32BE(BatchField.batchLength) - 3, BatchField.batchLength);
    // Under a valid CRC: the first record claims more bytes than it holds; the record count lies; an offset delta lies.
    const recordLengthLies = good();
    recordLengthLies[BATCH_HEADER_BYTES] += 2; // zig-zag varint: +1 byte of declared length
    const countLies = good();
    countLies.writeInt32BE(3, BatchField.recordCount);
    countLies.writeInt32BE(2, BatchField.lastOffsetDelta);
    const cases: [string, Buffer][] = [
      ['bad CRC', badCrc], ['batch length past the bytes sent', longerThanSent], ['batch length short of them', shorterThanSent],
      ['record length lying under a valid CRC', withValidCrc(recordLengthLies)], ['record count lying under a valid CRC', withValidCrc(countLies)],
      ['a tail after the batch', Buffer.concat([good(), Buffer.from([1, 2, 3])])],
    ];
    const c = await connect();
    for (const [what, records] of cases) {
      const response = await c.send(ApiKey.Produce, { acks: 1, timeoutMs: 1000, topics: [{ name: 'orders', partitions: [{ partition: 1, records }] }] });
      expect([what, response.topics[0].partitions[0].errorCode]).toEqual([what, ErrorCode.CORRUPT_MESSAGE.code]);
    }
    expect(logEnds()).toEqual(before);
    // What the log holds still decodes.
    const fetched = await c.send(ApiKey.Fetch, fetchOf(0, 1 << 20));
    expect(decodeBatches(fetched.topics[0].partitions[0].records as Buffer).map((r) => r.value?.toString())).toEqual(['kept']);
  });

  const fetchOf = (fetchOffset: number, partitionMaxBytes: number, overrides: Partial<FetchRequest> = {}): FetchRequest => ({
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
    topics: [{ name: 'orders', partitions: [{ partition: 0, fetchOffset, currentLeaderEpoch: -1, logStartOffset: -1, partitionMaxBytes }] }],
    ...overrides,
  });

  it('fetches with negative or huge offsets and sizes get error codes or bounded answers', async () => {
    const c = await connect();
    const codeOf = async (request: FetchRequest): Promise<number> => {
      const response = await c.send(ApiKey.Fetch, request);
      return response.errorCode !== 0 ? response.errorCode : response.topics[0].partitions[0].errorCode;
    };
    for (const offset of [-1, -(2 ** 31), 2 ** 31, Number.MAX_SAFE_INTEGER]) {
      expect([offset, await codeOf(fetchOf(offset, 1 << 20))]).toEqual([offset, ErrorCode.OFFSET_OUT_OF_RANGE.code]);
    }
    // Sizes: negative or zero ones read nothing (or are refused), huge ones read what there is, never more.
    for (const size of [-1, 0, -(2 ** 31)]) {
      const response = await c.send(ApiKey.Fetch, fetchOf(0, size));
      const p = response.topics?.[0]?.partitions[0];
      expect(response.errorCode === 0 ? p?.errorCode ?? -999 : response.errorCode).not.toBe(ErrorCode.UNKNOWN_SERVER_ERROR.code);
      expect((p?.records as Buffer | null)?.length ?? 0).toBeLessThanOrEqual(1024);
    }
    for (const overrides of [{ maxBytes: 2 ** 31 - 1 }, { maxBytes: -5 }, { minBytes: 2 ** 31 - 1, maxWaitMs: 10 }, { maxWaitMs: -100 }]) {
      const response = await c.send(ApiKey.Fetch, fetchOf(0, 2 ** 31 - 1, overrides));
      expect(response.errorCode).not.toBe(ErrorCode.UNKNOWN_SERVER_ERROR.code);
      if (response.errorCode === 0) expect(response.topics[0].partitions[0].errorCode).not.toBe(ErrorCode.UNKNOWN_SERVER_ERROR.code);
    }
    await stillServes();
  });

  it('topic names with "..", "/", NUL or 300 characters are refused and touch no file', async () => {
    const c = await connect();
    const names = ['..', '../escape', 'a/b', 'x\u0000y', 'o'.repeat(300)];
    const created = await c.send(ApiKey.CreateTopics, { topics: names.map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: {} })), timeoutMs: 1000, validateOnly: false });
    for (const t of created.topics) expect([t.name, t.errorCode]).toEqual([t.name, ErrorCode.INVALID_TOPIC_EXCEPTION.code]);
    for (const name of names) {
      const produced = await c.send(ApiKey.Produce, { acks: 1, timeoutMs: 1000, topics: [{ name, partitions: [{ partition: 0, records: encodeRecordBatch([{ value: Buffer.from('x') }]) }] }] });
      expect(produced.topics[0].partitions[0].errorCode).not.toBe(0);
      const metadata = await c.send(ApiKey.Metadata, { topics: [name], allowAutoTopicCreation: true });
      expect(metadata.topics[0].errorCode).not.toBe(0);
    }
    expect(fs.readdirSync(dir).filter((f) => !['orders', 'meta.properties', '.kafka_cleanshutdown', 'recovery-point-offset-checkpoint', 'replication-offset-checkpoint'].includes(f))).toEqual([]);
    expect(fs.existsSync(`${dir}/../escape`)).toBe(false);
  });

  it('1,000 connections at once are served and all released', async () => {
    const before = broker.server.connectionCount;
    const many = await Promise.all(Array.from({ length: 1000 }, () => new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(s));
      s.on('error', reject);
    })));
    sockets.push(...many);
    await waitFor(() => broker.server.connectionCount >= before + 1000, { timeoutMs: 10_000, message: '1,000 connections accepted' });
    // Every one of them is a working connection, and a new client is served meanwhile.
    const request = encodeRequest({ apiKey: ApiKey.ApiVersions, apiVersion: 0, correlationId: 1, clientId: 'many' }, {});
    let answered = 0;
    for (const s of many) {
      s.once('data', () => { answered++; });
      s.write(request);
    }
    await waitFor(() => answered === 1000, { timeoutMs: 20_000, message: 'each of the 1,000 connections answered' });
    await stillServes();
    for (const s of many) s.destroy();
    await waitFor(() => broker.server.connectionCount <= before + 1, { timeoutMs: 10_000, message: 'the 1,000 connections released' });
  });
});
