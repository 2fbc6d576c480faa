/**
 * `npm run bench -- group`: how fast a consumer group settles and reads. Three brokers of a local
 * cluster, a topic of 6 partitions (replication factor 3). Rounds: a third member joins a stable
 * group of two (time until all three hold two partitions each); a member running as its own
 * process (`josef consume --group`) is killed with kill -9 (time until the two left hold three
 * each: bounded below by session.timeout.ms); then a fresh 3-member group reads the whole topic
 * (records/s from its first record to its last). Consumers use Kafka's defaults
 * (session.timeout.ms 10 s, heartbeat.interval.ms 3 s) unless told otherwise.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';
import type { Command, OptionValues } from 'commander';
import { Admin } from '../src/client/admin';
import { Consumer } from '../src/client/consumer';
import { Producer } from '../src/client/producer';
import { josefRoot } from '../src/local/zk-install';
import { formatNumber } from '../src/cli/format';
import { waitFor } from '../src/common/wait';
import { quietLogger } from './client-bench';
import { parseCount, type Benchmark, type Progress } from './harness';
import { withBenchCluster } from './bench-cluster';
import type { BenchReport } from './report';

interface GroupOptions {
  records: number;
  recordBytes: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
}

const brokers = 3;
const partitions = 6;
const topic = 'bench-group';
const stepTimeoutMs = 120_000;

/** An in-process group member polling in the background, counting what it reads. */
class Member {
  readonly consumer: Consumer;
  consumed = 0;
  firstRecordMs: number | undefined;
  lastRecordMs: number | undefined;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(bootstrapServers: string, groupId: string, o: GroupOptions) {
    const consumer = new Consumer({
      bootstrapServers, groupId, autoOffsetReset: 'earliest', sessionTimeoutMs: o.sessionTimeoutMs, heartbeatIntervalMs: o.heartbeatIntervalMs, logger: quietLogger,
    });
    this.consumer = consumer;
    consumer.subscribe([topic]);
    this.loop = (async () => {
      while (this.running) {
        const records = await consumer.poll(200);
        if (records.length === 0) continue;
        this.firstRecordMs ??= performance.now();
        this.lastRecordMs = performance.now();
        this.consumed += records.length;
      }
    })();
  }

  get partitionCount(): number {
    return this.consumer.assignment().length;
  }

  async close(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.consumer.close();
  }
}

async function fill(bootstrapServers: string, o: GroupOptions, progress: Progress): Promise<void> {
  const admin = new Admin({ bootstrapServers, logger: quietLogger });
  try {
    await admin.createTopics([{ name: topic, numPartitions: partitions, replicationFactor: brokers }]);
  } finally {
    await admin.close();
  }
  progress(`writing ${o.records} records of ${o.recordBytes} bytes`);
  const producer = new Producer({ bootstrapServers, acks: 1, lingerMs: 5, logger: quietLogger });
  const value = Buffer.alloc(o.recordBytes, 1);
  try {
    for (let i = 0; i < o.records; i++) {
      void producer.send({ topic, value, partition: i % partitions });
      if (i % 1000 === 999) await producer.waitForRoom();
    }
    await producer.flush();
  } finally {
    await producer.close();
  }
}

/** Starts `josef consume --group` as its own process, from the sources. */
function consoleConsumer(bootstrapServers: string, groupId: string): ChildProcess {
  return spawn(process.execPath, [path.join(josefRoot(), 'bin', 'josef'), 'consume', topic, '--group', groupId, '--bootstrap-server', bootstrapServers], {
    env: { ...process.env, JOSEF_TS: '1' }, stdio: ['ignore', 'ignore', 'ignore'],
  });
}

const settled = (members: readonly Member[], each: number): boolean => members.every((m) => m.partitionCount === each);

async function measureRebalances(bootstrapServers: string, o: GroupOptions, progress: Progress): Promise<{ joinStableMs: number; failureStableMs: number }> {
  const groupId = `bench-rebalance-${Date.now()}`;
  const child = consoleConsumer(bootstrapServers, groupId);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const members = [new Member(bootstrapServers, groupId, o)];
  try {
    await waitFor(() => settled(members, 3), { timeoutMs: stepTimeoutMs, message: 'a stable group of two (console consumer and one member)' });
    const joinStartMs = performance.now();
    members.push(new Member(bootstrapServers, groupId, o));
    await waitFor(() => settled(members, 2), { timeoutMs: stepTimeoutMs, intervalMs: 10, message: 'three members with two partitions each' });
    const joinStableMs = performance.now() - joinStartMs;
    progress(`a third member joined: stable after ${joinStableMs.toFixed(0)} ms`);
    const killedMs = performance.now();
    child.kill('SIGKILL');
    await waitFor(() => settled(members, 3), { timeoutMs: stepTimeoutMs, intervalMs: 10, message: 'two members with three partitions each after the kill' });
    const failureStableMs = performance.now() - killedMs;
    progress(`a member was killed: stable after ${failureStableMs.toFixed(0)} ms`);
    return { joinStableMs, failureStableMs };
  } finally {
    child.kill('SIGKILL');
    await exited;
    await Promise.all(members.map((m) => m.close()));
  }
}

async function measureConsumption(bootstrapServers: string, o: GroupOptions, progress: Progress): Promise<number> {
  const groupId = `bench-read-${Date.now()}`;
  const members = [0, 1, 2].map(() => new Member(bootstrapServers, groupId, o));
  try {
    await waitFor(() => members.reduce((sum, m) => sum + m.consumed, 0) >= o.records, { timeoutMs: stepTimeoutMs, intervalMs: 10, message: `the group to read ${o.records} records` });
    const first = Math.min(...members.map((m) => m.firstRecordMs ?? Infinity));
    const last = Math.max(...members.map((m) => m.lastRecordMs ?? 0));
    const recordsPerSec = o.records / ((last - first) / 1000);
    progress(`3 members read ${o.records} records at ${recordsPerSec.toFixed(0)} records/s`);
    return recordsPerSec;
  } finally {
    await Promise.all(members.map((m) => m.close()));
  }
}

async function run(options: OptionValues, progress: Progress): Promise<BenchReport> {
  const o = options as GroupOptions;
  return withBenchCluster({ name: 'group', zkBasePort: 23960, brokers }, progress, async (cluster) => {
    await fill(cluster.bootstrapServers, o, progress);
    const { joinStableMs, failureStableMs } = await measureRebalances(cluster.bootstrapServers, o, progress);
    const recordsPerSec = await measureConsumption(cluster.bootstrapServers, o, progress);
    return report(o, joinStableMs, failureStableMs, recordsPerSec);
  });
}

function report(o: GroupOptions, joinStableMs: number, failureStableMs: number, recordsPerSec: number): BenchReport {
  return {
    benchmark: 'group',
    parameters: { brokers, partitions, replicationFactor: brokers, members: 3, records: o.records, recordBytes: o.recordBytes, sessionTimeoutMs: o.sessionTimeoutMs, heartbeatIntervalMs: o.heartbeatIntervalMs },
    tables: [{
      title: 'a 3-member consumer group on 6 partitions',
      columns: [{ title: 'what' }, { title: 'figure', align: 'right' }, { title: 'bound' }],
      rows: [
        ['a member joins a stable group: stable after (ms)', formatNumber(joinStableMs, 0), `about heartbeat.interval.ms (${o.heartbeatIntervalMs}): the others learn of the rebalance from a heartbeat`],
        ['a member is killed (kill -9): stable after (ms)', formatNumber(failureStableMs, 0), `session.timeout.ms of the killed member (Kafka's 10 s for josef consume) + a heartbeat`],
        ['records/s read by the group', formatNumber(recordsPerSec, 0), `${o.recordBytes}-byte records, first to last record`],
      ],
    }],
    figures: { joinStableMs, failureStableMs, recordsPerSec },
    notes: [
      'stable: every member holds its share (2 of 6 partitions with three members, 3 with two), polled every 10 ms.',
      'The killed member is a `josef consume --group` process, so its death is noticed only when its session times out at the coordinator; a member that closes sends LeaveGroup and the group rebalances at once.',
    ],
  };
}

export const groupBenchmark: Benchmark = {
  name: 'group',
  description: 'consumer group: time to stabilise after a join and after a kill -9, records/s read by 3 members',
  defineOptions(command: Command): void {
    command
      .option('--records <n>', 'records in the topic', parseCount, 300_000)
      .option('--record-bytes <n>', 'value size', parseCount, 100)
      .option('--session-timeout-ms <ms>', 'the in-process members\' session.timeout.ms', parseCount, 10_000)
      .option('--heartbeat-interval-ms <ms>', 'the in-process members\' heartbeat.interval.ms', parseCount, 3_000);
  },
  run,
};
