/**
 * `npm run bench -- <name> [--json] [options]`: one commander subcommand per benchmark. A new
 * benchmark is a file bench/<name>.ts exporting a Benchmark, plus one entry in `benchmarks`.
 */
import { Command } from 'commander';
import type { Benchmark } from './harness';
import { machineInfo, printReport } from './report';
import { storageBenchmark } from './storage';
import { produceBenchmark } from './produce';
import { consumeBenchmark } from './consume';
import { e2eBenchmark } from './e2e';
import { failoverBenchmark } from './failover';
import { groupBenchmark } from './group';
import { compareBenchmark } from './compare';
import { reassignBenchmark } from './reassign';
import { kafkaClientsBenchmark } from './kafka-clients';
import { compactionBenchmark } from './compaction';
import { consoleCostBenchmark } from './console-cost';
import { partitionsBenchmark } from './partitions';
import { failedLoginsBenchmark } from './failed-logins';
import { zkReadsBenchmark } from './zk-reads';

const benchmarks: readonly Benchmark[] = [
  storageBenchmark, produceBenchmark, consumeBenchmark, e2eBenchmark, failoverBenchmark, groupBenchmark, compareBenchmark, reassignBenchmark, kafkaClientsBenchmark,
  compactionBenchmark, consoleCostBenchmark, partitionsBenchmark, failedLoginsBenchmark, zkReadsBenchmark,
];

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('bench')
    .description('Josef benchmarks: each prints a table; --json adds a last line of JSON with the figures and the machine')
    .showHelpAfterError();
  for (const benchmark of benchmarks) {
    const command = program.command(benchmark.name).description(benchmark.description)
      .option('--json', 'end the output with one line of JSON: figures, settings and machine', false);
    benchmark.defineOptions(command);
    command.action(async (opts: { json: boolean }) => {
      const machine = machineInfo();
      const report = await benchmark.run(opts, (message) => process.stderr.write(`[${benchmark.name}] ${message}\n`));
      printReport(report, machine, opts.json);
    });
  }
  return program;
}

export function main(argv: string[]): void {
  buildProgram()
    .parseAsync(argv)
    .catch((err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exit(1);
    });
}
