/**
 * What a benchmark is (a name, its options, a run that returns a report) and the measuring tools
 * they share: a stopwatch, throughput, latency percentiles in an HDR histogram, peak RSS, and the
 * CPU time other processes (the brokers) have used.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import type { Command, OptionValues } from 'commander';
import * as hdr from 'hdr-histogram-js';
import { assert } from '../src/common/assert';
import type { BenchReport } from './report';

/** Progress lines for the person waiting; they go to stderr so that stdout holds only the report. */
export type Progress = (message: string) => void;

export interface Benchmark {
  /** The word after `npm run bench --`, and the file name under bench/. */
  name: string;
  description: string;
  /** Declares the benchmark's own options (with parsers and defaults) on its command. */
  defineOptions(command: Command): void;
  /** Runs with the options commander parsed from what defineOptions declared. */
  run(options: OptionValues, progress: Progress): Promise<BenchReport>;
}

export const MiB = 1024 * 1024;

/** Parses a whole number option such as `--bytes 1073741824`; anything else is a usage error. */
export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`expected a positive whole number, got "${value}"`);
  return n;
}

/** A parser for an option that takes one of `choices`, such as `--rdkafka-malloc jemalloc`; `what` names a choice in the error. */
export function parseOneOf<T extends string>(choices: readonly T[], what: string): (value: string) => T {
  return (value) => {
    const found = choices.find((c) => c === value);
    if (found === undefined) throw new Error(`unknown ${what} "${value}" (known: ${choices.join(', ')})`);
    return found;
  };
}

/** A parser for an option that takes a comma-separated list of `choices`, such as `--setups one-broker,rf3`, in the order given. */
export function parseListOf<T extends string>(choices: readonly T[], what: string): (value: string) => T[] {
  const one = parseOneOf(choices, what);
  return (value) => value.split(',').map((s) => s.trim()).filter((s) => s !== '').map(one);
}

/**
 * A parser for an option that takes whole numbers separated by commas, such as `--partitions
 * 1000,5000,10000`, each from `min` to `max` (1 and no bound unless given); `what` names them in the error.
 */
export function parseCountList(what: string, bounds: { min?: number; max?: number } = {}): (value: string) => number[] {
  const { min = 1, max = Number.MAX_SAFE_INTEGER } = bounds;
  const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
  return (value) => {
    const counts = value.split(',').map((v) => Number(v.trim()));
    if (counts.some((n) => !Number.isSafeInteger(n) || n < min || n > max)) throw new Error(`expected ${what} separated by commas, each ${range}, got "${value}"`);
    return counts;
  };
}

/** The middle value (of an even count, the mean of the two middle ones). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Parses a whole number option that may be 0, such as `--warmup-records 0`. */
export function parseCountOrZero(value: string): number {
  return value.trim() === '0' ? 0 : parseCount(value);
}

/** Milliseconds since `startNs` (a process.hrtime.bigint() reading). */
export function elapsedMsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e6;
}

/** Throughput in MB/s, MB being 2^20 bytes as Kafka's perf tools count it. */
export function mbPerSec(bytes: number, elapsedMs: number): number {
  return bytes / MiB / (elapsedMs / 1000);
}

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in ticks of 1/100 s on every architecture Node runs on. */
const procTicksPerSec = 100;

/**
 * The CPU time (user + system, every thread) that the processes `pids` have used since they
 * started, in ms, read from /proc/<pid>/stat (Linux only). Read before and after a phase, the
 * difference is what the phase cost them, to a tick (10 ms).
 */
export function processCpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += statCpu(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')).ticks;
  return (ticks * 1000) / procTicksPerSec;
}

/**
 * The CPU time (user + system) each live thread of process `pid` has used, in ms, summed by
 * thread name (/proc/<pid>/task/<tid>/stat): for a program whose threads have names of their
 * own, such as librdkafka's (rdk:main, rdk:brokerN).
 */
export function threadCpuMs(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch (err) {
      // A thread that ended between the listing and its read (librdkafka's bootstrap broker thread does) has nothing left to count.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') continue;
      throw err;
    }
    const { name, ticks } = statCpu(stat);
    byName.set(name, (byName.get(name) ?? 0) + (ticks * 1000) / procTicksPerSec);
  }
  return byName;
}

/**
 * Runs `phase` with every thread of this process allowed only on the CPUs `cpus` names
 * (`taskset -a -p -c`), then gives them back the CPUs they had; without `cpus`, just runs it.
 * Processes started before (the brokers) keep their own.
 */
export async function onCpus<T>(cpus: string | undefined, phase: () => Promise<T>): Promise<T> {
  if (cpus === undefined) return phase();
  const taskset = (list: string): void => { execFileSync('taskset', ['-a', '-p', '-c', list, String(process.pid)], { stdio: 'ignore' }); };
  const before = /:\s*(\S+)\s*$/.exec(execFileSync('taskset', ['-c', '-p', String(process.pid)], { encoding: 'utf8' }))?.[1];
  assert(before !== undefined, () => 'taskset did not say which CPUs this process may use');
  taskset(cpus);
  try {
    return await phase();
  } finally {
    taskset(before);
  }
}

/** The command name and utime + stime (fields 2, 14 and 15 of proc(5)) of a /proc stat line. */
function statCpu(stat: string): { name: string; ticks: number } {
  // The command name may hold spaces and parentheses: count the fields after its closing one.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return { name: stat.slice(stat.indexOf('(') + 1, close), ticks: Number(fields[11]) + Number(fields[12]) };
}

export interface LatencySummary {
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

/**
 * Latencies of single operations, kept in an HDR histogram (3 significant digits, constant
 * memory however many are recorded) and recorded in nanoseconds.
 */
export class LatencyRecorder {
  private readonly histogram = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, autoResize: true });

  /** Records the time since `startNs` (a process.hrtime.bigint() reading). */
  recordSince(startNs: bigint): void {
    this.histogram.recordValue(Number(process.hrtime.bigint() - startNs));
  }

  summary(): LatencySummary {
    const us = (ns: number): number => ns / 1000;
    return {
      p50Us: us(this.histogram.getValueAtPercentile(50)),
      p99Us: us(this.histogram.getValueAtPercentile(99)),
      p999Us: us(this.histogram.getValueAtPercentile(99.9)),
      maxUs: us(this.histogram.maxValue),
    };
  }
}

/**
 * The process's resident set size, sampled by the caller inside its loops (a synchronous loop
 * gives timers no chance to run). Reading it costs a system call, so `maybeSample` looks only
 * every `everyCalls` calls.
 */
export class RssSampler {
  readonly startBytes = process.memoryUsage.rss();
  private peak = this.startBytes;
  private calls = 0;

  constructor(private readonly everyCalls = 64) {}

  sample(): number {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
    return rss;
  }

  maybeSample(): void {
    if (++this.calls % this.everyCalls === 0) this.sample();
  }

  get peakBytes(): number {
    return this.peak;
  }
}
