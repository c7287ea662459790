// OBJECT and its subcommands: their metadata as data (see command-row.ts); object.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const objectTable: readonly CommandRow[] = [
  {
    name: 'object', arity: -2, flags: [], group: 'generic', since: '2.2.3',
    summary: "Subcommands about how a key's value is held",
    subcommands: [
      {
        name: 'object|encoding', arity: 3, flags: ['readonly'], group: 'generic', acl: ['keyspace'], since: '2.2.3',
        summary: "Names how a key's value is held",
        keySpecs: [{ flags: ['RO'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
      },
      {
        name: 'object|freq', arity: 3, flags: ['readonly'], group: 'generic', acl: ['keyspace'], since: '4.0.0',
        summary: "Returns a key's access frequency counter",
        keySpecs: [{ flags: ['RO'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
      },
      {
        name: 'object|idletime', arity: 3, flags: ['readonly'], group: 'generic', acl: ['keyspace'], since: '2.2.3',
        summary: 'Returns the seconds since a key was last accessed',
        keySpecs: [{ flags: ['RO'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
      },
      {
        name: 'object|refcount', arity: 3, flags: ['readonly'], group: 'generic', acl: ['keyspace'], since: '2.2.3',
        summary: "Counts the references to a key's value",
        keySpecs: [{ flags: ['RO'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
      },
      {
        name: 'object|help', arity: 2, flags: ['loading', 'stale'], group: 'generic', acl: ['keyspace'], since: '6.2.0',
        summary: 'Lists the subcommands',
      },
    ],
  },
];
