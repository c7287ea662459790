// HyperLogLog commands: their metadata as data (see command-row.ts); hyperloglog.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const hyperLogLogTable: readonly CommandRow[] = [
  {
    name: 'pfadd', arity: -2, flags: ['write', 'denyoom', 'fast'], group: 'hyperloglog', acl: ['hyperloglog'], since: '2.8.9',
    summary: 'Adds elements to a HyperLogLog, creating it when missing',
    keySpecs: [{ flags: ['RW', 'insert'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'pfcount', arity: -2, flags: ['readonly', 'may-replicate'], group: 'hyperloglog', acl: ['hyperloglog'], since: '2.8.9',
    summary: 'Estimates the number of distinct elements of a HyperLogLog, or of the union of several',
    keySpecs: [{ flags: ['RW', 'access'], begin: ['index', 1], find: ['range', -1, 1, 0] }],
  },
  {
    name: 'pfmerge', arity: -2, flags: ['write', 'denyoom'], group: 'hyperloglog', acl: ['hyperloglog'], since: '2.8.9',
    summary: 'Stores the union of HyperLogLogs at a key',
    keySpecs: [{ flags: ['RW', 'access', 'insert'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['RO', 'access'], begin: ['index', 2], find: ['range', -1, 1, 0] }],
  },
  {
    name: 'pfdebug', arity: 3, flags: ['write', 'denyoom', 'admin'], group: 'hyperloglog', acl: ['hyperloglog'], since: '2.8.9',
    summary: "Inspects a HyperLogLog's registers and encoding, or turns it dense",
    keySpecs: [{ flags: ['RW', 'access'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'pfselftest', arity: 1, flags: ['admin'], group: 'hyperloglog', acl: ['hyperloglog'], since: '2.8.9',
    summary: "Checks the HyperLogLog registers' and estimator's implementation",
  },
];
