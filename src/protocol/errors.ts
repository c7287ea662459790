// Redis's shared error replies, word for word (server.c createSharedObjects).

import { log } from '../util/log.ts';

export const Errors = {
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  noSuchKey: 'ERR no such key',
  outOfRange: 'ERR index out of range',
  noAuth: 'NOAUTH Authentication required.',
  invalidDb: 'ERR DB index is out of range',
  sameObject: 'ERR source and destination objects are the same',
  overflow: 'ERR increment or decrement would overflow',
  outOfMemory: "OOM command not allowed when used memory > 'maxmemory'.",
  rdbSaveFailed: "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",
  noReplicas: 'NOREPLICAS Not enough good replicas to write.',
  invalidExpire: (command: string) => `ERR invalid expire time in '${command}' command`,
  wrongArgs: (command: string) => `ERR wrong number of arguments for '${command}' command`,
  unknownSubcommand: (sub: string, container: string) =>
    `ERR unknown subcommand '${sub}'. Try ${container.toUpperCase()} HELP.`,
} as const;

/** Logs an unexpected exception from a command and words the error its client gets. */
export function internalError(command: string, error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  log('warning', `Internal error while running '${command}': ${error instanceof Error ? (error.stack ?? detail) : detail}`);
  return `ERR internal error while running '${command}': ${detail}`.replace(/[\r\n]+/g, ' ');
}
