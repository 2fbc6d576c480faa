/**
 * Kafka's own clients as the end-to-end tests run them against Josef: kcat and the Python scripts
 * of tests/fixtures/kafka-clients/ (confluent-kafka, i.e. librdkafka, under /usr/bin/python3, the
 * one interpreter that sees Debian's Python packages), as child processes with deadlines, killed by
 * stopAllChildren() in each file's afterAll; the cluster they all run against; and how kcat's
 * consumer output and `josef group describe` are read back.
 */
import { spawnSync } from 'child_process';
import path from 'path';
import { logLevel } from 'kafkajs';
import { Admin } from '../../src/client/admin';
import { readToEnd } from '../../src/harness/delivery-check';
import type { GroupAdmin } from '../../src/client/group-admin';
import type { ConsumerRecord } from '../../src/client/records';
import { runChild, TestChild, type ChildExit, type ChildOptions } from './child-processes';
import { runJosef, startTestCluster, type TestCluster } from './cluster';
import { quietLogger } from './log';
import { waitFor } from './wait';

const repoRoot = path.join(__dirname, '..', '..');
const pythonForDebianPackages = '/usr/bin/python3';
const fixturesDir = path.join(repoRoot, 'tests', 'fixtures', 'kafka-clients');
/** The fixtures share a module; its compiled copy must not land in the checkout. */
const pythonEnv: NodeJS.ProcessEnv = { PYTHONDONTWRITEBYTECODE: '1' };
/** Longest a client run to its end may take before it is killed and the test fails. */
const clientRunTimeoutMsDefault = 60_000;

/** Installs kcat, confluent-kafka and kafka-python when missing (as root), or throws saying what to install: scripts/ensure-kafka-clients.sh. */
export function ensureKafkaClientsInstalled(): void {
  const script = path.join(repoRoot, 'scripts', 'ensure-kafka-clients.sh');
  const result = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`the Kafka clients the e2e tests run are not available (${script} failed; see above)`);
}

/**
 * KafkaJS logs the retriable errors it rides through (COORDINATOR_NOT_AVAILABLE while
 * __consumer_offsets is being created, as a Kafka broker answers too) at ERROR; the tests judge
 * what it did, not what it logged.
 */
export const kafkajsLogLevel = logLevel.NOTHING;

/** Fails with the command, its exit and its stderr unless it exited with 0. */
export function expectSuccess(run: { code: number | null; signal?: NodeJS.Signals | null; stderr: string }, what: string): void {
  if (run.code !== 0) throw new Error(`${what} exited with ${run.code ?? run.signal}; stderr:\n${run.stderr.slice(-2_000)}`);
}

/** `kcat -b BOOTSTRAP args...` to its exit; fails unless it exits with 0. */
export async function kcat(bootstrapServers: string, args: readonly string[], options: ChildOptions & { timeoutMs?: number } = {}): Promise<ChildExit> {
  const run = await runChild('kcat', ['-b', bootstrapServers, ...args], options.timeoutMs ?? clientRunTimeoutMsDefault, options);
  expectSuccess(run, `kcat ${args.join(' ')}`);
  return run;
}

/** A script of tests/fixtures/kafka-clients/ run to its exit; fails unless it exits with 0. */
export async function runPython(script: string, args: readonly string[], options: ChildOptions & { timeoutMs?: number } = {}): Promise<ChildExit> {
  const run = await runPythonToExit(script, args, options);
  expectSuccess(run, `${script} ${args.join(' ')}`);
  return run;
}

/** A script of tests/fixtures/kafka-clients/ run to its exit, whatever its exit code (for runs that should fail). */
export function runPythonToExit(script: string, args: readonly string[], options: ChildOptions & { timeoutMs?: number } = {}): Promise<ChildExit> {
  return runChild(pythonForDebianPackages, [path.join(fixturesDir, script), ...args], options.timeoutMs ?? clientRunTimeoutMsDefault, { ...options, env: { ...pythonEnv, ...options.env } });
}

/** A script of tests/fixtures/kafka-clients/ started in the background (stop it, or stopAllChildren does). */
export function startPython(script: string, args: readonly string[], options: ChildOptions = {}): TestChild {
  return new TestChild(pythonForDebianPackages, [path.join(fixturesDir, script), ...args], { ...options, env: { ...pythonEnv, ...options.env } });
}

/** The stdout lines that are JSON objects, parsed (the fixtures print one event per line). */
export function jsonLines<T>(child: TestChild | ChildExit): T[] {
  const text = child instanceof TestChild ? child.stdoutLines().join('\n') : child.stdout.toString();
  return text.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as T);
}

export interface KcatRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** [name, value] in order; kcat prints them as `a=1,b=2`, so names and values here hold no `,` or `=`. */
  headers: [string, string][];
}

/**
 * kcat's consumer output format that keeps every byte: a line `partition offset keyLength
 * valueLength headers` (length -1 for null), then exactly that many key and value bytes, then a
 * newline. kcat's -J output replaces bytes that are not UTF-8, so it cannot prove byte equality.
 */
export const kcatRecordFormat = '%p %o %K %S %h\\n%k%s\\n';

/** Reads kcat's output in kcatRecordFormat back into records. */
export function parseKcatRecords(output: Buffer): KcatRecord[] {
  const records: KcatRecord[] = [];
  let at = 0;
  const take = (length: number): Buffer | null => {
    if (length < 0) return null;
    if (at + length > output.length) throw new Error(`kcat output ends inside a record at byte ${at}`);
    const bytes = output.subarray(at, at + length);
    at += length;
    return bytes;
  };
  while (at < output.length) {
    const lineEnd = output.indexOf(0x0a, at);
    if (lineEnd < 0) throw new Error(`kcat output ends inside a record line at byte ${at}`);
    const line = output.subarray(at, lineEnd).toString();
    const match = /^(\d+) (\d+) (-1|\d+) (-1|\d+) (.*)$/.exec(line);
    if (match === null) throw new Error(`not a kcat record line: ${JSON.stringify(line)}`);
    at = lineEnd + 1;
    const key = take(Number(match[3]));
    const value = take(Number(match[4]));
    if (output[at] !== 0x0a) throw new Error(`no newline after the record at offset ${match[2]} of partition ${match[1]}`);
    at++;
    const headers = match[5] === '' ? [] : match[5].split(',').map((h): [string, string] => {
      const eq = h.indexOf('=');
      return [h.slice(0, eq), h.slice(eq + 1)];
    });
    records.push({ partition: Number(match[1]), offset: Number(match[2]), key, value, headers });
  }
  return records;
}

/**
 * The cluster each Kafka clients' test file runs against: three brokers, topics with three
 * replicas and min.insync.replicas=2 (an acks=all write needs two copies), a small
 * __consumer_offsets (six partitions instead of 50, created quicker at a group's first request),
 * and no initial rebalance delay: an empty group's first member gets its partitions at once
 * (the tests wait for the assignment they expect rather than for members to arrive together).
 */
export function startClientsCluster(name: string, overrides: Record<string, string> = {}): Promise<TestCluster> {
  return startTestCluster(name, {
    brokers: 3,
    overrides: {
      'default.replication.factor': '3', 'min.insync.replicas': '2', 'offsets.topic.num.partitions': '6', 'group.initial.rebalance.delay.ms': '0', ...overrides,
    },
  });
}

/** Creates a topic with three replicas through Josef's own Admin, resolving once every partition has a leader. */
export async function createTopic(bootstrapServers: string, topic: string, partitions: number): Promise<void> {
  const admin = new Admin({ bootstrapServers, logger: quietLogger });
  try {
    await admin.createTopics([{ name: topic, numPartitions: partitions, replicationFactor: 3 }]);
  } finally {
    await admin.close();
  }
}

/** Every record of `topic` as Josef's Consumer reads it (keys, values and headers as bytes), to the end offsets of when it began. */
export async function readWithJosef(bootstrapServers: string, topic: string): Promise<ConsumerRecord[]> {
  const records: ConsumerRecord[] = [];
  await readToEnd(bootstrapServers, topic, (r) => records.push(r), 30_000, quietLogger);
  return records;
}

/**
 * Resolves once a group's committed offsets add up to `count` records (its topics' logs start at
 * offset 0): whatever client committed them, and after whatever rebalances made some commit again.
 */
export async function waitForCommitted(groupAdmin: GroupAdmin, groupId: string, count: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => {
    const offsets = await groupAdmin.committedOffsets(groupId);
    return [...offsets.values()].reduce((sum, o) => sum + Math.max(0, o.offset), 0) === count;
  }, { timeoutMs, intervalMs: 250, message: `group ${groupId} to commit ${count} records` });
}

export interface GroupDescribeRow {
  topic: string;
  partition: number;
  currentOffset: number | null;
  logEndOffset: number | null;
  lag: number | null;
}

/** The partition rows of `josef group describe GROUP` (Kafka's kafka-consumer-groups --describe columns); `-` reads as null. */
export async function describeGroup(bootstrapServers: string, groupId: string): Promise<GroupDescribeRow[]> {
  const run = await runJosef(['group', 'describe', groupId, '--bootstrap-server', bootstrapServers]);
  expectSuccess(run, `josef group describe ${groupId}`);
  const number = (cell: string): number | null => (cell === '-' ? null : Number(cell));
  return run.stdout.split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cells) => cells[0] === groupId)
    .map(([, topic, partition, currentOffset, logEndOffset, lag]) => ({
      topic, partition: Number(partition), currentOffset: number(currentOffset), logEndOffset: number(logEndOffset), lag: number(lag),
    }));
}
