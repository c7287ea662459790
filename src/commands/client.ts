// CLIENT family: ID, SETNAME, GETNAME, INFO, LIST.

import { NO_KEYS, type CommandContext, type CommandSpec } from './command.ts';
import { clientNameError } from './connection.ts';
import type { Client } from '../server/client.ts';

function clientId(ctx: CommandContext): void {
  ctx.out.integer((ctx.client as Client).id);
}

function clientSetName(ctx: CommandContext): void {
  const error = clientNameError(ctx.argv[2]);
  if (error !== null) {
    ctx.out.error(error);
    return;
  }
  (ctx.client as Client).name = ctx.argv[2].toString();
  ctx.out.ok();
}

function clientGetName(ctx: CommandContext): void {
  const name = (ctx.client as Client).name;
  if (name === '') ctx.out.nullBulk();
  else ctx.out.bulkString(name);
}

function clientCommand(name: string, arity: number, flags: readonly string[], summary: string, since: string, handler: (ctx: CommandContext) => void): CommandSpec {
  return { name, arity, flags, ...NO_KEYS, group: 'connection', since, summary, placement: 'client', handler };
}

function noop(): void {}

export const clientCommands: CommandSpec[] = [
  {
    ...clientCommand('client', -2, ['sentinel'], 'A container for client connection commands', '2.4.0', noop),
    subcommands: [
      clientCommand('client|id', 2, ['noscript', 'loading', 'stale'], 'Returns the client ID for the current connection', '5.0.0', clientId),
      clientCommand('client|setname', 3, ['noscript', 'loading', 'stale'], 'Set the current connection name', '2.6.9', clientSetName),
      clientCommand('client|getname', 2, ['noscript', 'loading', 'stale'], 'Get the current connection name', '2.6.9', clientGetName),
    ],
  },
];
