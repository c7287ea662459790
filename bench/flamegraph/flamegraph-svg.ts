// A call tree as an SVG flamegraph (root at the bottom, width = samples), with
// a tooltip per frame. Colours by origin: app code warm, node internals
// yellow, dependencies green, native/V8 grey, GC red, idle light blue.

import { esc } from '../charts.ts';
import type { FrameKind, FrameNode } from './profile-tree.ts';

const WIDTH = 1400;
const ROW = 17;
const PAD = 10;

const PALETTE: Record<FrameKind, [number, number, number]> = {
  app: [230, 120, 40],
  deps: [90, 180, 90],
  node: [225, 200, 60],
  native: [160, 160, 170],
  gc: [210, 60, 60],
  idle: [160, 200, 235],
  program: [190, 190, 190],
};

function colour(kind: FrameKind, name: string): string {
  const [r, g, b] = PALETTE[kind];
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  const j = (h % 30) - 15;
  const c = (v: number): number => Math.max(0, Math.min(255, v + j));
  return `rgb(${c(r)},${c(g)},${c(b)})`;
}

function depthOf(n: FrameNode): number {
  let d = 0;
  for (const c of n.children.values()) d = Math.max(d, depthOf(c));
  return d + 1;
}

export function flamegraphSvg(root: FrameNode, title: string, subtitle: string): string {
  const depth = depthOf(root);
  const height = depth * ROW + 70;
  const scale = (WIDTH - 2 * PAD) / Math.max(1, root.total);
  const parts: string[] = [];
  const draw = (n: FrameNode, x: number, level: number): void => {
    const w = n.total * scale;
    if (w < 0.4) return;
    const y = height - 20 - (level + 1) * ROW;
    const pct = ((100 * n.total) / Math.max(1, root.total)).toFixed(2);
    const selfPct = ((100 * n.self) / Math.max(1, root.total)).toFixed(2);
    const label = w > 30 ? esc(n.name.slice(0, Math.floor((w - 6) / 6.6))) : '';
    parts.push(`<g><title>${esc(n.name)}\n${n.total} samples, ${pct}% (self ${selfPct}%)</title>` +
      `<rect x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${ROW - 1}" rx="2" fill="${colour(n.kind, n.name)}"/>` +
      (label ? `<text x="${(x + 3).toFixed(2)}" y="${y + 12}">${label}</text>` : '') + '</g>');
    let cx = x;
    const kids = [...n.children.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const c of kids) {
      draw(c, cx, level + 1);
      cx += c.total * scale;
    }
  };
  draw(root, PAD, 0);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `font-family="Menlo,Consolas,monospace" font-size="11">` +
    `<rect width="${WIDTH}" height="${height}" fill="#fdfdf8"/>` +
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="15" font-family="Helvetica,Arial,sans-serif">${esc(title)}</text>` +
    `<text x="${WIDTH / 2}" y="38" text-anchor="middle" font-size="11" fill="#555" font-family="Helvetica,Arial,sans-serif">${esc(subtitle)}</text>` +
    `${parts.join('')}</svg>\n`;
}
