// One shard's part of a background save, written while the shard serves:
// a point-in-time image without fork. It begins on every shard at once (in
// one transaction over all of them), then each shard walks its databases a
// little at a time between commands, writing each key as RDB bytes into one
// part file per database. A key about to change or go before the walk
// reaches it is written first, as it still is (the store's SnapshotHook, a
// parity bit per record says which are written); keys made after the start
// are not written. So the parts hold the dataset as it was at the start,
// whatever the clients do meanwhile, and memory grows by a few buffers, not
// by the data: parts go to disk a megabyte at a time. The save's thread
// joins the parts into the file (rdb-file.ts assemblePartFiles) off the
// shards' threads.

import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Ref, ShardStore, SnapshotHook } from '../shard-store.ts';
import { DATABASE_COUNT } from '../shard-store.ts';
import { keepingTreeView } from '../types/zset.ts';
import { RdbOutput } from './rdb-output.ts';
import { writeKey, type AccessSaving, type PartFile } from './rdb-file.ts';
import type { SnapshotProgress } from './snapshot-progress.ts';

export interface SnapshotOptions {
  /** Tells this save's files from any other's. */
  saveId: number;
  /** Where the part files go (the save's dir). */
  dir: string;
  saving: AccessSaving;
  compress: boolean;
  /** When the snapshot began: keys expired by then are left out. */
  now: number;
  shard: number;
}

/** A part is written out once its buffer holds this much. */
const FLUSH_BYTES = 1 << 20;
/** The walk yields to the shard's clients after this long. */
const STEP_MS = 2;
/** Index slots looked at per scan call of the walk. */
const SCAN_SLOTS = 128;

/** Where shard `shard`'s part of database `db` of save `saveId` goes. */
export function partPath(dir: string, saveId: number, shard: number, db: number): string {
  return join(dir, `temp-${process.pid}-${saveId}-${shard}-${db}.part`);
}

/** The parts every shard wrote for a save, from what they reported. */
export function partsOf(progress: SnapshotProgress, dir: string, saveId: number): PartFile[] {
  const parts: PartFile[] = [];
  for (let shard = 0; shard < progress.shardCount; shard++) {
    for (let db = 0; db < DATABASE_COUNT; db++) {
      const keys = progress.keys(shard, db);
      if (keys > 0) parts.push({ db, keys, expires: progress.expires(shard, db), path: partPath(dir, saveId, shard, db) });
    }
  }
  return parts;
}

/** Deletes a save's part files (after the file was joined, or when the save failed). */
export function removeParts(dir: string, saveId: number, shardCount: number): void {
  for (let shard = 0; shard < shardCount; shard++) {
    for (let db = 0; db < DATABASE_COUNT; db++) {
      try {
        unlinkSync(partPath(dir, saveId, shard, db));
      } catch {
        // never written
      }
    }
  }
}

export class ShardSnapshot implements SnapshotHook {
  private readonly store: ShardStore;
  private readonly options: SnapshotOptions;
  private readonly progress: SnapshotProgress;
  private readonly outs: (RdbOutput | null)[] = new Array<RdbOutput | null>(DATABASE_COUNT).fill(null);
  private readonly files: number[] = new Array<number>(DATABASE_COUNT).fill(-1);
  private readonly keys: number[] = new Array<number>(DATABASE_COUNT).fill(0);
  private readonly expires: number[] = new Array<number>(DATABASE_COUNT).fill(0);
  /** The walk: the database it is in, and its scan cursor there. */
  private db = 0;
  private cursor = 0;
  private ended = false;
  private readonly visit = (ref: Ref): void => {
    if (this.store.takeForSnapshot(ref)) this.write(ref);
  };
  private readonly step = (): void => this.runStep();

  constructor(store: ShardStore, options: SnapshotOptions, progress: SnapshotProgress) {
    this.store = store;
    this.options = options;
    this.progress = progress;
  }

  /** The snapshot's moment: from here on the store tells it of changes; the walk starts after the current command. */
  begin(): void {
    this.progress.started(this.options.shard, this.options.saveId);
    this.store.beginSnapshot(this);
    setImmediate(this.step);
  }

  writeEarly(ref: Ref): void {
    // Writing a collection re-points the shard's shared views (one dict, one
    // list, one tree view): the command that is about to change this key may
    // hold one of them open on another key.
    const store = this.store;
    const dict = store.dict.openedHeader;
    const list = store.quicklist.openedHeader;
    keepingTreeView(store.arena, () => this.write(ref));
    if (dict !== 0) store.dict.open(dict);
    if (list !== 0) store.quicklist.open(list);
  }

  writeAllNow(): void {
    const store = this.store;
    const dict = store.dict.openedHeader;
    const list = store.quicklist.openedHeader;
    keepingTreeView(store.arena, () => {
      while (!this.walk(Infinity));
    });
    if (dict !== 0) store.dict.open(dict);
    if (list !== 0) store.quicklist.open(list);
  }

  cancel(): void {
    if (this.ended) return;
    try {
      this.closeFiles();
    } catch {
      // dropped either way
    }
    this.end();
    this.progress.cancelled(this.options.shard);
  }

  private runStep(): void {
    if (this.ended) return;
    try {
      if (this.walk(STEP_MS)) this.finish();
      else setImmediate(this.step);
    } catch {
      this.fail();
    }
  }

  /** Walks on for about `budgetMs`; true once every database is done. */
  private walk(budgetMs: number): boolean {
    const deadline = performance.now() + budgetMs;
    const dbs = this.store.dbs;
    while (this.db < DATABASE_COUNT) {
      this.cursor = dbs[this.db].index.scan(this.cursor, SCAN_SLOTS, this.visit);
      if (this.cursor === 0) this.db++;
      if (performance.now() >= deadline) return this.db === DATABASE_COUNT;
    }
    return true;
  }

  private write(ref: Ref): void {
    const { store, options } = this;
    if (store.isExpired(ref, options.now)) return;
    const db = store.dbIndexOf(ref);
    let out = this.outs[db];
    if (out === null) {
      out = new RdbOutput(64 * 1024);
      out.compress = options.compress;
      this.outs[db] = out;
    }
    if (writeKey(store, ref, out, options.saving, options.now)) this.expires[db]++;
    this.keys[db]++;
    if (out.length < FLUSH_BYTES) return;
    try {
      this.flush(db);
    } catch {
      // A full disk, a dir gone: the save fails; the command that is changing the key goes on.
      this.fail();
    }
  }

  private flush(db: number): void {
    const out = this.outs[db];
    if (out === null || out.length === 0) return;
    if (this.files[db] < 0) this.files[db] = openSync(partPath(this.options.dir, this.options.saveId, this.options.shard, db), 'w');
    const fd = this.files[db];
    for (let at = 0; at < out.length; ) at += writeSync(fd, out.buffer, at, out.length - at);
    out.reset();
  }

  private finish(): void {
    try {
      for (let db = 0; db < DATABASE_COUNT; db++) this.flush(db);
      this.closeFiles();
    } catch {
      this.fail();
      return;
    }
    this.end();
    this.progress.finished(this.options.shard, this.keys, this.expires);
  }

  private fail(): void {
    try {
      this.closeFiles();
    } catch {
      // the save fails either way
    }
    this.end();
    this.progress.failed(this.options.shard);
  }

  private end(): void {
    this.ended = true;
    this.store.endSnapshot();
    this.outs.fill(null);
  }

  private closeFiles(): void {
    for (let db = 0; db < DATABASE_COUNT; db++) {
      if (this.files[db] >= 0) closeSync(this.files[db]);
      this.files[db] = -1;
    }
  }
}
