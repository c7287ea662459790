// A call tree with sample counts, built from a V8 .cpuprofile (node
// --cpu-prof) or from clinic flame's samples (0x ticks), and the top costs.

export interface FrameNode {
  readonly name: string;
  /** Where it comes from, for colouring: app (repo code), node (node: internals), native, gc, idle, other. */
  readonly kind: FrameKind;
  self: number;
  total: number;
  readonly children: Map<string, FrameNode>;
}

export type FrameKind = 'app' | 'deps' | 'node' | 'native' | 'gc' | 'idle' | 'program';

export function newNode(name: string, kind: FrameKind): FrameNode {
  return { name, kind, self: 0, total: 0, children: new Map() };
}

function kindOf(name: string, url: string): FrameKind {
  if (name === '(garbage collector)') return 'gc';
  if (name === '(idle)') return 'idle';
  if (name === '(program)' || name === '(root)') return 'program';
  if (url.startsWith('node:')) return 'node';
  if (url.startsWith('wasm://')) return 'native';
  if (url.includes('/node_modules/')) return 'deps';
  if (url === '') return 'native';
  return 'app';
}

function shortUrl(url: string, root: string): string {
  let u = url.startsWith('file://') ? url.slice(7) : url;
  if (root && u.startsWith(root)) u = u.slice(root.length).replace(/^\//, '');
  return u;
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
}

/** A .cpuprofile as a tree (frames of the same name under one parent merged). */
export function fromCpuProfile(profile: CpuProfile, root: string): FrameNode {
  const byId = new Map<number, CpuProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const top = newNode('all', 'program');
  const first = profile.nodes[0];
  if (!first) return top;
  const walk = (n: CpuProfileNode, parent: FrameNode): void => {
    const cf = n.callFrame;
    const fn = cf.functionName || '(anonymous)';
    const url = shortUrl(cf.url, root);
    const name = url ? `${fn} ${url}:${cf.lineNumber + 1}` : fn;
    let node = parent.children.get(name);
    if (!node) {
      node = newNode(name, kindOf(fn, cf.url));
      parent.children.set(name, node);
    }
    node.self += n.hitCount ?? 0;
    for (const c of n.children ?? []) {
      const child = byId.get(c);
      if (child) walk(child, node);
    }
  };
  // The profile's own (root) node is skipped: its children hang off `top`.
  for (const c of first.children ?? []) {
    const child = byId.get(c);
    if (child) walk(child, top);
  }
  computeTotals(top);
  return top;
}

interface ClinicFrame {
  name: string;
  type: string;
}

/** clinic flame / 0x samples (ticks.json): an array of stacks, outermost frame first. */
export function fromClinicSamples(stacks: ClinicFrame[][], root: string): FrameNode {
  const top = newNode('all', 'program');
  for (const stack of stacks) {
    let node = top;
    for (let i = 0; i < stack.length; i++) {
      const f = stack[i]!;
      let name = f.name.trim();
      if (root) name = name.split(root + '/').join('').split('file://').join('');
      if (f.type === 'SHARED_LIB' && /\/node$/.test(name)) name = 'node binary (C++, no symbol)';
      let kind: FrameKind;
      if (f.type === 'JS') kind = name.includes('node:') ? 'node' : name.includes('node_modules/') ? 'deps' : 'app';
      else if (/garbage|Scavenge|MarkCompact|\bGC\b|Heap::/.test(name)) kind = 'gc';
      else kind = 'native';
      let child = node.children.get(name);
      if (!child) {
        child = newNode(name, kind);
        node.children.set(name, child);
      }
      node = child;
    }
    node.self += 1;
  }
  computeTotals(top);
  return top;
}

export function computeTotals(n: FrameNode): number {
  let t = n.self;
  for (const c of n.children.values()) t += computeTotals(c);
  n.total = t;
  return t;
}

export interface Cost {
  readonly name: string;
  readonly kind: FrameKind;
  readonly samples: number;
  /** % of busy (non-idle) samples. */
  readonly pct: number;
}

function idleSamples(root: FrameNode): number {
  let idle = 0;
  const walk = (n: FrameNode): void => {
    if (n.kind === 'idle') idle += n.self;
    for (const c of n.children.values()) walk(c);
  };
  walk(root);
  return idle;
}

export interface CostSummary {
  readonly samples: number;
  readonly idlePct: number;
  readonly bySelf: Cost[];
  readonly byKind: { kind: FrameKind; pct: number }[];
}

/** Functions by self samples (summed over every place they appear). */
export function topCosts(root: FrameNode, n: number): CostSummary {
  const self = new Map<string, { kind: FrameKind; samples: number }>();
  const kinds = new Map<FrameKind, number>();
  const walk = (node: FrameNode): void => {
    if (node.self > 0 && node.kind !== 'idle') {
      const e = self.get(node.name) ?? { kind: node.kind, samples: 0 };
      e.samples += node.self;
      self.set(node.name, e);
      kinds.set(node.kind, (kinds.get(node.kind) ?? 0) + node.self);
    }
    for (const c of node.children.values()) walk(c);
  };
  walk(root);
  const idle = idleSamples(root);
  const busy = Math.max(1, root.total - idle);
  const pct = (x: number): number => Math.round((1000 * x) / busy) / 10;
  return {
    samples: root.total,
    idlePct: Math.round((1000 * idle) / Math.max(1, root.total)) / 10,
    bySelf: [...self.entries()].sort((a, b) => b[1].samples - a[1].samples).slice(0, n)
      .map(([name, e]) => ({ name, kind: e.kind, samples: e.samples, pct: pct(e.samples) })),
    byKind: [...kinds.entries()].sort((a, b) => b[1] - a[1]).map(([kind, s]) => ({ kind, pct: pct(s) })),
  };
}
