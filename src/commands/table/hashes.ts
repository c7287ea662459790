// Hash commands: their metadata as data (see command-row.ts); hashes.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const hashTable: readonly CommandRow[] = [
  {
    name: 'hset', arity: -4, flags: ['write', 'denyoom', 'fast'], group: 'hash', acl: ['hash'], since: '2.0.0',
    summary: 'Sets fields of a hash, creating it when missing',
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'hsetnx', arity: 4, flags: ['write', 'denyoom', 'fast'], group: 'hash', acl: ['hash'], since: '2.0.0',
    summary: 'Sets a field of a hash unless it exists',
    keySpecs: [{ flags: ['RW', 'insert'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'hget', arity: 3, flags: ['readonly', 'fast'], group: 'hash', acl: ['hash'], since: '2.0.0',
    summary: 'Reads the value of a field of a hash',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'hmget', arity: -3, flags: ['readonly', 'fast'], group: 'hash', acl: ['hash'], since: '2.0.0',
    summary: 'Reads the values of several fields of a hash',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'hmset', arity: -4, flags: ['write', 'denyoom', 'fast'], group: 'hash', acl: ['hash'], since: '2.0.0',
    summary: 'Sets fields of a hash (HSET does the same and counts them)',
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'hdel', arity: -3, flags: ['write', 'fast'], group: 'hash', acl: ['hash'], since: '2.0.0',
    summary: 'Removes fields from a hash',
    keySpecs: [{ flags: ['RW', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'hlen', arity: 2, flags: ['readonly', 'fast'], group: 'hash', acl: ['hash'], since: '2.0.0',
    summary: 'Counts the fields of a hash',
    keySpecs: [{ flags: ['RO'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'hstrlen', arity: 3, flags: ['readonly', 'fast'], group: 'hash', acl: ['hash'], since: '3.2.0',
    summary: 'Returns the length of the value of a field of a hash',
    keySpecs: [{ flags: ['RO'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'hexists', arity: 3, flags: ['readonly', 'fast'], group: 'hash', acl: ['hash'], since: '2.0.0',
    summary: 'Tells whether a hash has a field',
    keySpecs: [{ flags: ['RO'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'hincrby', arity: 4, flags: ['write', 'denyoom', 'fast'], group: 'hash', acl: ['hash'], since: '2.0.0',
    summary: 'Adds an integer to the integer in a field of a hash',
    keySpecs: [{ flags: ['RW', 'access', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'hincrbyfloat', arity: 4, flags: ['write', 'denyoom', 'fast'], group: 'hash', acl: ['hash'], since: '2.6.0',
    summary: 'Adds a floating-point number to the number in a field of a hash',
    keySpecs: [{ flags: ['RW', 'access', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'hkeys', arity: 2, flags: ['readonly'], group: 'hash', acl: ['hash'], since: '2.0.0',
    summary: 'Returns every field of a hash',
    tips: ['nondeterministic_output_order'],
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'hvals', arity: 2, flags: ['readonly'], group: 'hash', acl: ['hash'], since: '2.0.0',
    summary: 'Returns every value of a hash',
    tips: ['nondeterministic_output_order'],
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'hgetall', arity: 2, flags: ['readonly'], group: 'hash', acl: ['hash'], since: '2.0.0',
    summary: 'Returns every field of a hash with its value',
    tips: ['nondeterministic_output_order'],
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'hrandfield', arity: -2, flags: ['readonly'], group: 'hash', acl: ['hash'], since: '6.2.0',
    summary: 'Returns random fields of a hash, optionally with their values',
    tips: ['nondeterministic_output'],
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'hscan', arity: -3, flags: ['readonly'], group: 'hash', acl: ['hash'], since: '2.8.0',
    summary: 'Walks the fields and values of a hash, a few per call',
    tips: ['nondeterministic_output'],
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
];
