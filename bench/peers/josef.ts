/**
 * Josef as a peer of the comparison: a local cluster of real broker processes (with their own
 * ZooKeeper), measured through the public client with the same code as the produce, consume and
 * e2e benchmarks. One configuration per instance: one broker with acks=1, or three brokers with
 * replication factor 3 and acks=all.
 */
import { Consumer } from '../../src/client/consumer';
import type { Producer } from '../../src/client/producer';
import { assert } from '../../src/common/assert';
import { benchCluster, createBenchTopic, quietLogger, randomPayload, type BenchCluster, type ClientBenchOptions } from '../client-bench';
import { consumeAll } from '../consume';
import { MiB, type LatencySummary, type Progress } from '../harness';
import { benchProducer, countRecords, produceAll } from '../produce';
import { LatencyTap, runAtRate } from './e2e-loop';
import type { E2ePlan, Peer, PeerRun } from './peer';
import { peakRssBytesOf } from './server-process';

/** The cluster and producer settings of one Josef configuration (records and sizes come per call). */
export type JosefSetup = Pick<ClientBenchOptions, 'brokers' | 'replicationFactor' | 'acks' | 'partitions' | 'batchSize' | 'lingerMs'>;

export class JosefPeer implements Peer {
  readonly title: string;
  private cluster: BenchCluster | undefined;
  private topic = '';
  /** Peak RSS per broker pid, kept past the brokers' exit. */
  private readonly peaks = new Map<number, number>();

  constructor(readonly name: string, private readonly setup: JosefSetup) {
    const rf = setup.replicationFactor ?? 1;
    this.title = `Josef (${setup.brokers} broker${setup.brokers > 1 ? 's' : ''}, RF ${rf}, acks=${setup.acks})`;
  }

  missing(): string | undefined {
    return undefined;
  }

  private options(records: number, recordSize: number): ClientBenchOptions {
    return { ...this.setup, records, recordSize };
  }

  async start(progress: Progress): Promise<void> {
    this.cluster = await benchCluster(this.options(1, 1), progress);
  }

  private sampleRss(): void {
    for (const pid of this.cluster?.brokerPids() ?? []) {
      const bytes = peakRssBytesOf(pid);
      if (bytes !== undefined && bytes > (this.peaks.get(pid) ?? 0)) this.peaks.set(pid, bytes);
    }
  }

  private producer(o: ClientBenchOptions): Producer {
    return benchProducer(this.cluster!.bootstrapServers, o);
  }

  async produce(records: number, recordSize: number): Promise<PeerRun> {
    const o = this.options(records, recordSize);
    this.topic = await createBenchTopic(this.cluster!, o, 'bench-compare');
    const producer = this.producer(o);
    try {
      await producer.send({ topic: this.topic, value: randomPayload(recordSize) }); // metadata and connections, untimed
      const run = await produceAll(producer, this.topic, randomPayload(recordSize), records);
      assert(run.failed === 0, () => `josef: ${run.failed} of ${records} records failed`);
      const stored = await countRecords(this.cluster!.bootstrapServers, this.topic, o.partitions);
      assert(stored === records + 1, () => `josef: the topic holds ${stored} records, ${records} + 1 warm-up were sent`);
      return { records, bytes: records * recordSize, elapsedMs: run.elapsedMs };
    } finally {
      await producer.close();
      this.sampleRss();
    }
  }

  async consume(records: number): Promise<PeerRun> {
    try {
      return await consumeAll(this.cluster!.bootstrapServers, this.topic, this.setup.partitions, records, 'poll');
    } finally {
      this.sampleRss();
    }
  }

  async e2e(plan: E2ePlan): Promise<LatencySummary> {
    const o = this.options(plan.records, plan.recordSize);
    const topic = await createBenchTopic(this.cluster!, o, 'bench-compare-e2e');
    const producer = this.producer(o);
    const consumer = new Consumer({ bootstrapServers: this.cluster!.bootstrapServers, logger: quietLogger, clientId: 'bench-compare-e2e' });
    const tap = new LatencyTap(plan);
    let failure: unknown;
    try {
      const tps = Array.from({ length: o.partitions }, (_, partition) => ({ topic, partition }));
      consumer.assign(tps);
      consumer.seekToEnd();
      for (const tp of tps) await consumer.position(tp);
      await producer.send({ topic, value: Buffer.alloc(8) }); // metadata and connections first
      await consumer.poll(1000); // takes the warm-up record
      const consuming = (async () => {
        while (tap.count < plan.records) for (const record of await consumer.poll(1000)) tap.receive(record.value!);
      })();
      consuming.catch((err: unknown) => { failure = err; });
      const summary = await runAtRate(plan, tap, (values) => {
        for (const value of values) producer.send({ topic, value }).catch((err: unknown) => { failure = err; });
      });
      if (failure !== undefined) throw failure;
      await consuming;
      return summary;
    } finally {
      await producer.close();
      await consumer.close();
      this.sampleRss();
    }
  }

  peakRssMB(): number {
    this.sampleRss();
    return Math.max(0, ...this.peaks.values()) / MiB;
  }

  async stop(): Promise<void> {
    this.sampleRss();
    await this.cluster?.stop();
  }
}
