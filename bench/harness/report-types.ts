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
  readonly generatorOpsPerSec: number;
  readonly generatorClientCpuPct: number;
  readonly generatorClientBound: boolean;
  readonly redisBenchmarkOpsPerSec: number;
  readonly ratio: number;
  readonly withinTenPercent: boolean;
  readonly redisBenchmarkCommand: string;
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
  readonly seconds: number;
}
