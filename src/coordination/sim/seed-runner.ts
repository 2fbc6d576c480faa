/**
 * Runs the controller simulation over a range of seeds, without histories for speed, then runs
 * each failing seed again with its history: the replay both shows the steps and proves the seed
 * reproduces. Shared by `npm run sim` and the test that runs a few hundred seeds in `npm test`.
 */
import { runControllerSimulation, type ControllerSimulationResult } from './controller-simulation';

/**
 * Seeds run interleaved in one process, so that one turn of Node's loop advances several of them.
 * Few: each live run's objects outlast the young generation and cost the garbage collector more
 * (32 took 15-20% more CPU than 4, measured under load; 1 costs a loop turn per step).
 */
const concurrentRunsMax = 4;

export interface SeedRunOptions {
  firstSeed: number;
  seeds: number;
  uncleanLeaderElectionEnable?: boolean;
}

export interface SeedFailure {
  seed: number;
  failure: string;
  /** The history of the replay, step by step. */
  history: string[];
  /** False when the replay did not fail the same way: the run is not deterministic. */
  replayed: boolean;
}

export interface SeedRunSummary {
  seeds: number;
  failures: SeedFailure[];
  /** Simulated steps over all seeds. */
  steps: number;
  simulatedMs: number;
  elapsedMs: number;
}

export async function runSeeds(options: SeedRunOptions): Promise<SeedRunSummary> {
  const startedMs = Date.now();
  const failed: ControllerSimulationResult[] = [];
  let steps = 0;
  let simulatedMs = 0;
  const uncleanLeaderElectionEnable = options.uncleanLeaderElectionEnable ?? false;
  let nextSeed = options.firstSeed;
  const endSeed = options.firstSeed + options.seeds;
  // Runs share nothing, so several interleave: each turn of Node's loop then advances all of them.
  const worker = async (): Promise<void> => {
    while (nextSeed < endSeed) {
      const result = await runControllerSimulation({ seed: nextSeed++, uncleanLeaderElectionEnable, recordHistory: false });
      steps += result.steps;
      simulatedMs += result.simulatedMs;
      if (result.failure !== undefined) failed.push(result);
    }
  };
  // The runs throw and catch ZooKeeper errors by the thousand (NodeExists, BadVersion, refused
  // writes), and a run without history never reads a stack: capturing none makes a seed cheaper.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    await Promise.all(Array.from({ length: concurrentRunsMax }, worker));
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  failed.sort((x, y) => x.seed - y.seed);
  const failures: SeedFailure[] = [];
  for (const first of failed) {
    const replay = await runControllerSimulation({ seed: first.seed, uncleanLeaderElectionEnable });
    failures.push({ seed: first.seed, failure: first.failure as string, history: replay.history, replayed: replay.failure === first.failure && replay.steps === first.steps });
  }
  return { seeds: options.seeds, failures, steps, simulatedMs, elapsedMs: Date.now() - startedMs };
}

/** The command that replays one seed with its history. */
export function replayCommand(seed: number, uncleanLeaderElectionEnable = false): string {
  return `npm run sim -- --seed ${seed}${uncleanLeaderElectionEnable ? ' --unclean' : ''}`;
}
