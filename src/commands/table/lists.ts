// List commands: their metadata as data (see command-row.ts); lists.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const listTable: readonly CommandRow[] = [
  {
    name: 'lpush', arity: -3, flags: ['write', 'denyoom', 'fast'], group: 'list', acl: ['list'], since: '1.0.0',
    summary: 'Adds elements at the head of a list, creating it when missing',
    keySpecs: [{ flags: ['RW', 'insert'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'rpush', arity: -3, flags: ['write', 'denyoom', 'fast'], group: 'list', acl: ['list'], since: '1.0.0',
    summary: 'Adds elements at the tail of a list, creating it when missing',
    keySpecs: [{ flags: ['RW', 'insert'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'lpushx', arity: -3, flags: ['write', 'denyoom', 'fast'], group: 'list', acl: ['list'], since: '2.2.0',
    summary: 'Adds elements at the head of a list that exists',
    keySpecs: [{ flags: ['RW', 'insert'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'rpushx', arity: -3, flags: ['write', 'denyoom', 'fast'], group: 'list', acl: ['list'], since: '2.2.0',
    summary: 'Adds elements at the tail of a list that exists',
    keySpecs: [{ flags: ['RW', 'insert'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'lpop', arity: -2, flags: ['write', 'fast'], group: 'list', acl: ['list'], since: '1.0.0',
    summary: 'Takes elements from the head of a list',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'rpop', arity: -2, flags: ['write', 'fast'], group: 'list', acl: ['list'], since: '1.0.0',
    summary: 'Takes elements from the tail of a list',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'llen', arity: 2, flags: ['readonly', 'fast'], group: 'list', acl: ['list'], since: '1.0.0',
    summary: 'Counts the elements of a list',
    keySpecs: [{ flags: ['RO'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'lrange', arity: 4, flags: ['readonly'], group: 'list', acl: ['list'], since: '1.0.0',
    summary: 'Returns the elements of a list between two indexes',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'lindex', arity: 3, flags: ['readonly'], group: 'list', acl: ['list'], since: '1.0.0',
    summary: 'Returns the element of a list at an index',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'lset', arity: 4, flags: ['write', 'denyoom'], group: 'list', acl: ['list'], since: '1.0.0',
    summary: 'Replaces the element of a list at an index',
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'linsert', arity: 5, flags: ['write', 'denyoom'], group: 'list', acl: ['list'], since: '2.2.0',
    summary: 'Inserts an element before or after the first occurrence of another',
    keySpecs: [{ flags: ['RW', 'insert'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'lrem', arity: 4, flags: ['write'], group: 'list', acl: ['list'], since: '1.0.0',
    summary: 'Removes occurrences of an element from a list',
    keySpecs: [{ flags: ['RW', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'ltrim', arity: 4, flags: ['write'], group: 'list', acl: ['list'], since: '1.0.0',
    summary: 'Keeps only the elements of a list between two indexes',
    keySpecs: [{ flags: ['RW', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'lpos', arity: -3, flags: ['readonly'], group: 'list', acl: ['list'], since: '6.0.6',
    summary: 'Finds the indexes of an element in a list',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'lmove', arity: 5, flags: ['write', 'denyoom'], group: 'list', acl: ['list'], since: '6.2.0',
    summary: 'Takes an element from one end of a list and adds it at one end of another',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['RW', 'insert'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'rpoplpush', arity: 3, flags: ['write', 'denyoom'], group: 'list', acl: ['list'], since: '1.2.0',
    summary: 'Takes the last element of a list and adds it at the head of another',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['RW', 'insert'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'lmpop', arity: -4, flags: ['write'], group: 'list', acl: ['list'], since: '7.0.0',
    summary: 'Takes elements from one end of the first non-empty list among several',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['keynum', 0, 1, 1] }],
  },
  {
    name: 'blpop', arity: -3, flags: ['write', 'noscript', 'blocking'], group: 'list', acl: ['list'], since: '2.0.0',
    summary: 'Takes the first element of the first non-empty list among several, waiting for one when all are empty',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', -2, 1, 0] }],
  },
  {
    name: 'brpop', arity: -3, flags: ['write', 'noscript', 'blocking'], group: 'list', acl: ['list'], since: '2.0.0',
    summary: 'Takes the last element of the first non-empty list among several, waiting for one when all are empty',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', -2, 1, 0] }],
  },
  {
    name: 'blmove', arity: 6, flags: ['write', 'denyoom', 'noscript', 'blocking'], group: 'list', acl: ['list'], since: '6.2.0',
    summary: 'Takes an element from one end of a list and adds it at one end of another, waiting for one when the list is empty',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['RW', 'insert'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'brpoplpush', arity: 4, flags: ['write', 'denyoom', 'noscript', 'blocking'], group: 'list', acl: ['list'], since: '2.2.0',
    summary: 'Takes the last element of a list and adds it at the head of another, waiting for one when the list is empty',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['RW', 'insert'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'blmpop', arity: -5, flags: ['write', 'blocking'], group: 'list', acl: ['list'], since: '7.0.0',
    summary: 'Takes elements from one end of the first non-empty list among several, waiting for one when all are empty',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 2], find: ['keynum', 0, 1, 1] }],
  },
];
