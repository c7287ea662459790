// CLIENT and its subcommands: their metadata as data (see command-row.ts); client.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const clientTable: readonly CommandRow[] = [
  {
    name: 'client', arity: -2, flags: ['sentinel'], group: 'connection', since: '2.4.0',
    summary: 'Subcommands about client connections',
    subcommands: [
      {
        name: 'client|id', arity: 2, flags: ['noscript', 'loading', 'stale', 'sentinel'], group: 'connection', acl: ['connection'], since: '5.0.0',
        summary: "Returns the connection's id",
      },
      {
        name: 'client|setname', arity: 3, flags: ['noscript', 'loading', 'stale', 'sentinel'], group: 'connection', acl: ['connection'], since: '2.6.9',
        summary: 'Names the connection',
      },
      {
        name: 'client|getname', arity: 2, flags: ['noscript', 'loading', 'stale', 'sentinel'], group: 'connection', acl: ['connection'], since: '2.6.9',
        summary: "Returns the connection's name",
      },
      {
        name: 'client|info', arity: 2, flags: ['noscript', 'loading', 'stale', 'sentinel'], group: 'connection', acl: ['connection'], since: '6.2.0',
        summary: 'Describes the connection',
      },
      {
        name: 'client|list', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale', 'sentinel'], group: 'connection', acl: ['connection'], since: '2.4.0',
        summary: 'Describes the open connections',
        placement: 'all-shards',
      },
      {
        name: 'client|kill', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale', 'sentinel'], group: 'connection', acl: ['connection'], since: '2.4.0',
        summary: 'Closes client connections',
        placement: 'all-shards',
      },
      {
        name: 'client|unblock', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'connection', acl: ['connection'], since: '5.0.0',
        summary: 'Ends the wait of a client blocked in a blocking command',
        placement: 'all-shards',
      },
      {
        name: 'client|no-evict', arity: 3, flags: ['admin', 'noscript', 'loading', 'stale', 'sentinel'], group: 'connection', acl: ['connection'], since: '7.0.0',
        summary: 'Turns client eviction off or on for the connection',
      },
      {
        name: 'client|pause', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'connection', acl: ['connection'], since: '2.9.50',
        summary: 'Holds the commands of every client (or their writes) for a time',
      },
      {
        name: 'client|unpause', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'connection', acl: ['connection'], since: '6.2.0',
        summary: 'Ends a CLIENT PAUSE',
      },
      {
        name: 'client|reply', arity: 3, flags: ['noscript', 'loading', 'stale'], group: 'connection', acl: ['connection'], since: '3.2.0',
        summary: 'Turns the replies to the connection off, on, or off for the next command',
      },
      {
        name: 'client|tracking', arity: -3, flags: ['noscript', 'loading', 'stale', 'sentinel'], group: 'connection', acl: ['connection'], since: '6.0.0',
        summary: 'Turns client-side caching invalidations for the connection on or off',
        placement: 'all-shards',
      },
      {
        name: 'client|caching', arity: 3, flags: ['noscript', 'loading', 'stale', 'sentinel'], group: 'connection', acl: ['connection'], since: '6.0.0',
        summary: 'Says whether the keys of the next command are tracked (OPTIN / OPTOUT)',
      },
      {
        name: 'client|getredir', arity: 2, flags: ['noscript', 'loading', 'stale', 'sentinel'], group: 'connection', acl: ['connection'], since: '6.0.0',
        summary: 'Returns the id of the client tracking invalidations are redirected to',
      },
      {
        name: 'client|trackinginfo', arity: 2, flags: ['noscript', 'loading', 'stale', 'sentinel'], group: 'connection', acl: ['connection'], since: '6.2.0',
        summary: "Describes the connection's client-side caching",
      },
      {
        name: 'client|help', arity: 2, flags: ['loading', 'stale', 'sentinel'], group: 'connection', acl: ['connection'], since: '5.0.0',
        summary: 'Lists the subcommands',
      },
    ],
  },
];
