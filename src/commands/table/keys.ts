// Generic commands over given keys: their metadata as data (see command-row.ts); keys.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const keyTable: readonly CommandRow[] = [
  {
    name: 'del', arity: -2, flags: ['write'], group: 'generic', acl: ['keyspace'], since: '1.0.0',
    summary: 'Removes keys',
    keySpecs: [{ flags: ['RM', 'delete'], begin: ['index', 1], find: ['range', -1, 1, 0] }],
  },
  {
    name: 'unlink', arity: -2, flags: ['write', 'fast'], group: 'generic', acl: ['keyspace'], since: '4.0.0',
    summary: 'Removes keys, reclaiming their memory lazily',
    keySpecs: [{ flags: ['RM', 'delete'], begin: ['index', 1], find: ['range', -1, 1, 0] }],
  },
  {
    name: 'exists', arity: -2, flags: ['readonly', 'fast'], group: 'generic', acl: ['keyspace'], since: '1.0.0',
    summary: 'Counts how many of the given keys exist',
    keySpecs: [{ flags: ['RO'], begin: ['index', 1], find: ['range', -1, 1, 0] }],
  },
  {
    name: 'touch', arity: -2, flags: ['readonly', 'fast'], group: 'generic', acl: ['keyspace'], since: '3.2.1',
    summary: 'Marks keys as just accessed and counts those that exist',
    keySpecs: [{ flags: ['RO'], begin: ['index', 1], find: ['range', -1, 1, 0] }],
  },
  {
    name: 'type', arity: 2, flags: ['readonly', 'fast'], group: 'generic', acl: ['keyspace'], since: '1.0.0',
    summary: 'Names the type of the value at a key',
    keySpecs: [{ flags: ['RO'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'rename', arity: 3, flags: ['write'], group: 'generic', acl: ['keyspace'], since: '1.0.0',
    summary: 'Gives a key another name',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['OW', 'update'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'renamenx', arity: 3, flags: ['write', 'fast'], group: 'generic', acl: ['keyspace'], since: '1.0.0',
    summary: 'Gives a key another name unless that name is taken',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['OW', 'insert'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'copy', arity: -3, flags: ['write', 'denyoom'], group: 'generic', acl: ['keyspace'], since: '6.2.0',
    summary: "Duplicates a key's value under another key",
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['OW', 'update'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'move', arity: 3, flags: ['write', 'fast'], group: 'generic', acl: ['keyspace'], since: '1.0.0',
    summary: 'Moves a key to another database',
    keySpecs: [{ flags: ['RW', 'access', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
];
