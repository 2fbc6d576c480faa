/**
 * `npm run bench -- zk-reads`: what reading many small znodes costs, one getData each (pipelined,
 * 100 in flight) against ZooKeeper's multiRead at several paths per request: the reads a new
 * controller makes of the state znodes (issue 24's failover reads 3,333 first). A local ZooKeeper
 * of its own, one session, the znodes written once; the methods then take turns, round after round.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Command, OptionValues } from 'commander';
import { formatNumber } from '../src/cli/format';
import { inBatches } from '../src/common/batches';
import { withChildChroot } from '../src/common/zk-connect-string';
import { findFreeBasePort, startLocalZk, type LocalZk } from '../src/local/local-zk';
import { ZkPaths } from '../src/coordination/paths';
import { ZkClient } from '../src/coordination/zk-client';
import { pipelined } from '../src/coordination/zk-pipeline';
import { getDataIfExists } from '../src/coordination/zk-reads';
import { pathsPerMultiRead } from '../src/coordination/zookeeper';
import { serializePartitionState } from '../src/coordination/znodes';
import { quietLogger } from './bench-cluster';
import { elapsedMsSince, median, parseCount, parseCountList, type Benchmark, type Progress } from './harness';
import type { BenchReport } from './report';

const topic = 'reads';

/** One way of reading every path, named as the table shows it. */
interface ReadMethod {
  name: string;
  read(zk: ZkClient, paths: readonly string[]): Promise<unknown[]>;
}

function methods(batchSizes: readonly number[]): ReadMethod[] {
  return [
    { name: 'getData each, pipelined', read: (zk, paths) => pipelined(paths, (p) => getDataIfExists(zk, p)) },
    // getDataMany sends one multiRead per call up to pathsPerMultiRead paths; the calls pipelined as its own batches are.
    ...batchSizes.map((size): ReadMethod => ({
      name: `multiRead, ${size} paths each`,
      read: async (zk, paths) => (await pipelined(inBatches(paths, size), (batch) => zk.getDataMany(batch))).flat(),
    })),
  ];
}

async function writeStateZnodes(zk: ZkClient, count: number): Promise<string[]> {
  await zk.mkdirp(`${ZkPaths.topic(topic)}/partitions`);
  const partitions = Array.from({ length: count }, (_, p) => p);
  await pipelined(inBatches(partitions, 50), (batch) => zk.multi(batch.flatMap((p) => [
    { op: 'create' as const, path: ZkPaths.partition(topic, p) },
    { op: 'create' as const, path: ZkPaths.partitionState(topic, p), data: serializePartitionState({ leader: p % 3, leaderEpoch: 5, isr: [0, 1, 2], controllerEpoch: 7 }) },
  ])));
  return partitions.map((p) => ZkPaths.partitionState(topic, p));
}

async function run(o: OptionValues, progress: Progress): Promise<BenchReport> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josef-bench-zk-reads-'));
  let localZk: LocalZk | undefined;
  let zk: ZkClient | undefined;
  const chosen = methods(o.batchSizes as number[]);
  const wallMs = new Map<string, number[]>(chosen.map((m) => [m.name, []]));
  const cpuMs = new Map<string, number[]>(chosen.map((m) => [m.name, []]));
  try {
    progress('starting ZooKeeper');
    localZk = await startLocalZk({ dir: path.join(dir, 'zk'), ensemble: 1, basePort: await findFreeBasePort(o.zkBasePort as number, 1) });
    zk = await ZkClient.connect({ connectString: withChildChroot(localZk.connectString, '/josef-bench-zk-reads'), logger: quietLogger });
    progress(`writing ${o.znodes} state znodes`);
    const paths = await writeStateZnodes(zk, o.znodes as number);
    for (let round = 0; round <= (o.rounds as number); round++) {
      // Round 0 warms the JIT and ZooKeeper's caches up and is not counted; each round starts with another method.
      for (let i = 0; i < chosen.length; i++) {
        const method = chosen[(i + round) % chosen.length];
        const cpuBefore = process.cpuUsage();
        const startNs = process.hrtime.bigint();
        const read = await method.read(zk, paths);
        const elapsedMs = elapsedMsSince(startNs);
        const cpu = process.cpuUsage(cpuBefore);
        if (read.length !== paths.length || read.some((node) => node === undefined)) throw new Error(`${method.name}: read ${read.length} of ${paths.length} znodes, or some missing`);
        if (round === 0) continue;
        wallMs.get(method.name)?.push(elapsedMs);
        cpuMs.get(method.name)?.push((cpu.user + cpu.system) / 1000);
      }
      if (round > 0) progress(`round ${round} of ${o.rounds}`);
    }
  } finally {
    await zk?.close();
    await localZk?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const baselineMs = median(wallMs.get(chosen[0].name) ?? []);
  const figures: Record<string, number> = {};
  const rows = chosen.map((m) => {
    const wall = median(wallMs.get(m.name) ?? []);
    const cpu = median(cpuMs.get(m.name) ?? []);
    const key = m === chosen[0] ? 'getDataEach' : `multiRead${m.name.replace(/\D/g, '')}`;
    figures[`${key}Ms`] = wall;
    figures[`${key}ClientCpuMs`] = cpu;
    return [m.name, formatNumber(wall, 1), formatNumber(Math.min(...(wallMs.get(m.name) ?? [])), 1), formatNumber(cpu, 1), `${formatNumber((100 * wall) / baselineMs, 0)}%`];
  });
  return {
    benchmark: 'zk-reads',
    parameters: { znodes: o.znodes as number, rounds: o.rounds as number, batchSizes: (o.batchSizes as number[]).join(',') },
    tables: [{
      title: `reading ${formatNumber(o.znodes as number, 0)} state znodes on one session (median of ${o.rounds} rounds)`,
      columns: [
        { title: 'method' }, { title: 'ms', align: 'right' }, { title: 'fastest ms', align: 'right' },
        { title: 'client CPU ms', align: 'right' }, { title: 'of getData each', align: 'right' },
      ],
      rows,
    }],
    figures,
    notes: [
      'Client CPU is this process\'s (user + system) while it read, JSON parsing not included; ZooKeeper\'s own CPU is not counted.',
      'Wall times on a loaded machine say little alone: compare the rows of one run, taken in turns.',
    ],
  };
}

export const zkReadsBenchmark: Benchmark = {
  name: 'zk-reads',
  description: 'reading thousands of small znodes: one getData each, pipelined, against ZooKeeper\'s multiRead at several paths per request',
  defineOptions(command: Command): void {
    command
      .option('--znodes <n>', 'state znodes to write and read (a third of 10,000 partitions: what a new controller reads first)', parseCount, 3_333)
      .option('--rounds <n>', 'rounds counted, after one to warm up; each round reads with every method', parseCount, 10)
      .option('--batch-sizes <list>', `paths per multiRead to measure (each at most ${pathsPerMultiRead})`, parseCountList('paths per multiRead', { max: pathsPerMultiRead }), [100, 250, 500, 1_000])
      .option('--zk-base-port <port>', 'where to look for a free port for the local ZooKeeper', parseCount, 23_960);
  },
  run,
};
