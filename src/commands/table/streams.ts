// Stream commands: their metadata as data (see command-row.ts); streams.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const streamTable: readonly CommandRow[] = [
  {
    name: 'xadd', arity: -5, flags: ['write', 'denyoom', 'fast'], group: 'stream', acl: ['stream'], since: '5.0.0',
    summary: 'Appends an entry to a stream, creating it when missing',
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'xack', arity: -4, flags: ['write', 'fast'], group: 'stream', acl: ['stream'], since: '5.0.0',
    summary: 'Marks pending entries of a consumer group as processed',
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'xautoclaim', arity: -6, flags: ['write', 'fast'], group: 'stream', acl: ['stream'], since: '6.2.0',
    summary: 'Hands the pending entries idle long enough to another consumer, scanning from a cursor',
    keySpecs: [{ flags: ['RW', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'xclaim', arity: -6, flags: ['write', 'fast'], group: 'stream', acl: ['stream'], since: '5.0.0',
    summary: 'Hands pending entries to another consumer',
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'xdel', arity: -3, flags: ['write', 'fast'], group: 'stream', acl: ['stream'], since: '5.0.0',
    summary: 'Removes entries from a stream by id',
    keySpecs: [{ flags: ['RW', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'xgroup', arity: -2, flags: [], group: 'stream', since: '5.0.0',
    summary: 'Subcommands about consumer groups',
    subcommands: [
      {
        name: 'xgroup|create', arity: -5, flags: ['write', 'denyoom'], group: 'stream', acl: ['stream'], since: '5.0.0',
        summary: 'Creates a consumer group of a stream',
        keySpecs: [{ flags: ['RW', 'insert'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
      },
      {
        name: 'xgroup|createconsumer', arity: 5, flags: ['write', 'denyoom'], group: 'stream', acl: ['stream'], since: '6.2.0',
        summary: 'Adds a consumer to a consumer group',
        keySpecs: [{ flags: ['RW', 'insert'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
      },
      {
        name: 'xgroup|delconsumer', arity: 5, flags: ['write'], group: 'stream', acl: ['stream'], since: '5.0.0',
        summary: 'Removes a consumer from a consumer group',
        keySpecs: [{ flags: ['RW', 'delete'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
      },
      {
        name: 'xgroup|destroy', arity: 4, flags: ['write'], group: 'stream', acl: ['stream'], since: '5.0.0',
        summary: 'Removes a consumer group',
        keySpecs: [{ flags: ['RW', 'delete'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
      },
      {
        name: 'xgroup|help', arity: 2, flags: ['loading', 'stale'], group: 'stream', acl: ['stream'], since: '5.0.0',
        summary: 'Lists what XGROUP can do',
      },
      {
        name: 'xgroup|setid', arity: -5, flags: ['write'], group: 'stream', acl: ['stream'], since: '5.0.0',
        summary: 'Moves the last delivered id of a consumer group',
        keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
      },
    ],
  },
  {
    name: 'xinfo', arity: -2, flags: [], group: 'stream', since: '5.0.0',
    summary: 'Subcommands about streams, their groups and consumers',
    subcommands: [
      {
        name: 'xinfo|consumers', arity: 4, flags: ['readonly'], group: 'stream', acl: ['stream'], since: '5.0.0',
        summary: 'Lists the consumers of a consumer group',
        keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
      },
      {
        name: 'xinfo|groups', arity: 3, flags: ['readonly'], group: 'stream', acl: ['stream'], since: '5.0.0',
        summary: 'Lists the consumer groups of a stream',
        keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
      },
      {
        name: 'xinfo|help', arity: 2, flags: ['loading', 'stale'], group: 'stream', acl: ['stream'], since: '5.0.0',
        summary: 'Lists what XINFO can do',
      },
      {
        name: 'xinfo|stream', arity: -3, flags: ['readonly'], group: 'stream', acl: ['stream'], since: '5.0.0',
        summary: 'Describes a stream',
        keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
      },
    ],
  },
  {
    name: 'xlen', arity: 2, flags: ['readonly', 'fast'], group: 'stream', acl: ['stream'], since: '5.0.0',
    summary: 'Counts the entries of a stream',
    keySpecs: [{ flags: ['RO'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'xpending', arity: -3, flags: ['readonly'], group: 'stream', acl: ['stream'], since: '5.0.0',
    summary: 'Describes the pending entries of a consumer group',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'xrange', arity: -4, flags: ['readonly'], group: 'stream', acl: ['stream'], since: '5.0.0',
    summary: 'Returns the entries of a stream between two ids',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'xread', arity: -4, flags: ['readonly', 'blocking'], group: 'stream', acl: ['stream'], since: '5.0.0',
    summary: 'Returns the entries after given ids of one or more streams, waiting for some when asked',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['keyword', 'STREAMS', 1], find: ['range', -1, 1, 2] }],
  },
  {
    name: 'xreadgroup', arity: -7, flags: ['write', 'blocking'], group: 'stream', acl: ['stream'], since: '5.0.0',
    summary: 'Returns entries of streams for a consumer of a group, waiting for some when asked',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['keyword', 'STREAMS', 4], find: ['range', -1, 1, 2] }],
  },
  {
    name: 'xrevrange', arity: -4, flags: ['readonly'], group: 'stream', acl: ['stream'], since: '5.0.0',
    summary: 'Returns the entries of a stream between two ids, from the highest',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'xsetid', arity: -3, flags: ['write', 'denyoom', 'fast'], group: 'stream', acl: ['stream'], since: '5.0.0',
    summary: 'Sets the last id and counters of a stream',
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'xtrim', arity: -4, flags: ['write'], group: 'stream', acl: ['stream'], since: '5.0.0',
    summary: 'Removes the oldest entries of a stream',
    keySpecs: [{ flags: ['RW', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
];
