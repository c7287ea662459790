// EVAL, EVALSHA, their read-only forms and SCRIPT: their metadata as data (see command-row.ts); scripting.ts binds their handlers.

import type { CommandRow, KeySpec } from '../command-row.ts';

const WRITE_KEYS: KeySpec = {
  notes: 'We cannot tell how the keys will be used so we assume the worst, RW and UPDATE',
  flags: ['RW', 'access', 'update'], begin: ['index', 2], find: ['keynum', 0, 1, 1],
};
const READ_KEYS: KeySpec = {
  notes: 'We cannot tell how the keys will be used so we assume the worst, RO and ACCESS',
  flags: ['RO', 'access'], begin: ['index', 2], find: ['keynum', 0, 1, 1],
};

export const scriptingTable: readonly CommandRow[] = [
  {
    name: 'eval', arity: -3, flags: ['noscript', 'stale', 'skip-monitor', 'no-mandatory-keys'], group: 'scripting', acl: ['scripting'], since: '2.6.0',
    summary: 'Runs a Lua script on the server', complexity: 'Depends on the script that is executed.',
    keySpecs: [WRITE_KEYS],
  },
  {
    name: 'evalsha', arity: -3, flags: ['noscript', 'stale', 'skip-monitor', 'no-mandatory-keys'], group: 'scripting', acl: ['scripting'], since: '2.6.0',
    summary: 'Runs a cached Lua script by its SHA1 digest', complexity: 'Depends on the script that is executed.',
    keySpecs: [WRITE_KEYS],
  },
  {
    name: 'eval_ro', arity: -3, flags: ['readonly', 'noscript', 'stale', 'skip-monitor', 'no-mandatory-keys'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
    summary: 'Runs a read-only Lua script on the server', complexity: 'Depends on the script that is executed.',
    keySpecs: [READ_KEYS],
  },
  {
    name: 'evalsha_ro', arity: -3, flags: ['readonly', 'noscript', 'stale', 'skip-monitor', 'no-mandatory-keys'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
    summary: 'Runs a cached read-only Lua script by its SHA1 digest', complexity: 'Depends on the script that is executed.',
    keySpecs: [READ_KEYS],
  },
  {
    name: 'script', arity: -2, flags: [], group: 'scripting', since: '2.6.0',
    summary: 'Subcommands about the script cache',
    subcommands: [
      {
        name: 'script|exists', arity: -3, flags: ['noscript'], group: 'scripting', acl: ['scripting'], since: '2.6.0',
        summary: 'Tells which scripts are in the cache', complexity: 'O(N) with N the number of scripts to check (so checking a single script is an O(1) operation).',
        tips: ['request_policy:all_shards', 'response_policy:agg_logical_and'],
        placement: 'all-shards',
      },
      {
        name: 'script|flush', arity: -2, flags: ['noscript'], group: 'scripting', acl: ['scripting'], since: '2.6.0',
        summary: 'Empties the script cache', complexity: 'O(N) with N the number of scripts in cache',
        tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
        placement: 'all-shards',
      },
      {
        name: 'script|help', arity: 2, flags: ['loading', 'stale'], group: 'scripting', acl: ['scripting'], since: '5.0.0',
        summary: 'Lists the subcommands', complexity: 'O(1)',
      },
      {
        name: 'script|kill', arity: 2, flags: ['noscript', 'allow-busy'], group: 'scripting', acl: ['scripting'], since: '2.6.0',
        summary: 'Stops the script that is running, if it has not written', complexity: 'O(1)',
        tips: ['request_policy:all_shards', 'response_policy:one_succeeded'],
      },
      {
        name: 'script|load', arity: 3, flags: ['noscript', 'stale'], group: 'scripting', acl: ['scripting'], since: '2.6.0',
        summary: 'Compiles a script into the cache without running it', complexity: 'O(N) with N being the length in bytes of the script body.',
        tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
        placement: 'all-shards',
      },
    ],
  },
];
