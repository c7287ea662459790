// MULTI, EXEC, DISCARD, WATCH, UNWATCH: their metadata as data (see command-row.ts); transactions.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const transactionTable: readonly CommandRow[] = [
  {
    name: 'multi', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'], group: 'transactions', acl: ['transaction'], since: '1.2.0',
    summary: 'Starts a transaction',
  },
  {
    name: 'exec', arity: 1, flags: ['noscript', 'loading', 'stale', 'skip-slowlog'], group: 'transactions', acl: ['transaction'], since: '1.2.0',
    summary: 'Runs the commands queued since MULTI as one transaction',
    placement: 'all-shards',
  },
  {
    name: 'discard', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'], group: 'transactions', acl: ['transaction'], since: '2.0.0',
    summary: 'Drops the commands queued since MULTI',
  },
  {
    name: 'watch', arity: -2, flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'], group: 'transactions', acl: ['transaction'], since: '2.2.0',
    summary: 'Makes the next EXEC fail if any of these keys changes',
    keySpecs: [{ flags: ['RO'], begin: ['index', 1], find: ['range', -1, 1, 0] }],
    placement: 'all-shards',
  },
  {
    name: 'unwatch', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'], group: 'transactions', acl: ['transaction'], since: '2.2.0',
    summary: 'Forgets every watched key',
  },
];
