// Server commands: INFO, TIME, SHUTDOWN, CONFIG, COMMAND: their metadata as data (see command-row.ts); server.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const serverTable: readonly CommandRow[] = [
  {
    name: 'info', arity: -1, flags: ['loading', 'stale', 'sentinel'], group: 'server', acl: ['dangerous'], since: '1.0.0',
    summary: 'Reports information and statistics about the server',
    placement: 'all-shards',
  },
  {
    name: 'time', arity: 1, flags: ['loading', 'stale', 'fast'], group: 'server', since: '2.6.0',
    summary: "Returns the server's clock",
  },
  {
    name: 'shutdown', arity: -1, flags: ['admin', 'noscript', 'loading', 'stale', 'no-multi', 'sentinel', 'allow-busy'], group: 'server', since: '1.0.0',
    summary: 'Stops the server',
    placement: 'all-shards',
  },
  {
    name: 'config', arity: -2, flags: [], group: 'server', since: '2.0.0',
    summary: "Subcommands about the server's configuration",
    subcommands: [
      {
        name: 'config|get', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.0.0',
        summary: 'Reads configuration parameters',
      },
      {
        name: 'config|set', arity: -4, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.0.0',
        summary: 'Changes configuration parameters',
        placement: 'all-shards',
      },
      {
        name: 'config|resetstat', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.0.0',
        summary: 'Resets the statistics INFO reports',
        placement: 'all-shards',
      },
      {
        name: 'config|help', arity: 2, flags: ['loading', 'stale'], group: 'server', since: '5.0.0',
        summary: 'Lists the subcommands',
      },
    ],
  },
  {
    name: 'command', arity: -1, flags: ['loading', 'stale', 'sentinel'], group: 'server', acl: ['connection'], since: '2.8.13',
    summary: 'Describes every command',
    subcommands: [
      {
        name: 'command|count', arity: 2, flags: ['loading', 'stale', 'sentinel'], group: 'server', acl: ['connection'], since: '2.8.13',
        summary: 'Counts the commands',
      },
      {
        name: 'command|info', arity: -2, flags: ['loading', 'stale', 'sentinel'], group: 'server', acl: ['connection'], since: '2.8.13',
        summary: 'Describes the given commands, or all of them',
      },
      {
        name: 'command|docs', arity: -2, flags: ['loading', 'stale', 'sentinel'], group: 'server', acl: ['connection'], since: '7.0.0',
        summary: 'Documents the given commands, or all of them',
      },
      {
        name: 'command|getkeys', arity: -4, flags: ['loading', 'stale', 'sentinel'], group: 'server', acl: ['connection'], since: '2.8.13',
        summary: 'Lists the keys of a full command',
      },
      {
        name: 'command|getkeysandflags', arity: -4, flags: ['loading', 'stale', 'sentinel'], group: 'server', acl: ['connection'], since: '7.0.0',
        summary: 'Lists the keys of a full command with their key-spec flags',
      },
      {
        name: 'command|list', arity: -2, flags: ['loading', 'stale', 'sentinel'], group: 'server', acl: ['connection'], since: '7.0.0',
        summary: 'Lists command names, optionally filtered',
      },
      {
        name: 'command|help', arity: 2, flags: ['loading', 'stale', 'sentinel'], group: 'server', acl: ['connection'], since: '5.0.0',
        summary: 'Lists the subcommands',
      },
    ],
  },
];
