/**
 * Drives bench/rdkafka-perf.c (librdkafka's producer or consumer, built by `npm run bench:setup`
 * into bench-data/bin/) for `npm run bench -- kafka-clients`: starts it, waits until it has
 * connected and warmed up ("ready"), reads the brokers' CPU time and its own, says go, and reads
 * them again as soon as the program reports its timed part. The process is killed if the run fails.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createInterface } from 'readline';
import { josefRoot } from '../src/local/zk-install';
import { processCpuMs, threadCpuMs } from './harness';

const sourcePath = path.join(josefRoot(), 'bench', 'rdkafka-perf.c');
export const rdkafkaPerfPath = path.join(josefRoot(), 'bench-data', 'bin', 'rdkafka-perf');

/** Why the program cannot run (not built, or built from an older source), or undefined. */
export function rdkafkaPerfMissing(): string | undefined {
  if (!fs.existsSync(rdkafkaPerfPath)) return `${rdkafkaPerfPath} is not built: run npm run bench:setup (as root: it installs librdkafka-dev and builds it)`;
  if (fs.statSync(sourcePath).mtimeMs > fs.statSync(rdkafkaPerfPath).mtimeMs) return `${sourcePath} changed since ${rdkafkaPerfPath} was built: run npm run bench:setup again`;
  return undefined;
}

/**
 * The allocator librdkafka's program runs with, diagnostics besides the default (docs/benchmarks.md):
 * - glibc: glibc's malloc as it comes, the program as Debian's librdkafka runs it;
 * - glibc-tuned: glibc's malloc with two of its tunables (GLIBC_TUNABLES): allocations up to
 *   32 MiB from the heap (mmap_threshold) and a heap never trimmed below 1 GiB (trim_threshold).
 *   librdkafka's broker thread allocates and frees a buffer per batch or Fetch answer; glibc gave
 *   the pages back and faulted them in again, each time zeroed by the kernel. Both at once: one
 *   alone turns off glibc's dynamic mmap threshold and faulted more;
 * - jemalloc: Debian's libjemalloc2 preloaded (LD_PRELOAD; `npm run bench:setup` installs it).
 *   librdkafka's consumer allocates every message in its broker thread and frees it in the
 *   application's, and glibc's arenas make the two threads take one lock at every record;
 *   jemalloc's thread caches hand freed memory back in bulk.
 */
export type RdkafkaMalloc = 'glibc' | 'glibc-tuned' | 'jemalloc';
export const rdkafkaMallocs: readonly RdkafkaMalloc[] = ['glibc', 'glibc-tuned', 'jemalloc'];

const glibcTunables = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824';

/** The environment that gives the program `malloc`: nothing for glibc's, its tunables, or LD_PRELOAD of jemalloc's shared library (found with `ldconfig -p`). */
export function rdkafkaMallocEnv(malloc: RdkafkaMalloc): NodeJS.ProcessEnv {
  if (malloc === 'glibc') return {};
  if (malloc === 'glibc-tuned') return { GLIBC_TUNABLES: glibcTunables };
  const library = /\slibjemalloc\.so\.2 \([^)]*\) => (\S+)/.exec(execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }))?.[1];
  if (library === undefined) throw new Error('libjemalloc.so.2 is not installed: run npm run bench:setup (as root: it installs Debian\'s libjemalloc2)');
  return { LD_PRELOAD: library };
}

/** What the timed part did, and what it cost the brokers. */
export interface TimedRun {
  records: number;
  elapsedMs: number;
  /** The brokers' CPU time (user + system) over the timed part. */
  brokerCpuMs: number;
  /** The client's CPU time (user + system, all its threads) over the timed part. */
  clientCpuMs: number;
  /** librdkafka's part of it by thread name: the application's thread (rdkafka-perf) and librdkafka's own (rdk:brokerN, rdk:main). */
  threadCpuMs?: Record<string, number>;
}

/** librdkafka's settings as prop=value words, in a stable order. */
export function rdkafkaProps(settings: Readonly<Record<string, string | number>>): string[] {
  return Object.entries(settings).map(([key, value]) => `${key}=${value}`);
}

/** Where and how the program runs. */
export interface RdkafkaPerfPlace {
  /** The CPUs it may run on (`taskset -c`), or undefined: any. */
  cpus?: string;
  /** Its environment besides this process's (rdkafkaMallocEnv). */
  env: NodeJS.ProcessEnv;
}

/**
 * Runs `rdkafka-perf <args>`, on the CPUs `place.cpus` names if given (`taskset -c`, which execs
 * it, so the pid is the program's); `brokerCpuMs()` is read when it is ready and again when its
 * result arrives. Rejects, with what the program printed on stderr, if it fails or a record fails.
 */
export async function runRdkafkaPerf(args: readonly string[], brokerCpuMs: () => number, place: RdkafkaPerfPlace): Promise<TimedRun> {
  const [command, argv] = place.cpus === undefined ? [rdkafkaPerfPath, args] : ['taskset', ['-c', place.cpus, rdkafkaPerfPath, ...args]];
  const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...place.env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-4000); });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const failure = (what: string): Error => new Error(`rdkafka-perf ${args[0]}: ${what}\n${stderr}`);
  try {
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const ready = await lines.next();
    if (ready.done === true || ready.value !== 'ready') throw failure(`expected "ready", got ${ready.done === true ? 'its exit' : JSON.stringify(ready.value)}`);
    const cpuBeforeMs = brokerCpuMs();
    const clientCpuBeforeMs = processCpuMs([child.pid!]);
    const threadsBefore = threadCpuMs(child.pid!);
    child.stdin.write('go\n');
    const result = await lines.next();
    const cpuAfterMs = brokerCpuMs();
    const clientCpuMs = processCpuMs([child.pid!]) - clientCpuBeforeMs;
    // The program waits for the end of its stdin before it destroys its handle: its threads are still there.
    const threadsAfter = threadCpuMs(child.pid!);
    child.stdin.end();
    const threadCpu = Object.fromEntries([...threadsAfter].map(([name, ms]) => [name, ms - (threadsBefore.get(name) ?? 0)]));
    if (result.done === true) throw failure('exited without a result');
    const { records, elapsedMs, failed } = JSON.parse(result.value) as { records: number; elapsedMs: number; failed: number };
    const code = await exited;
    if (code !== 0 || failed > 0) throw failure(`exit code ${code}, ${failed} record(s) failed`);
    return { records, elapsedMs, brokerCpuMs: cpuAfterMs - cpuBeforeMs, clientCpuMs, threadCpuMs: threadCpu };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}
