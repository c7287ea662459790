// INFO: each shard reports its counters; the coordinator adds them up and
// writes the sections with Redis's field names.

import { threadId } from 'node:worker_threads';
import os from 'node:os';
import type { CommandContext } from './command.ts';
import type { ReplyValue } from '../protocol/reply-reader.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { MergeRequest } from '../tx/multi-shard.ts';
import { REDIS_VERSION, VERSION } from '../server/version.ts';
import { DATABASE_COUNT } from '../store/shard-store.ts';

/** The per-shard part: counters as a flat [name, value, ...] array. */
export function shardInfo(ctx: CommandContext): void {
  const { store, server, out } = ctx;
  const fields: [string, number][] = [
    ['connected_clients', server.clients.size],
    ['total_connections_received', server.stats.connectionsReceived],
    ['total_commands_processed', server.stats.commandsProcessed],
    ['rejected_connections', server.stats.rejectedConnections],
    ['total_net_input_bytes', server.stats.netInputBytes],
    ['total_net_output_bytes', server.stats.netOutputBytes],
    ['expired_keys', store.stats.expiredKeys],
    ['expired_time_cap_reached_count', store.stats.expiredTimeCapReached],
    ['keyspace_hits', store.stats.keyspaceHits],
    ['keyspace_misses', store.stats.keyspaceMisses],
    ['total_hops', server.stats.hops],
    [`shard${server.threadIndex}_thread_id`, threadId],
  ];
  for (let db = 0; db < DATABASE_COUNT; db++) {
    const database = store.dbs[db];
    if (database.size === 0) continue;
    fields.push([`db${db}_keys`, database.size], [`db${db}_expires`, database.volatileCount]);
  }
  out.arrayHeader(fields.length * 2);
  for (const [name, value] of fields) {
    out.bulkString(name);
    out.integer(value);
  }
}

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace'];
const SECTION_TITLES: Record<string, string> = {
  server: 'Server',
  clients: 'Clients',
  memory: 'Memory',
  persistence: 'Persistence',
  stats: 'Stats',
  replication: 'Replication',
  cpu: 'CPU',
  modules: 'Modules',
  errorstats: 'Errorstats',
  cluster: 'Cluster',
  keyspace: 'Keyspace',
  commandstats: 'Commandstats',
  latencystats: 'Latencystats',
};
const ALL_SECTIONS = [...DEFAULT_SECTIONS, 'commandstats', 'latencystats'];

function humanBytes(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n}B` : `${value.toFixed(2)}${units[unit]}`;
}

/** Merges the shards' counters into INFO's text. */
export function mergeInfo(replies: ReplyValue[], out: ReplyWriter, request: MergeRequest): void {
  const totals = new Map<string, number>();
  for (const reply of replies) {
    const items = reply as ReplyValue[];
    for (let i = 0; i < items.length; i += 2) {
      const name = (items[i] as Buffer).toString();
      totals.set(name, (totals.get(name) ?? 0) + Number(items[i + 1]));
    }
  }
  const asked = request.args.slice(1).map((arg) => arg.toString().toLowerCase());
  let sections: string[];
  if (asked.length === 0 || asked.includes('default')) sections = DEFAULT_SECTIONS;
  else if (asked.includes('all') || asked.includes('everything')) sections = ALL_SECTIONS;
  else sections = asked;
  const server = request.coordinator.server;
  const config = server.config;
  const total = (name: string) => totals.get(name) ?? 0;
  const now = Date.now();
  const memory = process.memoryUsage();
  const parts: string[] = [];
  for (const section of sections) {
    const lines: string[] = [];
    switch (section) {
      case 'server': {
        const uptime = Math.floor((now - server.shared.startedAt) / 1000);
        lines.push(
          `redis_version:${REDIS_VERSION}`,
          'redis_git_sha1:00000000',
          'redis_git_dirty:0',
          'redis_build_id:0',
          'redis_mode:standalone',
          `os:${os.type()} ${os.release()} ${os.arch()}`,
          'arch_bits:64',
          'monotonic_clock:POSIX clock_gettime',
          'multiplexing_api:epoll',
          'atomicvar_api:c11-builtin',
          'gcc_version:0.0.0',
          `process_id:${process.pid}`,
          'process_supervised:no',
          `run_id:${server.shared.runId}`,
          `tcp_port:${config.get('port')}`,
          `server_time_usec:${now * 1000}`,
          `uptime_in_seconds:${uptime}`,
          `uptime_in_days:${Math.floor(uptime / 86400)}`,
          `hz:${config.get('hz')}`,
          `configured_hz:${config.get('hz')}`,
          `lru_clock:${Math.floor(now / 1000) & 0xffffff}`,
          `executable:${server.shared.executablePath}`,
          `config_file:${server.shared.configFile}`,
          'io_threads_active:0',
          `threadis_version:${VERSION}`,
          `node_version:${process.version}`,
          `shards:${server.shardCount}`,
          `shard_threads:${server.shardCount === 1 ? 'main' : 'workers'}`,
        );
        for (let shard = 0; shard < server.shardCount; shard++) {
          lines.push(`shard${shard}:thread_id=${total(`shard${shard}_thread_id`)},thread=${server.shardCount === 1 ? 'main' : `worker-${shard}`}`);
        }
        break;
      }
      case 'clients':
        lines.push(
          `connected_clients:${total('connected_clients')}`,
          'cluster_connections:0',
          `maxclients:${config.get('maxclients')}`,
          'client_recent_max_input_buffer:0',
          'client_recent_max_output_buffer:0',
          'blocked_clients:0',
          'tracking_clients:0',
          'clients_in_timeout_table:0',
        );
        break;
      case 'memory': {
        const maxmemory = config.getNumber('maxmemory');
        const used = memory.heapUsed + memory.external + memory.arrayBuffers;
        lines.push(
          `used_memory:${used}`,
          `used_memory_human:${humanBytes(used)}`,
          `used_memory_rss:${memory.rss}`,
          `used_memory_rss_human:${humanBytes(memory.rss)}`,
          `maxmemory:${maxmemory}`,
          `maxmemory_human:${humanBytes(maxmemory)}`,
          `maxmemory_policy:${config.get('maxmemory-policy')}`,
          `mem_fragmentation_ratio:${(memory.rss / Math.max(1, used)).toFixed(2)}`,
        );
        break;
      }
      case 'persistence':
        lines.push('loading:0', 'async_loading:0', 'rdb_changes_since_last_save:0', 'rdb_bgsave_in_progress:0', 'aof_enabled:0', 'aof_rewrite_in_progress:0');
        break;
      case 'stats':
        lines.push(
          `total_connections_received:${total('total_connections_received')}`,
          `total_commands_processed:${total('total_commands_processed')}`,
          `total_net_input_bytes:${total('total_net_input_bytes')}`,
          `total_net_output_bytes:${total('total_net_output_bytes')}`,
          `rejected_connections:${total('rejected_connections')}`,
          `expired_keys:${total('expired_keys')}`,
          `expired_time_cap_reached_count:${total('expired_time_cap_reached_count')}`,
          'evicted_keys:0',
          `keyspace_hits:${total('keyspace_hits')}`,
          `keyspace_misses:${total('keyspace_misses')}`,
          'pubsub_channels:0',
          'pubsub_patterns:0',
          `total_hops:${total('total_hops')}`,
        );
        break;
      case 'replication':
        lines.push('role:master', 'connected_slaves:0', 'master_repl_offset:0');
        break;
      case 'cpu': {
        const usage = process.cpuUsage();
        lines.push(`used_cpu_sys:${(usage.system / 1e6).toFixed(6)}`, `used_cpu_user:${(usage.user / 1e6).toFixed(6)}`);
        break;
      }
      case 'cluster':
        lines.push('cluster_enabled:0');
        break;
      case 'keyspace':
        for (let db = 0; db < DATABASE_COUNT; db++) {
          const keys = total(`db${db}_keys`);
          if (keys > 0) lines.push(`db${db}:keys=${keys},expires=${total(`db${db}_expires`)},avg_ttl=0`);
        }
        break;
      case 'modules':
      case 'errorstats':
      case 'commandstats':
      case 'latencystats':
        break;
      default:
        continue;
    }
    parts.push(`# ${SECTION_TITLES[section] ?? section}\r\n${lines.map((line) => `${line}\r\n`).join('')}`);
  }
  out.verbatim(parts.join('\r\n'));
}
