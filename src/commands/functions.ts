// FUNCTION and FCALL: libraries of Lua functions (Redis 7.0's Functions).
// FUNCTION LOAD, DELETE and FLUSH run on every thread, so every thread's Lua
// state holds the same libraries, and FCALL runs where EVAL would (see
// scripting.ts for where a script runs and how it stays atomic).

import type { CommandContext, Bindings, Coordinator } from './command.ts';
import { isKeyword } from '../protocol/args.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import { atomically, mergeOkReplies, onEveryShardAtomically } from '../tx/multi-shard.ts';
import { globMatch } from '../store/glob.ts';
import { RUN_FUNCTION } from '../scripting/lua-vm.ts';
import { BUSY_SCRIPT_ERROR, FUNCTION_PREFIX, writeScriptReply, forgetScriptIdentity, mergeFirstReply, replyKill, runTarget, splitKeys, vmOrError, type ScriptTarget } from './scripting.ts';
import { KIND_FUNCTION, KIND_SCRIPT } from '../scripting/running-scripts.ts';
import { replyHelp } from './help.ts';
import { splitInlineArgs } from '../protocol/inline.ts';
import { functionsOfPayload, functionsPayload, verifyPayload } from '../store/rdb/rdb-value.ts';
import { RdbFormatError } from '../store/rdb/rdb-types.ts';

interface LibraryFunction {
  readonly name: string;
  readonly flags: readonly string[];
  /** The same, as a set (what a run checks). */
  readonly flagSet: ReadonlySet<string>;
  readonly description: string | null;
  readonly library: Library;
}

interface Library {
  readonly name: string;
  readonly code: Buffer;
  readonly functions: LibraryFunction[];
  /** What the Lua state grew by when the library was loaded (INFO's used_memory_vm_functions). */
  vmBytes: number;
}

/** This thread's libraries, and their functions by name (in lower case: function names are case-insensitive, as in Redis). */
const libraries = new Map<string, Library>();
const functions = new Map<string, LibraryFunction>();

const NAME_RULE = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

function syntaxError(ctx: CommandContext): string {
  return `ERR unknown subcommand or wrong number of arguments for '${ctx.argv[1].toString().slice(0, 128)}'. Try FUNCTION HELP.`;
}

/** A library's name from its first line, `#!lua name=<name>` (split as Redis splits it, quotes and all); a ReplyError for a bad one. */
function libraryName(code: Buffer): string {
  if (code.length < 2 || code[0] !== 0x23 || code[1] !== 0x21) throw new ReplyError('ERR Missing library metadata');
  const end = code.indexOf(0x0a);
  const parts = end < 0 ? null : splitInlineArgs(code, 0, end);
  if (parts === null || parts.length === 0) throw new ReplyError('ERR Invalid library metadata');
  const engine = parts[0].toString('latin1', 2);
  let name: string | null = null;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i].toString('latin1');
    if (part.slice(0, 5).toLowerCase() !== 'name=') throw new ReplyError(`ERR Invalid metadata value given: ${part}`);
    if (name !== null) throw new ReplyError('ERR Invalid metadata value, name argument was given multiple times');
    name = part.slice(5);
  }
  if (name === null) throw new ReplyError('ERR Library name was not given');
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new ReplyError(`ERR ${NAME_RULE}`);
  if (engine.toLowerCase() !== 'lua') throw new ReplyError(`ERR Engine '${engine}' not found`);
  return name;
}

function removeLibrary(library: Library): void {
  const vm = vmOrError();
  for (const fn of library.functions) {
    functions.delete(fn.name.toLowerCase());
    vm.forget(FUNCTION_PREFIX + fn.name);
    forgetScriptIdentity(FUNCTION_PREFIX + fn.name.toLowerCase());
  }
  libraries.delete(library.name);
}

/** Loads a library on this thread: its name, or a ReplyError (nothing changed then). */
function loadLibrary(code: Buffer, replace: boolean): string {
  const name = libraryName(code);
  const existing = libraries.get(name);
  if (existing !== undefined && !replace) throw new ReplyError(`ERR Library '${name}' already exists`);
  // The first line stays a line (blank), so that error lines keep their numbers.
  const end = code.indexOf(0x0a);
  const chunk = end < 0 ? Buffer.alloc(0) : code.subarray(end);
  const vm = vmOrError();
  const memoryBefore = vm.memory();
  const loaded = vm.loadLibrary(chunk);
  if ('compile' in loaded) throw new ReplyError(`ERR Error compiling function: ${loaded.compile}`);
  if ('register' in loaded) throw new ReplyError(`ERR Error registering functions: ${loaded.register}`);
  if (loaded.lines.length === 0) throw new ReplyError('ERR No functions registered');
  const library: Library = { name, code: Buffer.from(code), functions: [], vmBytes: 0 };
  for (const line of loaded.lines) {
    const [fnName, flags, description] = line.split('\t');
    const clash = functions.get(fnName.toLowerCase());
    if (clash !== undefined && clash.library !== existing) throw new ReplyError(`ERR Function ${fnName} already exists`);
    const flagList = flags.length === 0 ? [] : flags.split(',');
    library.functions.push({ name: fnName, flags: flagList, flagSet: new Set(flagList), description: description.length === 0 ? null : description, library });
  }
  if (existing !== undefined) removeLibrary(existing);
  vm.commitLibrary(FUNCTION_PREFIX);
  library.vmBytes = Math.max(0, vm.memory() - memoryBefore);
  libraries.set(name, library);
  for (const fn of library.functions) functions.set(fn.name.toLowerCase(), fn);
  return name;
}

/** This thread's libraries: how many, their functions, the bytes of their code and names, and the Lua state's bytes they took (INFO memory). */
export function libraryFigures(): { libraries: number; functions: number; bytes: number; vmBytes: number } {
  let bytes = 0;
  let vmBytes = 0;
  for (const library of libraries.values()) {
    bytes += library.code.length + library.name.length;
    for (const fn of library.functions) bytes += fn.name.length + (fn.description?.length ?? 0);
    vmBytes += library.vmBytes;
  }
  return { libraries: libraries.size, functions: functions.size, bytes, vmBytes };
}

/** Every library's code, in the order they were loaded (FUNCTION DUMP, the RDB file, the AOF). */
export function libraryCodes(): Buffer[] {
  return [...libraries.values()].map((library) => library.code);
}

function clearLibraries(): void {
  for (const library of [...libraries.values()]) removeLibrary(library);
}

/** How libraries join those loaded: FUNCTION RESTORE's policies, and a file loaded (replace: DEBUG RELOAD MERGE). */
export type JoinPolicy = 'flush' | 'append' | 'replace';

/**
 * Loads several libraries at once (FUNCTION RESTORE, an RDB file): all of
 * them, or none and a ReplyError. APPEND refuses a library of a name
 * already loaded; REPLACE replaces it; FLUSH removes every library first.
 */
export function joinLibraries(codes: readonly Buffer[], policy: JoinPolicy, clashError = (name: string) => `ERR Library ${name} already exists`): void {
  const before = libraryCodes();
  try {
    if (policy === 'flush') clearLibraries();
    else if (policy === 'append') {
      for (const code of codes) {
        const name = libraryName(code);
        if (libraries.has(name)) throw new ReplyError(clashError(name));
      }
    }
    for (const code of codes) loadLibrary(code, policy === 'replace');
  } catch (error) {
    clearLibraries();
    for (const code of before) loadLibrary(code, false);
    throw error;
  }
}

/** FUNCTION DUMP: every library in one payload, in DUMP's format. */
function functionDump(ctx: CommandContext): void {
  ctx.out.bulk(functionsPayload(libraryCodes(), ctx.server.config.get('rdbcompression') === 'yes'));
}

/** FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE], on every thread. */
function functionRestore(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  if (argc > 4) {
    out.error(syntaxError(ctx));
    return;
  }
  let policy: JoinPolicy = 'append';
  if (argc === 4) {
    const word = argv[3].toString('latin1').toLowerCase();
    if (word !== 'flush' && word !== 'append' && word !== 'replace') {
      out.error('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
      return;
    }
    policy = word;
  }
  if (!verifyPayload(argv[2])) {
    out.error('ERR DUMP payload version or checksum are wrong');
    return;
  }
  try {
    let codes: Buffer[];
    try {
      codes = functionsOfPayload(argv[2]);
    } catch (error) {
      if (!(error instanceof RdbFormatError)) throw error;
      throw new ReplyError(error.message === 'given type is not a function' ? `ERR ${error.message}` : 'ERR failed loading the given functions payload');
    }
    joinLibraries(codes, policy);
    out.ok();
  } catch (error) {
    if (!(error instanceof ReplyError)) throw error;
    out.error(error.message);
  }
}

/** FUNCTION LOAD [REPLACE] code, on every thread: the library's name. */
function functionLoad(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  let replace = false;
  let at = 2;
  for (; at < argc - 1; at++) {
    if (isKeyword(argv[at], 'replace')) replace = true;
    else {
      out.error(`ERR Unknown option given: ${argv[at].toString('latin1')}`, 'latin1');
      return;
    }
  }
  if (at !== argc - 1) {
    out.error('ERR Function code was not given');
    return;
  }
  try {
    out.bulkString(loadLibrary(argv[at], replace));
  } catch (error) {
    if (!(error instanceof ReplyError)) throw error;
    out.error(error.message);
  }
}

function functionDelete(ctx: CommandContext): void {
  const library = libraries.get(ctx.argv[2].toString('latin1'));
  if (library === undefined) {
    ctx.out.error('ERR Library not found');
    return;
  }
  removeLibrary(library);
  ctx.out.ok();
}

/** FUNCTION FLUSH [ASYNC|SYNC]: removes every library. */
function functionFlush(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  if (argc > 3) out.error(syntaxError(ctx));
  else if (argc === 3 && !isKeyword(argv[2], 'sync') && !isKeyword(argv[2], 'async')) out.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  else {
    clearLibraries();
    out.ok();
  }
}

/** FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: the libraries matching the pattern, each option at most once. */
function functionList(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  let withCode = false;
  let pattern: Buffer | null = null;
  for (let i = 2; i < argc; i++) {
    if (!withCode && isKeyword(argv[i], 'withcode')) withCode = true;
    else if (pattern === null && isKeyword(argv[i], 'libraryname')) {
      if (i === argc - 1) {
        out.error('ERR library name argument was not given');
        return;
      }
      pattern = argv[++i];
    } else {
      out.error(`ERR Unknown argument ${argv[i].toString('latin1')}`, 'latin1');
      return;
    }
  }
  const listed = [...libraries.values()].filter((library) => pattern === null || globMatch(pattern, Buffer.from(library.name, 'latin1')));
  out.arrayHeader(listed.length);
  for (const library of listed) {
    out.mapHeader(withCode ? 4 : 3);
    out.bulkString('library_name');
    out.bulkString(library.name);
    out.bulkString('engine');
    out.bulkString('LUA');
    out.bulkString('functions');
    out.arrayHeader(library.functions.length);
    for (const fn of library.functions) {
      out.mapHeader(3);
      out.bulkString('name');
      out.bulkString(fn.name);
      out.bulkString('description');
      if (fn.description === null) out.nullBulk();
      else out.bulkString(fn.description);
      out.bulkString('flags');
      out.setHeader(fn.flags.length);
      for (const flag of fn.flags) out.bulkString(flag);
    }
    if (withCode) {
      out.bulkString('library_code');
      out.bulk(library.code);
    }
  }
}

/** FUNCTION STATS: the function running (busy, on any thread), and what is loaded; refused while an EVAL script is busy, as in Redis. */
function functionStats(ctx: CommandContext): void {
  const out = ctx.out;
  const busy = ctx.server.scripts.busyScript();
  if (busy !== null && busy.kind === KIND_SCRIPT) {
    out.error(BUSY_SCRIPT_ERROR);
    return;
  }
  out.mapHeader(2);
  out.bulkString('running_script');
  if (busy === null) out.nullBulk();
  else {
    out.mapHeader(3);
    out.bulkString('name');
    out.bulk(busy.name);
    out.bulkString('command');
    out.arrayHeader(busy.command.length);
    for (const arg of busy.command) out.bulk(arg);
    out.bulkString('duration_ms');
    out.integer(busy.durationMs);
  }
  out.bulkString('engines');
  out.mapHeader(1);
  out.bulkString('LUA');
  out.mapHeader(2);
  out.bulkString('libraries_count');
  out.integer(libraries.size);
  out.bulkString('functions_count');
  out.integer(functions.size);
}

function functionKill(ctx: CommandContext): void {
  replyKill(ctx, ctx.server.scripts.requestKill(KIND_FUNCTION), 'SCRIPT');
}

function functionHelp(ctx: CommandContext): void {
  replyHelp(ctx, 'FUNCTION', [
    'LOAD [REPLACE] <FUNCTION CODE>',
    '    Loads a library; REPLACE replaces a library of the same name.',
    'DELETE <LIBRARY NAME>',
    '    Removes a library and its functions.',
    'DUMP',
    '    Serializes every library into one payload (the format of DUMP).',
    'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
    '    Loads the libraries of a FUNCTION DUMP payload: APPEND (the default) refuses',
    '    a library already loaded, REPLACE replaces it, FLUSH removes every library first.',
    'KILL',
    '    Stops the function that is running, if it has not written yet.',
    'FLUSH [ASYNC|SYNC]',
    '    Removes every library.',
    'LIST [LIBRARYNAME <pattern>] [WITHCODE]',
    '    Describes the libraries whose names match <pattern> (all by default),',
    '    with their code when WITHCODE is given.',
    'STATS',
    '    Tells the function running and how many libraries and functions are loaded.',
  ]);
}

/** Whether FCALL's function may write (no `no-writes` flag; a function not found counts as writing, as Redis). */
function fcallMayWrite(readOnly: boolean): (argv: readonly Buffer[]) => boolean {
  return (argv) => !readOnly && functions.get(argv[1].toString('latin1').toLowerCase())?.flags.includes('no-writes') !== true;
}

/** FCALL's answer to a key count that is not a number. */
const BAD_NUMKEYS = 'ERR Bad number of keys provided';

/** What FCALL or FCALL_RO runs (and the name what it does is learned by), or a ReplyError. */
function targetOf(argv: readonly Buffer[], readOnly: boolean): ScriptTarget & { identity: string } {
  const fn = functions.get(argv[1].toString('latin1').toLowerCase());
  if (fn === undefined) throw new ReplyError('ERR Function not found');
  const noWrites = fn.flags.includes('no-writes');
  if (readOnly && !noWrites) throw new ReplyError('ERR Can not execute a script with write flag using *_ro command.');
  return { vmName: FUNCTION_PREFIX + fn.name, errorName: fn.name, mode: RUN_FUNCTION, noWrites, flags: fn.flagSet, identity: FUNCTION_PREFIX + fn.name.toLowerCase() };
}

function fcallHandler(readOnly: boolean) {
  return (ctx: CommandContext): void => {
    const { argv, argc, out } = ctx;
    try {
      const target = targetOf(argv, readOnly);
      const { keys, args } = splitKeys(argv, argc, BAD_NUMKEYS);
      writeScriptReply(out, runTarget(ctx.scripts, ctx.commands, target, target.identity, keys, args, ctx.db, out.proto, ctx.client, null, argv.slice(0, argc)));
    } catch (error) {
      if (!(error instanceof ReplyError)) throw error;
      ctx.out.error(error.message);
    }
  };
}

/** FCALL over every shard: a transaction holding them all, the function run on this thread. */
function fcallPlan(readOnly: boolean) {
  return atomically<Coordinator>('all', async (tx, request, out) => {
    await tx.startEverywhere();
    const target = targetOf(request.args, readOnly);
    const { keys, args } = splitKeys(request.args, request.args.length, BAD_NUMKEYS);
    const coordinator = request.coordinator;
    writeScriptReply(out, runTarget(coordinator.scripts, coordinator.commands, target, target.identity, keys, args, request.db, request.proto, null, tx, request.args));
  });
}

// --- the bindings (the rows are table/functions.ts) ---

export const functionBindings: Bindings = {
  fcall: { handler: fcallHandler(false), multiShard: fcallPlan(false), script: true, scriptMayWrite: fcallMayWrite(false) },
  fcall_ro: { handler: fcallHandler(true), multiShard: fcallPlan(true), script: true, scriptMayWrite: fcallMayWrite(true) },
  'function|load': { handler: functionLoad, multiShard: onEveryShardAtomically(mergeFirstReply) },
  'function|delete': { handler: functionDelete, multiShard: onEveryShardAtomically(mergeOkReplies) },
  'function|dump': functionDump,
  'function|restore': { handler: functionRestore, multiShard: onEveryShardAtomically(mergeOkReplies) },
  'function|flush': { handler: functionFlush, multiShard: onEveryShardAtomically(mergeOkReplies) },
  'function|list': functionList,
  'function|stats': functionStats,
  'function|kill': functionKill,
  'function|help': functionHelp,
};
