/**
 * `npm run bench -- kafka-clients`: the same workload through a broker's Kafka listener with
 * librdkafka (bench/rdkafka-perf.c) and through Josef's own client on the msgpack protocol, in
 * the same run on the same cluster, and what each costs the brokers in CPU per record (issue 18's
 * goals). Two setups, each a fresh cluster: one broker with acks=1, and three brokers, replication
 * factor 3, acks=all. Each round: both producers write --records values of --record-size bytes to
 * a fresh topic of their own (after --warmup-records untimed), then both consumers read --records
 * records of the same topic (the one Josef's producer wrote, so both read the same batches) from
 * the beginning, after reading --warmup-records of the other topic untimed. Which client goes
 * first alternates from round to round, 4 rounds by default so that each goes first as often:
 * in the first runs the first producer of every round cost the broker more per record than the
 * second, whichever client it was, and slow spells of a shared machine should fall on both.
 */
import type { Command, OptionValues } from 'commander';
import { formatNumber, type FieldValue } from '../src/cli/format';
import { assert } from '../src/common/assert';
import { benchCluster, createBenchTopic, DEFAULT_BATCH_SIZE, randomPayload, type BenchCluster, type ClientBenchOptions } from './client-bench';
import { consumeAll } from './consume';
import { median, onCpus, parseCount, parseCountOrZero, parseListOf, parseOneOf, processCpuMs, type Benchmark, type Progress } from './harness';
import { ACKS_ALL_BATCH_SIZE, benchProducer, countRecords, produceAll } from './produce';
import { rdkafkaMallocEnv, rdkafkaMallocs, rdkafkaPerfMissing, rdkafkaProps, runRdkafkaPerf, type RdkafkaMalloc, type RdkafkaPerfPlace, type TimedRun } from './rdkafka-perf';
import type { BenchReport, ReportTable } from './report';

type SetupName = 'one-broker' | 'rf3';
const setupNames: readonly SetupName[] = ['one-broker', 'rf3'];

interface Setup {
  name: SetupName;
  title: string;
  brokers: number;
  replicationFactor: number;
  acks: ClientBenchOptions['acks'];
  /** Both producers' batch.size: Kafka's default with acks=1, Kafka 2014's acks=-1 run's with acks=all (as `produce`). */
  batchSize: number;
}

const setups: Record<SetupName, Setup> = {
  'one-broker': { name: 'one-broker', title: 'one broker, RF 1, acks=1', brokers: 1, replicationFactor: 1, acks: 1, batchSize: DEFAULT_BATCH_SIZE },
  rf3: { name: 'rf3', title: 'three brokers, RF 3, acks=all', brokers: 3, replicationFactor: 3, acks: 'all', batchSize: ACKS_ALL_BATCH_SIZE },
};

interface KafkaClientsOptions {
  records: number;
  recordSize: number;
  partitions: number;
  warmupRecords: number;
  runs: number;
  setups: SetupName[];
  /** CPUs for both clients, librdkafka's program and this process while Josef's client works (`taskset`), or undefined: wherever the kernel runs their threads. */
  clientCpus?: string;
  /** The allocator librdkafka's program runs with: glibc's as it comes (default), or a diagnostic (bench/rdkafka-perf.ts). */
  rdkafkaMalloc: RdkafkaMalloc;
  /** librdkafka's batch.size: its own default, or Josef's producer's (producerProps). */
  rdkafkaBatchSize: RdkafkaBatchSize;
}

const rdkafkaBatchSizes = ['own', 'matched'] as const;
type RdkafkaBatchSize = (typeof rdkafkaBatchSizes)[number];

/**
 * librdkafka's producer: acks as the setup's, a 32 MiB buffer (Josef's buffer.memory), and
 * librdkafka's own defaults otherwise, as `kcat -P` runs it (issue 18 names kcat -P from a file):
 * - batch.size (1,000,000 bytes, batch.num.messages 10,000) unless --rdkafka-batch-size matched
 *   gives it Josef's producer's. librdkafka puts one partition in each Produce request, Josef's
 *   client one batch of every partition: with its own batches librdkafka's requests carry about as
 *   many records as Josef's client's (about 1,000 at these rates, 5 ms of one partition's records,
 *   against 6 batches of 148), with Josef's batch.size six times fewer, and the broker's cost per
 *   request (about 40 µs of waking up for a request that comes alone, docs/benchmarks.md) is then
 *   paid six times as often on the Kafka side;
 * - max.in.flight (1,000,000): librdkafka's issue #1700, "the high default max.in.flight makes
 *   this work in practice", one partition per request;
 * - linger.ms (5): at 0 its broker thread is woken for every record, which halves its throughput.
 */
function producerProps(setup: Setup, batchSize: RdkafkaBatchSize): string[] {
  return rdkafkaProps({ acks: setup.acks, ...(batchSize === 'matched' ? { 'batch.size': setup.batchSize } : {}), 'linger.ms': 5, 'queue.buffering.max.kbytes': 32 * 1024 });
}

/** librdkafka's consumer with its defaults (fetch.wait.max.ms 500, 1 MiB per partition), checking CRCs as Josef's consumer does. */
const consumerProps = rdkafkaProps({ 'check.crcs': 'true' });

/** One client's two timed phases. */
interface ClientResult {
  produce: TimedRun;
  consume: TimedRun;
}

interface Round {
  kafka: ClientResult;
  josef: ClientResult;
}

type Side = keyof Round;

const rps = (run: TimedRun): number => run.records / (run.elapsedMs / 1000);
const cpuNsPerRecord = (run: TimedRun): number => (run.brokerCpuMs * 1e6) / run.records;
const clientCpuNsPerRecord = (run: TimedRun): number => (run.clientCpuMs * 1e6) / run.records;

/** Josef's producer: warm-up untimed, then `o.records` timed, the brokers' CPU read around them. */
async function josefProduce(cluster: BenchCluster, topic: string, o: KafkaClientsOptions, setup: Setup): Promise<TimedRun> {
  const producer = benchProducer(cluster.bootstrapServers, clientOptions(o, setup));
  try {
    const payload = randomPayload(o.recordSize);
    await producer.send({ topic, value: payload });
    const warmup = await produceAll(producer, topic, payload, o.warmupRecords);
    assert(warmup.failed === 0, () => `${warmup.failed} warm-up records failed`);
    const cpuBeforeMs = processCpuMs(cluster.brokerPids());
    const clientCpuBefore = process.cpuUsage();
    const run = await produceAll(producer, topic, payload, o.records);
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const brokerCpuMs = processCpuMs(cluster.brokerPids()) - cpuBeforeMs;
    assert(run.failed === 0, () => `${run.failed} records failed`);
    return { records: o.records, elapsedMs: run.elapsedMs, brokerCpuMs, clientCpuMs: (clientCpu.user + clientCpu.system) / 1000 };
  } finally {
    await producer.close();
  }
}

/** Josef's consumer: `o.warmupRecords` of `warmupTopic` untimed, then `o.records` of `topic`. */
async function josefConsume(cluster: BenchCluster, topic: string, warmupTopic: string, o: KafkaClientsOptions): Promise<TimedRun> {
  if (o.warmupRecords > 0) await consumeAll(cluster.bootstrapServers, warmupTopic, o.partitions, o.warmupRecords, 'poll');
  const cpuBeforeMs = processCpuMs(cluster.brokerPids());
  const phase = await consumeAll(cluster.bootstrapServers, topic, o.partitions, o.records, 'poll');
  return { records: phase.records, elapsedMs: phase.elapsedMs, brokerCpuMs: processCpuMs(cluster.brokerPids()) - cpuBeforeMs, clientCpuMs: phase.cpuMs };
}

function clientOptions(o: KafkaClientsOptions, setup: Setup): ClientBenchOptions {
  return {
    brokers: setup.brokers, replicationFactor: setup.replicationFactor, acks: setup.acks, recordSize: o.recordSize, records: o.records,
    partitions: o.partitions, batchSize: setup.batchSize, lingerMs: 0,
  };
}

async function measureRound(cluster: BenchCluster, o: KafkaClientsOptions, setup: Setup, place: RdkafkaPerfPlace, kafkaFirst: boolean, progress: Progress): Promise<Round> {
  const topics = {
    kafka: await createBenchTopic(cluster, clientOptions(o, setup), 'bench-kafka-clients-librdkafka'),
    josef: await createBenchTopic(cluster, clientOptions(o, setup), 'bench-kafka-clients-josef'),
  };
  const cpu = (): number => processCpuMs(cluster.brokerPids());
  const order: Side[] = kafkaFirst ? ['kafka', 'josef'] : ['josef', 'kafka'];
  const produce: Partial<Record<Side, TimedRun>> = {};
  for (const side of order) {
    progress(`${side === 'kafka' ? 'librdkafka' : 'Josef\'s client'}: producing ${formatNumber(o.warmupRecords, 0)} + ${formatNumber(o.records, 0)} records`);
    produce[side] = side === 'kafka'
      ? await runRdkafkaPerf(['produce', cluster.bootstrapServers, topics.kafka, String(o.records), String(o.recordSize), String(o.warmupRecords), ...producerProps(setup, o.rdkafkaBatchSize)], cpu, place)
      : await onCpus(o.clientCpus, () => josefProduce(cluster, topics.josef, o, setup));
    progress(`${formatNumber(rps(produce[side]!), 0)} records/s, broker CPU ${formatNumber(cpuNsPerRecord(produce[side]!), 0)} ns/record`);
  }
  for (const side of order) {
    const stored = await countRecords(cluster.bootstrapServers, topics[side], o.partitions);
    assert(stored === o.warmupRecords + 1 + o.records, () => `${topics[side]} holds ${stored} records, ${o.warmupRecords + 1 + o.records} were sent`);
  }
  const consume: Partial<Record<Side, TimedRun>> = {};
  for (const side of order) {
    progress(`${side === 'kafka' ? 'librdkafka' : 'Josef\'s client'}: consuming ${formatNumber(o.records, 0)} records`);
    consume[side] = side === 'kafka'
      ? await runRdkafkaPerf(['consume', cluster.bootstrapServers, topics.josef, String(o.records), topics.kafka, String(o.warmupRecords), ...consumerProps], cpu, place)
      : await onCpus(o.clientCpus, () => josefConsume(cluster, topics.josef, topics.kafka, o));
    progress(`${formatNumber(rps(consume[side]!), 0)} records/s, broker CPU ${formatNumber(cpuNsPerRecord(consume[side]!), 0)} ns/record, consumer CPU ${formatNumber(clientCpuNsPerRecord(consume[side]!), 0)} ns/record`);
  }
  return { kafka: { produce: produce.kafka!, consume: consume.kafka! }, josef: { produce: produce.josef!, consume: consume.josef! } };
}

async function measureSetup(o: KafkaClientsOptions, setup: Setup, place: RdkafkaPerfPlace, progress: Progress): Promise<Round[]> {
  const cluster = await benchCluster(clientOptions(o, setup), progress);
  try {
    const rounds: Round[] = [];
    for (let i = 0; i < o.runs; i++) {
      const say: Progress = (m) => progress(`${setup.name}${o.runs > 1 ? ` run ${i + 1}/${o.runs}` : ''}: ${m}`);
      rounds.push(await measureRound(cluster, o, setup, place, i % 2 === 0, say));
    }
    return rounds;
  } finally {
    await cluster.stop();
  }
}

/** A client's figures over the rounds: medians. */
function clientFigures(rounds: readonly Round[], side: Side): Record<string, number> {
  return {
    produceRps: median(rounds.map((r) => rps(r[side].produce))),
    consumeRps: median(rounds.map((r) => rps(r[side].consume))),
    produceBrokerCpuNsPerRecord: median(rounds.map((r) => cpuNsPerRecord(r[side].produce))),
    consumeBrokerCpuNsPerRecord: median(rounds.map((r) => cpuNsPerRecord(r[side].consume))),
    produceClientCpuNsPerRecord: median(rounds.map((r) => clientCpuNsPerRecord(r[side].produce))),
    consumeClientCpuNsPerRecord: median(rounds.map((r) => clientCpuNsPerRecord(r[side].consume))),
  };
}

/**
 * librdkafka's CPU per record in each of its threads over `phase` (medians over the rounds; a
 * thread that used none is left out): how much its application thread and its broker threads
 * each spend, which tells whether they slowed each other (docs/benchmarks.md).
 */
function threadFigures(rounds: readonly Round[], phase: keyof ClientResult): Record<string, number> {
  const names = new Set(rounds.flatMap((r) => Object.keys(r.kafka[phase].threadCpuMs ?? {})));
  const figures: Record<string, number> = {};
  for (const name of [...names].sort()) {
    const nsPerRecord = median(rounds.map((r) => ((r.kafka[phase].threadCpuMs?.[name] ?? 0) * 1e6) / r.kafka[phase].records));
    if (nsPerRecord > 0) figures[name] = nsPerRecord;
  }
  return figures;
}

/** librdkafka's over Josef's client, each round against its own, as percentages: the medians of the rounds. */
function ratioFigures(rounds: readonly Round[]): Record<string, number> {
  const ratio = (f: (run: TimedRun) => number, phase: keyof ClientResult): number => median(rounds.map((r) => (f(r.kafka[phase]) / f(r.josef[phase])) * 100));
  return {
    producePercent: ratio(rps, 'produce'),
    consumePercent: ratio(rps, 'consume'),
    produceBrokerCpuPercent: ratio(cpuNsPerRecord, 'produce'),
    consumeBrokerCpuPercent: ratio(cpuNsPerRecord, 'consume'),
  };
}

function roundsTable(setup: Setup, rounds: readonly Round[]): ReportTable {
  const rows: FieldValue[][] = [];
  rounds.forEach((r, i) => {
    const kafkaFirst = i % 2 === 0;
    for (const side of (kafkaFirst ? ['kafka', 'josef'] : ['josef', 'kafka']) as Side[]) {
      const c = r[side];
      rows.push([
        `${rounds.length > 1 ? `run ${i + 1}: ` : ''}${side === 'kafka' ? 'librdkafka, Kafka protocol' : 'Josef\'s client, msgpack'}`,
        formatNumber(rps(c.produce), 0), formatNumber(cpuNsPerRecord(c.produce), 0), formatNumber(c.produce.elapsedMs / 1000, 2),
        formatNumber(rps(c.consume), 0), formatNumber(cpuNsPerRecord(c.consume), 0), formatNumber(clientCpuNsPerRecord(c.consume), 0), formatNumber(c.consume.elapsedMs / 1000, 2),
      ]);
    }
  });
  return {
    title: `${setup.title}: records/s, and the brokers' and the consumer's CPU (user + system) per record`,
    columns: [
      { title: 'client' }, { title: 'produce rec/s', align: 'right' }, { title: 'broker CPU ns/rec', align: 'right' }, { title: 's', align: 'right' },
      { title: 'consume rec/s', align: 'right' }, { title: 'broker CPU ns/rec', align: 'right' }, { title: 'consumer CPU ns/rec', align: 'right' }, { title: 's', align: 'right' },
    ],
    rows,
  };
}

const goalRatePercentMin = 90;
const goalRateMin = 1_000_000;
const goalCpuPercentMax = 110;

/** Issue 18's goals, on one broker: librdkafka at 90% of Josef's client or more and never under 1M records/s; 10% more broker CPU at most. */
function goalsTable(kafka: Record<string, number>, ratios: Record<string, number>): ReportTable {
  const verdict = (met: boolean): string => (met ? 'met' : 'NOT MET');
  const rows: FieldValue[][] = (['produce', 'consume'] as const).flatMap((phase) => {
    const percent = ratios[`${phase}Percent`];
    const rate = kafka[`${phase}Rps`];
    const cpu = ratios[`${phase}BrokerCpuPercent`];
    return [
      [`${phase}: librdkafka's records/s over Josef's client's`, `${percent.toFixed(1)}%`, `>= ${goalRatePercentMin}%`, verdict(percent >= goalRatePercentMin)],
      [`${phase}: librdkafka's records/s`, formatNumber(rate, 0), `>= ${formatNumber(goalRateMin, 0)}`, verdict(rate >= goalRateMin)],
      [`${phase}: broker CPU per record, Kafka listener over msgpack`, `${cpu.toFixed(1)}%`, `<= ${goalCpuPercentMax}%`, verdict(cpu <= goalCpuPercentMax)],
    ];
  });
  return { title: 'issue 18\'s goals (one broker; medians)', columns: [{ title: 'goal' }, { title: 'measured', align: 'right' }, { title: 'goal', align: 'right' }, { title: '' }], rows };
}

async function run(options: OptionValues, progress: Progress): Promise<BenchReport> {
  const o = options as KafkaClientsOptions;
  const missing = rdkafkaPerfMissing();
  if (missing !== undefined) throw new Error(missing);
  const place: RdkafkaPerfPlace = { cpus: o.clientCpus, env: rdkafkaMallocEnv(o.rdkafkaMalloc) };
  const tables: ReportTable[] = [];
  const structured: Record<string, unknown> = {};
  const figures: Record<string, number> = {};
  for (const name of o.setups) {
    const setup = setups[name];
    const rounds = await measureSetup(o, setup, place, progress);
    tables.push(roundsTable(setup, rounds));
    const kafka = clientFigures(rounds, 'kafka');
    const kafkaStructured = { ...kafka, produceThreadCpuNsPerRecord: threadFigures(rounds, 'produce'), consumeThreadCpuNsPerRecord: threadFigures(rounds, 'consume') };
    const josef = clientFigures(rounds, 'josef');
    const ratios = ratioFigures(rounds);
    if (name === 'one-broker') {
      Object.assign(structured, { kafka: kafkaStructured, josef });
      for (const [key, value] of Object.entries(ratios)) figures[`kafkaOverJosef${key[0].toUpperCase()}${key.slice(1)}`] = value;
      tables.push(goalsTable(kafka, ratios));
    } else {
      structured.rf3 = { kafka: kafkaStructured, josef, kafkaOverJosef: ratios };
    }
  }
  const josefSettings = (s: Setup): string => `batch.size ${s.batchSize}, linger.ms 0, max.in.flight.requests.per.connection 5, buffer.memory 32 MiB`;
  return {
    benchmark: 'kafka-clients',
    parameters: {
      records: o.records, recordSize: o.recordSize, partitions: o.partitions, warmupRecords: o.warmupRecords, runs: o.runs, setups: o.setups.join(','),
      ...(o.clientCpus === undefined ? {} : { clientCpus: o.clientCpus }), rdkafkaMalloc: o.rdkafkaMalloc, rdkafkaBatchSize: o.rdkafkaBatchSize,
    },
    tables,
    figures,
    structured,
    notes: [
      ...o.setups.map((name) => `${setups[name].title}: librdkafka ${producerProps(setups[name], o.rdkafkaBatchSize).join(' ')}; Josef's producer ${josefSettings(setups[name])}.`),
      `librdkafka keeps its defaults of linger.ms 5 (at 0 its broker thread wakes for every record) and max.in.flight 1,000,000 (it puts one partition in each Produce request, Josef's client one batch of each partition)${o.rdkafkaBatchSize === 'own' ? ', and of batch.size (1,000,000 bytes, 10,000 records), as kcat -P: its requests then carry about as many records as Josef\'s client\'s (--rdkafka-batch-size matched gives it Josef\'s batch.size)' : '; batch.size is Josef\'s producer\'s (--rdkafka-batch-size matched): its requests carry a sixth of the records of Josef\'s client\'s'}.`,
      `${o.clientCpus === undefined ? '' : `Both clients run on CPU(s) ${o.clientCpus} only (taskset): librdkafka's program, and this process while Josef's client works; the brokers keep every CPU. `}Consumers: librdkafka's legacy consumer (as kcat -C without -G) with ${consumerProps.join(' ')} and its defaults; Josef's Consumer with its defaults (check.crcs true). Both read the topic Josef's producer wrote, from the beginning.`,
      'Records/s are timed by each client (produce: until every record is acknowledged; consume: from the start of fetching to the last record; both consumers know their start offsets before their clocks start). Broker CPU: the brokers\' utime + stime in /proc/<pid>/stat (10 ms ticks; summed over the brokers) over the same part, per record. Client CPU (JSON *ClientCpuNsPerRecord; the table shows the consumer\'s): rdkafka-perf\'s /proc/<pid>/stat, all its threads, and Josef\'s client\'s process.cpuUsage(), over the same part.',
      ...(o.rdkafkaMalloc === 'glibc' ? [] : [`librdkafka's program ran with ${o.rdkafkaMalloc} (${Object.entries(place.env).map(([k, v]) => `${k}=${v}`).join(' ')}) instead of glibc's malloc as it comes: a diagnostic, not the program as Debian's librdkafka runs it.`]),
      ...(o.runs > 1 ? [`${o.runs} rounds on one cluster per setup, alternating which client goes first; the JSON figures are medians, and each ratio is the median of the rounds' own ratios.`] : []),
    ],
  };
}

export const kafkaClientsBenchmark: Benchmark = {
  name: 'kafka-clients',
  description: 'librdkafka through the Kafka listener against Josef\'s client on msgpack, same brokers, same run (issue 18)',
  defineOptions(command: Command): void {
    command
      .option('--records <n>', 'records each client produces and consumes, timed', parseCount, 2_000_000)
      .option('--record-size <bytes>', 'value bytes per record (random letters, no key)', parseCount, 100)
      .option('--partitions <n>', 'partitions of each topic', parseCount, 6)
      .option('--warmup-records <n>', 'records each client produces, and consumes, first and untimed (the JIT of the brokers\' paths)', parseCountOrZero, 500_000)
      .option('--runs <n>', 'rounds per setup, alternating which client goes first (an even number balances the order); the figures are their medians', parseCount, 4)
      .option('--setups <list>', `which clusters, in order (${setupNames.join(', ')})`, parseListOf(setupNames, 'setup'), [...setupNames])
      .option('--rdkafka-malloc <name>', `librdkafka's program's allocator, ${rdkafkaMallocs.join(', ')}: glibc's as it comes (default); glibc's with its heap neither trimmed nor bypassed for large buffers (GLIBC_TUNABLES); jemalloc preloaded (installed by npm run bench:setup). Diagnostics, see docs/benchmarks.md`, parseOneOf(rdkafkaMallocs, 'allocator'), 'glibc')
      .option('--rdkafka-batch-size <which>', `librdkafka's batch.size, ${rdkafkaBatchSizes.join(' or ')}: its own default (1,000,000 bytes, as kcat -P), or Josef's producer's (16384 with acks=1, 64000 with acks=all)`, parseOneOf(rdkafkaBatchSizes, 'batch size'), 'own')
      .option('--client-cpus <list>', 'run both clients on these CPUs only (taskset; e.g. 0: one CPU each, as in a container given one; librdkafka\'s application and broker threads on two CPUs contend for the allocator\'s lock at every record, see docs/benchmarks.md)');
  },
  run,
};
