// Redis's RDB file (version 10, as Redis 7.0 writes it), assembled from the
// shards' slices and read back by each shard for its own keys:
//
//   "REDIS0010" | aux fields (redis-ver, redis-bits, ctime, used-mem, aof-base)
//   | per database with keys: SELECTDB n, RESIZEDB keys expires, its keys
//   | EOF | CRC-64 of everything before (8 bytes LE; 0 when rdbchecksum is no)
//
//   a key: [EXPIRETIME_MS ms] [IDLE seconds | FREQ counter] type key value
//
// A shard writes its slice of each database (writeSlice); the slices of a
// database from every shard follow one SELECTDB (assembleFile). Loading
// walks the whole file on every shard: a key of another shard is skipped
// without being decoded (skipValue).

import { closeSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Ref, ShardStore } from '../shard-store.ts';
import { DATABASE_COUNT } from '../shard-store.ts';
import { idleSeconds, lfuCounter, lfuWord, lruClockIdle } from '../access-clock.ts';
import { expireTime, type ExpireTime } from '../record.ts';
import { Crc64 } from './crc64.ts';
import { RdbInput } from './rdb-input.ts';
import { RDB_VERSION, RdbOutput } from './rdb-output.ts';
import { RdbEmptyValue, RdbOpcode, RdbType } from './rdb-types.ts';
import { loadFunction, loadValue, saveFunctions, saveKeyValue } from './rdb-value.ts';

/** What a key's access record is saved as: nothing (no eviction policy), its idle time (LRU), or its counter (LFU). */
export type AccessSaving = 'none' | 'lru' | 'lfu';

/** The access saving of a maxmemory-policy, as Redis's MAXMEMORY_FLAG_LRU / _LFU. */
export function accessSavingOf(policy: string): AccessSaving {
  if (policy.endsWith('-lfu')) return 'lfu';
  if (policy.endsWith('-lru')) return 'lru';
  return 'none';
}

/** One database's part of a shard's slice: [db, keys, keys with a TTL, bytes of the keys]. */
export type SlicePart = [number, number, number, Buffer];

const slice = new RdbOutput(64 * 1024);

/** The shard's keys, database by database (those with keys only); expired keys are left out. */
export function writeSlice(store: ShardStore, saving: AccessSaving, compress: boolean, now: number): SlicePart[] {
  const parts: SlicePart[] = [];
  slice.compress = compress;
  for (let db = 0; db < DATABASE_COUNT; db++) {
    if (store.dbs[db].size === 0) continue;
    slice.reset();
    let keys = 0;
    let expires = 0;
    const refs = refsOf(store, db);
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i];
      if (store.isExpired(ref, now)) continue;
      if (writeKey(store, ref, slice, saving, now)) expires++;
      keys++;
    }
    if (keys > 0) parts.push([db, keys, expires, Buffer.from(slice.view())]);
  }
  return parts;
}

/** Writes one live key as the file holds it: [EXPIRETIME_MS] [IDLE | FREQ] type key value. True when it has a TTL. */
export function writeKey(store: ShardStore, ref: Ref, out: RdbOutput, saving: AccessSaving, now: number): boolean {
  const expireAt = store.exactExpireAt(ref);
  if (expireAt !== 0) {
    out.byte(RdbOpcode.ExpireTimeMs);
    out.milliseconds(expireAt);
  }
  if (saving === 'lru') {
    out.byte(RdbOpcode.Idle);
    out.len(idleSeconds(store.accessWord(ref), now));
  } else if (saving === 'lfu') {
    out.byte(RdbOpcode.Freq);
    out.byte(lfuCounter(store.accessWord(ref), now, store.access.lfuDecayTime));
  }
  saveKeyValue(store, ref, out);
  return expireAt !== 0;
}

/** A database's keys, in its index's order (taken first: saving a value must not run inside the index's walk). */
function refsOf(store: ShardStore, db: number): Uint32Array {
  const refs = new Uint32Array(store.dbs[db].size);
  let n = 0;
  store.forEachKey(db, (ref: Ref) => {
    if (n < refs.length) refs[n++] = ref;
  });
  return refs.subarray(0, n);
}

export interface FileOptions {
  checksum: boolean;
  compress: boolean;
  usedMemory: number;
  now: number;
  redisVersion: string;
  /** The function libraries' codes, written before the keys. */
  functions: readonly Uint8Array[];
}

/** The file's opening: magic and aux fields. */
function fileHead(options: FileOptions): RdbOutput {
  const out = new RdbOutput(1024);
  out.compress = options.compress;
  out.raw(Buffer.from(`REDIS${String(RDB_VERSION).padStart(4, '0')}`, 'latin1'));
  const aux = (name: string, value: string): void => {
    out.byte(RdbOpcode.Aux);
    out.string(Buffer.from(name, 'latin1'));
    out.string(Buffer.from(value, 'latin1'));
  };
  aux('redis-ver', options.redisVersion);
  aux('redis-bits', '64');
  aux('ctime', String(Math.floor(options.now / 1000)));
  aux('used-mem', String(options.usedMemory));
  aux('aof-base', '0');
  saveFunctions(options.functions, out);
  return out;
}

/** A database's opening: SELECTDB, RESIZEDB with its key counts. */
function databaseHead(out: RdbOutput, db: number, keys: number, expires: number): void {
  out.byte(RdbOpcode.SelectDb);
  out.len(db);
  out.byte(RdbOpcode.ResizeDb);
  out.len(keys);
  out.len(expires);
}

/** The whole file from every shard's slices. */
export function assembleFile(slices: readonly SlicePart[][], options: FileOptions): Buffer {
  const out = fileHead(options);
  for (let db = 0; db < DATABASE_COUNT; db++) {
    const parts = slices.map((parts) => parts.find((part) => part[0] === db)).filter((part) => part !== undefined);
    if (parts.length === 0) continue;
    databaseHead(out, db, parts.reduce((sum, part) => sum + part[1], 0), parts.reduce((sum, part) => sum + part[2], 0));
    for (const part of parts) out.raw(part[3], 0, part[3].length);
  }
  out.byte(RdbOpcode.Eof);
  const crc = new Crc64();
  if (options.checksum) crc.update(out.buffer, 0, out.length);
  out.ensure(8);
  crc.writeTo(out.buffer, out.length);
  out.length += 8;
  return out.view();
}

/** One database's keys from one shard, in a file of their own (a snapshot's part). */
export interface PartFile {
  db: number;
  keys: number;
  expires: number;
  path: string;
}

/** What the background pool's job (workers/rdb-file.ts) is given. */
export interface JoinTask {
  path: string;
  parts: PartFile[];
  options: FileOptions;
}

/** A joined file, synced, waiting to be renamed over the file it replaces. */
export interface JoinedFile {
  temporary: string;
  size: number;
}

/**
 * The file for `path` from parts written to disk (a background save's),
 * read and written in pieces so the file is never whole in memory: a
 * temporary file in the same directory, synced; the caller renames it over
 * `path` (or drops it, when a later save made it stale). On failure the
 * temporary file is removed.
 */
export function assemblePartFiles(path: string, parts: readonly PartFile[], options: FileOptions): JoinedFile {
  const temporary = join(dirname(path), `temp-bg-${process.pid}-${Date.now()}.rdb`);
  const crc = new Crc64();
  const piece = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(temporary, 'w');
  let size = 0;
  const put = (bytes: Uint8Array, length: number): void => {
    if (options.checksum) crc.update(bytes, 0, length);
    for (let at = 0; at < length; ) at += writeSync(fd, bytes, at, length - at);
    size += length;
  };
  try {
    try {
      const head = fileHead(options);
      for (let db = 0; db < DATABASE_COUNT; db++) {
        const ofDb = parts.filter((part) => part.db === db && part.keys > 0);
        if (ofDb.length === 0) continue;
        databaseHead(head, db, ofDb.reduce((sum, part) => sum + part.keys, 0), ofDb.reduce((sum, part) => sum + part.expires, 0));
        put(head.buffer, head.length);
        head.reset();
        for (const part of ofDb) {
          const input = openSync(part.path, 'r');
          try {
            for (let read = readSync(input, piece, 0, piece.length, null); read > 0; read = readSync(input, piece, 0, piece.length, null)) put(piece, read);
          } finally {
            closeSync(input);
          }
        }
      }
      head.byte(RdbOpcode.Eof);
      put(head.buffer, head.length);
      const trailer = Buffer.alloc(8);
      crc.writeTo(trailer, 0);
      for (let at = 0; at < 8; ) at += writeSync(fd, trailer, at, 8 - at);
      size += 8;
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return { temporary, size };
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // never made, or gone already
    }
    throw error;
  }
}

/** Writes `bytes` to `path` as Redis does: a temporary file in the same directory, synced, then renamed over it; on failure the temporary file goes and `path` is untouched. */
export function writeFileAtomically(path: string, bytes: Uint8Array, temporary = join(dirname(path), `temp-${process.pid}-${Date.now()}.rdb`)): void {
  const fd = openSync(temporary, 'w');
  try {
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // never made, or gone already
    }
    throw error;
  }
}

export interface LoadResult {
  /** Keys this shard loaded. */
  loaded: number;
  /** Keys of this shard already expired, left out. */
  expired: number;
  /** Empty collections, left out (as Redis does). */
  empty: number;
  /** The function libraries' codes, for the caller to load. */
  functions: Buffer[];
}

/**
 * Loads the keys of an RDB file for which `mine(key)` is true into `store`
 * (replacing keys of the same name); the rest are skipped. Throws
 * RdbFormatError for a file that is not a valid RDB file (bad magic,
 * version, checksum, truncated or bad data): nothing is half loaded
 * silently.
 */
export function loadFile(bytes: Buffer, store: ShardStore, mine: (key: Buffer) => boolean, now: number): LoadResult {
  const input = new RdbInput(bytes);
  const magic = input.raw(9).toString('latin1');
  if (!magic.startsWith('REDIS') || !/^[0-9]{4}$/.test(magic.slice(5))) input.fail('wrong signature trying to load DB from file');
  const version = Number(magic.slice(5));
  if (version < 1 || version > RDB_VERSION) input.fail(`can't handle RDB format version ${version}`);
  const result: LoadResult = { loaded: 0, expired: 0, empty: 0, functions: [] };
  let db = 0;
  let expireAt: ExpireTime = 0;
  let idle = -1;
  let freq = -1;
  for (;;) {
    const type = input.byte();
    if (type === RdbOpcode.Eof) break;
    switch (type) {
      case RdbOpcode.ExpireTimeMs:
        expireAt = expireTime(input.milliseconds());
        continue;
      case RdbOpcode.ExpireTime:
        expireAt = input.u32LE() * 1000;
        continue;
      case RdbOpcode.Idle:
        idle = input.len();
        continue;
      case RdbOpcode.Freq:
        freq = input.byte();
        continue;
      case RdbOpcode.SelectDb:
        db = input.len();
        if (db >= DATABASE_COUNT) input.fail(`FATAL: Data file was created with a Redis server configured to handle more than ${DATABASE_COUNT} databases`);
        continue;
      case RdbOpcode.ResizeDb:
        input.len();
        input.len();
        continue;
      case RdbOpcode.Aux:
        input.string();
        input.string();
        continue;
      case RdbOpcode.ModuleAux:
        input.fail("the RDB file contains module data this server can't load (no modules)");
        break;
      case RdbOpcode.Function2:
      case RdbOpcode.Function:
        result.functions.push(loadFunction(type, input));
        continue;
      default:
        break;
    }
    const key = Buffer.from(input.string());
    const expired = expireAt !== 0 && expireAt <= now;
    if (!mine(key) || expired) {
      skipValue(type, input);
      if (expired && mine(key)) result.expired++;
    } else {
      try {
        const ref = loadValue(type, input, store, db, key, expireAt, now);
        if (store.access.lfu) {
          if (freq >= 0) store.setAccessWord(ref, lfuWord(now, freq));
        } else if (idle >= 0) {
          store.setAccessWord(ref, lruClockIdle(now, idle));
        }
        result.loaded++;
      } catch (error) {
        if (!(error instanceof RdbEmptyValue)) throw error;
        result.empty++;
      }
    }
    expireAt = 0;
    idle = -1;
    freq = -1;
  }
  if (version >= 5) {
    const crcAt = input.at;
    input.raw(8);
    if (!bytes.subarray(crcAt, crcAt + 8).equals(Buffer.alloc(8))) {
      const crc = new Crc64();
      crc.update(bytes, 0, crcAt);
      if (!crc.matches(bytes, crcAt)) input.fail('wrong RDB checksum');
    }
  }
  return result;
}

/** Steps over a string without decoding it. */
function skipString(input: RdbInput): void {
  const length = input.lenBig();
  switch (input.encoded) {
    case -1:
      input.raw(Number(length));
      return;
    case 0:
      input.raw(1);
      return;
    case 1:
      input.raw(2);
      return;
    case 2:
      input.raw(4);
      return;
    case 3: {
      const compressed = input.len();
      input.len();
      input.raw(compressed);
      return;
    }
    default:
      input.fail('unknown string encoding');
  }
}

/** Steps over a value of `type` without decoding it (a key of another shard). */
export function skipValue(type: number, input: RdbInput): void {
  switch (type) {
    case RdbType.String:
    case RdbType.HashZipmap:
    case RdbType.ListZiplist:
    case RdbType.SetIntset:
    case RdbType.ZsetZiplist:
    case RdbType.HashZiplist:
    case RdbType.HashListpack:
    case RdbType.ZsetListpack:
      skipString(input);
      return;
    case RdbType.List:
    case RdbType.Set:
    case RdbType.ListQuicklist:
      for (let n = input.count(); n > 0; n--) skipString(input);
      return;
    case RdbType.Hash:
      for (let n = input.count(); n > 0; n--) {
        skipString(input);
        skipString(input);
      }
      return;
    case RdbType.Zset:
      for (let n = input.count(); n > 0; n--) {
        skipString(input);
        input.textDouble();
      }
      return;
    case RdbType.Zset2:
      for (let n = input.count(); n > 0; n--) {
        skipString(input);
        input.raw(8);
      }
      return;
    case RdbType.ListQuicklist2:
      for (let n = input.count(); n > 0; n--) {
        input.len();
        skipString(input);
      }
      return;
    case RdbType.StreamListpacks:
    case RdbType.StreamListpacks2:
      skipStream(type === RdbType.StreamListpacks2, input);
      return;
    default:
      input.fail(`unknown or unsupported RDB value type ${type}`);
  }
}

function skipStream(v2: boolean, input: RdbInput): void {
  for (let n = input.count(); n > 0; n--) {
    skipString(input);
    skipString(input);
  }
  for (let n = v2 ? 8 : 3; n > 0; n--) input.lenBig();
  for (let groups = input.count(); groups > 0; groups--) {
    skipString(input);
    for (let n = v2 ? 3 : 2; n > 0; n--) input.lenBig();
    for (let pending = input.count(); pending > 0; pending--) {
      input.raw(24);
      input.lenBig();
    }
    for (let consumers = input.count(); consumers > 0; consumers--) {
      skipString(input);
      input.raw(8);
      for (let pending = input.count(); pending > 0; pending--) input.raw(16);
    }
  }
}
