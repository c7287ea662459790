// Pub/Sub family: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH,
// SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH and PUBSUB, and MONITOR (a subscriber to
// every command). The subscriptions and the
// delivery across threads are the thread's (server/subscriptions.ts); PUBSUB's
// subcommands ask every thread and merge.

import type { Bindings, CommandContext } from './command.ts';
import { onEveryShard } from './step-plans.ts';
import { replyHelp } from './help.ts';
import type { ReplyValue } from '../protocol/reply-reader.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';

/** What a subscription names (server/subscriptions.ts). */
type Kind = 'channel' | 'pattern' | 'shard';
type Subscriber = NonNullable<CommandContext['client']>;

function subscribeAs(kind: Kind): (ctx: CommandContext) => void {
  return (ctx) => ctx.server.pubsub.subscribe(ctx.client as Subscriber, kind, ctx.argv.slice(1, ctx.argc), ctx.out);
}

function unsubscribeAs(kind: Kind): (ctx: CommandContext) => void {
  return (ctx) => ctx.server.pubsub.unsubscribe(ctx.client as Subscriber, kind, ctx.argv.slice(1, ctx.argc), ctx.out);
}

function publish(ctx: CommandContext): void {
  ctx.server.pubsub.publish(ctx.client, false, ctx.argv[1], ctx.argv[2], ctx.out);
}

function spublish(ctx: CommandContext): void {
  ctx.server.pubsub.publish(ctx.client, true, ctx.argv[1], ctx.argv[2], ctx.out);
}

/** CHANNELS / SHARDCHANNELS [pattern] takes one argument at most. */
function channelsOnThread(shard: boolean): (ctx: CommandContext) => void {
  return (ctx) => {
    if (ctx.argc > 3) {
      ctx.out.error(`ERR unknown subcommand or wrong number of arguments for '${ctx.argv[1].toString('latin1')}'. Try PUBSUB HELP.`);
      return;
    }
    ctx.out.bulkArray(ctx.server.pubsub.channelNames(shard, ctx.argc === 3 ? ctx.argv[2] : null));
  };
}

/** Every thread's names, each once, in the order first seen. */
function mergeNames(replies: ReplyValue[], out: ReplyWriter): void {
  out.bulkArray(distinctNames(replies));
}

function distinctNames(replies: ReplyValue[]): Buffer[] {
  const seen = new Map<string, Buffer>();
  for (const reply of replies) for (const name of reply as Buffer[]) seen.set(name.toString('latin1'), name);
  return [...seen.values()];
}

function numsubOnThread(shard: boolean): (ctx: CommandContext) => void {
  return (ctx) => {
    const pubsub = ctx.server.pubsub;
    ctx.out.arrayHeader((ctx.argc - 2) * 2);
    for (let i = 2; i < ctx.argc; i++) {
      ctx.out.bulk(ctx.argv[i]);
      ctx.out.integer(pubsub.subscriberCount(shard, ctx.argv[i]));
    }
  };
}

/** The channels in the order asked, their counts summed over the threads. */
function mergeNumsub(replies: ReplyValue[], out: ReplyWriter): void {
  const first = replies[0] as ReplyValue[];
  out.arrayHeader(first.length);
  for (let i = 0; i < first.length; i += 2) {
    let count = 0;
    for (const reply of replies) count += (reply as number[])[i + 1];
    out.bulk(first[i] as Buffer);
    out.integer(count);
  }
}

function numpatOnThread(ctx: CommandContext): void {
  ctx.out.bulkArray(ctx.server.pubsub.patternNames());
}

function mergeNumpat(replies: ReplyValue[], out: ReplyWriter): void {
  out.integer(distinctNames(replies).length);
}

function pubsubHelp(ctx: CommandContext): void {
  replyHelp(ctx, 'PUBSUB', [
    'CHANNELS [<pattern>]',
    "    Return the currently active channels matching a <pattern> (default: '*').",
    'NUMPAT',
    '    Return number of subscriptions to patterns.',
    'NUMSUB [<channel> ...]',
    '    Return the number of subscribers for the specified channels, excluding',
    '    pattern subscriptions(default: no channels).',
    'SHARDCHANNELS [<pattern>]',
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    'SHARDNUMSUB [<shardchannel> ...]',
    '    Return the number of subscribers for the specified shard level channel(s)',
  ]);
}

/** MONITOR: delivered as messages are, to this thread's monitors from every thread (server/subscriptions.ts). */
function monitor(ctx: CommandContext): void {
  const client = ctx.client as Subscriber;
  if (!client.monitoring) ctx.server.pubsub.addMonitor(client);
  ctx.out.ok();
}

// --- the bindings (the rows are table/pubsub.ts) ---

export const pubsubBindings: Bindings = {
  subscribe: subscribeAs('channel'),
  unsubscribe: unsubscribeAs('channel'),
  psubscribe: subscribeAs('pattern'),
  punsubscribe: unsubscribeAs('pattern'),
  ssubscribe: subscribeAs('shard'),
  sunsubscribe: unsubscribeAs('shard'),
  publish,
  spublish,
  'pubsub|channels': { handler: channelsOnThread(false), multiShard: onEveryShard(mergeNames) },
  'pubsub|shardchannels': { handler: channelsOnThread(true), multiShard: onEveryShard(mergeNames) },
  'pubsub|numsub': { handler: numsubOnThread(false), multiShard: onEveryShard(mergeNumsub) },
  'pubsub|shardnumsub': { handler: numsubOnThread(true), multiShard: onEveryShard(mergeNumsub) },
  'pubsub|numpat': { handler: numpatOnThread, multiShard: onEveryShard(mergeNumpat) },
  'pubsub|help': pubsubHelp,
  monitor,
};
