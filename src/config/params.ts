// Every configuration parameter the server knows, as data: name, kind,
// default, and whether CONFIG SET may change it at run time.

export type ParamKind = 'int' | 'memory' | 'bool' | 'enum' | 'string';

export interface ConfigParam {
  name: string;
  kind: ParamKind;
  /** The default, written as in redis.conf. */
  defaultValue: string;
  mutable: boolean;
  /** Refused by CONFIG SET as Redis refuses its protected configs (enable-protected-configs is no). */
  protected?: boolean;
  min?: number;
  /** Redis's upper bound (INT_MAX, UINT_MAX, LLONG_MAX...); a bigint where beyond 2^53. */
  max?: number | bigint;
  /** Values outside this range are accepted and brought into it (hz: 1..500). */
  clamp?: readonly [number, number];
  values?: readonly string[];
  aliases?: readonly string[];
  /** Directive that may repeat in a config file and takes several words (save, bind). */
  multiWord?: boolean;
}

const MB = 1024 * 1024;
const INT_MAX = 2147483647;
const UINT_MAX = 4294967295;
const LONG_MAX = 9223372036854775807n;
const ULLONG_MAX = 18446744073709551615n;

export const CONFIG_PARAMS: readonly ConfigParam[] = [
  // Network
  { name: 'port', kind: 'int', defaultValue: '6379', mutable: false, min: 0, max: 65535 },
  { name: 'bind', kind: 'string', defaultValue: '* -::*', mutable: false, multiWord: true },
  { name: 'protected-mode', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'tcp-backlog', kind: 'int', defaultValue: '511', mutable: false, min: 0, max: INT_MAX },
  { name: 'tcp-keepalive', kind: 'int', defaultValue: '300', mutable: true, min: 0, max: INT_MAX },
  { name: 'timeout', kind: 'int', defaultValue: '0', mutable: true, min: 0, max: INT_MAX },
  { name: 'maxclients', kind: 'int', defaultValue: '10000', mutable: true, min: 1, max: UINT_MAX },
  // Threads and shards
  { name: 'shards', kind: 'int', defaultValue: '0', mutable: false, min: 0, max: 1024 },
  { name: 'hz', kind: 'int', defaultValue: '10', mutable: true, min: 0, max: INT_MAX, clamp: [1, 500] },
  // General
  { name: 'dir', kind: 'string', defaultValue: '.', mutable: true, protected: true },
  { name: 'loglevel', kind: 'enum', defaultValue: 'notice', mutable: true, values: ['debug', 'verbose', 'notice', 'warning'] },
  { name: 'logfile', kind: 'string', defaultValue: '', mutable: false },
  { name: 'pidfile', kind: 'string', defaultValue: '', mutable: false },
  { name: 'daemonize', kind: 'bool', defaultValue: 'no', mutable: false },
  { name: 'databases', kind: 'int', defaultValue: '16', mutable: false, min: 16, max: 16 },
  { name: 'requirepass', kind: 'string', defaultValue: '', mutable: true },
  { name: 'enable-debug-command', kind: 'enum', defaultValue: 'no', mutable: false, values: ['no', 'yes', 'local'] },
  // Protocol limits
  { name: 'proto-max-bulk-len', kind: 'memory', defaultValue: '536870912', mutable: true, min: MB, max: LONG_MAX },
  { name: 'client-query-buffer-limit', kind: 'memory', defaultValue: '1073741824', mutable: true, min: MB, max: LONG_MAX },
  // Memory
  { name: 'maxmemory', kind: 'memory', defaultValue: '0', mutable: true, min: 0, max: ULLONG_MAX },
  {
    name: 'maxmemory-policy',
    kind: 'enum',
    defaultValue: 'noeviction',
    mutable: true,
    values: ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'],
  },
  { name: 'maxmemory-samples', kind: 'int', defaultValue: '5', mutable: true, min: 1, max: INT_MAX },
  { name: 'lfu-log-factor', kind: 'int', defaultValue: '10', mutable: true, min: 0, max: INT_MAX },
  { name: 'lfu-decay-time', kind: 'int', defaultValue: '1', mutable: true, min: 0, max: INT_MAX },
  // Persistence (the settings exist; persistence itself is not built yet)
  { name: 'save', kind: 'string', defaultValue: '3600 1 300 100 60 10000', mutable: true, multiWord: true },
  { name: 'dbfilename', kind: 'string', defaultValue: 'dump.rdb', mutable: true, protected: true },
  { name: 'appendonly', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'appendfilename', kind: 'string', defaultValue: 'appendonly.aof', mutable: false },
  { name: 'appendfsync', kind: 'enum', defaultValue: 'everysec', mutable: true, values: ['always', 'everysec', 'no'] },
];
