// Set commands: their metadata as data (see command-row.ts); sets.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const setTable: readonly CommandRow[] = [
  {
    name: 'sadd', arity: -3, flags: ['write', 'denyoom', 'fast'], group: 'set', acl: ['set'], since: '1.0.0',
    summary: 'Adds members to a set, creating it when missing',
    keySpecs: [{ flags: ['RW', 'insert'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'srem', arity: -3, flags: ['write', 'fast'], group: 'set', acl: ['set'], since: '1.0.0',
    summary: 'Removes members from a set',
    keySpecs: [{ flags: ['RW', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'sismember', arity: 3, flags: ['readonly', 'fast'], group: 'set', acl: ['set'], since: '1.0.0',
    summary: 'Tells whether a value is a member of a set',
    keySpecs: [{ flags: ['RO'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'smismember', arity: -3, flags: ['readonly', 'fast'], group: 'set', acl: ['set'], since: '6.2.0',
    summary: 'Tells, for each of several values, whether it is a member of a set',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'scard', arity: 2, flags: ['readonly', 'fast'], group: 'set', acl: ['set'], since: '1.0.0',
    summary: 'Counts the members of a set',
    keySpecs: [{ flags: ['RO'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'smembers', arity: 2, flags: ['readonly'], group: 'set', acl: ['set'], since: '1.0.0',
    summary: 'Returns every member of a set',
    tips: ['nondeterministic_output_order'],
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'srandmember', arity: -2, flags: ['readonly'], group: 'set', acl: ['set'], since: '1.0.0',
    summary: 'Returns random members of a set',
    tips: ['nondeterministic_output'],
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'spop', arity: -2, flags: ['write', 'fast'], group: 'set', acl: ['set'], since: '1.0.0',
    summary: 'Removes and returns random members of a set',
    tips: ['nondeterministic_output'],
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'sscan', arity: -3, flags: ['readonly'], group: 'set', acl: ['set'], since: '2.8.0',
    summary: 'Walks the members of a set, a few per call',
    tips: ['nondeterministic_output'],
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'smove', arity: 4, flags: ['write', 'fast'], group: 'set', acl: ['set'], since: '1.0.0',
    summary: 'Moves a member from one set to another',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['RW', 'insert'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'sinter', arity: -2, flags: ['readonly'], group: 'set', acl: ['set'], since: '1.0.0',
    summary: 'Returns the members every given set has',
    tips: ['nondeterministic_output_order'],
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', -1, 1, 0] }],
  },
  {
    name: 'sunion', arity: -2, flags: ['readonly'], group: 'set', acl: ['set'], since: '1.0.0',
    summary: 'Returns the members of any of the given sets',
    tips: ['nondeterministic_output_order'],
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', -1, 1, 0] }],
  },
  {
    name: 'sdiff', arity: -2, flags: ['readonly'], group: 'set', acl: ['set'], since: '1.0.0',
    summary: 'Returns the members of the first set that no other given set has',
    tips: ['nondeterministic_output_order'],
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', -1, 1, 0] }],
  },
  {
    name: 'sinterstore', arity: -3, flags: ['write', 'denyoom'], group: 'set', acl: ['set'], since: '1.0.0',
    summary: 'Stores the members every given set has',
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['RO', 'access'], begin: ['index', 2], find: ['range', -1, 1, 0] }],
  },
  {
    name: 'sunionstore', arity: -3, flags: ['write', 'denyoom'], group: 'set', acl: ['set'], since: '1.0.0',
    summary: 'Stores the members of any of the given sets',
    keySpecs: [{ flags: ['OW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['RO', 'access'], begin: ['index', 2], find: ['range', -1, 1, 0] }],
  },
  {
    name: 'sdiffstore', arity: -3, flags: ['write', 'denyoom'], group: 'set', acl: ['set'], since: '1.0.0',
    summary: 'Stores the members of the first set that no other given set has',
    keySpecs: [{ flags: ['OW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['RO', 'access'], begin: ['index', 2], find: ['range', -1, 1, 0] }],
  },
  {
    name: 'sintercard', arity: -3, flags: ['readonly'], group: 'set', acl: ['set'], since: '7.0.0',
    summary: 'Counts the members every given set has, up to a limit',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['keynum', 0, 1, 1] }],
  },
];
