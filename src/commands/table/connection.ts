// Connection commands: their metadata as data (see command-row.ts); connection.ts binds their handlers.

import type { CommandRow } from '../command-row.ts';

export const connectionTable: readonly CommandRow[] = [
  {
    name: 'ping', arity: -1, flags: ['fast', 'sentinel'], group: 'connection', acl: ['connection'], since: '1.0.0',
    summary: 'Checks that the server answers',
  },
  {
    name: 'echo', arity: 2, flags: ['loading', 'stale', 'fast'], group: 'connection', acl: ['connection'], since: '1.0.0',
    summary: 'Returns the given string',
  },
  {
    name: 'quit', arity: -1, flags: ['allow-busy', 'no-auth', 'noscript', 'loading', 'stale', 'fast'], group: 'connection', acl: ['connection'], since: '1.0.0',
    summary: 'Ends the connection',
  },
  {
    name: 'select', arity: 2, flags: ['loading', 'stale', 'fast'], group: 'connection', acl: ['connection'], since: '1.0.0',
    summary: 'Switches the connection to another database',
  },
  {
    name: 'auth', arity: -2, flags: ['noscript', 'loading', 'stale', 'fast', 'no-auth', 'sentinel', 'allow-busy'], group: 'connection', acl: ['connection'], since: '1.0.0',
    summary: 'Authenticates the connection',
  },
  {
    name: 'hello', arity: -1, flags: ['noscript', 'loading', 'stale', 'fast', 'no-auth', 'sentinel', 'allow-busy'], group: 'connection', acl: ['connection'], since: '6.0.0',
    summary: 'Picks the protocol version, optionally authenticating and naming the connection',
  },
  {
    name: 'reset', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'no-auth', 'allow-busy'], group: 'connection', acl: ['connection'], since: '6.2.0',
    summary: 'Puts the connection back in its initial state',
  },
];
