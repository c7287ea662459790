// Small SVG charts, written by hand: grouped bars, line plots, and panels side
// by side. Plain strings, no dependencies.

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
}

export interface LineChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Explicit x ticks as [value, label]; default: the points' x values. */
  readonly xTicks?: readonly (readonly [number, string])[];
  readonly width?: number;
  readonly height?: number;
}

export interface BarGroup {
  readonly label: string;
  /** One value per series, in the order of `seriesNames`. */
  readonly values: readonly number[];
}

export interface BarChartSpec {
  readonly title: string;
  readonly yLabel: string;
  readonly seriesNames: readonly string[];
  readonly groups: readonly BarGroup[];
  readonly width?: number;
  readonly height?: number;
}

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const FONT = 'font-family="Helvetica,Arial,sans-serif"';
const M = { left: 64, right: 16, top: 34, bottom: 72 };

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function colorOf(i: number): string {
  return COLORS[i % COLORS.length]!;
}

/** A "nice" axis maximum and step for values up to `max`. */
function niceScale(max: number, ticks = 5): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.2 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  return { top: Math.ceil(max / step) * step, step };
}

export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  if (a >= 10 || v === 0) return `${+v.toFixed(1)}`;
  return `${+v.toPrecision(3)}`;
}

function frame(w: number, h: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${FONT} font-size="11">` +
    `<rect width="${w}" height="${h}" fill="#fff"/>` +
    `<text x="${w / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>${body}</svg>`;
}

function yAxis(h: number, w: number, top: number, step: number, label: string): string {
  const ph = h - M.top - M.bottom;
  let s = '';
  for (let v = 0; v <= top + step / 2; v += step) {
    const y = M.top + ph - (v / top) * ph;
    s += `<line x1="${M.left}" x2="${w - M.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>` +
      `<text x="${M.left - 6}" y="${y + 4}" text-anchor="end">${formatNumber(v)}</text>`;
  }
  s += `<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(label)}</text>`;
  s += `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`;
  s += `<line x1="${M.left}" x2="${w - M.right}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`;
  return s;
}

function legend(names: readonly string[], w: number, h: number, dashed: readonly boolean[] = []): string {
  let s = '';
  let x = M.left;
  let y = h - 26;
  names.forEach((n, i) => {
    const width = 34 + n.length * 7;
    if (x + width > w - M.right && x > M.left) {
      x = M.left;
      y += 14;
    }
    const dash = dashed[i] ? ' stroke-dasharray="5 3"' : '';
    s += `<line x1="${x}" x2="${x + 18}" y1="${y - 4}" y2="${y - 4}" stroke="${colorOf(i)}" stroke-width="3"${dash}/>` +
      `<text x="${x + 22}" y="${y}">${esc(n)}</text>`;
    x += width;
  });
  return s;
}

export function barChart(spec: BarChartSpec): string {
  const w = spec.width ?? 420;
  const h = spec.height ?? 300;
  const pw = w - M.left - M.right;
  const ph = h - M.top - M.bottom;
  const max = Math.max(0, ...spec.groups.flatMap((g) => g.values));
  const { top, step } = niceScale(max);
  let body = yAxis(h, w, top, step, spec.yLabel);
  const gw = pw / Math.max(1, spec.groups.length);
  const n = spec.seriesNames.length;
  const bw = Math.min(40, (gw * 0.8) / n);
  spec.groups.forEach((g, gi) => {
    const x0 = M.left + gi * gw + (gw - bw * n) / 2;
    g.values.forEach((v, si) => {
      const bh = (v / top) * ph;
      const x = x0 + si * bw;
      const y = M.top + ph - bh;
      body += `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="${colorOf(si)}"/>` +
        `<text x="${(x + bw / 2 - 1).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="9">${formatNumber(v)}</text>`;
    });
    body += `<text x="${(M.left + gi * gw + gw / 2).toFixed(1)}" y="${M.top + ph + 16}" text-anchor="middle">${esc(g.label)}</text>`;
  });
  body += legend(spec.seriesNames, w, h);
  return frame(w, h, spec.title, body);
}

export function lineChart(spec: LineChartSpec): string {
  const w = spec.width ?? 420;
  const h = spec.height ?? 300;
  const pw = w - M.left - M.right;
  const ph = h - M.top - M.bottom;
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p[1]));
  const ticks = spec.xTicks ?? [...new Set(xs)].sort((a, b) => a - b).map((x) => [x, formatNumber(x)] as const);
  const xmin = Math.min(...xs, ...ticks.map((t) => t[0]));
  const xmax = Math.max(...xs, ...ticks.map((t) => t[0]));
  const xspan = xmax - xmin || 1;
  const { top, step } = niceScale(Math.max(0, ...ys));
  const px = (x: number): number => M.left + 8 + ((x - xmin) / xspan) * (pw - 16);
  const py = (y: number): number => M.top + ph - (y / top) * ph;
  let body = yAxis(h, w, top, step, spec.yLabel);
  for (const [x, label] of ticks) {
    body += `<line x1="${px(x).toFixed(1)}" x2="${px(x).toFixed(1)}" y1="${M.top + ph}" y2="${M.top + ph + 4}" stroke="#333"/>` +
      `<text x="${px(x).toFixed(1)}" y="${M.top + ph + 16}" text-anchor="middle">${esc(label)}</text>`;
  }
  body += `<text x="${M.left + pw / 2}" y="${M.top + ph + 32}" text-anchor="middle">${esc(spec.xLabel)}</text>`;
  spec.series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p[0]).toFixed(1)} ${py(p[1]).toFixed(1)}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
    body += `<path d="${d}" fill="none" stroke="${colorOf(i)}" stroke-width="2"${dash}/>`;
    for (const p of s.points) {
      body += `<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3" fill="${colorOf(i)}"><title>${esc(s.name)}: ${formatNumber(p[1])}</title></circle>`;
    }
  });
  body += legend(spec.series.map((s) => s.name), w, h, spec.series.map((s) => s.dashed === true));
  return frame(w, h, spec.title, body);
}

/** Places whole SVG documents side by side in one SVG. */
export function panels(title: string, svgs: readonly string[]): string {
  const sizes = svgs.map((s) => {
    const m = /width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(s);
    return m ? [Number(m[1]), Number(m[2])] as const : [420, 300] as const;
  });
  const w = sizes.reduce((a, s) => a + s[0], 0);
  const h = Math.max(...sizes.map((s) => s[1])) + 24;
  let x = 0;
  let body = '';
  svgs.forEach((s, i) => {
    body += `<g transform="translate(${x} 24)">${s.replace(/^<svg[^>]*>/, '<svg>').replace('<svg>', `<svg width="${sizes[i]![0]}" height="${sizes[i]![1]}">`)}</g>`;
    x += sizes[i]![0];
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${FONT}>` +
    `<rect width="${w}" height="${h}" fill="#fff"/><text x="${w / 2}" y="17" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>${body}</svg>\n`;
}

/** x position of a percentile on the classic HdrHistogram "nines" axis. */
export function ninesX(percentile: number): number {
  return -Math.log10(Math.max(1e-5, 1 - percentile / 100));
}

export const NINES_TICKS: readonly (readonly [number, string])[] = [
  [0, '0%'], [1, '90%'], [2, '99%'], [3, '99.9%'], [4, '99.99%'],
];
