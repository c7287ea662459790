// Giving big freed buffers back to the system promptly.
//
// A SharedArrayBuffer (an arena segment) or a big Buffer is returned to the
// system only when every thread holding it has collected its last reference.
// V8 collects when its own heap grows, and this server's heaps hardly grow (the
// data lives off-heap): a 512 MB value deleted on an idle server would keep
// its pages for good. So the places that drop a big buffer say so here, and
// once enough bytes were dropped a full collection runs shortly after, at most
// one per MIN_INTERVAL_MS on a thread, which returns them (measured: 1.3 GB of
// RSS back to 0.2 GB after a 512 MB SET and DEL).

import v8 from 'node:v8';
import vm from 'node:vm';

/** Dropped bytes that are worth a collection. */
export const RELEASE_THRESHOLD_BYTES = 16 * 1024 * 1024;
/** A buffer this big is worth reporting when it is dropped. */
export const BIG_BUFFER_BYTES = 1024 * 1024;
const DELAY_MS = 50;
const MIN_INTERVAL_MS = 1000;

type Collect = () => void;

/**
 * The collector. The flag is process-wide: set by the main thread before it
 * starts the shard threads, it gives every thread a global `gc`; the main
 * thread, whose context was made before, reaches it through a new context.
 */
function collector(): Collect | null {
  const global = globalThis as { gc?: Collect };
  if (typeof global.gc === 'function') return global.gc;
  try {
    v8.setFlagsFromString('--expose-gc');
    const collect: unknown = vm.runInNewContext('gc');
    return typeof collect === 'function' ? (collect as Collect) : null;
  } catch {
    return null;
  }
}

const collect = collector();
let droppedBytes = 0;
let scheduled = false;
let lastCollection = 0;

/** `bytes` of big buffers (or segments) are no longer referenced by this thread. */
export function released(bytes: number): void {
  droppedBytes += bytes;
  if (droppedBytes < RELEASE_THRESHOLD_BYTES || scheduled || collect === null) return;
  scheduled = true;
  const wait = Math.max(DELAY_MS, lastCollection + MIN_INTERVAL_MS - Date.now());
  setTimeout(collectNow, wait).unref();
}

/** A full collection shortly (as often as released allows), whatever was dropped: a thread's first one, for a true figure of its live heap. */
export function collectSoon(): void {
  if (scheduled || collect === null) return;
  scheduled = true;
  setTimeout(collectNow, Math.max(DELAY_MS, lastCollection + MIN_INTERVAL_MS - Date.now())).unref();
}

/** A buffer this thread no longer uses: counted if it is big. */
export function releasedBuffer(buffer: Uint8Array): void {
  if (buffer.byteLength >= BIG_BUFFER_BYTES) released(buffer.byteLength);
}

function collectNow(): void {
  scheduled = false;
  droppedBytes = 0;
  lastCollection = Date.now();
  collect?.();
}
