// A one-line description of the machine and software, for result files.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly os: string;
  readonly node: string;
  readonly redis: string;
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

export function machineInfo(): MachineInfo {
  let redis = 'not installed';
  try {
    redis = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  } catch {
    // keep
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    os: osName(),
    node: process.version,
    redis,
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, ${m.os}, Linux ${m.kernel}; Node ${m.node}; redis-server ${m.redis}`;
}

/** A file-name-safe local timestamp, e.g. 2025-11-21-0530. */
export function stamp(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}`;
}
