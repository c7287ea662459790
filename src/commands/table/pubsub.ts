// Pub/Sub commands: their metadata as data (see command-row.ts); pubsub.ts binds their handlers.
// Every one runs on the client's thread: a shard channel's "key" names a slot, not a key to route by.

import type { CommandRow, KeySpec } from '../command-row.ts';

const SHARD_CHANNELS: readonly KeySpec[] = [{ flags: ['not_key'], begin: ['index', 1], find: ['range', -1, 1, 0] }];
const SHARD_CHANNEL: readonly KeySpec[] = [{ flags: ['not_key'], begin: ['index', 1], find: ['range', 0, 1, 0] }];

export const pubsubTable: readonly CommandRow[] = [
  {
    name: 'subscribe', arity: -2, flags: ['pubsub', 'noscript', 'loading', 'stale'], group: 'pubsub', since: '2.0.0',
    summary: 'Listens for messages published to channels',
  },
  {
    name: 'unsubscribe', arity: -1, flags: ['pubsub', 'noscript', 'loading', 'stale'], group: 'pubsub', since: '2.0.0',
    summary: 'Stops listening to channels (all of them when none is named)',
  },
  {
    name: 'psubscribe', arity: -2, flags: ['pubsub', 'noscript', 'loading', 'stale'], group: 'pubsub', since: '2.0.0',
    summary: 'Listens for messages published to channels matching glob patterns',
  },
  {
    name: 'punsubscribe', arity: -1, flags: ['pubsub', 'noscript', 'loading', 'stale'], group: 'pubsub', since: '2.0.0',
    summary: 'Stops listening to patterns (all of them when none is named)',
  },
  {
    name: 'publish', arity: 3, flags: ['pubsub', 'loading', 'stale', 'fast', 'may-replicate', 'sentinel'], group: 'pubsub', since: '2.0.0',
    summary: 'Sends a message to a channel; answers how many clients received it',
  },
  {
    name: 'ssubscribe', arity: -2, flags: ['pubsub', 'noscript', 'loading', 'stale'], group: 'pubsub', since: '7.0.0',
    summary: 'Listens for messages published to shard channels',
    keySpecs: SHARD_CHANNELS, placement: 'client',
  },
  {
    name: 'sunsubscribe', arity: -1, flags: ['pubsub', 'noscript', 'loading', 'stale'], group: 'pubsub', since: '7.0.0',
    summary: 'Stops listening to shard channels (all of them when none is named)',
    keySpecs: SHARD_CHANNELS, placement: 'client',
  },
  {
    name: 'spublish', arity: 3, flags: ['pubsub', 'loading', 'stale', 'fast', 'may-replicate'], group: 'pubsub', since: '7.0.0',
    summary: 'Sends a message to a shard channel; answers how many clients received it',
    keySpecs: SHARD_CHANNEL, placement: 'client',
  },
  {
    name: 'monitor', arity: 1, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '1.0.0',
    summary: "Streams every command the server runs, from every connection",
  },
  {
    name: 'pubsub', arity: -2, flags: [], group: 'pubsub', since: '2.8.0',
    summary: 'Subcommands about the Pub/Sub state',
    subcommands: [
      {
        name: 'pubsub|channels', arity: -2, flags: ['pubsub', 'loading', 'stale'], group: 'pubsub', since: '2.8.0',
        summary: 'Lists the channels with subscribers, optionally those matching a pattern',
        placement: 'all-shards',
      },
      {
        name: 'pubsub|numsub', arity: -2, flags: ['pubsub', 'loading', 'stale'], group: 'pubsub', since: '2.8.0',
        summary: 'Counts the subscribers of channels',
        placement: 'all-shards',
      },
      {
        name: 'pubsub|numpat', arity: 2, flags: ['pubsub', 'loading', 'stale'], group: 'pubsub', since: '2.8.0',
        summary: 'Counts the distinct patterns subscribed to',
        placement: 'all-shards',
      },
      {
        name: 'pubsub|shardchannels', arity: -2, flags: ['pubsub', 'loading', 'stale'], group: 'pubsub', since: '7.0.0',
        summary: 'Lists the shard channels with subscribers, optionally those matching a pattern',
        placement: 'all-shards',
      },
      {
        name: 'pubsub|shardnumsub', arity: -2, flags: ['pubsub', 'loading', 'stale'], group: 'pubsub', since: '7.0.0',
        summary: 'Counts the subscribers of shard channels',
        placement: 'all-shards',
      },
      {
        name: 'pubsub|help', arity: 2, flags: ['loading', 'stale'], group: 'pubsub', since: '6.2.0',
        summary: 'Describes the PUBSUB subcommands',
      },
    ],
  },
];
