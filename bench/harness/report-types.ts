// The shape of bench/results/<stamp>.json.

import type { Aggregate } from './aggregate.ts';
import type { RunSettings } from './scenario-run.ts';
import type { MachineInfo } from './sysinfo.ts';

export interface ServerOutcome {
  /** Null when the scenario ran; else why it was skipped (e.g. the probe's error). */
  readonly skipped: string | null;
  readonly aggregate: Aggregate | null;
}

export interface ScenarioReport {
  readonly name: string;
  readonly description: string;
  readonly family: string;
  readonly pipeline: number;
  /** The generator command line that reproduces one run (PORT to fill in). */
  readonly generatorCommand: string;
  readonly servers: Record<string, ServerOutcome>;
}

export interface CheckRow {
  readonly server: string;
  readonly test: string;
  readonly pipeline: number;
  readonly clients: number;
  /** Rounds whose means these are. */
  readonly rounds: number;
  readonly generatorOpsPerSec: number;
  /** The generator process's CPU (main thread and runtime threads included), % of one core, mean over rounds. */
  readonly generatorClientCpuPct: number;
  /** Its load thread's CPU, % of one core, mean over rounds: the figure that saturates at 100. */
  readonly generatorThreadCpuPct: number;
  readonly generatorClientBound: boolean;
  readonly redisBenchmarkOpsPerSec: number;
  /** redis-benchmark's own CPU (user + system over its wall time), % of one core, mean over rounds. */
  readonly redisBenchmarkCpuPct: number;
  readonly redisBenchmarkClientBound: boolean;
  /** The server's CPU, % of one core, during the generator's runs and during redis-benchmark's (whole process lifetime). */
  readonly serverCpuPctGenerator: number;
  readonly serverCpuPctRedisBenchmark: number;
  /** generator / redis-benchmark ops/s. */
  readonly ratio: number;
  /** |ratio - 1| <= 0.1; meaningful only when neither client is bound (see verdict). */
  readonly withinTenPercent: boolean;
  /** "client-bound: generator" | "client-bound: redis-benchmark" | "client-bound: both" | "yes" | "no". */
  readonly verdict: string;
  readonly redisBenchmarkCommand: string;
}

export interface CheckSettings {
  readonly rounds: number;
  readonly seconds: number;
  readonly warmup: number;
  /** The generator sent whole batches of `pipeline` commands, as redis-benchmark -P does. */
  readonly generatorPipelineBatch: boolean;
  /** % of one core at or above which a client counts as the bottleneck. */
  readonly clientBoundPct: number;
  /** True when the run was --check-only (no scenarios). */
  readonly checkOnly: boolean;
}

export interface BenchReport {
  readonly kind: 'bench';
  readonly date: string;
  readonly stamp: string;
  readonly machine: MachineInfo;
  readonly settings: RunSettings & { readonly rounds: number; readonly shards: number };
  readonly serverCommands: Record<string, string>;
  readonly servers: string[];
  readonly scenarios: ScenarioReport[];
  readonly check: CheckRow[];
  /** How the check ran (absent in reports from before it had these settings). */
  readonly checkSettings?: CheckSettings;
  readonly seconds: number;
}
