/**
 * An in-memory stand-in for brokers, for client unit tests: a ConnectFn whose connections answer
 * Metadata from a scripted cluster and Produce/Fetch/ListOffsets from per-partition logs kept as
 * arrays of record batches. Tests script failures with `produceErrors` and hold answers back
 * with `holdProduce`.
 */
import type { ConnectFn, BrokerConnection } from '../../../src/client/client-options';
import { ErrorCode, JosefError } from '../../../src/common/errors';
import { ApiKey, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../../../src/protocol/api-keys';
import type {
  FetchRequest,
  FetchResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  MetadataResponse,
  ProduceRequest,
  ProduceResponse,
  RequestOf,
  ResponseOf,
  SupportedApiKey,
} from '../../../src/protocol/messages';
import { assignOffsetsInPlace, batchLocations, checkBatch, decodeRecords, type BatchRecord } from '../../../src/protocol/record-batch';

export interface FakeTopic {
  /** Leader broker id per partition (-1: none). */
  leaders: number[];
}

export interface SentRequest {
  brokerId: number;
  apiKey: number;
  body: unknown;
}

export class FakeCluster {
  readonly brokers = new Map<number, { host: string; port: number }>();
  readonly topics = new Map<string, FakeTopic>();
  /** Batches appended per `topic/partition`. */
  readonly logs = new Map<string, Buffer[]>();
  readonly requests: SentRequest[] = [];
  /** Errors answered to the next Produce for a partition, one per request, keyed `topic/partition`. */
  readonly produceErrors = new Map<string, number[]>();
  /** While set, Produce answers wait for release(). */
  holdProduce = false;
  private held: Array<() => void> = [];
  /** Brokers whose connections fail (connect refused). */
  readonly down = new Set<number>();

  constructor(brokerCount = 1) {
    for (let id = 1; id <= brokerCount; id++) this.brokers.set(id, { host: '127.0.0.1', port: 9091 + id });
  }

  addTopic(name: string, leaders: number[]): void {
    this.topics.set(name, { leaders });
  }

  releaseProduce(): void {
    const held = this.held;
    this.held = [];
    for (const release of held) release();
  }

  records(topic: string, partition: number): BatchRecord[] {
    return (this.logs.get(`${topic}/${partition}`) ?? []).flatMap((b) => decodeRecords(b));
  }

  requestsTo(apiKey: number): SentRequest[] {
    return this.requests.filter((r) => r.apiKey === apiKey);
  }

  readonly connect: ConnectFn = async (host, port) => {
    const brokerId = [...this.brokers].find(([, b]) => b.host === host && b.port === port)?.[0];
    if (brokerId === undefined || this.down.has(brokerId)) throw new JosefError(ErrorCode.NETWORK_EXCEPTION, `cannot connect to ${host}:${port}`);
    return this.connection(brokerId);
  };

  private connection(brokerId: number): BrokerConnection {
    const cluster = this;
    let closed = false;
    return {
      get closed() {
        return closed || cluster.down.has(brokerId);
      },
      async close() {
        closed = true;
      },
      send<K extends SupportedApiKey>(apiKey: K, body: RequestOf<K>): Promise<ResponseOf<K>> {
        if (closed || cluster.down.has(brokerId)) return Promise.reject(new JosefError(ErrorCode.NETWORK_EXCEPTION, `broker ${brokerId} is down`));
        cluster.requests.push({ brokerId, apiKey, body });
        return cluster.answer(brokerId, apiKey, body) as Promise<ResponseOf<K>>;
      },
    };
  }

  private async answer(brokerId: number, apiKey: number, body: unknown): Promise<unknown> {
    switch (apiKey) {
      case ApiKey.Metadata:
        return this.metadata(body as MetadataRequest);
      case ApiKey.Produce:
        if (this.holdProduce) await new Promise<void>((resolve) => this.held.push(resolve));
        return this.produce(brokerId, body as ProduceRequest);
      case ApiKey.Fetch: {
        const response = this.fetch(brokerId, body as FetchRequest);
        const empty = response.topics.every((t) => t.partitions.every((p) => p.records === null && p.errorCode === 0));
        // A long poll without the purgatory: an empty answer waits maxWaitMs (capped), never wakes early.
        if (empty) await new Promise((resolve) => setTimeout(resolve, Math.min((body as FetchRequest).maxWaitMs, 100)));
        return empty ? this.fetch(brokerId, body as FetchRequest) : response;
      }
      case ApiKey.ListOffsets:
        return this.listOffsets(body as ListOffsetsRequest);
      default:
        throw new Error(`fake cluster does not answer API ${apiKey}`);
    }
  }

  private metadata(body: MetadataRequest): MetadataResponse {
    const names = body.topics ?? [...this.topics.keys()];
    return {
      brokers: [...this.brokers].filter(([id]) => !this.down.has(id)).map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port, rack: null })),
      clusterId: 'fake-cluster',
      controllerId: 1,
      topics: names.map((name) => {
        const topic = this.topics.get(name);
        if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, name, isInternal: false, partitions: [] };
        return {
          errorCode: 0,
          name,
          isInternal: false,
          partitions: topic.leaders.map((leader, partition) => ({
            errorCode: 0, partition, leader, leaderEpoch: 0, replicas: [leader], isr: [leader], offlineReplicas: [],
          })),
        };
      }),
    };
  }

  private leads(brokerId: number, topic: string, partition: number): boolean {
    return this.topics.get(topic)?.leaders[partition] === brokerId;
  }

  private produce(brokerId: number, body: ProduceRequest): ProduceResponse | undefined {
    const topics = body.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const key = `${t.name}/${p.partition}`;
        const scripted = this.produceErrors.get(key)?.shift();
        const base = { partition: p.partition, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: 0 };
        if (scripted !== undefined) return { ...base, errorCode: scripted };
        if (!this.leads(brokerId, t.name, p.partition)) return { ...base, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER.code };
        const log = this.logs.get(key) ?? [];
        this.logs.set(key, log);
        let next = log.reduce((n, b) => n + decodeRecords(b).length, 0);
        const baseOffset = next;
        for (const { position, size } of batchLocations(p.records)) {
          const copy = Buffer.from(p.records.subarray(position, position + size));
          if (!checkBatch(copy, 0).ok) return { ...base, errorCode: ErrorCode.CORRUPT_MESSAGE.code };
          assignOffsetsInPlace(copy, 0, next, 0);
          next += copy.readInt32BE(57);
          log.push(copy);
        }
        return { ...base, errorCode: 0, baseOffset };
      }),
    }));
    return body.acks === 0 ? undefined : { topics, throttleTimeMs: 0 };
  }

  private logEnd(key: string): number {
    return (this.logs.get(key) ?? []).reduce((n, b) => n + b.readInt32BE(57), 0);
  }

  private fetch(brokerId: number, body: FetchRequest): FetchResponse {
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      topics: body.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const key = `${t.name}/${p.partition}`;
          const end = this.logEnd(key);
          const base = { partition: p.partition, highWatermark: end, logStartOffset: 0, logEndOffset: end, records: null };
          if (!this.leads(brokerId, t.name, p.partition)) return { ...base, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER.code };
          if (p.fetchOffset > end) return { ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE.code };
          const batches = (this.logs.get(key) ?? []).filter((b) => Number(b.readBigInt64BE(0)) + b.readInt32BE(57) > p.fetchOffset);
          return { ...base, errorCode: 0, records: batches.length > 0 ? Buffer.concat(batches) : null };
        }),
      })),
    };
  }

  private listOffsets(body: ListOffsetsRequest): ListOffsetsResponse {
    return {
      topics: body.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const end = this.logEnd(`${t.name}/${p.partition}`);
          const offset = p.timestamp === EARLIEST_TIMESTAMP ? 0 : p.timestamp === LATEST_TIMESTAMP ? end : -1;
          return { partition: p.partition, errorCode: 0, timestamp: -1, offset };
        }),
      })),
    };
  }
}
