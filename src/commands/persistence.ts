// Persistence family: SAVE, BGSAVE, LASTSAVE, and the save and load that
// DEBUG RELOAD, SHUTDOWN SAVE and start-up use. SAVE is one transaction over
// every shard, all locked: each shard writes its slice of the RDB file (its
// keys, database by database), the coordinating thread joins the slices
// into one file and writes it (a temporary file, synced, renamed over
// dir/dbfilename). BGSAVE only begins a snapshot on every shard at once and
// lets them write while they serve (store/rdb/snapshot.ts). Loading walks
// the file on every shard, each keeping the keys whose slot it owns.

import { existsSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Bindings, CommandContext } from './command.ts';
import { EVERY_SHARD_LOCKED, shardOp, steppedCommand, stepRequest, type OpCall, type OpValue, type StepRequest } from './shard-ops.ts';
import { Piscina } from 'piscina';
import { accessSavingOf, assembleFile, loadFile, writeFileAtomically, writeSlice, type AccessSaving, type JoinedFile, type JoinTask, type SlicePart } from '../store/rdb/rdb-file.ts';
import { ShardSnapshot, partsOf, removeParts } from '../store/rdb/snapshot.ts';
import { SnapshotState } from '../store/rdb/snapshot-progress.ts';
import { RdbFormatError } from '../store/rdb/rdb-types.ts';
import type { ShardStore } from '../store/shard-store.ts';
import { isKeyword } from '../protocol/args.ts';
import { Errors } from '../protocol/errors.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import { REDIS_VERSION } from '../config/version.ts';
import { HOP_INTERNAL } from '../shard/hop-format.ts';
import { stepwise } from './step-plans.ts';
import { log } from '../util/log.ts';
import { joinLibraries, libraryCodes } from './functions.ts';
import type { JoinPolicy } from './functions.ts';

/** This thread's shard's write count at its last save: rdb_changes_since_last_save counts from there. */
let writesAtSave = 0;

/** Changes this shard made since the last save (INFO persistence adds every shard's). */
export function changesSinceSave(store: ShardStore): number {
  return (store.writeCount - writesAtSave + 2 ** 32) % 2 ** 32;
}

/** rdb-slice saving compress: this shard's slice of the file (SlicePart per database with keys). */
const rdbSlice = shardOp('rdb-slice', "Write a shard's keys in RDB form, for a save", (ctx): SlicePart[] => {
  const parts = writeSlice(ctx.store, ctx.argv[1].toString('latin1') as AccessSaving, ctx.argv[2][0] === 0x31 /* 1 */, ctx.now);
  writesAtSave = ctx.store.writeCount;
  return parts;
});

/** The file SAVE writes: dir/dbfilename. */
function snapshotPath(config: CommandContext['server']['config']): string {
  return resolve(config.get('dir'), config.get('dbfilename'));
}

/** A save's first step: every shard's slice. `last`: nothing follows (the shards' locks go with their slices). */
function* sliceStep(request: StepRequest, last: boolean): Generator<OpCall[], SlicePart[][], OpValue[]> {
  const config = request.server.config;
  const args = [Buffer.from(accessSavingOf(config.get('maxmemory-policy'))), Buffer.from(config.get('rdbcompression') === 'yes' ? '1' : '0')];
  const calls: OpCall[] = [];
  for (let shard = 0; shard < request.shardCount; shard++) calls.push({ shard, db: request.db, op: rdbSlice, args, last });
  return (yield calls) as SlicePart[][];
}

/** The file of `slices`, as the settings ask (compression, checksum). */
function fileOf(server: StepRequest['server'], slices: SlicePart[][], startedAt: number): Buffer {
  const config = server.config;
  return assembleFile(slices, {
    checksum: config.get('rdbchecksum') === 'yes', compress: config.get('rdbcompression') === 'yes', usedMemory: process.memoryUsage().rss, now: startedAt, redisVersion: REDIS_VERSION,
    functions: libraryCodes(),
  });
}

function saveFailed(server: StepRequest['server'], startedAt: number, path: string, error: unknown): void {
  server.saveStatus.recordSave(false, startedAt, Date.now(), 0);
  log('warning', `Failed saving the DB to ${path}: ${(error as Error).message}`);
}

/**
 * A save's steps: every shard's slice, then the file written here. True when
 * it was written; the outcome is recorded for LASTSAVE and INFO either way.
 * `last`: the save is all the command does (the shards' locks go with their slices).
 */
export function* saveSteps(request: StepRequest, last: boolean): Generator<OpCall[], boolean, OpValue[]> {
  const startedAt = Date.now();
  const slices = yield* sliceStep(request, last);
  const { server } = request;
  const path = snapshotPath(server.config);
  try {
    const file = fileOf(server, slices, startedAt);
    writeFileAtomically(path, file);
    server.saveStatus.recordSave(true, startedAt, Date.now(), file.length);
    log('notice', 'DB saved on disk');
    return true;
  } catch (error) {
    saveFailed(server, startedAt, path, error);
    return false;
  }
}

const BGSAVE_RUNNING = 'ERR Background save already in progress';

/** SAVE: OK once the file is on disk; Redis's bare "ERR" when it could not be written. */
const save = steppedCommand(function* (request) {
  if (request.server.saveStatus.bgsaveInProgress) throw new ReplyError(BGSAVE_RUNNING);
  if (yield* saveSteps(request, true)) request.out.ok();
  else request.out.error('ERR');
}, EVERY_SHARD_LOCKED);

/**
 * rdb-snapshot-begin saveId dir saving compress now: this shard's part of a
 * background save begins (store/rdb/snapshot.ts) and goes on by itself.
 */
const rdbSnapshotBegin = shardOp('rdb-snapshot-begin', "Begin a shard's part of a background save", (ctx) => {
  const text = (i: number): string => ctx.argv[i].toString('latin1');
  new ShardSnapshot(ctx.store, {
    saveId: Number(text(1)), dir: text(2), saving: text(3) as AccessSaving, compress: text(4) === '1', now: Number(text(5)), shard: ctx.server.threadIndex,
  }, ctx.server.snapshotProgress).begin();
  writesAtSave = ctx.store.writeCount;
  return 1;
});

/** How often the save's thread looks at the shards' progress. */
const PROGRESS_POLL_MS = 10;
let lastSaveId = 0;
let joiner: Piscina | null = null;

/** The background pool that joins parts into the file: one thread, gone when idle. */
function joinPool(): Piscina {
  joiner ??= new Piscina({ filename: new URL('../../workers/rdb-file.ts', import.meta.url).href, minThreads: 0, maxThreads: 1, idleTimeout: 5000 });
  return joiner;
}

/**
 * BGSAVE [SCHEDULE]: without fork, and without stopping the shards. Every
 * shard's snapshot begins at one moment (one transaction over all of them:
 * that is the file's point in time), then each writes its keys as it goes
 * on serving; once all are done, a background thread joins their parts into
 * the file. One runs at a time: another BGSAVE meanwhile, SCHEDULE or not,
 * is refused as Redis refuses it while its RDB child runs (SCHEDULE waits
 * only for an AOF rewrite, which is not built).
 */
const bgsave = steppedCommand(function* (request) {
  const { args, out, server } = request;
  if (args.length > 2 || (args.length === 2 && !isKeyword(args[1], 'schedule'))) throw new ReplyError(Errors.syntax);
  const status = server.saveStatus;
  if (status.bgsaveInProgress) throw new ReplyError(BGSAVE_RUNNING);
  const startedAt = Date.now();
  const saveId = (lastSaveId = Math.max(lastSaveId + 1, startedAt));
  const config = server.config;
  const dir = resolve(config.get('dir'));
  const begin = [saveId, dir, accessSavingOf(config.get('maxmemory-policy')), config.get('rdbcompression') === 'yes' ? '1' : '0', startedAt].map((arg) => Buffer.from(String(arg)));
  const calls: OpCall[] = [];
  for (let shard = 0; shard < request.shardCount; shard++) calls.push({ shard, db: request.db, op: rdbSnapshotBegin, args: begin, last: true });
  yield calls;
  status.bgsaveStarted(startedAt);
  out.simple('Background saving started');
  log('notice', 'Background saving started');
  void finishInBackground(server, saveId, dir, startedAt, snapshotPath(config));
}, EVERY_SHARD_LOCKED);

/** A FLUSHALL dropped the background save under way (Redis kills its child then; not a failed save). */
class SaveCancelled extends Error {}

/** Waits for every shard's part of save `saveId`; throws when one failed. */
async function shardsDone(server: StepRequest['server'], saveId: number): Promise<void> {
  const progress = server.snapshotProgress;
  for (;;) {
    let running = 0;
    for (let shard = 0; shard < progress.shardCount; shard++) {
      if (progress.saveId(shard) !== saveId) throw new Error(`shard ${shard} did not take part in the save`);
      const state = progress.state(shard);
      if (state === SnapshotState.Failed) throw new Error(`shard ${shard} could not write its part`);
      if (state === SnapshotState.Cancelled) throw new SaveCancelled();
      if (state !== SnapshotState.Done) running++;
    }
    if (running === 0) return;
    await new Promise((resolve) => setTimeout(resolve, PROGRESS_POLL_MS));
  }
}

async function finishInBackground(server: StepRequest['server'], saveId: number, dir: string, startedAt: number, path: string): Promise<void> {
  const status = server.saveStatus;
  const savesBefore = status.saves;
  const config = server.config;
  try {
    await shardsDone(server, saveId);
    const task: JoinTask = {
      path,
      parts: partsOf(server.snapshotProgress, dir, saveId),
      options: {
        checksum: config.get('rdbchecksum') === 'yes', compress: config.get('rdbcompression') === 'yes', usedMemory: process.memoryUsage().rss, now: startedAt, redisVersion: REDIS_VERSION,
        functions: libraryCodes(),
      },
    };
    const joined = (await joinPool().run(task)) as JoinedFile;
    // A save that ended meanwhile (FLUSHALL's or SHUTDOWN's, the only ones BGSAVE lets run) holds newer data: this file is stale.
    if (status.saves !== savesBefore) {
      unlinkSync(joined.temporary);
      log('notice', 'Background saving dropped: a later save already wrote the file');
      return;
    }
    renameSync(joined.temporary, path);
    status.recordSave(true, startedAt, Date.now(), joined.size);
    log('notice', 'DB saved on disk');
    log('notice', 'Background saving terminated with success');
  } catch (error) {
    if (error instanceof SaveCancelled) {
      log('warning', 'Background saving cancelled: FLUSHALL emptied the dataset it was saving');
    } else {
      saveFailed(server, startedAt, path, error);
      log('warning', 'Background saving error');
    }
  } finally {
    removeParts(dir, saveId, server.shardCount);
    status.bgsaveEnded(Date.now());
  }
}

function lastsave(ctx: CommandContext): void {
  ctx.out.integer(ctx.server.saveStatus.lastSave);
}

// --- loading ---

/**
 * Loads this shard's keys from the file at `path`, and its function
 * libraries into this thread (joined to those loaded as `policy` says);
 * throws RdbFormatError (or a file system error, or the ReplyError of a
 * library that cannot join).
 */
function loadShardSlice(ctx: Pick<CommandContext, 'store' | 'server'>, path: string, now: number, policy: JoinPolicy): number {
  const { store, server } = ctx;
  const slots = server.slots;
  const me = server.threadIndex;
  const mine = server.shardCount === 1 ? () => true : (key: Buffer) => slots.shardOfKey(key) === me;
  const result = loadFile(readFileSync(path), store, mine, now);
  joinLibraries(result.functions, policy, (name) => `ERR Library '${name}' already exists`);
  return result.loaded;
}

/**
 * rdb-load path flush merge: this shard's keys from the file, after emptying
 * the shard (and this thread's libraries) when flush is 1; libraries of the
 * file replace those of the same name when merge is 1. The keys loaded.
 */
const rdbLoad = shardOp('rdb-load', "Load a shard's keys from an RDB file", (ctx) => {
  const flush = ctx.argv[2][0] === 0x31; /* 1 */
  if (flush) ctx.store.flushAll();
  try {
    const loaded = loadShardSlice(ctx, ctx.argv[1].toString(), ctx.now, flush ? 'flush' : ctx.argv[3][0] === 0x31 ? 'replace' : 'append');
    writesAtSave = ctx.store.writeCount;
    return loaded;
  } catch (error) {
    log('warning', `Error loading the RDB file ${ctx.argv[1].toString()}: ${(error as Error).message}`);
    throw new ReplyError('ERR Error trying to load the RDB dump, check server logs.');
  }
});

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save (unless NOSAVE), empty every shard (unless NOFLUSH), load the file back. */
function* reloadSteps(request: StepRequest): Generator<OpCall[], void, OpValue[]> {
  let noSave = false;
  let noFlush = false;
  let merge = false;
  for (let i = 2; i < request.args.length; i++) {
    const arg = request.args[i];
    if (isKeyword(arg, 'nosave')) noSave = true;
    else if (isKeyword(arg, 'noflush')) noFlush = true;
    else if (isKeyword(arg, 'merge')) merge = true;
    else throw new ReplyError(Errors.syntax);
  }
  if (!noSave && !(yield* saveSteps(request, false))) throw new ReplyError('ERR');
  const path = Buffer.from(snapshotPath(request.server.config));
  const flush = Buffer.from(noFlush ? '0' : '1');
  const merging = Buffer.from(merge ? '1' : '0');
  const calls: OpCall[] = [];
  for (let shard = 0; shard < request.shardCount; shard++) calls.push({ shard, db: request.db, op: rdbLoad, args: [path, flush, merging], last: true });
  yield calls;
  log('notice', 'DB reloaded by DEBUG RELOAD');
  request.out.ok();
}

/** DEBUG RELOAD on this shard alone (--shards 1, or inside a shard's run). */
export const debugReloadHere = steppedCommand(reloadSteps).handler;

/** Steps run over every shard as DEBUG's plan of hops runs them: each call a hop. */
function stepsEverywhere(steps: (request: StepRequest) => Generator<OpCall[], void, OpValue[]>): ReturnType<typeof stepwise> {
  return stepwise(async (coordinator, _client, args, out, db) => {
    const glue = steps(stepRequest(coordinator, args, db, out));
    for (let step = glue.next(); step.done !== true; ) {
      const values = await Promise.all(step.value.map(async (call) => {
        const reply = await coordinator.call(call.shard, call.db, HOP_INTERNAL, [call.op.name, ...call.args]);
        if (reply instanceof ReplyError) throw reply;
        return reply as OpValue;
      }));
      step = glue.next(values);
    }
  });
}

/**
 * DEBUG RELOAD over every shard: the same steps, each call a hop. Not one
 * transaction: a write from another client may land between two shards'
 * slices (DEBUG is a test tool).
 */
export const debugReloadEverywhere = stepsEverywhere(reloadSteps);

/**
 * Start-up: the shard's keys from dir/dbfilename when the file exists, as
 * Redis loads its RDB file (AOF is not built). A file that cannot be loaded
 * stops the server: never half loaded silently.
 */
export function loadSnapshotAtStart(ctx: Pick<CommandContext, 'store' | 'server'>): void {
  const path = snapshotPath(ctx.server.config);
  if (!existsSync(path)) return;
  const started = Date.now();
  let loaded: number;
  try {
    loaded = loadShardSlice(ctx, path, started, 'append');
  } catch (error) {
    // The supervisor logs it: a worker's own last log lines can be lost when the process exits.
    const reason = error instanceof RdbFormatError ? `bad RDB file: ${error.message}` : (error as Error).message;
    throw new Error(`Fatal error loading the DB from ${path}: ${reason}. Exiting.`);
  }
  writesAtSave = ctx.store.writeCount;
  ctx.server.saveStatus.countLoaded(loaded);
  log('notice', `DB loaded from disk: ${((Date.now() - started) / 1000).toFixed(3)} seconds (${loaded} keys of shard ${ctx.server.threadIndex})`);
}

// --- the AOF (each shard's own: server/aof.ts) ---

const aofRewrite = shardOp('aof-rewrite', "Rewrite a shard's AOF: a new base, a new increment", (ctx) => (ctx.server.aof.rewrite() ? 1 : 0));
const aofLoadBack = shardOp('aof-load-back', "Empty a shard and load it back from its AOF", (ctx) => {
  if (!ctx.server.aof.loadBack()) throw new ReplyError('ERR');
  return 1;
});

function* onEveryShard(request: StepRequest, op: typeof aofRewrite): Generator<OpCall[], OpValue[], OpValue[]> {
  const calls: OpCall[] = [];
  for (let shard = 0; shard < request.shardCount; shard++) calls.push({ shard, db: request.db, op, args: [], last: true });
  return yield calls;
}

/**
 * BGREWRITEAOF: every shard writes its new base and starts a new increment
 * (with appendonly no, as Redis, a base alone), every shard locked (no
 * transaction is half in a base). Without fork, on each shard's thread, done
 * when it answers.
 */
const bgrewriteaof = steppedCommand(function* (request) {
  yield* onEveryShard(request, aofRewrite);
  log('notice', 'Background append only file rewriting started');
  request.out.simple('Background append only file rewriting started');
}, EVERY_SHARD_LOCKED);

/**
 * DEBUG LOADAOF: the AOF synced, every shard emptied and loaded back from
 * the files on disk (with appendonly no too, as Redis); a bare ERR when
 * there are none (where Redis exits).
 */
function* loadAofSteps(request: StepRequest): Generator<OpCall[], void, OpValue[]> {
  yield* onEveryShard(request, aofLoadBack);
  log('notice', 'Append Only File loaded by DEBUG LOADAOF');
  request.out.ok();
}

export const debugLoadAofHere = steppedCommand(loadAofSteps).handler;

/** DEBUG LOADAOF over every shard, each call a hop, as DEBUG RELOAD. */
export const debugLoadAofEverywhere = stepsEverywhere(loadAofSteps);

// --- the bindings (the rows are table/persistence.ts) ---

export const persistenceBindings: Bindings = {
  save,
  bgsave,
  lastsave,
  bgrewriteaof,
};
