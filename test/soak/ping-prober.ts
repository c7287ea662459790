// The soak's PING prober, on a thread of its own so that the load the other
// clients make in the main thread does not delay its timing: a PING every
// `intervalMs` on one connection; when a panic drops that connection, a new
// one at once, timed from the drop until its first PONG.

import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

export interface ProberSettings {
  port: number;
  intervalMs: number;
}

/** A PING's round trip (or a fresh connection's, from the drop until its PONG). */
export interface PingSample {
  at: number;
  ms: number;
  /** On a new connection, after the last one was dropped. */
  fresh: boolean;
  /** The longest this thread itself was not running while the PING waited (ms): that much of it is not the server's. */
  stalledMs: number;
}

export interface ProberResult {
  pings: number;
  reconnects: number;
  maxMs: number;
  /** The slowest samples, slowest first. */
  worst: PingSample[];
  /** Samples over each threshold (ms). */
  over: Record<number, number>;
  /** The prober's own event-loop delay at its worst (ms): how much of a latency is this side's. */
  ownDelayMaxMs: number;
}

const THRESHOLDS = [10, 50, 100, 250];
const { port, intervalMs } = workerData as ProberSettings;
const result: ProberResult = { pings: 0, reconnects: 0, maxMs: 0, worst: [], over: Object.fromEntries(THRESHOLDS.map((t) => [t, 0])), ownDelayMaxMs: 0 };
const ownDelay = monitorEventLoopDelay({ resolution: 10 });
ownDelay.enable();
let socket: net.Socket | null = null;
let sentAt = 0;
let waiting = false;
let fresh = false;
let stopping = false;
let buffered = '';
let timer: NodeJS.Timeout | null = null;

// A tick every few ms: how late each came tells when this thread was not running (a busy machine).
const TICK_MS = 5;
const ticks: { at: number; late: number }[] = [];
let lastTick = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  ticks.push({ at: now, late: Math.max(0, now - lastTick - TICK_MS) });
  lastTick = now;
  while (ticks.length > 0 && ticks[0].at < now - 5000) ticks.shift();
}, TICK_MS);

/** The longest stall of this thread between `from` and now. */
function stalledSince(from: number): number {
  let worst = 0;
  for (const tick of ticks) if (tick.at >= from && tick.late > worst) worst = tick.late;
  return Math.max(worst, performance.now() - lastTick - TICK_MS);
}

function record(ms: number): void {
  result.pings++;
  if (ms > result.maxMs) result.maxMs = ms;
  for (const threshold of THRESHOLDS) if (ms > threshold) result.over[threshold]++;
  result.worst.push({ at: Date.now(), ms: Math.round(ms * 10) / 10, fresh, stalledMs: Math.round(stalledSince(sentAt) * 10) / 10 });
  result.worst.sort((a, b) => b.ms - a.ms);
  result.worst.length = Math.min(result.worst.length, 10);
}

function connect(since: number): void {
  sentAt = since;
  waiting = true;
  buffered = '';
  const conn = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => conn.write('PING\r\n'));
  socket = conn;
  conn.setEncoding('latin1');
  conn.on('data', (chunk: string) => {
    buffered += chunk;
    while (buffered.includes('\r\n')) {
      const line = buffered.slice(0, buffered.indexOf('\r\n'));
      buffered = buffered.slice(line.length + 2);
      if (line !== '+PONG') throw new Error(`PING answered ${line}`);
      record(performance.now() - sentAt);
      waiting = false;
      fresh = false;
    }
  });
  conn.on('error', () => {});
  conn.on('close', () => {
    if (stopping || socket !== conn) return;
    // Dropped (a panic of its thread): a new connection at once, timed from now, or from the PING it never answered.
    result.reconnects++;
    fresh = true;
    connect(waiting ? sentAt : performance.now());
  });
}

function tick(): void {
  if (!waiting && socket !== null && !socket.connecting && !socket.destroyed) {
    sentAt = performance.now();
    waiting = true;
    socket.write('PING\r\n');
  }
  timer = setTimeout(tick, intervalMs);
}

parentPort?.on('message', (message: string) => {
  if (message !== 'stop') return;
  stopping = true;
  if (timer) clearTimeout(timer);
  clearInterval(ticker);
  // A PING still unanswered counts for as long as it waited.
  if (waiting) record(performance.now() - sentAt);
  socket?.destroy();
  ownDelay.disable();
  result.ownDelayMaxMs = Math.round(ownDelay.max / 1e5) / 10;
  parentPort?.postMessage(result);
  parentPort?.close();
});

connect(performance.now());
timer = setTimeout(tick, intervalMs);
