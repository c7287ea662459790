// Generic commands over the whole keyspace: their metadata as data (see command-row.ts); keyspace.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const keyspaceTable: readonly CommandRow[] = [
  {
    name: 'keys', arity: 2, flags: ['readonly'], group: 'generic', acl: ['keyspace', 'dangerous'], since: '1.0.0',
    summary: 'Lists the keys that match a glob pattern',
    placement: 'all-shards',
  },
  {
    name: 'scan', arity: -2, flags: ['readonly'], group: 'generic', acl: ['keyspace'], since: '2.8.0',
    summary: 'Walks the key space with a cursor',
    placement: 'all-shards',
  },
  {
    name: 'randomkey', arity: 1, flags: ['readonly'], group: 'generic', acl: ['keyspace'], since: '1.0.0',
    summary: 'Returns a key picked at random',
    placement: 'all-shards',
  },
  {
    name: 'dbsize', arity: 1, flags: ['readonly', 'fast'], group: 'server', acl: ['keyspace'], since: '1.0.0',
    summary: 'Counts the keys of the selected database',
    placement: 'all-shards',
  },
  {
    name: 'flushdb', arity: -1, flags: ['write'], group: 'server', acl: ['keyspace', 'dangerous'], since: '1.0.0',
    summary: 'Empties the selected database',
    placement: 'all-shards',
  },
  {
    name: 'flushall', arity: -1, flags: ['write'], group: 'server', acl: ['keyspace', 'dangerous'], since: '1.0.0',
    summary: 'Empties every database',
    placement: 'all-shards',
  },
  {
    name: 'swapdb', arity: 3, flags: ['write', 'fast'], group: 'server', acl: ['keyspace', 'dangerous'], since: '4.0.0',
    summary: 'Exchanges the contents of two databases',
    placement: 'all-shards',
  },
];
