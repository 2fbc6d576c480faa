/**
 * What every benchmark hands back and how it is shown: tables and notes for a person and, with
 * --json, a last stdout line holding one JSON object (figures, parameters, machine) so that
 * scripts can compare runs.
 */
import * as os from 'os';
import { formatNumber, formatTable, type Column, type FieldValue } from '../src/cli/format';
import { mbPerSec, type LatencySummary } from './harness';

export interface MachineInfo {
  cpuModel: string;
  cpuCores: number;
  memoryGiB: number;
  os: string;
  nodeVersion: string;
  /** When the run started, ISO 8601. */
  date: string;
}

export function machineInfo(now: Date = new Date()): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    nodeVersion: process.version,
    date: now.toISOString(),
  };
}

export interface ReportTable {
  title: string;
  columns: Column[];
  rows: FieldValue[][];
}

export interface BenchReport {
  benchmark: string;
  /** The settings the run used, defaults included, so that a reader can repeat it. */
  parameters: Record<string, string | number | boolean>;
  tables: ReportTable[];
  /** Headline numbers under stable names (units at the end), for --json. */
  figures: Record<string, number>;
  /** Sentences printed under the tables: what the numbers mean and what they leave out. */
  notes: string[];
  /** Nested figures for --json that a flat table of numbers cannot hold (compare's per-system results). */
  structured?: Record<string, unknown>;
}

/** One phase of moving data: how much, how long, and (optionally) per-operation latencies. */
export interface ThroughputPhase {
  name: string;
  bytes: number;
  records: number;
  elapsedMs: number;
  latency?: LatencySummary;
  /** Lowest and highest MB/s over repeated rounds, when the phase is a median of several. */
  mbpsRange?: [number, number];
  /** Free text for the last column, e.g. a comparison with a baseline. */
  remark?: string;
}

const throughputColumns: Column[] = [
  { title: 'phase' },
  { title: 'MB/s', align: 'right' },
  { title: 'MB/s range', align: 'right' },
  { title: 'records/s', align: 'right' },
  { title: 'seconds', align: 'right' },
  { title: 'p50 µs', align: 'right' },
  { title: 'p99 µs', align: 'right' },
  { title: 'p99.9 µs', align: 'right' },
  { title: 'max µs', align: 'right' },
  { title: 'compared' },
];

/** The usual table of a throughput benchmark: one row per phase. */
export function throughputTable(title: string, phases: readonly ThroughputPhase[]): ReportTable {
  const latency = (p: ThroughputPhase, key: keyof LatencySummary): string => (p.latency ? formatNumber(p.latency[key], 1) : '-');
  return {
    title,
    columns: throughputColumns,
    rows: phases.map((p) => [
      p.name,
      formatNumber(mbPerSec(p.bytes, p.elapsedMs), 1),
      p.mbpsRange ? `${formatNumber(p.mbpsRange[0], 0)}-${formatNumber(p.mbpsRange[1], 0)}` : '-',
      formatNumber(p.records / (p.elapsedMs / 1000), 0),
      formatNumber(p.elapsedMs / 1000, 3),
      latency(p, 'p50Us'),
      latency(p, 'p99Us'),
      latency(p, 'p999Us'),
      latency(p, 'maxUs'),
      p.remark ?? '',
    ]),
  };
}

export function formatReport(report: BenchReport, machine: MachineInfo): string {
  const parameters = Object.entries(report.parameters).map(([k, v]) => `${k}=${v}`).join(' ');
  const lines = [
    `benchmark: ${report.benchmark}   ${machine.date}`,
    `machine:   ${machine.cpuModel}, ${machine.cpuCores} cores, ${machine.memoryGiB} GiB, ${machine.os}, node ${machine.nodeVersion}`,
    `settings:  ${parameters}`,
    '',
  ];
  for (const table of report.tables) {
    lines.push(table.title, formatTable(table.columns, table.rows));
  }
  for (const note of report.notes) lines.push(`* ${note}`);
  return `${lines.join('\n')}\n`;
}

/** One line of JSON: the figures at the top level, then parameters and machine. */
export function reportJson(report: BenchReport, machine: MachineInfo): string {
  return JSON.stringify({ benchmark: report.benchmark, ...report.structured, ...report.figures, parameters: report.parameters, machine });
}

export function printReport(report: BenchReport, machine: MachineInfo, json: boolean): void {
  process.stdout.write(formatReport(report, machine));
  if (json) process.stdout.write(`${reportJson(report, machine)}\n`);
}
