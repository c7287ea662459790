// SORT and SORT_RO: their metadata as data (see command-row.ts); sort.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

const PATTERN_KEYS_NOTE = "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort";
const STORE_NOTE = "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array";

export const sortTable: readonly CommandRow[] = [
  {
    name: 'sort', arity: -2, flags: ['write', 'denyoom'], group: 'generic', acl: ['set', 'sortedset', 'list', 'dangerous'], since: '1.0.0',
    summary: 'Sorts the elements of a list, set or sorted set, by themselves or by the values of other keys, and returns or stores them',
    keySpecs: [
      { flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] },
      { notes: PATTERN_KEYS_NOTE, flags: ['RO', 'access'], begin: ['unknown'], find: ['unknown'] },
      { notes: STORE_NOTE, flags: ['OW', 'update'], begin: ['unknown'], find: ['unknown'] },
    ],
    // BY and GET patterns name keys of any shard: one transaction over every shard.
    placement: 'all-shards',
  },
  {
    name: 'sort_ro', arity: -2, flags: ['readonly'], group: 'generic', acl: ['set', 'sortedset', 'list', 'dangerous'], since: '7.0.0',
    summary: 'Sorts the elements of a list, set or sorted set, by themselves or by the values of other keys, and returns them',
    keySpecs: [
      { flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] },
      { notes: PATTERN_KEYS_NOTE, flags: ['RO', 'access'], begin: ['unknown'], find: ['unknown'] },
    ],
    placement: 'all-shards',
  },
];
