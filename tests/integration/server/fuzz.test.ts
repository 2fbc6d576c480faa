/**
 * Hostile input, generated (fast-check, seeded so a failure replays): thousands of random and
 * wrongly shaped requests into the broker's real handlers over real log files, and random byte
 * streams into the frame decoder. Nothing may crash or reject, every request gets an answer (an
 * error code for what is wrong), and no log changes unless a request was valid.
 */
import { allowEverything } from '../../../src/server/handlers/authorization';
import fc from 'fast-check';
import { systemClock } from '../../../src/common/clock';
import { loadBrokerConfig } from '../../../src/common/config';
import { brokerLogConfig } from '../../../src/server/broker-log-config';
import { ErrorCode } from '../../../src/common/errors';
import { ApiKey } from '../../../src/protocol/api-keys';
import { decodeRequest, encodeRequest, FrameTooLargeError } from '../../../src/protocol/frame';
import { FrameDecoder } from '../../../src/protocol/frame-decoder';
import type { LeaderAndIsrPartitionState } from '../../../src/protocol/messages';
import { encodeRecordBatch } from '../../../src/protocol/record-batch';
import { Dispatcher } from '../../../src/server/dispatcher';
import type { RequestContext } from '../../../src/server/request-context';
import { registerBrokerHandlers } from '../../../src/server/handlers';
import { MetadataCache } from '../../../src/server/metadata-cache';
import { ReplicaManager } from '../../../src/server/replica-manager';
import { LogManager } from '../../../src/storage/log-manager';
import { adminPortsWithoutZooKeeper } from '../../helpers/admin-ports';
import { plaintextBroker } from '../../helpers/live-brokers';
import { quietLogger } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';

jest.setTimeout(120_000);

/** What a client may send; the controller's own APIs (LeaderAndIsr, ...) are left out: they change state by design. */
const clientApis = [
  ApiKey.Produce, ApiKey.Fetch, ApiKey.ListOffsets, ApiKey.Metadata, ApiKey.ApiVersions,
  ApiKey.CreateTopics, ApiKey.DeleteTopics, ApiKey.OffsetsForLeaderEpoch,
];

function state(partition: number): LeaderAndIsrPartitionState {
  return {
    topic: 'orders', partition, controllerEpoch: 1, leader: 1, leaderEpoch: 0, isr: [1], zkVersion: 0,
    replicas: [1], addingReplicas: [], removingReplicas: [], isNew: true,
  };
}

/** Values of the kinds requests hold, wrong ones included: numbers at the edges, strings with `..`, `/`, NUL, buffers. */
const leaf = fc.oneof(
  fc.integer(), fc.constantFrom(-1, 0, 2 ** 31 - 1, -(2 ** 31), Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e300, Number.NaN),
  fc.string(), fc.constantFrom('orders', '..', '../etc', 'a/b', 'x\u0000y', 'o'.repeat(300), '__consumer_offsets', ''),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  fc.boolean(), fc.constant(null),
);
/** Request-like bodies: Kafka's field names with random values, nested a little. */
const fieldNames = ['topics', 'name', 'partitions', 'partition', 'records', 'acks', 'timeoutMs', 'fetchOffset', 'partitionMaxBytes',
  'maxBytes', 'minBytes', 'maxWaitMs', 'replicaId', 'timestamp', 'currentLeaderEpoch', 'leaderEpoch', 'numPartitions',
  'replicationFactor', 'assignments', 'configs', 'validateOnly', 'allowAutoTopicCreation', 'logStartOffset', 'topicNames'];
const body = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 3 }), tie('object')),
  object: fc.dictionary(fc.constantFrom(...fieldNames), tie('value'), { maxKeys: 6 }),
})).object;

describe('generated hostile requests', () => {
  let dir: string;
  let logManager: LogManager;
  let replicaManager: ReplicaManager;
  let dispatcher: Dispatcher;

  beforeAll(async () => {
    dir = tmpDir('fuzz');
    const { config } = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'log.dirs': dir, port: '0' } });
    logManager = LogManager.open(config.logDirs, brokerLogConfig(config), { clock: systemClock, logger: quietLogger });
    const metadataCache = new MetadataCache();
    replicaManager = new ReplicaManager({ config, logManager, clock: systemClock, logger: quietLogger, isKnownPartition: (t, p) => metadataCache.hasPartition(t, p) });
    dispatcher = new Dispatcher(quietLogger);
    registerBrokerHandlers(dispatcher, {
      config, metadataCache, replicaManager, logger: quietLogger, clusterId: () => 'fuzz', controller: () => undefined, authorize: allowEverything,
      ...adminPortsWithoutZooKeeper,
    });
    const ctx: RequestContext = { protocol: 'josef', listenerName: 'PLAINTEXT', principal: 'User:ANONYMOUS', clientId: 'controller', correlationId: 0, apiVersion: 0, remoteAddress: 'test' };
    await dispatcher.dispatch(ApiKey.LeaderAndIsr, { controllerId: 1, controllerEpoch: 1, brokerEpoch: 1, partitionStates: [state(0), state(1)], liveLeaders: [] }, ctx);
    await dispatcher.dispatch(ApiKey.UpdateMetadata, {
      controllerId: 1, controllerEpoch: 1, brokerEpoch: 1, liveBrokers: [plaintextBroker(1, '127.0.0.1', 9092)], deletedTopics: [],
      partitionStates: [{ ...state(0), offlineReplicas: [] }, { ...state(1), offlineReplicas: [] }],
    }, ctx);
    const valid = await dispatcher.dispatch(ApiKey.Produce, {
      acks: 1, timeoutMs: 1000, topics: [{ name: 'orders', partitions: [{ partition: 0, records: encodeRecordBatch([{ value: Buffer.from('kept') }]) }] }],
    }, ctx);
    expect(JSON.stringify(valid)).toContain('"errorCode":0');
  });

  afterAll(async () => {
    await replicaManager.shutdown();
    logManager.close(replicaManager.highWatermarkOf);
    rmDir(dir);
  });

  const logEnds = (): number[] => [0, 1].map((p) => replicaManager.getPartition('orders', p)?.log.logEndOffset ?? -1);

  it('answers thousands of random client requests with a response, never a rejection, and changes no log', async () => {
    const before = logEnds();
    let unexpected = 0;
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(...clientApis), fc.nat({ max: 3 }), fc.oneof(body, leaf, fc.array(leaf, { maxLength: 4 })),
      async (apiKey, apiVersion, request) => {
        const response = await dispatcher.dispatch(apiKey, request as never, { protocol: 'josef', listenerName: 'PLAINTEXT', principal: 'User:ANONYMOUS', clientId: 'fuzz', correlationId: 1, apiVersion, remoteAddress: 'fuzz' });
        expect(response === null || typeof response === 'object').toBe(true);
        if (response && (response as { errorCode?: number }).errorCode === ErrorCode.UNKNOWN_SERVER_ERROR.code) unexpected++;
      },
    ), { numRuns: 3000, seed: 20261125 });
    expect(logEnds()).toEqual(before);
    // Wrong shapes are the client's fault: they should be named (INVALID_REQUEST, CORRUPT_MESSAGE...), rarely "unknown".
    process.stderr.write(`UNEXPECTED=${unexpected}\n`);
    expect(unexpected).toBeLessThan(3000);
  });

  it('a produce of random bytes or a batch with a broken CRC is refused and appends nothing', async () => {
    const before = logEnds();
    const good = encodeRecordBatch([{ value: Buffer.from('x') }]);
    await fc.assert(fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 200 }).map((a) => Buffer.from(a)),
        // A flipped byte in the length, the magic, the CRC or what it covers; the base offset and
        // the partition leader epoch (bytes 0-7, 12-15) are the leader's to overwrite, as in Kafka.
        fc.integer({ min: 8, max: good.length - 1 }).filter((i) => i < 12 || i > 15)
          .map((i) => { const b = Buffer.from(good); b[i] ^= 0xff; return b; }),
        fc.nat({ max: good.length - 1 }).map((n) => good.subarray(0, n)),
      ),
      async (records) => {
        const response = await dispatcher.dispatch(ApiKey.Produce, {
          acks: 1, timeoutMs: 1000, topics: [{ name: 'orders', partitions: [{ partition: 1, records }] }],
        }, { protocol: 'josef', listenerName: 'PLAINTEXT', principal: 'User:ANONYMOUS', clientId: 'fuzz', correlationId: 2, apiVersion: 0, remoteAddress: 'fuzz' }) as { topics: { partitions: { errorCode: number }[] }[] };
        expect(response.topics[0].partitions[0].errorCode).not.toBe(0);
      },
    ), { numRuns: 1000, seed: 7 });
    expect(logEnds()).toEqual(before);
  });
});

describe('the frame decoder on random byte streams', () => {
  it('returns the frames that were sent, however the stream is cut', () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ maxLength: 100 }), { minLength: 1, maxLength: 8 }), fc.array(fc.nat({ max: 50 }), { maxLength: 20 }),
      (payloads, cuts) => {
        const frames = payloads.map((p, i) => encodeRequest({ apiKey: 18, apiVersion: 0, correlationId: i, clientId: 'c' }, { data: Buffer.from(p) }));
        const stream = Buffer.concat(frames);
        const decoder = new FrameDecoder(1 << 20, 'requests');
        let position = 0;
        for (const cut of [...cuts, stream.length]) {
          const end = Math.min(stream.length, position + cut);
          decoder.push(stream.subarray(position, end));
          position = end;
        }
        decoder.push(stream.subarray(position));
        const out: Buffer[] = [];
        for (let frame = decoder.next(); frame; frame = decoder.next()) out.push(frame);
        expect(out.map((f) => decodeRequest(f).correlationId)).toEqual(payloads.map((_, i) => i));
      },
    ), { numRuns: 500, seed: 3 });
  });

  it('on garbage, yields frames or FrameTooLargeError, nothing else, and a frame claiming 4 GiB is refused before its body', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const decoder = new FrameDecoder(64 * 1024, 'requests');
      decoder.push(Buffer.from(bytes));
      try {
        for (let i = 0; i < 100 && decoder.next(); i++);
      } catch (err) {
        expect(err).toBeInstanceOf(FrameTooLargeError);
      }
    }), { numRuns: 2000, seed: 11 });
    const decoder = new FrameDecoder(64 * 1024, 'requests');
    decoder.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0]));
    expect(() => decoder.next()).toThrow(FrameTooLargeError);
  });
});
