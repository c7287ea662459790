// The command table (src/commands/table/) against stock Redis: COMMAND INFO
// of every command and subcommand this server implements, field by field,
// equal to what stock redis-server 7.0.15 answers for it: arity, flags (with
// movablekeys where the key specs make no plain range), the legacy key range
// routing and locking use, ACL categories (stated and implied), and the key
// specs (flags, begin_search, find_keys). Stock's answers are recorded in
// test/recorded/stock-command-info.json by test/recorded/record-command-info.ts;
// key-spec notes and tips are documentation we leave out, so they are not
// compared.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useServer } from './helpers/server.ts';
import { useClient } from './helpers/clients.ts';
import { commandInfo, type CommandInfo } from './helpers/command-info.ts';

const STOCK = JSON.parse(readFileSync(new URL('./recorded/stock-command-info.json', import.meta.url), 'utf8')) as Record<string, CommandInfo | null>;

describe('the command table against stock Redis 7.0.15', () => {
  const server = useServer({ shards: 2 });
  const client = useClient(server);

  it('has every command it lists recorded from stock (a new command gets recorded with it)', async () => {
    const ours = await commandInfo(client);
    expect([...ours.keys()].sort()).toEqual(Object.keys(STOCK).sort());
    for (const [name, recorded] of Object.entries(STOCK)) expect(recorded, `${name} is not a Redis 7.0 command`).not.toBeNull();
  });

  it('answers COMMAND INFO of every command as stock does: arity, flags, key range, ACL categories, key specs', async () => {
    const ours = await commandInfo(client);
    for (const [name, info] of ours) expect({ name, ...info }).toEqual({ name, ...STOCK[name] });
  });

  it('answers COMMAND GETKEYS from the same key specs, for commands with one key, counted keys and key-value pairs', async () => {
    expect(await client.call('command', 'getkeys', 'sintercard', '2', 'a', 'b', 'LIMIT', '1')).toEqual(['a', 'b']);
    expect(await client.call('command', 'getkeys', 'sinterstore', 'dest', 'a', 'b')).toEqual(['dest', 'a', 'b']);
    expect(await client.call('command', 'getkeys', 'msetnx', 'a', '1', 'b', '2')).toEqual(['a', 'b']);
    expect(await client.call('command', 'getkeys', 'object', 'encoding', 'k')).toEqual(['k']);
  });
});
