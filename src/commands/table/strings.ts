// String commands: their metadata as data (see command-row.ts); strings.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const stringTable: readonly CommandRow[] = [
  {
    name: 'get', arity: 2, flags: ['readonly', 'fast'], group: 'string', acl: ['string'], since: '1.0.0',
    summary: 'Reads the string stored at a key',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'set', arity: -3, flags: ['write', 'denyoom'], group: 'string', acl: ['string'], since: '1.0.0',
    summary: 'Stores a string at a key, with optional expiry and conditions',
    keySpecs: [{ flags: ['RW', 'access', 'update', 'variable_flags'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'setnx', arity: 3, flags: ['write', 'denyoom', 'fast'], group: 'string', acl: ['string'], since: '1.0.0',
    summary: 'Stores a string at a key unless the key exists',
    keySpecs: [{ flags: ['OW', 'insert'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'setex', arity: 4, flags: ['write', 'denyoom'], group: 'string', acl: ['string'], since: '2.0.0',
    summary: 'Stores a string at a key with a time to live in seconds',
    keySpecs: [{ flags: ['OW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'psetex', arity: 4, flags: ['write', 'denyoom'], group: 'string', acl: ['string'], since: '2.6.0',
    summary: 'Stores a string at a key with a time to live in milliseconds',
    keySpecs: [{ flags: ['OW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'getset', arity: 3, flags: ['write', 'denyoom', 'fast'], group: 'string', acl: ['string'], since: '1.0.0',
    summary: 'Stores a string at a key and returns the one it replaced',
    keySpecs: [{ flags: ['RW', 'access', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'getdel', arity: 2, flags: ['write', 'fast'], group: 'string', acl: ['string'], since: '6.2.0',
    summary: "Returns a string key's value and removes the key",
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'getex', arity: -2, flags: ['write', 'fast'], group: 'string', acl: ['string'], since: '6.2.0',
    summary: "Returns a string key's value, optionally changing its expiry",
    keySpecs: [{ flags: ['RW', 'access', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'mget', arity: -2, flags: ['readonly', 'fast'], group: 'string', acl: ['string'], since: '1.0.0',
    summary: 'Reads the strings stored at several keys',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', -1, 1, 0] }],
  },
  {
    name: 'mset', arity: -3, flags: ['write', 'denyoom'], group: 'string', acl: ['string'], since: '1.0.1',
    summary: 'Stores strings at several keys',
    keySpecs: [{ flags: ['OW', 'update'], begin: ['index', 1], find: ['range', -1, 2, 0] }],
  },
  {
    name: 'msetnx', arity: -3, flags: ['write', 'denyoom'], group: 'string', acl: ['string'], since: '1.0.1',
    summary: 'Stores strings at several keys when none of them exists',
    keySpecs: [{ flags: ['OW', 'insert'], begin: ['index', 1], find: ['range', -1, 2, 0] }],
  },
  {
    name: 'append', arity: 3, flags: ['write', 'denyoom', 'fast'], group: 'string', acl: ['string'], since: '2.0.0',
    summary: 'Adds bytes to the end of a string key',
    keySpecs: [{ flags: ['RW', 'insert'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'strlen', arity: 2, flags: ['readonly', 'fast'], group: 'string', acl: ['string'], since: '2.2.0',
    summary: 'Returns the length in bytes of a string key',
    keySpecs: [{ flags: ['RO'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'getrange', arity: 4, flags: ['readonly'], group: 'string', acl: ['string'], since: '2.4.0',
    summary: 'Returns a range of bytes of a string key',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'substr', arity: 4, flags: ['readonly'], group: 'string', acl: ['string'], since: '1.0.0',
    summary: 'Returns a range of bytes of a string key',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'setrange', arity: 4, flags: ['write', 'denyoom'], group: 'string', acl: ['string'], since: '2.2.0',
    summary: 'Overwrites part of a string key from an offset on',
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'incr', arity: 2, flags: ['write', 'denyoom', 'fast'], group: 'string', acl: ['string'], since: '1.0.0',
    summary: 'Adds one to the integer stored at a key',
    keySpecs: [{ flags: ['RW', 'access', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'decr', arity: 2, flags: ['write', 'denyoom', 'fast'], group: 'string', acl: ['string'], since: '1.0.0',
    summary: 'Subtracts one from the integer stored at a key',
    keySpecs: [{ flags: ['RW', 'access', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'incrby', arity: 3, flags: ['write', 'denyoom', 'fast'], group: 'string', acl: ['string'], since: '1.0.0',
    summary: 'Adds an integer to the integer stored at a key',
    keySpecs: [{ flags: ['RW', 'access', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'decrby', arity: 3, flags: ['write', 'denyoom', 'fast'], group: 'string', acl: ['string'], since: '1.0.0',
    summary: 'Subtracts an integer from the integer stored at a key',
    keySpecs: [{ flags: ['RW', 'access', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'incrbyfloat', arity: 3, flags: ['write', 'denyoom', 'fast'], group: 'string', acl: ['string'], since: '2.6.0',
    summary: 'Adds a floating-point number to the number stored at a key',
    keySpecs: [{ flags: ['RW', 'access', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'lcs', arity: -3, flags: ['readonly'], group: 'string', acl: ['string'], since: '7.0.0',
    summary: 'Finds the longest common subsequence of two string keys',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 1, 1, 0] }],
  },
];
