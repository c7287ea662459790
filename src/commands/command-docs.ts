// COMMAND: the command table described to clients (COUNT, LIST, INFO, DOCS,
// GETKEYS, GETKEYSANDFLAGS, HELP) with Redis 7.0's reply shapes, all from each
// family's CommandSpec: arity, flags, key range and key specs, ACL
// categories, tips, group, since, summary. DOCS has no
// argument lists or history.

import type { CommandContext, CommandSpec, CommandTable } from './command.ts';
import { Flag, flagNames, type FlagName, type KeySpec } from './command-row.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { replyHelp } from './help.ts';
import { globMatch } from '../store/glob.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';

/** The flags COMMAND INFO hides, as Redis does (sentinel, may-replicate...; internal never reaches it). */
const HIDDEN_FLAGS = new Set<FlagName>(['may-replicate', 'sentinel', 'only-sentinel', 'protected', 'internal']);

/** ACL categories in Redis's order (acl.c ACLCommandCategories). */
const ACL_CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream',
  'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
];

/** Redis marks a command "movablekeys" when its key specs do not make one plain range (populateCommandLegacyRangeSpec). */
function hasMovableKeys(specs: readonly KeySpec[]): boolean {
  if (specs.length === 0) return false;
  let previousLast = 0;
  for (const spec of specs) {
    if (spec.begin[0] !== 'index' || spec.find[0] !== 'range') return true;
    if (spec.flags.includes('incomplete')) return true;
    const position = spec.begin[1];
    if (specs.length > 1) {
      const [, lastKey, keyStep] = spec.find;
      if (keyStep !== 1 || (previousLast !== 0 && previousLast !== position - 1)) return true;
      const lastAbsolute = lastKey >= 0 ? lastKey + position : lastKey;
      previousLast = lastAbsolute < 0 || previousLast < 0 ? -1 : Math.max(previousLast, lastAbsolute);
    }
  }
  return false;
}

/** The flags as COMMAND INFO lists them: Redis's order, underscores, movablekeys where the key specs make no plain range. */
function commandFlags(spec: CommandSpec): string[] {
  const names: string[] = flagNames(spec.flags).filter((name) => !HIDDEN_FLAGS.has(name));
  if (hasMovableKeys(spec.keySpecs)) names.splice(names.indexOf('allow-busy') >= 0 ? names.indexOf('allow-busy') : names.length, 0, 'movablekeys');
  return names.map((flag) => flag.replace(/-/g, '_'));
}

/** Explicit categories plus those Redis implies from the flags (setImplicitACLCategories). */
export function aclCategories(spec: CommandSpec): string[] {
  const categories = new Set(spec.aclCategories);
  const flags = spec.flags;
  if (flags & Flag.Write) categories.add('write');
  if (flags & Flag.Readonly && !categories.has('scripting')) categories.add('read');
  if (flags & Flag.Admin) categories.add('admin').add('dangerous');
  if (flags & Flag.Pubsub) categories.add('pubsub');
  if (flags & Flag.Fast) categories.add('fast');
  if (flags & Flag.Blocking) categories.add('blocking');
  if (!categories.has('fast')) categories.add('slow');
  return ACL_CATEGORIES.filter((category) => categories.has(category));
}

function writeKeySpec(out: ReplyWriter, spec: KeySpec): void {
  out.mapHeader(spec.notes === undefined ? 3 : 4);
  if (spec.notes !== undefined) {
    out.bulkString('notes');
    out.bulkString(spec.notes);
  }
  out.bulkString('flags');
  out.setHeader(spec.flags.length);
  for (const flag of spec.flags) out.simple(flag);
  out.bulkString('begin_search');
  out.mapHeader(2);
  out.bulkString('type');
  out.bulkString(spec.begin[0]);
  out.bulkString('spec');
  const begin = spec.begin;
  if (begin[0] === 'index') writeIntegerMap(out, ['index', begin[1]]);
  else if (begin[0] === 'unknown') out.mapHeader(0);
  else {
    out.mapHeader(2);
    out.bulkString('keyword');
    out.bulkString(begin[1]);
    out.bulkString('startfrom');
    out.integer(begin[2]);
  }
  out.bulkString('find_keys');
  out.mapHeader(2);
  out.bulkString('type');
  out.bulkString(spec.find[0]);
  out.bulkString('spec');
  const find = spec.find;
  if (find[0] === 'range') writeIntegerMap(out, ['lastkey', find[1]], ['keystep', find[2]], ['limit', find[3]]);
  else if (find[0] === 'unknown') out.mapHeader(0);
  else writeIntegerMap(out, ['keynumidx', find[1]], ['firstkey', find[2]], ['keystep', find[3]]);
}

function writeIntegerMap(out: ReplyWriter, ...pairs: [string, number][]): void {
  out.mapHeader(pairs.length);
  for (const [name, value] of pairs) {
    out.bulkString(name);
    out.integer(value);
  }
}

/** One command as COMMAND INFO describes it: the 10-element array of Redis 7.0. */
function writeCommandInfo(out: ReplyWriter, spec: CommandSpec): void {
  out.arrayHeader(10);
  out.bulkString(spec.name);
  out.integer(spec.arity);
  const flags = commandFlags(spec);
  out.setHeader(flags.length);
  for (const flag of flags) out.simple(flag);
  // Keys counted by an argument are movable: Redis shows no legacy range for them (but for a key before the count).
  const counted = spec.keySpecs.length > 0 && spec.keySpecs[0].find[0] === 'keynum';
  out.integer(counted ? 0 : spec.firstKey);
  out.integer(counted ? 0 : spec.lastKey);
  out.integer(counted ? 0 : spec.keyStep);
  const categories = aclCategories(spec);
  out.setHeader(categories.length);
  for (const category of categories) out.simple(`@${category}`);
  const tips = spec.tips ?? [];
  out.setHeader(tips.length);
  for (const tip of tips) out.bulkString(tip);
  const keySpecs = spec.keySpecs;
  out.setHeader(keySpecs.length);
  for (const keySpec of keySpecs) writeKeySpec(out, keySpec);
  if (spec.subcommands === undefined) out.setHeader(0);
  else {
    out.arrayHeader(spec.subcommands.length);
    for (const sub of spec.subcommands) writeCommandInfo(out, sub);
  }
}

/** One command as COMMAND DOCS describes it: a map of its documentation. */
function writeCommandDocs(out: ReplyWriter, spec: CommandSpec): void {
  const fields: [string, string][] = [['summary', spec.summary], ['since', spec.since], ['group', spec.group]];
  if (spec.complexity !== undefined) fields.push(['complexity', spec.complexity]);
  out.mapHeader(fields.length + (spec.subcommands === undefined ? 0 : 1));
  for (const [name, value] of fields) {
    out.bulkString(name);
    out.bulkString(value);
  }
  if (spec.subcommands !== undefined) {
    out.bulkString('subcommands');
    out.mapHeader(spec.subcommands.length);
    for (const sub of spec.subcommands) {
      out.bulkString(sub.name);
      writeCommandDocs(out, sub);
    }
  }
}

function findCommand(table: CommandTable, name: string): CommandSpec | undefined {
  return table.byName(Buffer.from(name, 'latin1'));
}

/** A command by its full name as COMMAND INFO/DOCS take it: "get", "client|list". */
function lookupFullName(table: CommandTable, name: string): CommandSpec | undefined {
  const bar = name.indexOf('|');
  if (bar < 0) return findCommand(table, name);
  const container = findCommand(table, name.slice(0, bar));
  if (container === undefined || name.indexOf('|', bar + 1) >= 0) return undefined;
  return table.subcommand(container, name.slice(bar + 1));
}

/** COMMAND with no subcommand: every command's info. */
export function commandAll(ctx: CommandContext): void {
  ctx.out.arrayHeader(ctx.commands.all.length);
  for (const spec of ctx.commands.all) writeCommandInfo(ctx.out, spec);
}

export function commandCount(ctx: CommandContext): void {
  ctx.out.integer(ctx.commands.all.length);
}

export function commandInfo(ctx: CommandContext): void {
  if (ctx.argc === 2) {
    commandAll(ctx);
    return;
  }
  ctx.out.arrayHeader(ctx.argc - 2);
  for (let i = 2; i < ctx.argc; i++) {
    const spec = lookupFullName(ctx.commands, ctx.argv[i].toString());
    if (spec === undefined) ctx.out.nullArray();
    else writeCommandInfo(ctx.out, spec);
  }
}

export function commandDocs(ctx: CommandContext): void {
  const specs: CommandSpec[] = [];
  if (ctx.argc === 2) specs.push(...ctx.commands.all);
  for (let i = 2; i < ctx.argc; i++) {
    const spec = lookupFullName(ctx.commands, ctx.argv[i].toString());
    if (spec !== undefined) specs.push(spec);
  }
  ctx.out.mapHeader(specs.length);
  for (const spec of specs) {
    ctx.out.bulkString(spec.name);
    writeCommandDocs(ctx.out, spec);
  }
}

/** COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]: names, subcommands included. */
export function commandList(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  let filter: (spec: CommandSpec) => boolean = () => true;
  for (let i = 2; i < argc; i += 3) {
    if (!isKeyword(argv[i], 'filterby') || argc - 1 - i !== 2) {
      out.error(Errors.syntax);
      return;
    }
    const value = Buffer.from(argv[i + 2]);
    if (isKeyword(argv[i + 1], 'module')) filter = () => false;
    else if (isKeyword(argv[i + 1], 'aclcat')) {
      const category = value.toString().toLowerCase();
      filter = (spec) => aclCategories(spec).includes(category);
    } else if (isKeyword(argv[i + 1], 'pattern')) filter = (spec) => globMatch(value, Buffer.from(spec.name), true);
    else {
      out.error(Errors.syntax);
      return;
    }
  }
  const names: string[] = [];
  for (const spec of ctx.commands.all) {
    if (filter(spec)) names.push(spec.name);
    for (const sub of spec.subcommands ?? []) if (filter(sub)) names.push(sub.name);
  }
  out.arrayHeader(names.length);
  for (const name of names) out.bulkString(name);
}

/** Positions of the keys in `args` (the command and its arguments) by the key specs, as Redis's getKeysUsingKeySpecs. */
export function keyPositionsBySpecs(specs: readonly KeySpec[], args: readonly Buffer[]): { position: number; flags: readonly string[] }[] | null {
  const argc = args.length;
  const found: { position: number; flags: readonly string[] }[] = [];
  for (const spec of specs) {
    // Keys no position tells (SORT's BY/GET patterns) are not found this way.
    if (spec.flags.includes('not_key') || spec.begin[0] === 'unknown' || spec.find[0] === 'unknown') continue;
    let first = 0;
    const begin = spec.begin;
    if (begin[0] === 'index') first = begin[1];
    else {
      const [, keyword, startFrom] = begin;
      const lowered = keyword.toLowerCase();
      const forward = startFrom > 0;
      for (let i = forward ? startFrom : argc + startFrom; i >= 1 && i < argc; i += forward ? 1 : -1) {
        if (isKeyword(args[i], lowered)) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue;
    }
    let last: number;
    let step: number;
    const find = spec.find;
    if (find[0] === 'range') {
      const [, lastKey, keyStep, limit] = find;
      step = keyStep;
      if (lastKey >= 0) last = first + lastKey;
      else if (limit === 0) last = argc + lastKey;
      else last = first + (Math.floor((argc - first) / limit) + lastKey);
    } else {
      const [, keyNumIndex, firstKey, keyStep] = find;
      step = keyStep;
      if (first + keyNumIndex >= argc) return null;
      const count = parseInteger(args[first + keyNumIndex]);
      if (count === null || count < 0n) return null;
      first += firstKey;
      last = first + Number(count) - 1;
    }
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) found.push({ position: i, flags: spec.flags });
    if (spec.flags.includes('incomplete')) return null;
  }
  return found;
}

function commandGetKeysWith(ctx: CommandContext, withFlags: boolean): void {
  const { argv, argc, out } = ctx;
  const args = argv.slice(2, argc);
  const spec = lookupCommandFor(ctx.commands, args);
  const specs = spec === undefined ? [] : spec.keySpecs;
  if (spec === undefined) out.error('ERR Invalid command specified');
  else if (!specs.some((keySpec) => !keySpec.flags.includes('not_key'))) out.error('ERR The command has no key arguments');
  else if ((spec.arity > 0 && spec.arity !== args.length) || args.length < -spec.arity) out.error('ERR Invalid number of arguments specified for command');
  else {
    const keys = spec.findKeys !== undefined ? spec.findKeys(args) : keyPositionsBySpecs(specs, args);
    if (keys === null) {
      if (spec.flags & Flag.NoMandatoryKeys) out.arrayHeader(0);
      else out.error('ERR Invalid arguments specified for command');
      return;
    }
    out.arrayHeader(keys.length);
    for (const { position, flags } of keys) {
      if (!withFlags) {
        out.bulk(args[position]);
        continue;
      }
      out.arrayHeader(2);
      out.bulk(args[position]);
      out.setHeader(flags.length);
      for (const flag of flags) out.simple(flag);
    }
  }
}

/** The command (or subcommand, for containers) named at the start of `args`, as the dispatcher resolves it. */
function lookupCommandFor(table: CommandTable, args: readonly Buffer[]): CommandSpec | undefined {
  const spec = findCommand(table, args[0].toString());
  if (spec === undefined || spec.subcommands === undefined) return spec;
  return args.length < 2 ? undefined : table.subcommand(spec, args[1].toString());
}

export function commandGetKeys(ctx: CommandContext): void {
  commandGetKeysWith(ctx, false);
}

export function commandGetKeysAndFlags(ctx: CommandContext): void {
  commandGetKeysWith(ctx, true);
}

export function commandHelp(ctx: CommandContext): void {
  replyHelp(ctx, 'COMMAND', [
    '(no subcommand)',
    '    Return details about all Redis commands.',
    'COUNT',
    '    Return the total number of commands in this Redis server.',
    'LIST',
    '    Return a list of all commands in this Redis server.',
    'INFO [<command-name> ...]',
    '    Return details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'DOCS [<command-name> ...]',
    '    Return documentation details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'GETKEYS <full-command>',
    '    Return the keys from a full Redis command.',
    'GETKEYSANDFLAGS <full-command>',
    '    Return the keys and the access flags from a full Redis command.',
  ]);
}
