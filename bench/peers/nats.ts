/**
 * NATS JetStream as a peer: Debian's nats-server with JetStream on (`-js`), file storage in a
 * temporary folder, on a free loopback port. The client is the official `nats` package: async
 * publish (each publish a promise of the stream's acknowledgement), `publishInFlight` at most
 * unanswered; a pull consumer (no acks, as a Kafka consumer acks nothing per record) that asks
 * for about 1 MiB at a time (Josef's max.partition.fetch.bytes).
 */
import { AckPolicy, connect, DeliverPolicy, StorageType, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { assert } from '../../src/common/assert';
import { freePorts } from '../../src/common/free-ports';
import { randomPayload } from '../client-bench';
import { elapsedMsSince, MiB, type LatencySummary, type Progress } from '../harness';
import { LatencyTap, runAtRate, windowed } from './e2e-loop';
import type { E2ePlan, Peer, PeerRun } from './peer';
import { findBinary, ServerProcess } from './server-process';

/** Publishes awaited together, and groups of them unanswered at once (4,000 publishes in flight). */
const publishGroup = 1000;
const publishGroupsInFlight = 4;
const fetchBytes = MiB;

interface Connected {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

export class NatsPeer implements Peer {
  readonly name = 'nats';
  readonly title = 'NATS JetStream (file storage)';
  private readonly binary = findBinary('nats-server');
  private server: ServerProcess | undefined;
  private port = 0;

  missing(): string | undefined {
    return this.binary === undefined ? 'nats-server is not installed (npm run bench:setup installs it, as root)' : undefined;
  }

  async start(progress: Progress): Promise<void> {
    [this.port] = await freePorts(1);
    progress(`starting nats-server -js on 127.0.0.1:${this.port}`);
    this.server = await ServerProcess.start('nats', this.binary!, (dir) => ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', dir], this.port);
  }

  private async connect(): Promise<Connected> {
    const nc = await connect({ servers: `127.0.0.1:${this.port}` });
    return { nc, js: nc.jetstream(), jsm: await nc.jetstreamManager() };
  }

  /** A fresh file-backed stream holding subject `name`. */
  private async addStream(jsm: JetStreamManager, name: string): Promise<void> {
    await jsm.streams.add({ name, subjects: [name], storage: StorageType.File });
  }

  async produce(records: number, recordSize: number): Promise<PeerRun> {
    const value = randomPayload(recordSize);
    const { nc, js, jsm } = await this.connect();
    try {
      await this.addStream(jsm, 'bench');
      const startNs = process.hrtime.bigint();
      await windowed(records, publishGroup, publishGroupsInFlight, (_first, n) =>
        Promise.all(Array.from({ length: n }, () => js.publish('bench', value))));
      const elapsedMs = elapsedMsSince(startNs);
      const stored = (await jsm.streams.info('bench')).state.messages;
      assert(stored === records, () => `nats: the stream holds ${stored} messages, ${records} were published`);
      return { records, bytes: records * recordSize, elapsedMs };
    } finally {
      await nc.close();
    }
  }

  async consume(records: number): Promise<PeerRun> {
    const { nc, js, jsm } = await this.connect();
    try {
      await jsm.consumers.add('bench', { durable_name: 'bench-consume', ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All });
      const consumer = await js.consumers.get('bench', 'bench-consume');
      let read = 0;
      let bytes = 0;
      let finished!: () => void;
      const allRead = new Promise<void>((resolve) => { finished = resolve; });
      const startNs = process.hrtime.bigint();
      const messages = await consumer.consume({
        max_bytes: fetchBytes,
        callback: (m) => {
          bytes += m.data.length;
          if (++read === records) finished();
        },
      });
      await allRead;
      const elapsedMs = elapsedMsSince(startNs);
      await messages.close();
      return { records: read, bytes, elapsedMs };
    } finally {
      await nc.close();
    }
  }

  async e2e(plan: E2ePlan): Promise<LatencySummary> {
    const { nc, js, jsm } = await this.connect();
    const tap = new LatencyTap(plan);
    let failure: unknown;
    try {
      await this.addStream(jsm, 'bench-e2e');
      await jsm.consumers.add('bench-e2e', { durable_name: 'bench-e2e', ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.New });
      const consumer = await js.consumers.get('bench-e2e', 'bench-e2e');
      const messages = await consumer.consume({ max_bytes: fetchBytes, callback: (m) => tap.receive(m.data) });
      const summary = await runAtRate(plan, tap, (values) => {
        for (const value of values) js.publish('bench-e2e', value).catch((err: unknown) => { failure = err; });
      });
      if (failure !== undefined) throw failure;
      await messages.close();
      return summary;
    } finally {
      await nc.close();
    }
  }

  peakRssMB(): number {
    return (this.server?.peakRssBytes() ?? 0) / MiB;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }
}
