// COMMAND INFO replies (RESP2, as ioredis returns them) made comparable: one
// entry per command and subcommand, by name, with the fields the command
// table states (arity, flags, key range, ACL categories, key specs). Key-spec
// notes and tips are documentation stock Redis adds and we leave out.

import type { Redis } from 'ioredis';

export interface CommandInfo {
  arity: number;
  flags: string[];
  firstKey: number;
  lastKey: number;
  keyStep: number;
  acl: string[];
  keySpecs: unknown[];
}

/** A flat RESP2 map ([k1, v1, k2, v2...]) as an object; nested maps too, `notes` dropped. */
function mapOf(flat: unknown[]): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = String(flat[i]);
    if (name === 'notes') continue;
    const value = flat[i + 1];
    map[name] = Array.isArray(value) && (name === 'begin_search' || name === 'find_keys' || name === 'spec') ? mapOf(value) : value;
  }
  return map;
}

function collect(entry: unknown[], into: Map<string, CommandInfo>): void {
  const [name, arity, flags, firstKey, lastKey, keyStep, acl, , keySpecs, subcommands] = entry as [string, number, string[], number, number, number, string[], unknown, unknown[][], unknown[][]];
  into.set(name, { arity, flags, firstKey, lastKey, keyStep, acl, keySpecs: keySpecs.map(mapOf) });
  for (const sub of subcommands) collect(sub, into);
}

/** COMMAND INFO of `names` (all commands when empty), every subcommand included, by name. */
export async function commandInfo(client: Redis, names: readonly string[] = []): Promise<Map<string, CommandInfo>> {
  const reply = (await client.call('command', 'info', ...names)) as (unknown[] | null)[];
  const infos = new Map<string, CommandInfo>();
  for (const entry of reply) if (entry !== null) collect(entry, infos);
  return infos;
}
