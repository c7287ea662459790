// Expiry commands: their metadata as data (see command-row.ts); expire.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const expireTable: readonly CommandRow[] = [
  {
    name: 'expire', arity: -3, flags: ['write', 'fast'], group: 'generic', acl: ['keyspace'], since: '1.0.0',
    summary: 'Makes a key expire after a number of seconds',
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'pexpire', arity: -3, flags: ['write', 'fast'], group: 'generic', acl: ['keyspace'], since: '2.6.0',
    summary: 'Makes a key expire after a number of milliseconds',
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'expireat', arity: -3, flags: ['write', 'fast'], group: 'generic', acl: ['keyspace'], since: '1.2.0',
    summary: 'Makes a key expire at a Unix time in seconds',
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'pexpireat', arity: -3, flags: ['write', 'fast'], group: 'generic', acl: ['keyspace'], since: '2.6.0',
    summary: 'Makes a key expire at a Unix time in milliseconds',
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'ttl', arity: 2, flags: ['readonly', 'fast'], group: 'generic', acl: ['keyspace'], since: '1.0.0',
    summary: 'Returns the seconds left before a key expires',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'pttl', arity: 2, flags: ['readonly', 'fast'], group: 'generic', acl: ['keyspace'], since: '2.6.0',
    summary: 'Returns the milliseconds left before a key expires',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'expiretime', arity: 2, flags: ['readonly', 'fast'], group: 'generic', acl: ['keyspace'], since: '7.0.0',
    summary: 'Returns the Unix time in seconds at which a key expires',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'pexpiretime', arity: 2, flags: ['readonly', 'fast'], group: 'generic', acl: ['keyspace'], since: '7.0.0',
    summary: 'Returns the Unix time in milliseconds at which a key expires',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'persist', arity: 2, flags: ['write', 'fast'], group: 'generic', acl: ['keyspace'], since: '2.2.0',
    summary: "Removes a key's expiry",
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
];
