// The command table: every family's specs, looked up by name.

import type { CommandSpec, CommandTable } from './command.ts';
import { connectionCommands } from './connection.ts';
import { stringCommands } from './strings.ts';
import { keyCommands } from './keys.ts';
import { keyspaceCommands } from './keyspace.ts';
import { hashCommands } from './hashes.ts';
import { setCommands } from './sets.ts';
import { expireCommands } from './expire.ts';
import { serverCommands } from './server.ts';
import { clientCommands } from './client.ts';
import { debugCommands, debugInternalCommands } from './debug.ts';
import { objectCommands } from './object.ts';
import { memoryCommands } from './memory.ts';
import { functionCommands } from './functions.ts';
import { transactionCommands, transactionInternalCommands } from './transactions.ts';
import { shardOpCommands } from './shard-ops.ts';

const FAMILIES: readonly (readonly CommandSpec[])[] = [
  connectionCommands,
  clientCommands,
  stringCommands,
  keyCommands,
  keyspaceCommands,
  hashCommands,
  setCommands,
  expireCommands,
  objectCommands,
  memoryCommands,
  serverCommands,
  debugCommands,
  functionCommands,
  transactionCommands,
];

export const ALL_COMMANDS: CommandSpec[] = [];

for (const family of FAMILIES) {
  for (const spec of family) {
    ALL_COMMANDS.push(spec);
    for (const sub of spec.subcommands ?? []) sub.container = spec.name;
  }
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
for (const spec of [...shardOpCommands, ...debugInternalCommands, ...transactionInternalCommands]) INTERNAL.set(spec.name, spec);

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
