// MEMORY and its subcommands: their metadata as data (see command-row.ts); memory.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const memoryTable: readonly CommandRow[] = [
  {
    name: 'memory', arity: -2, flags: [], group: 'server', since: '4.0.0',
    summary: 'Subcommands about memory use',
    subcommands: [
      {
        name: 'memory|doctor', arity: 2, flags: [], group: 'server', since: '4.0.0',
        summary: "Diagnoses the server's memory use",
        placement: 'all-shards',
      },
      {
        name: 'memory|malloc-stats', arity: 2, flags: [], group: 'server', since: '4.0.0',
        summary: "Reports the allocators' figures",
        placement: 'all-shards',
      },
      {
        name: 'memory|purge', arity: 2, flags: [], group: 'server', since: '4.0.0',
        summary: 'Gives unused memory back to the system',
      },
      {
        name: 'memory|stats', arity: 2, flags: [], group: 'server', since: '4.0.0',
        summary: "Reports the server's memory use",
        placement: 'all-shards',
      },
      {
        name: 'memory|usage', arity: -3, flags: ['readonly'], group: 'server', since: '4.0.0',
        summary: 'Estimates the bytes a key and its value take',
        keySpecs: [{ flags: ['RO'], begin: ['index', 2], find: ['range', 0, 1, 0] }],
      },
      {
        name: 'memory|help', arity: 2, flags: ['loading', 'stale'], group: 'server', since: '4.0.0',
        summary: 'Lists the subcommands',
      },
    ],
  },
];
