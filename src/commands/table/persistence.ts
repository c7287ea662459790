// SAVE, BGSAVE, BGREWRITEAOF and LASTSAVE: their metadata as data (see command-row.ts); persistence.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const persistenceTable: readonly CommandRow[] = [
  {
    name: 'save', arity: 1, flags: ['admin', 'noscript', 'no-async-loading', 'no-multi'], group: 'server', acl: ['dangerous'], since: '1.0.0',
    summary: 'Writes the dataset to the RDB file, synchronously',
    placement: 'all-shards',
  },
  {
    name: 'bgsave', arity: -1, flags: ['admin', 'noscript', 'no-async-loading'], group: 'server', acl: ['dangerous'], since: '1.0.0',
    summary: 'Writes the dataset to the RDB file while the server keeps serving',
    placement: 'all-shards',
  },
  {
    name: 'bgrewriteaof', arity: 1, flags: ['admin', 'noscript', 'no-async-loading'], group: 'server', acl: ['dangerous'], since: '1.0.0',
    summary: 'Rewrites the append-only file: a new base of the dataset, new increments after it',
    placement: 'all-shards',
  },
  {
    name: 'lastsave', arity: 1, flags: ['loading', 'stale', 'fast'], group: 'server', acl: ['admin', 'dangerous'], since: '1.0.0',
    summary: 'Returns the Unix time of the last successful save',
  },
];
