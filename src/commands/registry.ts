// The command table: every family's rows (table/) bound to the handlers the
// family names, checked both ways when the server loads (a row without a
// handler, or a handler without a row, stops it), and looked up by name.

import type { Bindings, CommandSpec, CommandTable, Glue } from './command.ts';
import { flagBits, keyRangeOf, type CommandRow } from './command-row.ts';
import { connectionBindings } from './connection.ts';
import { connectionTable } from './table/connection.ts';
import { clientBindings } from './client.ts';
import { clientTable } from './table/client.ts';
import { stringBindings } from './strings.ts';
import { stringTable } from './table/strings.ts';
import { bitmapBindings } from './bitmaps.ts';
import { bitmapTable } from './table/bitmaps.ts';
import { keyBindings } from './keys.ts';
import { keyTable } from './table/keys.ts';
import { keyspaceBindings } from './keyspace.ts';
import { keyspaceTable } from './table/keyspace.ts';
import { hashBindings } from './hashes.ts';
import { hashTable } from './table/hashes.ts';
import { setBindings } from './sets.ts';
import { setTable } from './table/sets.ts';
import { listBindings } from './lists.ts';
import { listTable } from './table/lists.ts';
import { streamBindings } from './streams.ts';
import { streamTable } from './table/streams.ts';
import { sortedSetBindings } from './sorted-sets.ts';
import { sortedSetTable } from './table/sorted-sets.ts';
import { geoBindings } from './geo.ts';
import { geoTable } from './table/geo.ts';
import { hyperLogLogBindings } from './hyperloglog.ts';
import { hyperLogLogTable } from './table/hyperloglog.ts';
import { expireBindings } from './expire.ts';
import { expireTable } from './table/expire.ts';
import { objectBindings } from './object.ts';
import { dumpBindings } from './dump.ts';
import { dumpTable } from './table/dump.ts';
import { persistenceBindings } from './persistence.ts';
import { persistenceTable } from './table/persistence.ts';
import { objectTable } from './table/object.ts';
import { memoryBindings, memoryInternalCommands } from './memory.ts';
import { memoryTable } from './table/memory.ts';
import { serverBindings } from './server.ts';
import { serverTable } from './table/server.ts';
import { debugBindings, debugInternalCommands } from './debug.ts';
import { debugTable } from './table/debug.ts';
import { functionBindings } from './functions.ts';
import { scriptingBindings } from './scripting.ts';
import { scriptingTable } from './table/scripting.ts';
import { functionTable } from './table/functions.ts';
import { transactionBindings, transactionInternalCommands } from './transactions.ts';
import { transactionTable } from './table/transactions.ts';
import { sortTable } from './table/sort.ts';
import { sortBindings } from './sort.ts';
import { shardOpCommands } from './shard-ops.ts';
import { blockingCommands } from './blocking.ts';
import { pubsubBindings } from './pubsub.ts';
import { pubsubTable } from './table/pubsub.ts';

/** Every family's rows (table/) with the handlers the family binds to them. */
const FAMILIES: readonly (readonly [readonly CommandRow[], Bindings])[] = [
  [connectionTable, connectionBindings],
  [clientTable, clientBindings],
  [stringTable, stringBindings],
  [bitmapTable, bitmapBindings],
  [keyTable, keyBindings],
  [dumpTable, dumpBindings],
  [persistenceTable, persistenceBindings],
  [keyspaceTable, keyspaceBindings],
  [hashTable, hashBindings],
  [setTable, setBindings],
  [listTable, listBindings],
  [streamTable, streamBindings],
  [sortedSetTable, sortedSetBindings],
  [geoTable, geoBindings],
  [hyperLogLogTable, hyperLogLogBindings],
  [expireTable, expireBindings],
  [objectTable, objectBindings],
  [memoryTable, memoryBindings],
  [serverTable, serverBindings],
  [debugTable, debugBindings],
  [functionTable, functionBindings],
  [scriptingTable, scriptingBindings],
  [transactionTable, transactionBindings],
  [sortTable, sortBindings],
  [pubsubTable, pubsubBindings],
];

/** A container runs only through its subcommands: the dispatcher always picks one. */
const CONTAINER: Glue = { handler: () => {} };

/** A row bound to its handler, with what dispatch derives from it (flag bits, key range, placement). */
function bindRow(row: CommandRow, bindings: Bindings, bound: Set<string>): CommandSpec {
  const binding = bindings[row.name];
  if (binding === undefined && row.subcommands === undefined) throw new Error(`command ${row.name} has a row but no handler`);
  bound.add(row.name);
  const glue = binding === undefined ? CONTAINER : typeof binding === 'function' ? { handler: binding } : binding;
  const keySpecs = row.keySpecs ?? [];
  const spec: CommandSpec = {
    name: row.name,
    arity: row.arity,
    flags: flagBits(row.flags),
    ...keyRangeOf(keySpecs),
    group: row.group,
    since: row.since,
    summary: row.summary,
    complexity: row.complexity,
    aclCategories: row.acl,
    tips: row.tips,
    keySpecs,
    placement: row.placement ?? (keySpecs.length > 0 ? 'keys' : 'client'),
    handler: glue.handler,
    multiShard: glue.multiShard,
    blocking: glue.blocking,
    findKeys: glue.findKeys,
    script: glue.script,
    scriptMayWrite: glue.scriptMayWrite,
    inScript: glue.inScript,
    keywordKeys: keySpecs.some((keySpec) => keySpec.begin[0] === 'keyword'),
  };
  if (row.subcommands !== undefined) {
    spec.subcommands = row.subcommands.map((sub) => bindRow(sub, bindings, bound));
    for (const sub of spec.subcommands) sub.container = spec.name;
  }
  return spec;
}

export const ALL_COMMANDS: CommandSpec[] = [];

for (const [rows, bindings] of FAMILIES) {
  const bound = new Set<string>();
  for (const row of rows) ALL_COMMANDS.push(bindRow(row, bindings, bound));
  for (const name of Object.keys(bindings)) if (!bound.has(name)) throw new Error(`a handler is bound to ${name}, which has no row`);
}

// Lookup straight from the request's bytes, case-insensitively, without
// making a string per command: an open-addressing table keyed by a hash of
// the lowercased name.
const TABLE_SIZE = 1024;
const TABLE: (CommandSpec | undefined)[] = new Array(TABLE_SIZE);
/** Each slot's command name, lowercase, as bytes. */
const TABLE_NAMES: Buffer[] = new Array(TABLE_SIZE);

function lowerByte(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte + 32 : byte;
}

function nameHash(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ lowerByte(bytes[i]), 0x01000193);
  return hash >>> 0;
}

function sameName(bytes: Uint8Array, lowercase: Buffer): boolean {
  if (bytes.length !== lowercase.length) return false;
  for (let i = 0; i < bytes.length; i++) if (lowerByte(bytes[i]) !== lowercase[i]) return false;
  return true;
}

for (const spec of ALL_COMMANDS) {
  const name = Buffer.from(spec.name, 'latin1');
  let slot = nameHash(name) & (TABLE_SIZE - 1);
  while (TABLE[slot] !== undefined) slot = (slot + 1) & (TABLE_SIZE - 1);
  TABLE[slot] = spec;
  TABLE_NAMES[slot] = name;
}

/** The command named by `name` (the request's first argument), in any case. */
export function findCommandByName(name: Uint8Array): CommandSpec | undefined {
  let slot = nameHash(name) & (TABLE_SIZE - 1);
  for (;;) {
    const spec = TABLE[slot];
    if (spec === undefined) return undefined;
    if (sameName(name, TABLE_NAMES[slot])) return spec;
    slot = (slot + 1) & (TABLE_SIZE - 1);
  }
}

/** The subcommand named by `argv[1]`, for container commands (CLIENT, CONFIG...). */
export function findSubcommand(spec: CommandSpec, name: string): CommandSpec | undefined {
  const wanted = `${spec.name}|${name.toLowerCase()}`;
  return spec.subcommands?.find((sub) => sub.name === wanted);
}

/** Commands only threads send each other (never reachable from a client): the ops of commands split by shard, and a few more. */
const INTERNAL = new Map<string, CommandSpec>();
// The families above registered their ops (shardOp) while they loaded.
for (const spec of [...shardOpCommands, ...debugInternalCommands, ...transactionInternalCommands, ...memoryInternalCommands, ...blockingCommands]) INTERNAL.set(spec.name, spec);

export function findInternalCommand(name: string): CommandSpec | undefined {
  return INTERNAL.get(name);
}

/** What the server hands the dispatcher (and through it COMMAND): see CommandTable. */
export const COMMAND_TABLE: CommandTable = {
  all: ALL_COMMANDS,
  byName: findCommandByName,
  subcommand: findSubcommand,
  internal: findInternalCommand,
};
