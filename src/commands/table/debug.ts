// DEBUG and its subcommands: their metadata as data (see command-row.ts); debug.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const debugTable: readonly CommandRow[] = [
  {
    name: 'debug', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale', 'protected'], group: 'server', since: '1.0.0',
    summary: 'Test and introspection hooks (enable-debug-command)',
    placement: 'all-shards',
  },
];
