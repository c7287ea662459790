// Sorted set commands: their metadata as data (see command-row.ts); sorted-sets.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const sortedSetTable: readonly CommandRow[] = [
  {
    name: 'zadd', arity: -4, flags: ['write', 'denyoom', 'fast'], group: 'sorted-set', acl: ['sortedset'], since: '1.2.0',
    summary: 'Adds members to a sorted set or updates their scores, creating it when missing',
    keySpecs: [{ flags: ['RW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zincrby', arity: 4, flags: ['write', 'denyoom', 'fast'], group: 'sorted-set', acl: ['sortedset'], since: '1.2.0',
    summary: "Adds to a member's score in a sorted set, creating either when missing",
    keySpecs: [{ flags: ['RW', 'access', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zcard', arity: 2, flags: ['readonly', 'fast'], group: 'sorted-set', acl: ['sortedset'], since: '1.2.0',
    summary: 'Counts the members of a sorted set',
    keySpecs: [{ flags: ['RO'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zscore', arity: 3, flags: ['readonly', 'fast'], group: 'sorted-set', acl: ['sortedset'], since: '1.2.0',
    summary: 'Returns the score of a member of a sorted set',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zmscore', arity: -3, flags: ['readonly', 'fast'], group: 'sorted-set', acl: ['sortedset'], since: '6.2.0',
    summary: 'Returns the scores of several members of a sorted set',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zrank', arity: 3, flags: ['readonly', 'fast'], group: 'sorted-set', acl: ['sortedset'], since: '2.0.0',
    summary: 'Returns the rank of a member, by ascending score',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zrevrank', arity: 3, flags: ['readonly', 'fast'], group: 'sorted-set', acl: ['sortedset'], since: '2.0.0',
    summary: 'Returns the rank of a member, by descending score',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zcount', arity: 4, flags: ['readonly', 'fast'], group: 'sorted-set', acl: ['sortedset'], since: '2.0.0',
    summary: 'Counts the members whose scores lie in a range',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zlexcount', arity: 4, flags: ['readonly', 'fast'], group: 'sorted-set', acl: ['sortedset'], since: '2.8.9',
    summary: 'Counts the members between two members, in byte order',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zrange', arity: -4, flags: ['readonly'], group: 'sorted-set', acl: ['sortedset'], since: '1.2.0',
    summary: 'Returns the members in a range of ranks, scores or members',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zrevrange', arity: -4, flags: ['readonly'], group: 'sorted-set', acl: ['sortedset'], since: '1.2.0',
    summary: 'Returns the members in a range of ranks, highest score first',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zrangebyscore', arity: -4, flags: ['readonly'], group: 'sorted-set', acl: ['sortedset'], since: '1.0.5',
    summary: 'Returns the members whose scores lie in a range',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zrevrangebyscore', arity: -4, flags: ['readonly'], group: 'sorted-set', acl: ['sortedset'], since: '2.2.0',
    summary: 'Returns the members whose scores lie in a range, highest first',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zrangebylex', arity: -4, flags: ['readonly'], group: 'sorted-set', acl: ['sortedset'], since: '2.8.9',
    summary: 'Returns the members between two members, in byte order',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zrevrangebylex', arity: -4, flags: ['readonly'], group: 'sorted-set', acl: ['sortedset'], since: '2.8.9',
    summary: 'Returns the members between two members, in reverse byte order',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zrangestore', arity: -5, flags: ['write', 'denyoom'], group: 'sorted-set', acl: ['sortedset'], since: '6.2.0',
    summary: 'Stores a range of a sorted set as another',
    keySpecs: [{ flags: ['OW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['RO', 'access'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zrem', arity: -3, flags: ['write', 'fast'], group: 'sorted-set', acl: ['sortedset'], since: '1.2.0',
    summary: 'Removes members from a sorted set',
    keySpecs: [{ flags: ['RW', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zremrangebyrank', arity: 4, flags: ['write'], group: 'sorted-set', acl: ['sortedset'], since: '2.0.0',
    summary: 'Removes the members in a range of ranks',
    keySpecs: [{ flags: ['RW', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zremrangebyscore', arity: 4, flags: ['write'], group: 'sorted-set', acl: ['sortedset'], since: '1.2.0',
    summary: 'Removes the members whose scores lie in a range',
    keySpecs: [{ flags: ['RW', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zremrangebylex', arity: 4, flags: ['write'], group: 'sorted-set', acl: ['sortedset'], since: '2.8.9',
    summary: 'Removes the members between two members, in byte order',
    keySpecs: [{ flags: ['RW', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zpopmin', arity: -2, flags: ['write', 'fast'], group: 'sorted-set', acl: ['sortedset'], since: '5.0.0',
    summary: 'Takes the members with the lowest scores',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zpopmax', arity: -2, flags: ['write', 'fast'], group: 'sorted-set', acl: ['sortedset'], since: '5.0.0',
    summary: 'Takes the members with the highest scores',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zmpop', arity: -4, flags: ['write'], group: 'sorted-set', acl: ['sortedset'], since: '7.0.0',
    summary: 'Takes members from one end of the first non-empty sorted set among several',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['keynum', 0, 1, 1] }],
  },
  {
    name: 'bzpopmin', arity: -3, flags: ['write', 'noscript', 'blocking', 'fast'], group: 'sorted-set', acl: ['sortedset'], since: '5.0.0',
    summary: 'Takes the lowest-scored member of the first non-empty sorted set among several, waiting for one when all are empty',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', -2, 1, 0] }],
  },
  {
    name: 'bzpopmax', arity: -3, flags: ['write', 'noscript', 'blocking', 'fast'], group: 'sorted-set', acl: ['sortedset'], since: '5.0.0',
    summary: 'Takes the highest-scored member of the first non-empty sorted set among several, waiting for one when all are empty',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 1], find: ['range', -2, 1, 0] }],
  },
  {
    name: 'bzmpop', arity: -5, flags: ['write', 'blocking'], group: 'sorted-set', acl: ['sortedset'], since: '7.0.0',
    summary: 'Takes members from one end of the first non-empty sorted set among several, waiting for one when all are empty',
    keySpecs: [{ flags: ['RW', 'access', 'delete'], begin: ['index', 2], find: ['keynum', 0, 1, 1] }],
  },
  {
    name: 'zrandmember', arity: -2, flags: ['readonly'], group: 'sorted-set', acl: ['sortedset'], since: '6.2.0',
    summary: 'Returns random members of a sorted set',
    tips: ['nondeterministic_output'],
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zscan', arity: -3, flags: ['readonly'], group: 'sorted-set', acl: ['sortedset'], since: '2.8.0',
    summary: 'Walks the members and scores of a sorted set, a few per call',
    tips: ['nondeterministic_output'],
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['range', 0, 1, 0] }],
  },
  {
    name: 'zunion', arity: -3, flags: ['readonly'], group: 'sorted-set', acl: ['sortedset'], since: '6.2.0',
    summary: 'Returns the members of any of the given sorted sets, their scores combined',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['keynum', 0, 1, 1] }],
  },
  {
    name: 'zinter', arity: -3, flags: ['readonly'], group: 'sorted-set', acl: ['sortedset'], since: '6.2.0',
    summary: 'Returns the members every given sorted set has, their scores combined',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['keynum', 0, 1, 1] }],
  },
  {
    name: 'zdiff', arity: -3, flags: ['readonly'], group: 'sorted-set', acl: ['sortedset'], since: '6.2.0',
    summary: 'Returns the members of the first sorted set that no other given one has',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['keynum', 0, 1, 1] }],
  },
  {
    name: 'zunionstore', arity: -4, flags: ['write', 'denyoom'], group: 'sorted-set', acl: ['sortedset'], since: '2.0.0',
    summary: 'Stores the members of any of the given sorted sets, their scores combined',
    keySpecs: [{ flags: ['OW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['RO', 'access'], begin: ['index', 2], find: ['keynum', 0, 1, 1] }],
  },
  {
    name: 'zinterstore', arity: -4, flags: ['write', 'denyoom'], group: 'sorted-set', acl: ['sortedset'], since: '2.0.0',
    summary: 'Stores the members every given sorted set has, their scores combined',
    keySpecs: [{ flags: ['OW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['RO', 'access'], begin: ['index', 2], find: ['keynum', 0, 1, 1] }],
  },
  {
    name: 'zdiffstore', arity: -4, flags: ['write', 'denyoom'], group: 'sorted-set', acl: ['sortedset'], since: '6.2.0',
    summary: 'Stores the members of the first sorted set that no other given one has',
    keySpecs: [{ flags: ['OW', 'update'], begin: ['index', 1], find: ['range', 0, 1, 0] }, { flags: ['RO', 'access'], begin: ['index', 2], find: ['keynum', 0, 1, 1] }],
  },
  {
    name: 'zintercard', arity: -3, flags: ['readonly'], group: 'sorted-set', acl: ['sortedset'], since: '7.0.0',
    summary: 'Counts the members every given sorted set has, up to a limit',
    keySpecs: [{ flags: ['RO', 'access'], begin: ['index', 1], find: ['keynum', 0, 1, 1] }],
  },
];
