// DUMP and RESTORE: their metadata as data (see command-row.ts); dump.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const dumpTable: readonly CommandRow[] = [
  {
    name: 'dump', arity: 2, flags: ['readonly'], group: 'generic', acl: ['keyspace'], since: '2.6.0',
    summary: "Returns a key's value in its serialized form",
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'restore', arity: -4, flags: ['write', 'denyoom'], group: 'generic', acl: ['keyspace', 'dangerous'], since: '2.6.0',
    summary: 'Creates a key from the serialized form of a value',
    keySpecs: [{ flags: ['OW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
];
