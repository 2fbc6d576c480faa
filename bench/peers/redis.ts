/**
 * Redis Streams as a peer: Debian's redis-server on a free loopback port, its files in a
 * temporary folder, with the append-only file on and fsynced every second (`appendfsync
 * everysec`, Redis's durable setting closest to Kafka's flush-by-the-OS) and RDB snapshots off.
 * The client is ioredis: XADD in pipelines of `pipelineRecords` with a few in flight, XREAD in
 * batches of about 1 MiB (Josef's max.partition.fetch.bytes), BLOCK for the end-to-end run.
 */
import Redis from 'ioredis';
import { freePorts } from '../../src/common/free-ports';
import { assert } from '../../src/common/assert';
import { randomPayload } from '../client-bench';
import { elapsedMsSince, MiB, type LatencySummary, type Progress } from '../harness';
import { LatencyTap, runAtRate, windowed } from './e2e-loop';
import type { E2ePlan, Peer, PeerRun } from './peer';
import { findBinary, ServerProcess } from './server-process';

/** XADDs per pipeline, and pipelines sent before the oldest is answered. */
const pipelineRecords = 1000;
const pipelinesInFlight = 4;
const fetchBytes = MiB;
const field = 'v';

/** XREAD's reply in RESP2: per stream, its key and its entries, each an id and field-value pairs. */
type XReadReply = [key: Buffer, entries: [id: Buffer, fields: Buffer[]][]][] | null;

export class RedisPeer implements Peer {
  readonly name = 'redis';
  readonly title = 'Redis Streams (appendfsync everysec)';
  private readonly binary = findBinary('redis-server');
  private server: ServerProcess | undefined;
  private port = 0;
  private recordSize = 0;
  private readonly stream = 'bench';

  missing(): string | undefined {
    return this.binary === undefined ? 'redis-server is not installed (npm run bench:setup installs it, as root)' : undefined;
  }

  async start(progress: Progress): Promise<void> {
    [this.port] = await freePorts(1);
    progress(`starting redis-server on 127.0.0.1:${this.port}`);
    this.server = await ServerProcess.start('redis', this.binary!, (dir) => [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', 'yes', '--appendfsync', 'everysec', '--daemonize', 'no', '--loglevel', 'warning',
    ], this.port);
  }

  private client(): Redis {
    // RESP2: the reply shapes above. A lost server fails the run rather than being retried.
    return new Redis({ host: '127.0.0.1', port: this.port, protocol: 2, maxRetriesPerRequest: 0 });
  }

  async produce(records: number, recordSize: number): Promise<PeerRun> {
    this.recordSize = recordSize;
    const value = randomPayload(recordSize);
    const redis = this.client();
    try {
      await redis.ping();
      const startNs = process.hrtime.bigint();
      await windowed(records, pipelineRecords, pipelinesInFlight, async (_first, n) => {
        const pipeline = redis.pipeline();
        for (let i = 0; i < n; i++) pipeline.xadd(this.stream, '*', field, value);
        const replies = await pipeline.exec();
        for (const [err] of replies ?? []) if (err) throw err;
      });
      const elapsedMs = elapsedMsSince(startNs);
      const stored = await redis.xlen(this.stream);
      assert(stored === records, () => `redis: the stream holds ${stored} entries, ${records} were added`);
      return { records, bytes: records * recordSize, elapsedMs };
    } finally {
      redis.disconnect();
    }
  }

  async consume(records: number): Promise<PeerRun> {
    const count = Math.max(10, Math.floor(fetchBytes / this.recordSize));
    const redis = this.client();
    try {
      await redis.ping();
      let lastId: Buffer | string = '0';
      let read = 0;
      let bytes = 0;
      const startNs = process.hrtime.bigint();
      while (read < records) {
        const reply = (await redis.callBuffer('XREAD', 'COUNT', count, 'STREAMS', this.stream, lastId)) as XReadReply;
        const entries = reply?.[0]?.[1] ?? [];
        assert(entries.length > 0, () => `redis: XREAD after ${read} of ${records} entries returned nothing`);
        for (const [id, fields] of entries) {
          bytes += fields[1].length;
          lastId = id;
        }
        read += entries.length;
      }
      return { records: read, bytes, elapsedMs: elapsedMsSince(startNs) };
    } finally {
      redis.disconnect();
    }
  }

  async e2e(plan: E2ePlan): Promise<LatencySummary> {
    const stream = 'bench-e2e';
    const producer = this.client();
    const consumer = this.client();
    const tap = new LatencyTap(plan);
    let failure: unknown;
    try {
      await Promise.all([producer.ping(), consumer.ping()]);
      const consuming = (async () => {
        let lastId: Buffer | string = '$';
        while (tap.count < plan.records) {
          const reply = (await consumer.callBuffer('XREAD', 'COUNT', 1000, 'BLOCK', 1000, 'STREAMS', stream, lastId)) as XReadReply;
          for (const [id, fields] of reply?.[0]?.[1] ?? []) {
            tap.receive(fields[1]);
            lastId = id;
          }
        }
      })();
      consuming.catch((err: unknown) => { failure = err; });
      // The blocking XREAD must be waiting before the first XADD, or '$' would skip it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const summary = await runAtRate(plan, tap, (values) => {
        const pipeline = producer.pipeline();
        for (const value of values) pipeline.xadd(stream, '*', field, value);
        pipeline.exec().catch((err: unknown) => { failure = err; });
      });
      if (failure !== undefined) throw failure;
      await consuming;
      return summary;
    } finally {
      producer.disconnect();
      consumer.disconnect();
    }
  }

  peakRssMB(): number {
    return (this.server?.peakRssBytes() ?? 0) / MiB;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }
}
