/**
 * bench/rdkafka-perf.c, librdkafka's side of `npm run bench -- kafka-clients`, against a real
 * broker: built here as `npm run bench:setup` builds it (Debian's gcc, libc6-dev and
 * librdkafka-dev, installed on first use as .ci/run installs them),
 * its producer's records all stored once, even when librdkafka's queue is too small for one of its
 * rd_kafka_produce_batch calls and refuses part of it, and its consumer reading them back; and the
 * benchmark's three-broker run, acks=all with 64 KB batches and librdkafka's many Produces in flight.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { Admin } from '../../src/client/admin';
import { countRecords } from '../../bench/produce';
import { runChild, stopAllChildren, type ChildExit } from '../helpers/child-processes';
import type { TestCluster } from '../helpers/cluster';
import { ensureDebianPackage } from '../helpers/debian-package';
import { createTopic, startClientsCluster } from '../helpers/kafka-clients';
import { quietLogger } from '../helpers/log';
import { rmDir, tmpDir } from '../helpers/tmp';

jest.setTimeout(120_000);

const source = path.join(__dirname, '..', '..', 'bench', 'rdkafka-perf.c');
const partitions = 3;

interface TimedPart {
  records: number;
  elapsedMs: number;
  failed: number;
}

/** Runs the program with its go line on stdin, which it then finds closed (the end it waits for after its result); its one line of JSON. */
async function runProgram(binary: string, args: readonly string[]): Promise<TimedPart> {
  const run: ChildExit = await runChild(binary, args, 60_000, { input: 'go\n' });
  if (run.code !== 0) throw new Error(`rdkafka-perf ${args[0]} exited with ${run.code ?? run.signal}; stderr:\n${run.stderr.slice(-2_000)}`);
  const lines = run.stdout.toString('utf8').trimEnd().split('\n');
  expect(lines[0]).toBe('ready');
  return JSON.parse(lines[1]) as TimedPart;
}

describe('rdkafka-perf (librdkafka\'s program of the kafka-clients benchmark)', () => {
  let dir: string;
  let binary: string;
  let cluster: TestCluster;
  let bootstrap: string;

  beforeAll(async () => {
    ensureDebianPackage('gcc', '/usr/bin/gcc');
    ensureDebianPackage('libc6-dev', '/usr/include/stdio.h');
    ensureDebianPackage('librdkafka-dev', '/usr/include/librdkafka/rdkafka.h');
    dir = tmpDir('rdkafka-perf');
    binary = path.join(dir, 'rdkafka-perf');
    const built = spawnSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', binary, source, '-lrdkafka'], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`gcc could not build ${source}:\n${built.stderr}`);
    cluster = await startClientsCluster('e2e-rdkafka-perf');
    bootstrap = cluster.cluster.bootstrapServers;
    const admin = new Admin({ bootstrapServers: bootstrap, logger: quietLogger });
    try {
      await admin.createTopics([{ name: 'perf', numPartitions: partitions, replicationFactor: 1 }]);
    } finally {
      await admin.close();
    }
  });
  afterAll(async () => {
    await stopAllChildren();
    await cluster?.stop();
    if (dir !== undefined) rmDir(dir);
  });

  test('produces every record once through a queue smaller than one batch call, then reads them back', async () => {
    // 200 messages of queue against calls of 1,000: most calls are refused in part and offered again.
    const produced = await runProgram(binary, ['produce', bootstrap, 'perf', '5000', '100', '300', 'acks=1', 'linger.ms=5', 'queue.buffering.max.messages=200']);
    expect(produced).toMatchObject({ records: 5000, failed: 0 });
    expect(await countRecords(bootstrap, 'perf', partitions)).toBe(300 + 1 + 5000);

    const consumed = await runProgram(binary, ['consume', bootstrap, 'perf', '5301', 'perf', '0', 'check.crcs=true']);
    expect(consumed).toMatchObject({ records: 5301, failed: 0 });
  });

  test('produces with acks=all to three brokers, 64 KB batches and librdkafka\'s Produces in flight: every record stored once', async () => {
    // As `bench kafka-clients --setups rf3`. Batches arrive in pooled frames; one handed back twice
    // let a later Produce's bytes be overwritten before its append: CORRUPT_MESSAGE, a Produce never
    // answered, and the duplicates of librdkafka's retry.
    await createTopic(bootstrap, 'acked', 6);
    const produced = await runProgram(binary, ['produce', bootstrap, 'acked', '300000', '100', '0', 'acks=all', 'batch.size=64000', 'linger.ms=5', 'queue.buffering.max.kbytes=32768', 'message.timeout.ms=30000']);
    expect(produced).toMatchObject({ records: 300_000, failed: 0 });
    expect(await countRecords(bootstrap, 'acked', 6)).toBe(1 + 300_000);
  });
});
