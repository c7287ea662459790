// FCALL, FCALL_RO and FUNCTION: their metadata as data (see command-row.ts); functions.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const functionTable: readonly CommandRow[] = [
  {
    name: 'fcall', arity: -3, flags: ['noscript', 'stale', 'skip-monitor', 'no-mandatory-keys'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
    summary: 'Calls a function of a loaded library', complexity: 'Depends on the function that is executed.',
    keySpecs: [{ notes: 'We cannot tell how the keys will be used so we assume the worst, RW and UPDATE', flags: ['RW', 'access', 'update'], begin: ['index', 2], find: ['keynum', 0, 1, 1] }],
  },
  {
    name: 'fcall_ro', arity: -3, flags: ['readonly', 'noscript', 'stale', 'skip-monitor', 'no-mandatory-keys'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
    summary: 'Calls a read-only function of a loaded library', complexity: 'Depends on the function that is executed.',
    keySpecs: [{ notes: 'We cannot tell how the keys will be used so we assume the worst, RO and ACCESS', flags: ['RO', 'access'], begin: ['index', 2], find: ['keynum', 0, 1, 1] }],
  },
  {
    name: 'function', arity: -2, flags: [], group: 'scripting', since: '7.0.0',
    summary: 'Subcommands about function libraries',
    subcommands: [
      {
        name: 'function|delete', arity: 3, flags: ['write', 'noscript'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
        summary: 'Removes a library and its functions', complexity: 'O(1)',
        tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
        placement: 'all-shards',
      },
      {
        name: 'function|dump', arity: 2, flags: ['noscript'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
        summary: 'Serializes every library into one payload', complexity: 'O(N) where N is the number of functions',
      },
      {
        name: 'function|flush', arity: -2, flags: ['write', 'noscript'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
        summary: 'Removes every library', complexity: 'O(N) where N is the number of functions deleted',
        tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
        placement: 'all-shards',
      },
      {
        name: 'function|help', arity: 2, flags: ['loading', 'stale'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
        summary: 'Lists the subcommands', complexity: 'O(1)',
      },
      {
        name: 'function|kill', arity: 2, flags: ['noscript', 'allow-busy'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
        summary: 'Stops the function that is running, if it has not written', complexity: 'O(1)',
        tips: ['request_policy:all_shards', 'response_policy:one_succeeded'],
      },
      {
        name: 'function|list', arity: -2, flags: ['noscript'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
        summary: 'Describes the loaded libraries', complexity: 'O(N) where N is the number of functions',
        tips: ['nondeterministic_output_order'],
      },
      {
        name: 'function|load', arity: -3, flags: ['write', 'denyoom', 'noscript'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
        summary: 'Loads a library of functions', complexity: 'O(1) (considering compilation time is redundant)',
        tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
        placement: 'all-shards',
      },
      {
        name: 'function|restore', arity: -3, flags: ['write', 'denyoom', 'noscript'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
        summary: 'Loads the libraries of a FUNCTION DUMP payload', complexity: 'O(N) where N is the number of functions on the payload',
        tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
        placement: 'all-shards',
      },
      {
        name: 'function|stats', arity: 2, flags: ['noscript', 'allow-busy'], group: 'scripting', acl: ['scripting'], since: '7.0.0',
        summary: 'Tells the function running, and how many libraries and functions are loaded', complexity: 'O(1)',
        tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
      },
    ],
  },
];
