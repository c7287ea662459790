// Generic keyspace family: DEL, EXISTS, TYPE, KEYS, RENAME, COPY, MOVE, SCAN, DBSIZE, FLUSHDB...

import { keysAt, NO_KEYS, type CommandContext, type CommandSpec } from './command.ts';
import { Errors } from './errors.ts';
import { isKeyword } from './args.ts';
import { TYPE_NAMES } from '../store/entry.ts';
import { globMatch } from '../store/glob.ts';
import { sumOverKeys, onEveryShard, mergeSumReplies, mergeOkReplies, mergeConcatReplies } from '../tx/multi-shard.ts';
import type { ReplyValue } from '../protocol/reply-reader.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';

function del(ctx: CommandContext): void {
  let deleted = 0;
  for (let i = 1; i < ctx.argc; i++) if (ctx.store.delete(ctx.db, ctx.argv[i], ctx.now)) deleted++;
  ctx.out.integer(deleted);
}

function exists(ctx: CommandContext): void {
  let count = 0;
  for (let i = 1; i < ctx.argc; i++) if (ctx.store.lookupRead(ctx.db, ctx.argv[i], ctx.now) !== undefined) count++;
  ctx.out.integer(count);
}

function touch(ctx: CommandContext): void {
  let count = 0;
  for (let i = 1; i < ctx.argc; i++) if (ctx.store.lookupRead(ctx.db, ctx.argv[i], ctx.now) !== undefined) count++;
  ctx.out.integer(count);
}

function type(ctx: CommandContext): void {
  const entry = ctx.store.lookupWrite(ctx.db, ctx.argv[1], ctx.now);
  ctx.out.simple(entry === undefined ? 'none' : TYPE_NAMES[entry.type]);
}

function keys(ctx: CommandContext): void {
  const pattern = ctx.argv[1];
  const matchAll = pattern.length === 1 && pattern[0] === 0x2a;
  const found: Buffer[] = [];
  for (const entry of ctx.store.dbs[ctx.db].entries()) {
    if (ctx.store.isExpired(entry, ctx.now)) continue;
    if (matchAll || globMatch(pattern, entry.key)) found.push(entry.key);
  }
  ctx.out.bulkArray(found);
}

function dbsize(ctx: CommandContext): void {
  ctx.out.integer(ctx.store.dbs[ctx.db].size);
}

/** FLUSHDB / FLUSHALL [ASYNC|SYNC]: freeing is immediate either way (the memory goes to the GC). */
function parseFlushMode(ctx: CommandContext): boolean {
  if (ctx.argc > 2 || (ctx.argc === 2 && !isKeyword(ctx.argv[1], 'async') && !isKeyword(ctx.argv[1], 'sync'))) {
    ctx.out.error(Errors.syntax);
    return false;
  }
  return true;
}

function flushdb(ctx: CommandContext): void {
  if (!parseFlushMode(ctx)) return;
  ctx.store.dbs[ctx.db].clear();
  ctx.out.ok();
}

function flushall(ctx: CommandContext): void {
  if (!parseFlushMode(ctx)) return;
  ctx.store.flushAll();
  ctx.out.ok();
}

function randomkey(ctx: CommandContext): void {
  const database = ctx.store.dbs[ctx.db];
  for (let tries = 0; tries < 100; tries++) {
    const entry = database.randomEntry();
    if (entry === undefined) break;
    if (!ctx.store.isExpired(entry, ctx.now)) {
      ctx.out.bulk(entry.key);
      return;
    }
    ctx.store.lookupWrite(ctx.db, entry.key, ctx.now); // reclaims it
  }
  ctx.out.nullBulk();
}

/** RANDOMKEY over shards: any shard's random key, chosen among those that have one. */
function mergeRandomKey(replies: ReplyValue[], out: ReplyWriter): void {
  const keys = replies.filter((reply): reply is Buffer => reply instanceof Buffer);
  if (keys.length === 0) out.nullBulk();
  else out.bulk(keys[Math.floor(Math.random() * keys.length)]);
}

function keyCommand(name: string, arity: number, flags: readonly string[], keys: ReturnType<typeof keysAt>, summary: string, since: string, handler: (ctx: CommandContext) => void, multiShard?: CommandSpec['multiShard']): CommandSpec {
  return { name, arity, flags, ...keys, group: 'generic', since, summary, placement: 'keys', handler, multiShard };
}

function everyShardCommand(name: string, arity: number, flags: readonly string[], group: string, summary: string, since: string, handler: (ctx: CommandContext) => void, merge: (replies: ReplyValue[], out: ReplyWriter) => void): CommandSpec {
  return { name, arity, flags, ...NO_KEYS, group, since, summary, placement: 'all-shards', handler, multiShard: onEveryShard(merge) };
}

const ALL_KEYS = keysAt(1, -1, 1);

export const keyCommands: CommandSpec[] = [
  keyCommand('del', -2, ['write'], ALL_KEYS, 'Delete a key', '1.0.0', del, sumOverKeys),
  keyCommand('unlink', -2, ['write', 'fast'], ALL_KEYS, 'Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.', '4.0.0', del, sumOverKeys),
  keyCommand('exists', -2, ['readonly', 'fast'], ALL_KEYS, 'Determine if a key exists', '1.0.0', exists, sumOverKeys),
  keyCommand('touch', -2, ['readonly', 'fast'], ALL_KEYS, 'Alters the last access time of a key(s). Returns the number of existing keys specified.', '3.2.1', touch, sumOverKeys),
  keyCommand('type', 2, ['readonly', 'fast'], keysAt(1, 1, 1), 'Determine the type stored at key', '1.0.0', type),
  everyShardCommand('keys', 2, ['readonly'], 'generic', 'Find all keys matching the given pattern', '1.0.0', keys, mergeConcatReplies),
  everyShardCommand('dbsize', 1, ['readonly', 'fast'], 'server', 'Return the number of keys in the selected database', '1.0.0', dbsize, mergeSumReplies),
  everyShardCommand('flushdb', -1, ['write'], 'server', 'Remove all keys from the current database', '1.0.0', flushdb, mergeOkReplies),
  everyShardCommand('flushall', -1, ['write'], 'server', 'Remove all keys from all databases', '1.0.0', flushall, mergeOkReplies),
  everyShardCommand('randomkey', 1, ['readonly'], 'generic', 'Return a random key from the keyspace', '1.0.0', randomkey, mergeRandomKey),
];
