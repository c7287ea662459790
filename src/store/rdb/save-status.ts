// What every thread knows of the last save (LASTSAVE, INFO persistence) and
// of failing AOF writes, in memory they all share: the thread that saved (or
// appended) writes it, any thread reads it.

import { constants as osConstants } from 'node:os';

const LAST_SAVE = 0; // Unix seconds
const LAST_OK = 1; // 1: the last save succeeded
const LAST_DURATION = 2; // seconds the last save took
const SAVES = 3; // saves done since start-up
const LAST_SIZE = 4; // bytes of the last file written
const LOADED_KEYS = 5; // keys loaded at start-up, every shard together
const BGSAVE_STARTED = 6; // ms the running background save started; 0: none runs
const LAST_BGSAVE_DURATION = 7; // seconds the last background save took (-1: none yet)
const SLOTS = 8;
// Then two Int32 words: how many shards' last AOF write failed, and the errno of the latest failure.
const AOF_FAILING = 0;
const AOF_ERRNO = 1;

export const SAVE_STATUS_BYTES = SLOTS * 8 + 8;

/** strerror's words for the errors a write to disk meets (Redis puts them in its MISCONF answer). */
const STRERROR: Record<string, string> = {
  ENOSPC: 'No space left on device', EFBIG: 'File too large', EDQUOT: 'Disk quota exceeded', EIO: 'Input/output error',
  EACCES: 'Permission denied', EROFS: 'Read-only file system', EBADF: 'Bad file descriptor', EPERM: 'Operation not permitted',
};
const ERRNO_NAMES = new Map<number, string>(Object.entries(osConstants.errno).map(([name, number]) => [number, name]));

export class SaveStatus {
  private readonly words: Float64Array;
  private readonly aof: Int32Array;

  constructor(shared: SharedArrayBuffer) {
    this.words = new Float64Array(shared, 0, SLOTS);
    this.aof = new Int32Array(shared, SLOTS * 8, 2);
  }

  /** A shard's AOF write failed (`code`: ENOSPC...), where the last one had not. */
  aofWriteFailed(code: string): void {
    Atomics.store(this.aof, AOF_ERRNO, osConstants.errno[code as keyof typeof osConstants.errno] ?? 0);
    Atomics.add(this.aof, AOF_FAILING, 1);
  }

  /** A shard's AOF write went through again (or its AOF was turned off) after a failure. */
  aofWriteRecovered(): void {
    Atomics.sub(this.aof, AOF_FAILING, 1);
  }

  /** While some shard's last AOF write failed, the error in strerror's words (Redis refuses writes then); else null. */
  aofWriteError(): string | null {
    if (Atomics.load(this.aof, AOF_FAILING) === 0) return null;
    const name = ERRNO_NAMES.get(Atomics.load(this.aof, AOF_ERRNO)) ?? 'EIO';
    return STRERROR[name] ?? name;
  }

  /** Whether writes may be refused for persistence (the last save failed, or an AOF write): the dispatcher looks closer then. */
  get troubled(): boolean {
    return this.words[LAST_OK] !== 1 || Atomics.load(this.aof, AOF_FAILING) !== 0;
  }

  /** Start-up: no save yet, the last one "ok", LASTSAVE the start time (as Redis). */
  static initialize(shared: SharedArrayBuffer, now: number): void {
    const words = new Float64Array(shared);
    words[LAST_SAVE] = Math.floor(now / 1000);
    words[LAST_OK] = 1;
    words[LAST_DURATION] = -1;
    words[LAST_BGSAVE_DURATION] = -1;
  }

  /** A background save runs now (its file is being written). */
  get bgsaveInProgress(): boolean {
    return this.words[BGSAVE_STARTED] !== 0;
  }

  /** Seconds the running background save has taken so far, -1 when none runs. */
  currentBgsaveSeconds(now: number): number {
    const started = this.words[BGSAVE_STARTED];
    return started === 0 ? -1 : Math.floor((now - started) / 1000);
  }

  get lastBgsaveDuration(): number {
    return this.words[LAST_BGSAVE_DURATION];
  }

  bgsaveStarted(now: number): void {
    this.words[BGSAVE_STARTED] = now;
  }

  bgsaveEnded(now: number): void {
    this.words[LAST_BGSAVE_DURATION] = Math.round((now - this.words[BGSAVE_STARTED]) / 1000);
    this.words[BGSAVE_STARTED] = 0;
  }

  get lastSave(): number {
    return this.words[LAST_SAVE];
  }

  get lastOk(): boolean {
    return this.words[LAST_OK] === 1;
  }

  get lastDuration(): number {
    return this.words[LAST_DURATION];
  }

  get saves(): number {
    return this.words[SAVES];
  }

  get lastSize(): number {
    return this.words[LAST_SIZE];
  }

  recordSave(ok: boolean, startedAt: number, endedAt: number, size: number): void {
    const words = this.words;
    words[LAST_OK] = ok ? 1 : 0;
    words[LAST_DURATION] = Math.round((endedAt - startedAt) / 1000);
    if (!ok) return;
    words[LAST_SAVE] = Math.floor(endedAt / 1000);
    words[SAVES]++;
    words[LAST_SIZE] = size;
  }

  countLoaded(keys: number): void {
    this.words[LOADED_KEYS] += keys;
  }

  get loadedKeys(): number {
    return this.words[LOADED_KEYS];
  }
}
