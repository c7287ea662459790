// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT: Lua scripts, run by this
// thread's Lua state (scripting/lua-vm.ts).
//
// Where a script runs, and how it stays atomic
// --------------------------------------------
// - Its declared keys (KEYS) all on one shard (or none), and the script seen
//   before to stay on that shard: it runs on that shard's thread, as any
//   command over those keys, in one go. The thread does nothing else
//   meanwhile, so nobody sees it half done. Keys it did not declare may be
//   used as long as they live on that shard too and no transaction holds them.
// - Otherwise (declared keys over several shards, a script not seen yet on
//   this thread, or one seen to reach other shards' keys): it runs as a
//   transaction holding every shard (tx/scheduler.ts), on the client's
//   thread, and its calls to other shards wait for their replies there, the
//   thread serving its own ring meanwhile. Such a run tells whether the
//   script kept to its declared keys (none other, all on one shard); that is
//   remembered (by SHA1, per thread) and decides the next runs. A script that
//   uses keys it did not declare always runs so: where those live depends on
//   its arguments.
// - An inline run that reaches another shard's key before it wrote anything
//   is thrown away and run again as a transaction. One that does so after it
//   wrote cannot be started over (a script whose keys depend on the data):
//   that call fails with an error, and the script runs as a transaction from
//   then on.

import { keyHashSlot } from '../cluster/slots.ts';
import type { CommandContext, CommandSpec, Bindings, Coordinator, ScriptServices } from './command.ts';
import { arityAccepts } from './command.ts';
import { Flag } from './command-row.ts';
import { commandKeys, keysShard } from './routing.ts';
import { atomically, mergeOkReplies, onEveryShardAtomically } from '../tx/multi-shard.ts';
import type { Transaction } from '../tx/scheduler.ts';
import { readReply, ReplyError, type ReplyValue } from '../protocol/reply-reader.ts';
import { HOP_ALLOW_OOM, HOP_INTERNAL } from '../shard/hop-format.ts';
import type { OpCall, OpValue } from './shard-ops.ts';
import { ReplyWriter, type Protocol } from '../protocol/reply-writer.ts';
import { parseInteger, isKeyword } from '../protocol/args.ts';
import { replyHelp } from './help.ts';
import { luaVm, sha1hex, RUN_FUNCTION, RUN_SCRIPT, type LuaVm, type ScriptHost } from '../scripting/lua-vm.ts';
import { KIND_FUNCTION, KIND_SCRIPT, type KillOutcome } from '../scripting/running-scripts.ts';
import { REDIS_VERSION } from '../config/version.ts';
import { DATABASE_COUNT } from '../store/shard-store.ts';
import { log } from '../util/log.ts';
import { Errors } from '../protocol/errors.ts';

/** The reply of an inline run that reached another shard before it wrote: the caller runs it again over every shard. */
export const STRAYED_REPLY = Buffer.from('-CROSSSHARD the script used a key of another shard; run it again as a transaction\r\n');

const NO_SCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';
/** The answer while an EVAL script is busy. */
export const BUSY_SCRIPT_ERROR = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
const NO_NAMES: ReadonlySet<string> = new Set();
/** Where a script's calls write their replies (one script runs at a time on a thread). */
const CALL_REPLIES = new ReplyWriter(1024);
/** Instructions between two looks at the clock while a script runs (as Redis's hook). */
const BUSY_CHECK = 100_000;
const SHEBANG_FLAGS = new Set(['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys']);

/** A script in this thread's cache. */
interface CachedScript {
  readonly sha: string;
  readonly body: Buffer;
  /** From a `#!lua flags=...` line; null without a shebang (a script of before Redis 7). */
  readonly flags: ReadonlySet<string> | null;
}

/** This thread's scripts by SHA1, and those seen to keep to their declared keys' shard. */
const cache = new Map<string, CachedScript>();
const staying = new Set<string>();

/** Whether a script (by SHA1) was seen to keep to the shard of its declared keys: then it may run inline there. */
export function scriptStays(sha: string): boolean {
  return staying.has(sha);
}

/** A run of the script reached a key of another shard: it runs as a transaction from now on. */
export function noteScriptStrays(sha: string): void {
  staying.delete(sha);
}

/** Forgets what was learned of a library function's keys (it was replaced or deleted). */
export function forgetScriptIdentity(identity: string): void {
  staying.delete(identity);
}

export function vmOrError(): LuaVm {
  const vm = luaVm(REDIS_VERSION);
  if (typeof vm === 'string') throw new ReplyError(vm);
  return vm;
}

/** The flags of a body's shebang line, null without one; a ReplyError for a malformed one. */
function shebangFlags(body: Buffer): Set<string> | null {
  if (body.length < 2 || body[0] !== 0x23 || body[1] !== 0x21) return null;
  let end = body.indexOf(0x0a);
  if (end < 0) end = body.length;
  const line = body.toString('latin1', 0, end);
  const parts = line.split(' ').filter((part) => part.length > 0);
  if (parts[0] !== '#!lua') throw new ReplyError(`ERR Unexpected engine in script shebang: ${parts[0]}`);
  const flags = new Set<string>();
  for (let i = 1; i < parts.length; i++) {
    if (!parts[i].startsWith('flags=')) throw new ReplyError(`ERR Unknown lua shebang option: ${parts[i]}`);
    for (const flag of parts[i].slice('flags='.length).split(',')) {
      if (flag.length === 0) continue;
      if (!SHEBANG_FLAGS.has(flag)) throw new ReplyError(`ERR Unexpected flag in script shebang: ${flag}`);
      flags.add(flag);
    }
  }
  return flags;
}

/** The last body EVAL hashed and its SHA1: the script runner and the handler both need it, and clients send the same few bodies. */
let lastBody: Buffer = Buffer.alloc(0);
let lastSha = sha1hex(lastBody);

/** A script body's SHA1 (the last one is remembered). */
export function shaOfBody(body: Buffer): string {
  if (body.length !== lastBody.length || !body.equals(lastBody)) {
    lastSha = sha1hex(body);
    lastBody = Buffer.from(body);
  }
  return lastSha;
}

/** Compiles `body` into this thread's cache (once); its entry, or a ReplyError. */
export function cacheScript(body: Buffer, sha = shaOfBody(body)): CachedScript {
  const cached = cache.get(sha);
  if (cached !== undefined) return cached;
  const flags = shebangFlags(body);
  // The shebang line stays a line (blank), so that error lines keep their numbers.
  let chunk: Buffer = body;
  if (flags !== null) {
    const end = body.indexOf(0x0a);
    chunk = end < 0 ? Buffer.alloc(0) : body.subarray(end);
  }
  const failure = vmOrError().define(sha, chunk, '@user_script');
  if (failure !== undefined) throw new ReplyError(`ERR Error compiling script (new function): ${failure}`);
  const script: CachedScript = { sha, body: Buffer.from(body), flags };
  cache.set(sha, script);
  return script;
}

/** This thread's script cache: how many scripts, and the bytes of their bodies (INFO memory). */
export function scriptCacheFigures(): { count: number; bytes: number } {
  let bytes = 0;
  for (const script of cache.values()) bytes += script.body.length + script.sha.length;
  return { count: cache.size, bytes };
}

function flushCache(): void {
  cache.clear();
  staying.clear();
  const vm = luaVm(REDIS_VERSION);
  if (typeof vm !== 'string') vm.forgetAll();
}

/** EVAL's arguments: the script (or its SHA1), its keys and its other arguments. */
interface ScriptCall {
  readonly keys: Buffer[];
  readonly args: Buffer[];
}

export function splitKeys(argv: readonly Buffer[], argc: number, notANumber = 'ERR value is not an integer or out of range'): ScriptCall {
  const parsed = parseInteger(argv[2]);
  if (parsed === null) throw new ReplyError(notANumber);
  const count = Number(parsed);
  if (count < 0) throw new ReplyError("ERR Number of keys can't be negative");
  if (count > argc - 3) throw new ReplyError("ERR Number of keys can't be greater than number of args");
  return { keys: argv.slice(3, 3 + count), args: argv.slice(3 + count, argc) };
}

const SCRIPT_LOAD = [Buffer.from('SCRIPT'), Buffer.from('LOAD')];
const IGNORE_REPLY = { onReply(): void {} };

/**
 * The script EVAL or EVALSHA names: compiled from the body, or found by its
 * SHA1 (a ReplyError if unknown). A body EVAL compiles first here is sent to
 * every other thread too (SCRIPT LOAD, not waited for), so that EVALSHA
 * finds it whichever thread its client is on.
 */
function scriptOf(services: ScriptServices, argv: readonly Buffer[], bySha: boolean): CachedScript {
  if (!bySha) {
    const known = cache.size;
    const script = cacheScript(argv[1]);
    const shards = services.shards;
    if (cache.size !== known) {
      for (let shard = 0; shard < shards.shardCount; shard++) {
        if (shard !== shards.localShard) shards.send(shard, 0, 2, 0, [...SCRIPT_LOAD, script.body], 3, IGNORE_REPLY);
      }
    }
    return script;
  }
  const sha = argv[1].toString('latin1').toLowerCase();
  const script = sha.length === 40 ? cache.get(sha) : undefined;
  if (script === undefined) throw new ReplyError(NO_SCRIPT);
  return script;
}

const LOG_LEVELS = ['debug', 'verbose', 'notice', 'warning'] as const;

/**
 * One run of a script: the host its redis.call reaches. Inline, it runs
 * commands on this thread's shard only; inside a transaction over every
 * shard (`tx` set), on any shard.
 */
class ScriptRun implements ScriptHost {
  private readonly services: ScriptServices;
  private readonly commands: CommandContext['commands'];
  private readonly tx: Transaction | null;
  private readonly readOnly: boolean;
  private db: number;
  private readonly client: CommandContext['client'];
  private readonly clock: number;
  private readonly out = CALL_REPLIES;
  /** Set once a call changed data (a stray after it cannot be redone). */
  wrote = false;
  /** Set once a call reached another shard before anything was written: the run's result is thrown away. */
  strayed = false;
  /** Inside a transaction: the shard of the declared keys, and whether a call went to another one or used a key not declared. */
  private readonly homeShard: number;
  leftHome = false;
  /** KIND_SCRIPT or KIND_FUNCTION, and the name its messages give. */
  kind = KIND_SCRIPT;
  errorName = '';
  /** The command that runs it (FUNCTION STATS shows it). */
  command: readonly Buffer[] = [];
  /** Flagged allow-oom (or no-writes): its commands are never refused for memory. */
  allowOom = false;
  private busyMarked = false;
  /**
   * The declared keys' lock names and hash slots. An undeclared key in a
   * declared key's slot (a hash tag they share, as Redis Cluster asks of
   * scripts: BullMQ's `{queue}` prefix) goes wherever they go; any other
   * keeps the script from running inline, since where such a key lives
   * depends on the script's arguments.
   */
  private readonly declared: ReadonlySet<string>;
  private readonly declaredSlots: ReadonlySet<number>;
  private readonly sha: string;

  constructor(services: ScriptServices, commands: CommandContext['commands'], tx: Transaction | null, readOnly: boolean, db: number, client: CommandContext['client'], sha: string, homeShard: number, declared: ReadonlySet<string>) {
    this.homeShard = homeShard;
    this.declared = declared;
    this.declaredSlots = new Set([...declared].map((name) => keyHashSlot(Buffer.from(name, 'latin1'))));
    this.services = services;
    this.commands = commands;
    this.tx = tx;
    this.readOnly = readOnly;
    this.db = db;
    this.client = client;
    this.clock = Date.now();
    this.sha = sha;
  }

  call(argv: Buffer[], argc: number, resp: number): Buffer {
    this.counted = false;
    const reply = this.callCommand(argv, argc, resp);
    // An error the command counted (redis.call raises it, redis.pcall returns it): the script's error reply made of it is not counted again.
    if (this.counted && reply[0] === 0x2d /* - */ && countedErrors.size < MAX_COUNTED_ERRORS) countedErrors.add(reply.toString('latin1', 1, reply.length - 2));
    return reply;
  }

  /** Set when the call's command ran (its errors counted in the error stats), not refused here. */
  private counted = false;

  private callCommand(argv: Buffer[], argc: number, resp: number): Buffer {
    if (this.strayed) return STRAYED_REPLY;
    let spec: CommandSpec | undefined = this.commands.byName(argv[0]);
    if (spec !== undefined && spec.subcommands !== undefined && argc >= 2) spec = this.commands.subcommand(spec, argv[1].toString('latin1'));
    if (spec === undefined || (spec.flags & Flag.Internal) !== 0) return this.reject(undefined, 'ERR Unknown Redis command called from script');
    if (!arityAccepts(spec, argc)) return this.reject(spec, 'ERR Wrong number of args calling Redis command from script');
    if ((spec.flags & Flag.Noscript) !== 0 && !denyScriptsDisabled) return this.reject(spec, 'ERR This Redis command is not allowed from script');
    // A blocking command runs in a script as if nothing could block it, but XREAD's BLOCK is refused, as in Redis.
    const blocking = spec.blocking;
    if (blocking !== undefined && blocking.blocks !== undefined && blocking.blocks(argv, argc)) return this.reject(spec, `ERR ${spec.name} command is not allowed with BLOCK option from scripts`);
    const writes = (spec.flags & Flag.Write) !== 0;
    // As Redis: what may replicate (PUBLISH, PFCOUNT) counts as a write for a read-only script, which CLIENT PAUSE WRITE lets through.
    if (this.readOnly && (spec.flags & (Flag.Write | Flag.MayReplicate)) !== 0) return this.reject(spec, 'ERR Write commands are not allowed from read-only scripts.');
    const out = this.out;
    out.reset();
    out.proto = resp === 3 ? 3 : 2;
    // SELECT inside a script changes the database for the rest of it alone.
    if (spec.name === 'select') {
      // Its error is counted where the writer counts errors (set once a command ran nested in a script).
      this.counted = out.errors !== null;
      const reply = this.select(argv[1], out);
      this.services.countCall(spec, reply[0] === 0x2d /* - */);
      return reply;
    }
    const services = this.services;
    const monitored = (spec.flags & (Flag.SkipMonitor | Flag.Admin)) === 0;
    if ((spec.flags & Flag.Readonly) !== 0) services.noteRead();
    // A command let through by DEBUG SET-DISABLE-DENY-SCRIPTS (DEBUG PROTOCOL...) runs on this thread's shard alone.
    const here = (spec.flags & Flag.Noscript) !== 0;
    const shard = here ? services.shards.localShard : spec.placement === 'keys' ? keysShard(services.shards, spec, argv, argc) : spec.placement === 'all-shards' ? -1 : services.shards.localShard;
    if (shard < 0) {
      if (monitored) services.feedMonitors(this.db, argv, argc);
      return this.overShards(spec, argv, argc, out, writes);
    }
    this.counted = true;
    if (this.tx === null) {
      // With one shard no transaction spans shards, so none can be half done under a key here.
      if (shard !== services.shards.localShard || (services.shards.shardCount > 1 && spec.firstKey !== 0 && !services.mayTouchHere(spec, argv, argc))) return this.stray();
      if (monitored) services.feedMonitors(this.db, argv, argc);
      services.runNested(spec, argv, argc, out, this.db, this.client, this.clock, this.allowOom);
    } else {
      if (monitored) services.feedMonitors(this.db, argv, argc);
      if (shard !== this.homeShard || (spec.firstKey !== 0 && !this.allDeclared(commandKeys(spec, argv, argc)))) this.leftHome = true;
    }
    if (this.tx === null) {
      // Ran above.
    } else if (shard === services.shards.localShard) {
      services.runNested(spec, argv, argc, out, this.db, this.client, this.clock, this.allowOom, this.tx);
    } else {
      out.raw(services.callOnShard(this.tx, shard, { flags: this.allowOom ? HOP_ALLOW_OOM : 0, db: this.db, argv: argv.slice(0, argc), clock: this.clock, proto: out.proto }));
    }
    if (writes) this.noteWrite();
    return out.buffer.subarray(0, out.length);
  }

  /** A call refused before its command ran: counted as Redis counts it (an error reply, and a rejected call of the command). */
  private reject(spec: CommandSpec | undefined, message: string): Buffer {
    this.services.countRejected(spec, message);
    this.counted = true;
    return errorReply(message);
  }

  private select(index: Buffer, out: ReplyWriter): Buffer {
    const db = parseInteger(index);
    if (db === null) out.error('ERR value is not an integer or out of range');
    else if (db < 0n || db >= BigInt(DATABASE_COUNT)) out.error('ERR DB index is out of range');
    else {
      this.db = Number(db);
      out.ok();
    }
    return out.buffer.subarray(0, out.length);
  }

  private noteWrite(): void {
    if (this.wrote) return;
    this.wrote = true;
    this.services.running.markWrote();
  }

  /** Whether every key is declared, or in the slot of one that is. */
  private allDeclared(keys: readonly Buffer[]): boolean {
    for (const key of keys) if (!this.declared.has(key.toString('latin1')) && !this.declaredSlots.has(keyHashSlot(key))) return false;
    return true;
  }

  /** A command whose keys span shards (or that runs on every shard): inside a transaction, its glue's ops, each on its shard. */
  private overShards(spec: CommandSpec, argv: Buffer[], argc: number, out: ReplyWriter, writes: boolean): Buffer {
    const tx = this.tx;
    if (tx === null) return this.stray();
    const plan = spec.inScript;
    if (plan === undefined) return errorReply(`ERR ${spec.name.toUpperCase()} over keys of several shards is not supported inside a script yet`);
    try {
      plan(this.services.stepRequest(argv.slice(0, argc), this.db, out), (calls) => this.runOps(tx, calls));
    } catch (error) {
      if (!(error instanceof ReplyError)) throw error;
      out.reset();
      out.error(error.message);
    }
    if (writes) this.noteWrite();
    this.leftHome = true;
    return out.buffer.subarray(0, out.length);
  }

  /** Runs ops where their keys live, inside the transaction; their values, or the first error thrown. */
  private runOps(tx: Transaction, calls: readonly OpCall[]): OpValue[] {
    const values: OpValue[] = [];
    for (const call of calls) {
      const argv = [call.op.name, ...call.args];
      let reply: Buffer;
      if (call.shard === this.services.shards.localShard) {
        const spec = this.commands.internal(call.op.name.toString('latin1'));
        if (spec === undefined) throw new Error(`no internal command ${call.op.name.toString('latin1')}`);
        const scratch = new ReplyWriter(256);
        this.services.runNested(spec, argv, argv.length, scratch, call.db, null, this.clock, this.allowOom, tx);
        reply = scratch.buffer.subarray(0, scratch.length);
      } else {
        reply = this.services.callOnShard(tx, call.shard, { flags: HOP_INTERNAL, db: call.db, argv, clock: this.clock, proto: 2 });
      }
      const value = readReply(reply);
      if (value instanceof ReplyError) throw value;
      values.push(value as OpValue);
    }
    return values;
  }

  private stray(): Buffer {
    noteScriptStrays(this.sha);
    if (this.wrote) return errorReply('ERR the script reached a key of another shard after it wrote; it will run as a transaction over every shard from now on');
    this.strayed = true;
    return STRAYED_REPLY;
  }

  log(level: number, message: string): void {
    log(LOG_LEVELS[level] ?? 'notice', message);
  }

  /** Every BUSY_CHECK instructions: past busy-reply-threshold the script is busy (other threads answer BUSY), and may be killed. */
  busy(): string | null {
    const running = this.services.running;
    if (running.stopping) return 'ERR the server is shutting down';
    if (!this.busyMarked) {
      const elapsed = Date.now() - this.clock;
      if (elapsed < this.services.busyThresholdMs()) return null;
      this.busyMarked = true;
      running.markBusy(Buffer.from(this.errorName, 'latin1'), this.command, this.clock);
      log('warning', `Slow script detected: still in execution after ${elapsed} milliseconds. You can try killing the script using the ${this.kind === KIND_FUNCTION ? 'FUNCTION' : 'SCRIPT'} KILL command. Script name is: ${this.errorName}.`);
    }
    // As Redis's hook: the thread's other clients are answered (BUSY, SCRIPT KILL...) while the script runs.
    this.services.serveWhileBusy();
    if (running.stopping) return 'ERR the server is shutting down';
    if (!running.killRequested) return null;
    return `ERR Script killed by user with ${this.kind === KIND_FUNCTION ? 'FUNCTION' : 'SCRIPT'} KILL...`;
  }
}

/** DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call the commands flagged noscript. */
let denyScriptsDisabled = false;

export function setDenyScriptsDisabled(disabled: boolean): void {
  denyScriptsDisabled = disabled;
}

/** The errors the running script's commands answered (and counted): the script's own error reply, made of one, is not counted again. */
const countedErrors = new Set<string>();
const MAX_COUNTED_ERRORS = 64;

/**
 * Writes a script's reply; an error reply is counted in the error stats (as
 * Redis counts a script's error), unless it is the error a redis.call raised
 * (counted already, by that command).
 */
export function writeScriptReply(out: ReplyWriter, reply: Buffer): void {
  out.raw(reply);
  if (reply[0] !== 0x2d /* - */ || out.errors === null || reply === STRAYED_REPLY) return;
  const text = reply.toString('latin1', 1, reply.length - 2);
  for (const counted of countedErrors) if (text.startsWith(counted)) return;
  out.errors.count(text);
}

function errorReply(message: string): Buffer {
  return Buffer.from(`-${message}\r\n`);
}

/** What runs: a script or a library function, under the name the Lua state keeps it by. */
export interface ScriptTarget {
  /** The name of its function in the Lua state. */
  readonly vmName: string;
  /** The name its errors carry (the SHA1, or the function's name). */
  readonly errorName: string;
  /** RUN_SCRIPT (KEYS and ARGV as globals) or RUN_FUNCTION (as arguments). */
  readonly mode: number;
  readonly noWrites: boolean;
  /** The flags it declares (a shebang's, a library function's); null for a script without a shebang (Redis's compatibility mode). */
  readonly flags: ReadonlySet<string> | null;
}

/** The name a script call is remembered by (where it keeps to its shard): EVAL's SHA1, EVALSHA's argument, FCALL's function. */
export function scriptIdentity(spec: CommandSpec, argv: readonly Buffer[]): string {
  if (spec.name.startsWith('fcall')) return `${FUNCTION_PREFIX}${argv[1].toString('latin1').toLowerCase()}`;
  return spec.name.startsWith('evalsha') ? argv[1].toString('latin1').toLowerCase() : shaOfBody(argv[1]);
}

/** Library functions live in the Lua state under this prefix and their name. */
export const FUNCTION_PREFIX = 'fn:';

/**
 * Runs a script or function: inline on this thread's shard (tx null), or
 * inside a transaction over every shard. Its reply, or STRAYED_REPLY when an
 * inline run must start over as a transaction.
 */
export function runTarget(
  services: ScriptServices, commands: CommandContext['commands'], target: ScriptTarget, identity: string, keys: Buffer[], args: Buffer[],
  db: number, proto: Protocol, client: CommandContext['client'], tx: Transaction | null, command: readonly Buffer[],
): Buffer {
  const vm = vmOrError();
  if (vm.running) throw new ReplyError(BUSY_SCRIPT_ERROR);
  const allowOom = target.noWrites || (target.flags !== null && target.flags.has('allow-oom'));
  // As Redis: a script with flags that may write does not start while writes are refused (too few good replicas, or memory).
  if (target.flags !== null && !target.noWrites && services.noGoodReplicas()) throw new ReplyError(Errors.noReplicas);
  if (target.flags !== null && !allowOom && services.outOfMemory()) throw new ReplyError(Errors.outOfMemory);
  const shards = services.shards;
  const home = keys.length === 0 ? shards.localShard : shards.shardOfKey(keys[0]);
  const run = new ScriptRun(services, commands, tx, target.noWrites, db, client, identity, home, tx === null ? NO_NAMES : new Set(keys.map((key) => key.toString('latin1'))));
  run.kind = target.mode === RUN_FUNCTION ? KIND_FUNCTION : KIND_SCRIPT;
  run.errorName = target.errorName;
  run.command = command;
  run.allowOom = allowOom;
  services.running.begin(run.kind);
  countedErrors.clear();
  let reply: Buffer;
  try {
    reply = vm.run(target.vmName, keys, args, proto, target.mode, BUSY_CHECK, target.errorName, run);
  } finally {
    services.running.end();
  }
  if (tx !== null && !run.leftHome && keys.every((key) => shards.shardOfKey(key) === home)) staying.add(identity);
  return run.strayed ? STRAYED_REPLY : reply;
}

/** EVAL and its kin, given their arguments. */
export function runScript(
  services: ScriptServices, commands: CommandContext['commands'], argv: readonly Buffer[], argc: number, bySha: boolean, readOnly: boolean,
  db: number, proto: Protocol, client: CommandContext['client'], tx: Transaction | null,
): Buffer {
  const { keys, args } = splitKeys(argv, argc);
  const script = scriptOf(services, argv, bySha);
  const noWrites = readOnly || (script.flags !== null && script.flags.has('no-writes'));
  const target: ScriptTarget = { vmName: script.sha, errorName: script.sha, mode: RUN_SCRIPT, noWrites, flags: script.flags };
  return runTarget(services, commands, target, script.sha, keys, args, db, proto, client, tx, argv.slice(0, argc));
}

/** Whether EVAL / EVALSHA's script may write: not an _RO form, no `no-writes` flag; a script not found (or not compiling) counts as writing, as Redis. */
function evalMayWrite(bySha: boolean, readOnly: boolean): (argv: readonly Buffer[]) => boolean {
  return (argv) => {
    if (readOnly) return false;
    try {
      // Read without caching: EVAL's first caching is where its body goes to the other threads.
      const flags = bySha ? (cache.get(argv[1].toString('latin1').toLowerCase())?.flags ?? null) : shebangFlags(argv[1]);
      return flags === null || !flags.has('no-writes');
    } catch {
      return true;
    }
  };
}

function evalHandler(bySha: boolean, readOnly: boolean) {
  return (ctx: CommandContext): void => {
    const { argv, argc, out } = ctx;
    try {
      writeScriptReply(out, runScript(ctx.scripts, ctx.commands, argv, argc, bySha, readOnly, ctx.db, out.proto, ctx.client, null));
    } catch (error) {
      if (!(error instanceof ReplyError)) throw error;
      out.error(error.message);
    }
  };
}

/** The same over every shard: a transaction holding them all, the script run on this thread. */
function evalPlan(bySha: boolean, readOnly: boolean) {
  return atomically<Coordinator>('all', async (tx, request, out) => {
    await tx.startEverywhere();
    const reply = runScript(request.coordinator.scripts, request.coordinator.commands, request.args, request.args.length, bySha, readOnly, request.db, request.proto, null, tx);
    writeScriptReply(out, reply);
  });
}

/** SCRIPT LOAD body, on every thread (each keeps its own compiled copy): the SHA1. */
function scriptLoad(ctx: CommandContext): void {
  try {
    ctx.out.bulkString(cacheScript(ctx.argv[2]).sha);
  } catch (error) {
    if (!(error instanceof ReplyError)) throw error;
    ctx.out.error(error.message);
  }
}

/** SCRIPT EXISTS sha...: 1 or 0 each (merged over threads: known to any). */
function scriptExists(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  out.arrayHeader(argc - 2);
  for (let i = 2; i < argc; i++) out.integer(cache.has(argv[i].toString('latin1').toLowerCase()) ? 1 : 0);
}

function scriptFlush(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  if (argc > 3 || (argc === 3 && !isKeyword(argv[2], 'sync') && !isKeyword(argv[2], 'async'))) {
    out.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
    return;
  }
  flushCache();
  out.ok();
}

const UNKILLABLE = 'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.';

/** SCRIPT KILL's or FUNCTION KILL's reply to what the busy thread's script allows. */
export function replyKill(ctx: CommandContext, outcome: KillOutcome, otherKill: string): void {
  if (outcome === 'killed') ctx.out.ok();
  else if (outcome === 'unkillable') ctx.out.error(UNKILLABLE);
  else if (outcome === 'other-kind') ctx.out.error(`BUSY Redis is busy running a script. You can only call ${otherKill} KILL or SHUTDOWN NOSAVE.`);
  else ctx.out.error('NOTBUSY No scripts in execution right now.');
}

function scriptKill(ctx: CommandContext): void {
  replyKill(ctx, ctx.server.scripts.requestKill(KIND_SCRIPT), 'FUNCTION');
}

const SCRIPT_HELP = [
  'EXISTS <sha1> [<sha1> ...]',
  '    For each SHA1, 1 if that script is in the cache, else 0.',
  'FLUSH [ASYNC|SYNC]',
  '    Empties the script cache (both modes do it at once).',
  'KILL',
  '    Stops the script that is running, if it has not written yet.',
  'LOAD <script>',
  '    Compiles a script into the cache without running it; replies its SHA1.',
];

/** SCRIPT EXISTS over threads: a script is there if any thread has it. */
function mergeExists(replies: ReplyValue[], out: ReplyWriter): void {
  const first = replies[0] as ReplyValue[];
  out.arrayHeader(first.length);
  for (let i = 0; i < first.length; i++) out.integer(replies.some((reply) => (reply as ReplyValue[])[i] === 1) ? 1 : 0);
}

/** A command run on every thread that answers the same text on each (SCRIPT LOAD's SHA1, FUNCTION LOAD's name). */
export function mergeFirstReply(replies: ReplyValue[], out: ReplyWriter): void {
  out.bulkString(String(replies[0]));
}

export const scriptingBindings: Bindings = {
  eval: { handler: evalHandler(false, false), multiShard: evalPlan(false, false), script: true, scriptMayWrite: evalMayWrite(false, false) },
  evalsha: { handler: evalHandler(true, false), multiShard: evalPlan(true, false), script: true, scriptMayWrite: evalMayWrite(true, false) },
  eval_ro: { handler: evalHandler(false, true), multiShard: evalPlan(false, true), script: true, scriptMayWrite: evalMayWrite(false, true) },
  evalsha_ro: { handler: evalHandler(true, true), multiShard: evalPlan(true, true), script: true, scriptMayWrite: evalMayWrite(true, true) },
  'script|load': { handler: scriptLoad, multiShard: onEveryShardAtomically(mergeFirstReply) },
  'script|exists': { handler: scriptExists, multiShard: onEveryShardAtomically(mergeExists) },
  'script|flush': { handler: scriptFlush, multiShard: onEveryShardAtomically(mergeOkReplies) },
  'script|kill': scriptKill,
  'script|help': (ctx) => replyHelp(ctx, 'SCRIPT', SCRIPT_HELP),
};
