// Every configuration parameter the server knows, as data: name, kind,
// default, range, aliases, and whether CONFIG SET may change it at run time.
// Names, defaults and ranges are Redis 7.0's. A parameter takes effect when
// the feature it configures exists: those of features not built yet
// (replication, the slow log, encodings of types to come, TLS, cluster
// bus...) are accepted, checked and reported by CONFIG GET/SET, and do
// nothing else until then; one that would turn such a feature on and promise
// what is not done (a save schedule) is refused instead
// (notBuilt), in the command line, a config file and CONFIG SET alike.

/** 'buffer-limits': client-output-buffer-limit's classes (config/buffer-limits.ts); 'keyspace-events': notify-keyspace-events's letters (config/keyspace-events.ts); 'save-points': save's pairs (config/save-points.ts). */
export type ParamKind = 'int' | 'memory' | 'bool' | 'enum' | 'string' | 'buffer-limits' | 'keyspace-events' | 'save-points';

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
  /** A memory value that may also be a percentage of maxmemory, written N% (maxmemory-clients). */
  percent?: boolean;
  /** Directive that may repeat in a config file and takes several words (save, bind). */
  multiWord?: boolean;
  /** It turns on a feature not built yet: any value but `accepted` is refused, with `reason`. */
  notBuilt?: { accepted: string; reason: string };
}

const MB = 1024 * 1024;
const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
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
  // Persistence: SAVE and the load at start-up are built; BGSAVE (and so save points) and the AOF are not.
  // Redis's default is "3600 1 300 100 60 10000"; no background save runs yet, so none is promised.
  // Redis saves by default (3600 1 300 100 60 10000); here none is set until asked for, as with --save "".
  { name: 'save', kind: 'save-points', defaultValue: '', mutable: true, multiWord: true },
  { name: 'dbfilename', kind: 'string', defaultValue: 'dump.rdb', mutable: true, protected: true },
  { name: 'appendonly', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'appendfilename', kind: 'string', defaultValue: 'appendonly.aof', mutable: false },
  { name: 'appenddirname', kind: 'string', defaultValue: 'appendonlydir', mutable: false },
  { name: 'appendfsync', kind: 'enum', defaultValue: 'everysec', mutable: true, values: ['always', 'everysec', 'no'] },
  // Accepted and reported; they take effect with the features they configure.
  { name: 'acl-pubsub-default', kind: 'enum', defaultValue: 'resetchannels', mutable: true, values: ['allchannels', 'resetchannels'] },
  { name: 'acllog-max-len', kind: 'int', defaultValue: '128', mutable: true, min: 0, max: LONG_MAX },
  { name: 'active-defrag-cycle-max', kind: 'int', defaultValue: '25', mutable: true, min: 1, max: 99 },
  { name: 'active-defrag-cycle-min', kind: 'int', defaultValue: '1', mutable: true, min: 1, max: 99 },
  { name: 'active-defrag-ignore-bytes', kind: 'memory', defaultValue: '104857600', mutable: true, min: 1, max: LONG_MAX },
  { name: 'active-defrag-max-scan-fields', kind: 'int', defaultValue: '1000', mutable: true, min: 1, max: LONG_MAX },
  { name: 'active-defrag-threshold-lower', kind: 'int', defaultValue: '10', mutable: true, min: 0, max: 1000 },
  { name: 'active-defrag-threshold-upper', kind: 'int', defaultValue: '100', mutable: true, min: 0, max: 1000 },
  { name: 'active-expire-effort', kind: 'int', defaultValue: '1', mutable: true, min: 1, max: 10 },
  { name: 'activedefrag', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'activerehashing', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'aof-disable-auto-gc', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'aof-load-truncated', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'aof-rewrite-incremental-fsync', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'aof-timestamp-enabled', kind: 'bool', defaultValue: 'no', mutable: true, notBuilt: { accepted: 'no', reason: 'AOF timestamp annotations are not written by this server' } },
  { name: 'aof-use-rdb-preamble', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'auto-aof-rewrite-min-size', kind: 'memory', defaultValue: '67108864', mutable: true, min: 0, max: LONG_MAX },
  { name: 'auto-aof-rewrite-percentage', kind: 'int', defaultValue: '100', mutable: true, min: 0, max: INT_MAX },
  { name: 'bind-source-addr', kind: 'string', defaultValue: '', mutable: true },
  { name: 'busy-reply-threshold', kind: 'int', defaultValue: '5000', mutable: true, min: 0, max: LONG_MAX, aliases: ['lua-time-limit'] },
  { name: 'client-output-buffer-limit', kind: 'buffer-limits', defaultValue: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60', mutable: true, multiWord: true },
  { name: 'cluster-allow-pubsubshard-when-down', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'cluster-allow-reads-when-down', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'cluster-allow-replica-migration', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'cluster-announce-bus-port', kind: 'int', defaultValue: '0', mutable: true, min: 0, max: 65535 },
  { name: 'cluster-announce-hostname', kind: 'string', defaultValue: '', mutable: true },
  { name: 'cluster-announce-ip', kind: 'string', defaultValue: '', mutable: true },
  { name: 'cluster-announce-port', kind: 'int', defaultValue: '0', mutable: true, min: 0, max: 65535 },
  { name: 'cluster-announce-tls-port', kind: 'int', defaultValue: '0', mutable: true, min: 0, max: 65535 },
  { name: 'cluster-link-sendbuf-limit', kind: 'memory', defaultValue: '0', mutable: true, min: 0, max: ULLONG_MAX },
  { name: 'cluster-migration-barrier', kind: 'int', defaultValue: '1', mutable: true, min: 0, max: INT_MAX },
  { name: 'cluster-node-timeout', kind: 'int', defaultValue: '15000', mutable: true, min: 0, max: LONG_MAX },
  { name: 'cluster-preferred-endpoint-type', kind: 'enum', defaultValue: 'ip', mutable: true, values: ['ip', 'hostname', 'unknown-endpoint'] },
  { name: 'cluster-replica-no-failover', kind: 'bool', defaultValue: 'no', mutable: true, aliases: ['cluster-slave-no-failover'] },
  { name: 'cluster-replica-validity-factor', kind: 'int', defaultValue: '10', mutable: true, min: 0, max: INT_MAX, aliases: ['cluster-slave-validity-factor'] },
  { name: 'cluster-require-full-coverage', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'crash-log-enabled', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'crash-memcheck-enabled', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'dynamic-hz', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'enable-module-command', kind: 'enum', defaultValue: 'no', mutable: false, values: ['no', 'yes', 'local'] },
  { name: 'enable-protected-configs', kind: 'enum', defaultValue: 'no', mutable: false, values: ['no', 'yes', 'local'] },
  { name: 'hash-max-listpack-entries', kind: 'int', defaultValue: '512', mutable: true, min: 0, max: LONG_MAX, aliases: ['hash-max-ziplist-entries'] },
  { name: 'hash-max-listpack-value', kind: 'memory', defaultValue: '64', mutable: true, min: 0, max: LONG_MAX, aliases: ['hash-max-ziplist-value'] },
  { name: 'hll-sparse-max-bytes', kind: 'memory', defaultValue: '3000', mutable: true, min: 0, max: LONG_MAX },
  { name: 'ignore-warnings', kind: 'string', defaultValue: '', mutable: true },
  { name: 'jemalloc-bg-thread', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'key-load-delay', kind: 'int', defaultValue: '0', mutable: true, min: INT_MIN, max: INT_MAX },
  { name: 'latency-monitor-threshold', kind: 'int', defaultValue: '0', mutable: true, min: 0, max: LONG_MAX },
  { name: 'latency-tracking', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'latency-tracking-info-percentiles', kind: 'string', defaultValue: '50 99 99.9', mutable: true, multiWord: true },
  { name: 'lazyfree-lazy-eviction', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'lazyfree-lazy-expire', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'lazyfree-lazy-server-del', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'lazyfree-lazy-user-del', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'lazyfree-lazy-user-flush', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'list-compress-depth', kind: 'int', defaultValue: '0', mutable: true, min: 0, max: INT_MAX },
  { name: 'list-max-listpack-size', kind: 'int', defaultValue: '-2', mutable: true, min: INT_MIN, max: INT_MAX, aliases: ['list-max-ziplist-size'] },
  { name: 'masterauth', kind: 'string', defaultValue: '', mutable: true },
  { name: 'masteruser', kind: 'string', defaultValue: '', mutable: true },
  { name: 'maxmemory-clients', kind: 'memory', defaultValue: '0', mutable: true, min: 0, max: LONG_MAX, percent: true },
  { name: 'maxmemory-eviction-tenacity', kind: 'int', defaultValue: '10', mutable: true, min: 0, max: 100 },
  { name: 'min-replicas-max-lag', kind: 'int', defaultValue: '10', mutable: true, min: 0, max: INT_MAX, aliases: ['min-slaves-max-lag'] },
  { name: 'min-replicas-to-write', kind: 'int', defaultValue: '0', mutable: true, min: 0, max: INT_MAX, aliases: ['min-slaves-to-write'] },
  { name: 'no-appendfsync-on-rewrite', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'notify-keyspace-events', kind: 'keyspace-events', defaultValue: '', mutable: true },
  { name: 'proc-title-template', kind: 'string', defaultValue: '{title} {listen-addr} {server-mode}', mutable: true },
  { name: 'propagation-error-behavior', kind: 'enum', defaultValue: 'ignore', mutable: true, values: ['ignore', 'panic', 'panic-on-replicas'] },
  { name: 'rdb-del-sync-files', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'rdb-key-save-delay', kind: 'int', defaultValue: '0', mutable: true, min: INT_MIN, max: INT_MAX },
  { name: 'rdb-save-incremental-fsync', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'rdbchecksum', kind: 'bool', defaultValue: 'yes', mutable: false },
  { name: 'rdbcompression', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'repl-backlog-size', kind: 'memory', defaultValue: '1048576', mutable: true, min: 1, max: LONG_MAX },
  { name: 'repl-backlog-ttl', kind: 'int', defaultValue: '3600', mutable: true, min: 0, max: LONG_MAX },
  { name: 'repl-disable-tcp-nodelay', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'repl-diskless-load', kind: 'enum', defaultValue: 'disabled', mutable: true, values: ['disabled', 'on-empty-db', 'swapdb'] },
  { name: 'repl-diskless-sync', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'repl-diskless-sync-delay', kind: 'int', defaultValue: '5', mutable: true, min: 0, max: INT_MAX },
  { name: 'repl-diskless-sync-max-replicas', kind: 'int', defaultValue: '0', mutable: true, min: 0, max: INT_MAX },
  { name: 'repl-ping-replica-period', kind: 'int', defaultValue: '10', mutable: true, min: 1, max: INT_MAX, aliases: ['repl-ping-slave-period'] },
  { name: 'repl-timeout', kind: 'int', defaultValue: '60', mutable: true, min: 1, max: INT_MAX },
  { name: 'replica-announce-ip', kind: 'string', defaultValue: '', mutable: true, aliases: ['slave-announce-ip'] },
  { name: 'replica-announce-port', kind: 'int', defaultValue: '0', mutable: true, min: 0, max: 65535, aliases: ['slave-announce-port'] },
  { name: 'replica-announced', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'replica-ignore-disk-write-errors', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'replica-ignore-maxmemory', kind: 'bool', defaultValue: 'yes', mutable: true, aliases: ['slave-ignore-maxmemory'] },
  { name: 'replica-lazy-flush', kind: 'bool', defaultValue: 'no', mutable: true, aliases: ['slave-lazy-flush'] },
  { name: 'replica-priority', kind: 'int', defaultValue: '100', mutable: true, min: 0, max: INT_MAX, aliases: ['slave-priority'] },
  { name: 'replica-read-only', kind: 'bool', defaultValue: 'yes', mutable: true, aliases: ['slave-read-only'] },
  { name: 'replica-serve-stale-data', kind: 'bool', defaultValue: 'yes', mutable: true, aliases: ['slave-serve-stale-data'] },
  { name: 'sanitize-dump-payload', kind: 'enum', defaultValue: 'no', mutable: true, values: ['no', 'yes', 'clients'] },
  { name: 'set-max-intset-entries', kind: 'int', defaultValue: '512', mutable: true, min: 0, max: LONG_MAX },
  { name: 'shutdown-on-sigint', kind: 'enum', defaultValue: 'default', mutable: true, values: ['default', 'save', 'nosave', 'now', 'force'] },
  { name: 'shutdown-on-sigterm', kind: 'enum', defaultValue: 'default', mutable: true, values: ['default', 'save', 'nosave', 'now', 'force'] },
  { name: 'shutdown-timeout', kind: 'int', defaultValue: '10', mutable: true, min: 0, max: INT_MAX },
  { name: 'slowlog-log-slower-than', kind: 'int', defaultValue: '10000', mutable: true, min: -1, max: LONG_MAX },
  { name: 'slowlog-max-len', kind: 'int', defaultValue: '128', mutable: true, min: 0, max: LONG_MAX },
  { name: 'stop-writes-on-bgsave-error', kind: 'bool', defaultValue: 'yes', mutable: true },
  { name: 'stream-node-max-bytes', kind: 'memory', defaultValue: '4096', mutable: true, min: 0, max: LONG_MAX },
  { name: 'stream-node-max-entries', kind: 'int', defaultValue: '100', mutable: true, min: 0, max: LONG_MAX },
  { name: 'tls-auth-clients', kind: 'enum', defaultValue: 'yes', mutable: true, values: ['no', 'yes', 'optional'] },
  { name: 'tls-client-key-file-pass', kind: 'string', defaultValue: '', mutable: true },
  { name: 'tls-cluster', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'tls-key-file-pass', kind: 'string', defaultValue: '', mutable: true },
  { name: 'tls-replication', kind: 'bool', defaultValue: 'no', mutable: true },
  { name: 'tracking-table-max-keys', kind: 'int', defaultValue: '1000000', mutable: true, min: 0, max: LONG_MAX },
  { name: 'zset-max-listpack-entries', kind: 'int', defaultValue: '128', mutable: true, min: 0, max: LONG_MAX, aliases: ['zset-max-ziplist-entries'] },
  { name: 'zset-max-listpack-value', kind: 'memory', defaultValue: '64', mutable: true, min: 0, max: LONG_MAX, aliases: ['zset-max-ziplist-value'] },
];
