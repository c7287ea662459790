// Server family: INFO, CONFIG, COMMAND, TIME, SHUTDOWN.

import { NO_KEYS, type CommandContext, type CommandSpec } from './command.ts';
import { Errors } from './errors.ts';
import { isKeyword } from './args.ts';
import { shardInfo, mergeInfo } from './info.ts';
import { onEveryShard, mergeOkReplies } from '../tx/multi-shard.ts';
import { allParams, findParam, normalizeValue } from '../config/config.ts';
import { globMatch } from '../store/glob.ts';
import { setLogLevel } from '../server/log.ts';

function time(ctx: CommandContext): void {
  const micros = BigInt(Date.now()) * 1000n + BigInt(Math.floor((performance.now() % 1) * 1000));
  ctx.out.arrayHeader(2);
  ctx.out.bulkString((micros / 1000000n).toString());
  ctx.out.bulkString((micros % 1000000n).toString());
}

function shutdown(ctx: CommandContext): void {
  let mode: 'save' | 'nosave' | 'default' = 'default';
  for (let i = 1; i < ctx.argc; i++) {
    const arg = ctx.argv[i];
    if (isKeyword(arg, 'nosave')) mode = 'nosave';
    else if (isKeyword(arg, 'save')) mode = 'save';
    else if (isKeyword(arg, 'now') || isKeyword(arg, 'force') || isKeyword(arg, 'abort')) continue;
    else {
      ctx.out.error(Errors.syntax);
      return;
    }
  }
  // Redis replies nothing on success: the connection just closes as the server exits.
  ctx.server.requestShutdown(mode);
}

function configGet(ctx: CommandContext): void {
  const config = ctx.server.config;
  const found = new Map<string, string>();
  for (let i = 2; i < ctx.argc; i++) {
    const pattern = ctx.argv[i];
    const exact = findParam(pattern.toString());
    if (exact !== undefined) {
      found.set(exact.name, config.get(exact.name));
      continue;
    }
    const lower = Buffer.from(pattern.toString().toLowerCase());
    for (const param of allParams()) {
      if (globMatch(lower, Buffer.from(param.name))) found.set(param.name, config.get(param.name));
    }
  }
  ctx.out.mapHeader(found.size);
  for (const [name, value] of found) {
    ctx.out.bulkString(name);
    ctx.out.bulkString(value);
  }
}

/**
 * CONFIG SET name value [name value ...], on every thread: all values are
 * checked first, so either all apply or none does, as in Redis 7.
 */
function configSetOnShard(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  if (argc < 4 || argc % 2 !== 0) {
    out.error(Errors.wrongArgs('config|set'));
    return;
  }
  const updates: [string, string][] = [];
  for (let i = 2; i < argc; i += 2) {
    const name = argv[i].toString();
    const param = findParam(name);
    if (param === undefined || !param.mutable) {
      out.error(param === undefined ? `ERR Unknown option or number of arguments for CONFIG SET - '${name}'` : `ERR CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config`);
      return;
    }
    if (updates.some(([seen]) => seen === param.name)) {
      out.error(`ERR CONFIG SET failed (possibly related to argument '${name}') - duplicate parameter`);
      return;
    }
    const result = normalizeValue(param, argv[i + 1].toString());
    if ('error' in result) {
      out.error(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${result.error}`);
      return;
    }
    updates.push([param.name, result.value]);
  }
  for (const [name, value] of updates) {
    ctx.server.config.setNormalized(name, value);
    if (name === 'loglevel') setLogLevel(value);
  }
  ctx.server.refreshFromConfig();
  out.ok();
}

function configResetStat(ctx: CommandContext): void {
  const stats = ctx.server.stats;
  stats.commandsProcessed = 0;
  stats.connectionsReceived = 0;
  stats.rejectedConnections = 0;
  stats.netInputBytes = 0;
  stats.netOutputBytes = 0;
  stats.hops = 0;
  const keyspace = ctx.store.stats;
  keyspace.expiredKeys = 0;
  keyspace.keyspaceHits = 0;
  keyspace.keyspaceMisses = 0;
  keyspace.expiredTimeCapReached = 0;
  ctx.out.ok();
}

function configHelp(ctx: CommandContext): void {
  const lines = [
    'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'GET <pattern>',
    '    Return parameters matching the glob-like <pattern> and their values.',
    'SET <directive> <value>',
    '    Set the configuration <directive> to <value>.',
    'RESETSTAT',
    '    Reset statistics reported by the INFO command.',
    'HELP',
    '    Print this help.',
  ];
  ctx.out.arrayHeader(lines.length);
  for (const line of lines) ctx.out.simple(line);
}

function serverCommand(name: string, arity: number, flags: readonly string[], summary: string, since: string, handler: (ctx: CommandContext) => void, extra: Partial<CommandSpec> = {}): CommandSpec {
  return { name, arity, flags, ...NO_KEYS, group: 'server', since, summary, placement: 'client', handler, ...extra };
}

function noop(): void {}

export const serverCommands: CommandSpec[] = [
  serverCommand('info', -1, ['loading', 'stale', 'sentinel'], 'Get information and statistics about the server', '1.0.0', shardInfo, {
    placement: 'all-shards',
    multiShard: onEveryShard(mergeInfo),
  }),
  serverCommand('time', 1, ['loading', 'stale', 'fast'], 'Return the current server time', '2.6.0', time),
  serverCommand('shutdown', -1, ['admin', 'noscript', 'loading', 'stale', 'no-multi', 'sentinel', 'allow-busy'], 'Synchronously save the dataset to disk and then shut down the server', '1.0.0', shutdown),
  serverCommand('config', -2, [], 'A container for server configuration commands', '2.0.0', noop, {
    subcommands: [
      serverCommand('config|get', -3, ['admin', 'noscript', 'loading', 'stale'], 'Get the values of configuration parameters', '2.0.0', configGet),
      serverCommand('config|set', -4, ['admin', 'noscript', 'loading', 'stale'], 'Set configuration parameters to the given values', '2.0.0', configSetOnShard, {
        placement: 'all-shards',
        multiShard: onEveryShard(mergeOkReplies),
      }),
      serverCommand('config|resetstat', 2, ['admin', 'noscript', 'loading', 'stale'], 'Reset the stats returned by INFO', '2.0.0', configResetStat, {
        placement: 'all-shards',
        multiShard: onEveryShard(mergeOkReplies),
      }),
      serverCommand('config|help', 2, ['loading', 'stale'], 'Show helpful text about the different subcommands', '5.0.0', configHelp),
    ],
  }),
];
