// Geo commands: their metadata as data (see command-row.ts); geo.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const geoTable: readonly CommandRow[] = [
  {
    name: 'geoadd', arity: -5, flags: ['write', 'denyoom'], group: 'geo', acl: ['geo'], since: '3.2.0',
    summary: 'Adds members with their coordinates to a geo set, creating it when missing',
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'geopos', arity: -2, flags: ['readonly'], group: 'geo', acl: ['geo'], since: '3.2.0',
    summary: 'Returns the coordinates of members of a geo set',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'geodist', arity: -4, flags: ['readonly'], group: 'geo', acl: ['geo'], since: '3.2.0',
    summary: 'Returns the distance between two members of a geo set',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'geohash', arity: -2, flags: ['readonly'], group: 'geo', acl: ['geo'], since: '3.2.0',
    summary: 'Returns the standard geohash strings of members of a geo set',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'georadius', arity: -6, flags: ['write', 'denyoom'], group: 'geo', acl: ['geo'], since: '3.2.0',
    summary: 'Finds the members within a radius of a point, storing them when asked',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['OW', 'update'], begin: ['keyword', 'STORE', 6], find: ['range', 0, 1, 0] }, { flags: ['OW', 'update'], begin: ['keyword', 'STOREDIST', 6], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'georadius_ro', arity: -6, flags: ['readonly'], group: 'geo', acl: ['geo'], since: '3.2.10',
    summary: 'Finds the members within a radius of a point',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'georadiusbymember', arity: -5, flags: ['write', 'denyoom'], group: 'geo', acl: ['geo'], since: '3.2.0',
    summary: 'Finds the members within a radius of a member, storing them when asked',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['OW', 'update'], begin: ['keyword', 'STORE', 5], find: ['range', 0, 1, 0] }, { flags: ['OW', 'update'], begin: ['keyword', 'STOREDIST', 5], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'georadiusbymember_ro', arity: -5, flags: ['readonly'], group: 'geo', acl: ['geo'], since: '3.2.10',
    summary: 'Finds the members within a radius of a member',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'geosearch', arity: -7, flags: ['readonly'], group: 'geo', acl: ['geo'], since: '6.2.0',
    summary: 'Finds the members within a circle or a box around a point or a member',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'geosearchstore', arity: -8, flags: ['write', 'denyoom'], group: 'geo', acl: ['geo'], since: '6.2.0',
    summary: 'Stores the members within a circle or a box around a point or a member',
    keySpecs: [{ flags: ['OW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['RO', 'access'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
  },
];
