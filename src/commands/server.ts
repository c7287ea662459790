// Server family: INFO, CONFIG, COMMAND, TIME, SHUTDOWN.

import type { CommandContext, Bindings } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword } from '../protocol/args.ts';
import { shardInfo, mergeInfo } from './info.ts';
import {
  commandAll,
  commandCount,
  commandDocs,
  commandGetKeys,
  commandGetKeysAndFlags,
  commandHelp,
  commandInfo,
  commandList,
} from './command-docs.ts';
import { replyHelp } from './help.ts';
import { EVERY_SHARD_LOCKED, steppedCommand } from './shard-ops.ts';
import { saveSteps } from './persistence.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import { onEveryShardAtomically, mergeOkReplies } from '../tx/multi-shard.ts';
import { onEveryShard } from './step-plans.ts';
import { allParams, findParam, normalizeValue } from '../config/config.ts';
import { globMatch } from '../store/glob.ts';
import { log, setLogLevel } from '../util/log.ts';

/** TIME: seconds and microseconds of the wall clock, as bulk strings. */
function time(ctx: CommandContext): void {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  ctx.out.arrayHeader(2);
  ctx.out.bulkString(String(Math.floor(micros / 1e6)));
  ctx.out.bulkString(String(micros % 1e6));
}

/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: with SAVE (or save points and
 * no NOSAVE) the dataset is saved first, every shard locked; a save that
 * fails keeps the server running, as Redis does, so no data is lost.
 */
const shutdown = steppedCommand(function* (request) {
  let save = false;
  let noSave = false;
  let abort = false;
  let other = false;
  const { args } = request;
  for (let i = 1; i < args.length; i++) {
    const arg = args[i];
    if (isKeyword(arg, 'nosave')) noSave = true;
    else if (isKeyword(arg, 'save')) save = true;
    else if (isKeyword(arg, 'now') || isKeyword(arg, 'force')) other = true;
    else if (isKeyword(arg, 'abort')) abort = true;
    else throw new ReplyError(Errors.syntax);
  }
  if ((abort && (save || noSave || other)) || (save && noSave)) throw new ReplyError(Errors.syntax);
  // A shutdown here never waits (no replicas to catch up), so none is ever in progress.
  if (abort) throw new ReplyError('ERR No shutdown in progress.');
  const wantsSave = save || (!noSave && request.server.config.get('save') !== '');
  if (wantsSave && !(yield* saveSteps(request, true))) {
    log('warning', "Error trying to save the DB, can't exit.");
    throw new ReplyError('ERR Errors trying to SHUTDOWN. Check logs.');
  }
  // Redis replies nothing on success: the connection just closes as the server exits.
  request.server.requestShutdown();
}, EVERY_SHARD_LOCKED);

/** CONFIG GET parameter|pattern ...: exact names as asked, patterns against every name and alias. */
function configGet(ctx: CommandContext): void {
  const config = ctx.server.config;
  const found = new Map<string, string>();
  const reported = new Set<string>();
  for (let i = 2; i < ctx.argc; i++) {
    const asked = ctx.argv[i].toString();
    if (!/[[*?]/.test(asked)) {
      const param = findParam(asked);
      if (param !== undefined && !found.has(asked)) {
        found.set(asked, config.get(param.name));
        reported.add(param.name);
      }
      continue;
    }
    const pattern = Buffer.from(asked);
    for (const param of allParams()) {
      if (reported.has(param.name)) continue;
      for (const name of [param.name, ...(param.aliases ?? [])]) {
        if (globMatch(pattern, Buffer.from(name), true)) {
          found.set(name, config.get(param.name));
          reported.add(param.name);
        }
      }
    }
  }
  ctx.out.mapHeader(found.size);
  for (const [name, value] of found) {
    ctx.out.bulkString(name);
    ctx.out.bulkString(value);
  }
}

/**
 * CONFIG SET name value [name value ...], on every thread: every name and
 * value is checked before any applies, so all apply or none does, as in
 * Redis 7; every thread checks the same way, so they all agree.
 */
function configSetOnShard(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  if (argc % 2 !== 0) {
    out.error(Errors.syntax);
    return;
  }
  // With "local", Redis allows protected configs to loopback clients; the shards
  // do not see the client, so only "yes" allows them here.
  const protectedConfigsAllowed = ctx.server.config.get('enable-protected-configs') === 'yes';
  const params = [];
  for (let i = 2; i < argc; i += 2) {
    const name = argv[i].toString();
    const param = findParam(name);
    if (param === undefined) {
      out.error(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
      return;
    }
    const refusal = !param.mutable
      ? "can't set immutable config"
      : param.protected && !protectedConfigsAllowed
        ? "can't set protected config"
        : params.includes(param)
          ? 'duplicate parameter'
          : null;
    if (refusal !== null) {
      out.error(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${refusal}`);
      return;
    }
    params.push(param);
  }
  const updates: [string, string][] = [];
  for (let i = 2; i < argc; i += 2) {
    const param = params[i / 2 - 1];
    const result = normalizeValue(param, argv[i + 1].toString(), ctx.server.config.get(param.name));
    if ('error' in result) {
      out.error(`ERR CONFIG SET failed (possibly related to argument '${argv[i].toString()}') - ${result.error}`);
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
  keyspace.evictedKeys = 0;
  keyspace.keyspaceHits = 0;
  keyspace.keyspaceMisses = 0;
  keyspace.expiredTimeCapReached = 0;
  ctx.server.commandStats.reset();
  ctx.out.ok();
}

function configHelp(ctx: CommandContext): void {
  replyHelp(ctx, 'CONFIG', [
    'GET <pattern>',
    '    Return parameters matching the glob-like <pattern> and their values.',
    'SET <directive> <value>',
    '    Set the configuration <directive> to <value>.',
    'RESETSTAT',
    '    Reset statistics reported by the INFO command.',
  ]);
}

// --- the bindings (the rows are table/server.ts) ---

export const serverBindings: Bindings = {
  info: { handler: shardInfo, multiShard: onEveryShard(mergeInfo) },
  time,
  shutdown,
  'config|get': configGet,
  // Atomic over the shards, so the client's next command sees the new values on every shard.
  'config|set': { handler: configSetOnShard, multiShard: onEveryShardAtomically(mergeOkReplies) },
  'config|resetstat': { handler: configResetStat, multiShard: onEveryShard(mergeOkReplies) },
  'config|help': configHelp,
  command: commandAll,
  'command|count': commandCount,
  'command|info': commandInfo,
  'command|docs': commandDocs,
  'command|getkeys': commandGetKeys,
  'command|getkeysandflags': commandGetKeysAndFlags,
  'command|list': commandList,
  'command|help': commandHelp,
};
