// node bench/flamegraph/convert.ts IN.cpuprofile|IN.clinic-flame-samples OUT.svg [title]
// Converts a V8 CPU profile (node --cpu-prof) or clinic flame's samples to an
// SVG flamegraph and prints the top self costs.

import { readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { flamegraphSvg } from './flamegraph-svg.ts';
import { fromClinicSamples, fromCpuProfile, topCosts } from './profile-tree.ts';
import type { FrameNode } from './profile-tree.ts';

export function loadProfile(path: string, root: string): FrameNode {
  const data: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (Array.isArray(data)) return fromClinicSamples(data as Parameters<typeof fromClinicSamples>[0], root);
  return fromCpuProfile(data as Parameters<typeof fromCpuProfile>[0], root);
}

if (import.meta.main) {
  const [input, output, title] = process.argv.slice(2);
  if (!input || !output) {
    console.error('usage: node bench/flamegraph/convert.ts IN.cpuprofile OUT.svg [title]');
    process.exit(1);
  }
  const tree = loadProfile(input, resolve(import.meta.dirname, '../..'));
  const costs = topCosts(tree, 15);
  writeFileSync(output, flamegraphSvg(tree, title ?? basename(input), `${costs.samples} samples, ${costs.idlePct}% idle`));
  for (const c of costs.bySelf) console.log(`${String(c.pct).padStart(5)}%  ${c.kind.padEnd(6)} ${c.name}`);
}
