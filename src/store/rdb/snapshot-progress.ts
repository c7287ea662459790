// How each shard's part of a background save is going, and how many writes
// it made since the last save, in memory every thread shares: a shard writes
// its own row, the thread that runs the save reads every row until all are
// done (or one failed), the thread that watches the save points sums the writes.

import { DATABASE_COUNT } from '../shard-store.ts';

/** Cancelled: a FLUSHALL dropped it (not a failure: Redis's save killed on purpose). */
export const SnapshotState = { Idle: 0, Running: 1, Done: 2, Failed: 3, Cancelled: 4 } as const;
export type SnapshotState = (typeof SnapshotState)[keyof typeof SnapshotState];

// A shard's row: its state, the save's id, its writes since the last save, then keys and keys with a TTL written per database.
const STATE = 0;
const SAVE_ID = 1;
const CHANGES = 2;
const KEYS = 3;
const EXPIRES = KEYS + DATABASE_COUNT;
const ROW = EXPIRES + DATABASE_COUNT;

export class SnapshotProgress {
  private readonly words: Float64Array;

  constructor(shared: SharedArrayBuffer) {
    this.words = new Float64Array(shared);
  }

  static allocate(shardCount: number): SharedArrayBuffer {
    return new SharedArrayBuffer(shardCount * ROW * 8);
  }

  get shardCount(): number {
    return this.words.length / ROW;
  }

  state(shard: number): SnapshotState {
    return this.words[shard * ROW + STATE] as SnapshotState;
  }

  saveId(shard: number): number {
    return this.words[shard * ROW + SAVE_ID];
  }

  started(shard: number, saveId: number): void {
    const row = shard * ROW;
    this.words.fill(0, row + KEYS, row + ROW);
    this.words[row + SAVE_ID] = saveId;
    this.words[row + STATE] = SnapshotState.Running;
  }

  finished(shard: number, keys: readonly number[], expires: readonly number[]): void {
    const row = shard * ROW;
    for (let db = 0; db < DATABASE_COUNT; db++) {
      this.words[row + KEYS + db] = keys[db];
      this.words[row + EXPIRES + db] = expires[db];
    }
    this.words[row + STATE] = SnapshotState.Done;
  }

  failed(shard: number): void {
    this.words[shard * ROW + STATE] = SnapshotState.Failed;
  }

  cancelled(shard: number): void {
    this.words[shard * ROW + STATE] = SnapshotState.Cancelled;
  }

  /** The shard's writes since the last save, as it last published them (about once a second). */
  publishChanges(shard: number, changes: number): void {
    this.words[shard * ROW + CHANGES] = changes;
  }

  /** Every shard's writes since the last save together (Redis's server.dirty). */
  get changes(): number {
    let total = 0;
    for (let shard = 0; shard < this.shardCount; shard++) total += this.words[shard * ROW + CHANGES];
    return total;
  }

  keys(shard: number, db: number): number {
    return this.words[shard * ROW + KEYS + db];
  }

  expires(shard: number, db: number): number {
    return this.words[shard * ROW + EXPIRES + db];
  }
}
