// Bitmap commands: their metadata as data (see command-row.ts); bitmaps.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const bitmapTable: readonly CommandRow[] = [
  {
    name: 'setbit', arity: 4, flags: ['write', 'denyoom'], group: 'bitmap', acl: ['bitmap'], since: '2.2.0',
    summary: 'Sets or clears the bit at an offset of a string key, creating or padding it',
    complexity: 'O(1)',
    keySpecs: [{ flags: ['RW', 'access', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'getbit', arity: 3, flags: ['readonly', 'fast'], group: 'bitmap', acl: ['bitmap'], since: '2.2.0',
    summary: 'Returns the bit at an offset of a string key',
    complexity: 'O(1)',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'bitcount', arity: -2, flags: ['readonly'], group: 'bitmap', acl: ['bitmap'], since: '2.6.0',
    summary: 'Counts the set bits of a string key, or of a range of its bytes or bits',
    complexity: 'O(N)',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'bitpos', arity: -3, flags: ['readonly'], group: 'bitmap', acl: ['bitmap'], since: '2.8.7',
    summary: 'Finds the first set or clear bit of a string key, or of a range of its bytes or bits',
    complexity: 'O(N)',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'bitop', arity: -4, flags: ['write', 'denyoom'], group: 'bitmap', acl: ['bitmap'], since: '2.6.0',
    summary: 'Stores the AND, OR, XOR or NOT of string keys at a key',
    complexity: 'O(N)',
    keySpecs: [
      { flags: ['OW', 'update'], begin: ['index', 2], find: ['range', 0, 1, 0] },
      { flags: ['RO', 'access'], begin: ['index', 3], find: ['range', -1, 1, 0] },
    ],
  },
  {
    name: 'bitfield', arity: -2, flags: ['write', 'denyoom'], group: 'bitmap', acl: ['bitmap'], since: '3.2.0',
    summary: 'Reads, sets and increments integers of any width at any bit offset of a string key',
    complexity: 'O(1) for each subcommand specified',
    keySpecs: [{ notes: 'This command allows both access and modification of the key', flags: ['RW', 'access', 'update', 'variable_flags'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'bitfield_ro', arity: -2, flags: ['readonly', 'fast'], group: 'bitmap', acl: ['bitmap'], since: '6.0.0',
    summary: 'Reads integers of any width at any bit offset of a string key',
    complexity: 'O(1) for each subcommand specified',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
];
