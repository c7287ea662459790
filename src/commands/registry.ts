// The command table: every family's specs, looked up by name.

import type { CommandSpec } from './command.ts';
import { connectionCommands } from './connection.ts';
import { stringCommands } from './strings.ts';
import { keyCommands } from './keys.ts';
import { expireCommands } from './expire.ts';
import { serverCommands } from './server.ts';
import { clientCommands } from './client.ts';
import { internalCommands } from './internal.ts';

const FAMILIES: readonly (readonly CommandSpec[])[] = [
  connectionCommands,
  clientCommands,
  stringCommands,
  keyCommands,
  expireCommands,
  serverCommands,
];

/** Lookup by name as sent (exact, upper or lower case hit directly; mixed case is lowered first). */
const BY_NAME = new Map<string, CommandSpec>();
export const ALL_COMMANDS: CommandSpec[] = [];

for (const family of FAMILIES) {
  for (const spec of family) {
    ALL_COMMANDS.push(spec);
    BY_NAME.set(spec.name, spec);
    BY_NAME.set(spec.name.toUpperCase(), spec);
    for (const sub of spec.subcommands ?? []) sub.container = spec.name;
  }
}

export function findCommand(name: string): CommandSpec | undefined {
  return BY_NAME.get(name) ?? BY_NAME.get(name.toLowerCase());
}

/** The subcommand named by `argv[1]`, for container commands (CLIENT, CONFIG...). */
export function findSubcommand(spec: CommandSpec, name: string): CommandSpec | undefined {
  const wanted = `${spec.name}|${name.toLowerCase()}`;
  return spec.subcommands?.find((sub) => sub.name === wanted);
}

/** Commands only threads send each other (never reachable from a client). */
const INTERNAL = new Map<string, CommandSpec>();
for (const spec of internalCommands) INTERNAL.set(spec.name, spec);

export function findInternalCommand(name: string): CommandSpec | undefined {
  return INTERNAL.get(name);
}
