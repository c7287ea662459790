// FUNCTION, refused until scripting exists: their metadata as data (see command-row.ts); functions.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const functionTable: readonly CommandRow[] = [
  {
    name: 'function', arity: -2, flags: [], group: 'scripting', since: '7.0.0',
    summary: 'Subcommands about function libraries',
    subcommands: [
      {
        name: 'function|flush', arity: -2, flags: ['write', 'noscript'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
        summary: 'Removes every library',
      },
      {
        name: 'function|list', arity: -2, flags: ['noscript'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
        summary: 'Describes the loaded libraries',
      },
      {
        name: 'function|help', arity: 2, flags: ['loading', 'stale'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
        summary: 'Lists the subcommands',
      },
    ],
  },
];
