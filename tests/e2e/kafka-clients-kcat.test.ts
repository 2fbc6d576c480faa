/**
 * kcat (librdkafka) against a real three-broker cluster, as an outside judge of Josef's Kafka
 * listener: its metadata listing says what `josef topic describe` says, what it produces with
 * keys, headers and acks=all it reads back byte for byte, asked to compress it still writes what
 * Josef stores, and its consumer group commits offsets that `josef group describe` shows.
 */
import { Admin } from '../../src/client/admin';
import { stopAllChildren } from '../helpers/child-processes';
import { runJosef, type TestCluster } from '../helpers/cluster';
import { createTopic, describeGroup, expectSuccess, kcat, kcatRecordFormat, parseKcatRecords, startClientsCluster, type KcatRecord } from '../helpers/kafka-clients';
import { quietLogger } from '../helpers/log';

jest.setTimeout(120_000);

/** What `kcat -L -J` prints (the fields read here). */
interface KcatMetadata {
  controllerid: number;
  brokers: { id: number; name: string }[];
  topics: { topic: string; partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[] }[];
}

/**
 * Lines of `key:value` for `kcat -P -K:`, with the bytes a text-minded client would mangle: UTF-8
 * beyond ASCII, a tab, a control byte, a byte that is not UTF-8, an empty value, an empty key, and
 * a line without the separator (kcat sends it with a null key).
 */
const produced: { key: Buffer | null; value: Buffer }[] = [
  { key: Buffer.from('k1'), value: Buffer.from('plain') },
  { key: Buffer.from('ключ'), value: Buffer.from('värde 値 🦆') },
  { key: Buffer.from('tab\there'), value: Buffer.from([0x01, 0x02, 0x7f, 0x20, 0xff, 0xfe, 0x41]) },
  { key: Buffer.from('empty-value'), value: Buffer.alloc(0) },
  { key: Buffer.alloc(0), value: Buffer.from('empty key') },
  { key: null, value: Buffer.from('no key at all') },
];
const kcatInput = Buffer.concat(produced.map(({ key, value }) => Buffer.concat([key === null ? Buffer.alloc(0) : Buffer.concat([key, Buffer.from(':')]), value, Buffer.from('\n')])));
/** Header names may repeat, values may be empty; kcat adds them to every record it produces. */
const headers: [string, string][] = [['trace-id', 'abc-123'], ['empty', ''], ['dup', '1'], ['dup', '2']];

describe('kcat against Josef', () => {
  let cluster: TestCluster;
  let bootstrap: string;

  beforeAll(async () => {
    cluster = await startClientsCluster('e2e-kcat');
    bootstrap = cluster.cluster.bootstrapServers;
  });
  afterAll(async () => {
    await stopAllChildren();
    await cluster?.stop();
  });

  test('-L lists the brokers, the controller and each partition\'s leader, replicas and ISR as josef topic describe does', async () => {
    await createTopic(bootstrap, 'listed', 3);
    const metadata = JSON.parse((await kcat(bootstrap, ['-L', '-J', '-t', 'listed'])).stdout.toString()) as KcatMetadata;

    expect(metadata.brokers.map((b) => `${b.id}@${b.name}`).sort()).toEqual(cluster.cluster.brokers().map((b) => `${b.id}@${b.host}:${b.port}`).sort());
    const admin = new Admin({ bootstrapServers: bootstrap, logger: quietLogger });
    try {
      expect(metadata.controllerid).toBe((await admin.describeCluster()).controllerId);
    } finally {
      await admin.close();
    }

    const described = await runJosef(['topic', 'describe', 'listed', '--bootstrap-server', bootstrap]);
    expectSuccess(described, 'josef topic describe listed');
    const josefLines = described.stdout.split('\n').filter((line) => line.startsWith('\t'));
    const [topic] = metadata.topics;
    const kcatLines = [...topic.partitions].sort((a, b) => a.partition - b.partition).map((p) =>
      `\tTopic: ${topic.topic} Partition: ${p.partition} Leader: ${p.leader} Replicas: ${p.replicas.map((r) => r.id).join(',')} Isr: ${p.isrs.map((r) => r.id).join(',')}`);
    expect(kcatLines).toHaveLength(3);
    expect(kcatLines).toEqual(josefLines);
    for (const p of topic.partitions) expect(p.replicas).toHaveLength(3);
  });

  test('-P with keys, headers and acks=all, then -C -o beginning -e reads every byte back', async () => {
    await createTopic(bootstrap, 'bytes', 1);
    const headerArgs = headers.flatMap(([name, value]) => ['-H', `${name}=${value}`]);
    await kcat(bootstrap, ['-P', '-t', 'bytes', '-K:', '-X', 'acks=all', ...headerArgs], { input: kcatInput });

    const read = parseKcatRecords((await kcat(bootstrap, ['-C', '-t', 'bytes', '-o', 'beginning', '-e', '-q', '-f', kcatRecordFormat])).stdout);
    const expected: KcatRecord[] = produced.map(({ key, value }, offset) => ({ partition: 0, offset, key, value, headers }));
    expect(read).toEqual(expected);
  });

  test('-X compression.codec=gzip or lz4: librdkafka sees Josef takes no compressed batch and sends its records uncompressed', async () => {
    await createTopic(bootstrap, 'compressed', 1);
    // Records that compress well, so librdkafka would compress them if it thought the broker took it.
    const lines = Array.from({ length: 200 }, (_, i) => `${'a'.repeat(60)}-${i}`);
    for (const codec of ['gzip', 'lz4']) {
      const run = await kcat(bootstrap, ['-P', '-t', 'compressed', '-X', `compression.codec=${codec}`, '-X', 'debug=msg'], { input: lines.map((l) => `${l}\n`).join('') });
      expect(run.stderr).toContain(`Broker does not support compression type ${codec}: not compressing batch`);
    }
    const read = parseKcatRecords((await kcat(bootstrap, ['-C', '-t', 'compressed', '-o', 'beginning', '-e', '-q', '-f', kcatRecordFormat])).stdout);
    expect(read.map((r) => String(r.value))).toEqual([...lines, ...lines]);
  });

  test('-G reads as a consumer group; josef group describe shows its committed offsets with lag 0, and the next run resumes there', async () => {
    await createTopic(bootstrap, 'grouped', 3);
    const lines = (from: number, count: number): string => Array.from({ length: count }, (_, i) => `k${from + i}:v${from + i}\n`).join('');
    await kcat(bootstrap, ['-P', '-t', 'grouped', '-K:', '-X', 'acks=all'], { input: lines(0, 30) });
    const readAsGroup = async (): Promise<string[]> => {
      const run = await kcat(bootstrap, ['-G', 'kcat-group', 'grouped', '-X', 'auto.offset.reset=earliest', '-e', '-q', '-f', kcatRecordFormat]);
      return parseKcatRecords(run.stdout).map((r) => String(r.value)).sort();
    };

    expect(await readAsGroup()).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`).sort());
    const rows = await describeGroup(bootstrap, 'kcat-group');
    expect(rows.map((r) => r.partition).sort()).toEqual([0, 1, 2]);
    for (const row of rows) {
      expect(row.lag).toBe(0);
      expect(row.currentOffset).toBe(row.logEndOffset);
    }
    expect(rows.reduce((sum, r) => sum + (r.currentOffset ?? 0), 0)).toBe(30);

    await kcat(bootstrap, ['-P', '-t', 'grouped', '-K:', '-X', 'acks=all'], { input: lines(30, 5) });
    expect(await readAsGroup()).toEqual(['v30', 'v31', 'v32', 'v33', 'v34']);
  });
});
