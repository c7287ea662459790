// INFO: each shard reports its counters; the coordinator adds them up and
// writes the sections with Redis's field names.

import { threadId } from 'node:worker_threads';
import os from 'node:os';
import v8 from 'node:v8';
import type { CommandContext } from './command.ts';
import type { ReplyValue } from '../protocol/reply-reader.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { MergeRequest } from './step-plans.ts';
import { REDIS_VERSION, VERSION } from '../config/version.ts';
import { DATABASE_COUNT } from '../store/shard-store.ts';
import { changesSinceSave } from './persistence.ts';
import { scriptCacheFigures } from './scripting.ts';
import { libraryFigures } from './functions.ts';
import { vmMemory } from '../scripting/lua-vm.ts';
import type { SaveStatus } from '../store/rdb/save-status.ts';

/** The per-shard part: counters as a flat [name, value, ...] array. */
export function shardInfo(ctx: CommandContext): void {
  const { store, server, out } = ctx;
  const fields: [string, number][] = [
    ['connected_clients', server.clients.size],
    ['blocked_clients', server.blockedClients + server.pause.heldClients],
    ['clients_in_timeout_table', server.clientsInTimeoutTable],
    ...clientMemoryFields(ctx),
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
    ['instantaneous_ops_per_sec', server.instantaneous.opsPerSec],
    ['instantaneous_input_bytes_per_sec', server.instantaneous.inputBytesPerSec],
    ['instantaneous_output_bytes_per_sec', server.instantaneous.outputBytesPerSec],
    ...shardMemoryFields(ctx),
    ['evicted_keys', store.stats.evictedKeys],
    ['rdb_changes_since_last_save', changesSinceSave(store)],
    ...server.aof.fields(),
    ['pubsub_channels', server.pubsub.channelCount],
    ['pubsub_patterns', server.pubsub.patternCount],
    ...server.tracking.infoFields,
    [`shard${server.threadIndex}_thread_id`, threadId],
  ];
  for (let db = 0; db < DATABASE_COUNT; db++) {
    const database = store.dbs[db];
    if (database.size === 0) continue;
    fields.push([`db${db}_keys`, database.size], [`db${db}_expires`, database.volatileCount]);
  }
  const commandStats = server.commandStats;
  for (const [name, stat] of commandStats.byName) {
    fields.push(
      [`cmdstat|${name}|calls`, stat.calls],
      [`cmdstat|${name}|usec`, Math.round(stat.usec)],
      [`cmdstat|${name}|rejected_calls`, stat.rejectedCalls],
      [`cmdstat|${name}|failed_calls`, stat.failedCalls],
    );
  }
  fields.push(['total_error_replies', commandStats.errors.total]);
  for (const [code, count] of commandStats.errors.byCode) fields.push([`errorstat|${code}`, count]);
  writeShardFields(out, fields);
}

/** This thread's clients: the memory they hold, their biggest query and output buffers, the evicted ones. */
function clientMemoryFields(ctx: CommandContext): [string, number][] {
  const { server } = ctx;
  let memory = 0;
  let maxInput = 0;
  let maxOutput = 0;
  for (const client of server.clients.values()) {
    memory += client.memoryUsage();
    maxInput = Math.max(maxInput, client.parser.bufferedBytes());
    maxOutput = Math.max(maxOutput, client.outputBytes());
  }
  return [
    ['mem_clients_normal', memory],
    ['client_recent_max_input_buffer', maxInput],
    ['client_recent_max_output_buffer', maxOutput],
    ['evicted_clients', server.stats.evictedClients],
  ];
}

/** A shard's part of a server-wide report: [name, value, ...]. */
export function writeShardFields(out: ReplyWriter, fields: readonly (readonly [string, number])[]): void {
  out.arrayHeader(fields.length * 2);
  for (const [name, value] of fields) {
    out.bulkString(name);
    out.integer(value);
  }
}

/** Fields whose server-wide figure is the highest of the shards', not their sum. */
/** Fields every thread holds alike (each has the libraries and the scripts loaded everywhere): the highest, not the sum. */
const HIGHEST_OF_SHARDS = new Set([
  'used_memory_peak', 'client_recent_max_input_buffer', 'client_recent_max_output_buffer',
  'number_of_cached_scripts', 'used_memory_scripts_eval', 'number_of_functions', 'number_of_libraries', 'used_memory_functions',
  // Every thread runs a Lua state of the same scripts: reported as the one Lua VM of Redis (the biggest), not their sum.
  'used_memory_vm_eval', 'used_memory_vm_functions',
]);

/** The shards' fields added up (the peak, which every shard sees whole, and the biggest client buffers are the highest). */
export function sumShardFields(replies: ReplyValue[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const reply of replies) {
    const items = reply as ReplyValue[];
    for (let i = 0; i < items.length; i += 2) {
      const name = (items[i] as Buffer).toString();
      const value = Number(items[i + 1]);
      const before = totals.get(name) ?? 0;
      totals.set(name, HIGHEST_OF_SHARDS.has(name) ? Math.max(before, value) : before + value);
    }
  }
  return totals;
}

/** The fields of a shard's memory that INFO and MEMORY STATS add up. */
export function shardMemoryFields(ctx: CommandContext): [string, number][] {
  const { store, memory } = ctx;
  memory.sampleHeap();
  const vm = vmMemory();
  const scripts = scriptCacheFigures();
  const libraries = libraryFigures();
  return [
    ['used_memory', memory.ownBytes],
    ['used_memory_peak', memory.currentPeak()],
    ['used_memory_startup', memory.startupBytes],
    ['used_memory_dataset', memory.datasetBytes()],
    // What the arena holds from the system and the heap V8 has committed.
    ['allocator_active', store.arena.segmentBytes + v8.getHeapStatistics().total_heap_size],
    // Libraries and cached scripts are on every thread alike, each thread's Lua state holds the same.
    ['used_memory_vm_eval', Math.max(0, vm - libraries.vmBytes)],
    ['used_memory_vm_functions', libraries.vmBytes],
    ['number_of_cached_scripts', scripts.count],
    ['used_memory_scripts_eval', scripts.bytes],
    ['number_of_functions', libraries.functions],
    ['number_of_libraries', libraries.libraries],
    ['used_memory_functions', libraries.bytes],
  ];
}

/** Every section in the order Redis writes them, with its title; "modules" is Redis's "module_list". */
const SECTIONS: readonly (readonly [string, string])[] = [
  ['server', 'Server'],
  ['clients', 'Clients'],
  ['memory', 'Memory'],
  ['persistence', 'Persistence'],
  ['stats', 'Stats'],
  ['replication', 'Replication'],
  ['cpu', 'CPU'],
  ['modules', 'Modules'],
  ['commandstats', 'Commandstats'],
  ['errorstats', 'Errorstats'],
  ['cluster', 'Cluster'],
  ['keyspace', 'Keyspace'],
];
const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'module_list', 'errorstats', 'cluster', 'keyspace'];

/** The sections INFO's arguments ask for, as Redis's genInfoSectionDict: default, all, everything, or names in any case. */
function askedSections(args: Buffer[]): (name: string) => boolean {
  if (args.length === 0) return (name) => DEFAULT_SECTIONS.includes(name === 'modules' ? 'module_list' : name);
  const asked = new Set<string>();
  let all = false;
  for (const arg of args) {
    const name = arg.toString().toLowerCase();
    if (name === 'all' || name === 'everything') all = true;
    else if (name === 'default') for (const section of DEFAULT_SECTIONS) asked.add(section);
    else asked.add(name);
  }
  return (name) => all || asked.has(name) || (name === 'modules' && asked.has('module_list'));
}

export function humanBytes(n: number): string {
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
  const totals = sumShardFields(replies);
  const wanted = askedSections(request.args.slice(1));
  const server = request.coordinator.server;
  const config = server.config;
  const total = (name: string) => totals.get(name) ?? 0;
  const now = Date.now();
  const parts: string[] = [];
  for (const [section, title] of SECTIONS) {
    if (!wanted(section)) continue;
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
          `os:${os.type()} ${os.release()} ${os.machine()}`,
          'arch_bits:64',
          'monotonic_clock:POSIX clock_gettime',
          'multiplexing_api:epoll',
          'atomicvar_api:c11-builtin',
          `process_id:${process.pid}`,
          'process_supervised:no',
          `run_id:${server.shared.runId}`,
          `tcp_port:${config.get('port')}`,
          `server_time_usec:${Math.floor((performance.timeOrigin + performance.now()) * 1000)}`,
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
          `client_recent_max_input_buffer:${total('client_recent_max_input_buffer')}`,
          `client_recent_max_output_buffer:${total('client_recent_max_output_buffer')}`,
          `blocked_clients:${total('blocked_clients')}`,
          `tracking_clients:${total('tracking_clients')}`,
          `clients_in_timeout_table:${total('clients_in_timeout_table')}`,
        );
        break;
      case 'memory':
        lines.push(...memoryLines(totals, config.getNumber('maxmemory'), config.get('maxmemory-policy')));
        break;
      case 'persistence':
        lines.push(...persistenceLines(totals, server.saveStatus));
        break;
      case 'stats':
        lines.push(
          `total_connections_received:${total('total_connections_received')}`,
          `total_commands_processed:${total('total_commands_processed')}`,
          `instantaneous_ops_per_sec:${total('instantaneous_ops_per_sec')}`,
          `total_net_input_bytes:${total('total_net_input_bytes')}`,
          `total_net_output_bytes:${total('total_net_output_bytes')}`,
          `instantaneous_input_kbps:${(total('instantaneous_input_bytes_per_sec') / 1024).toFixed(2)}`,
          `instantaneous_output_kbps:${(total('instantaneous_output_bytes_per_sec') / 1024).toFixed(2)}`,
          `rejected_connections:${total('rejected_connections')}`,
          `expired_keys:${total('expired_keys')}`,
          `expired_time_cap_reached_count:${total('expired_time_cap_reached_count')}`,
          `evicted_keys:${total('evicted_keys')}`,
          `evicted_clients:${total('evicted_clients')}`,
          `keyspace_hits:${total('keyspace_hits')}`,
          `keyspace_misses:${total('keyspace_misses')}`,
          // Summed over threads: a channel with subscribers on two threads counts on each (PUBSUB NUMPAT and CHANNELS count it once).
          `pubsub_channels:${total('pubsub_channels')}`,
          `pubsub_patterns:${total('pubsub_patterns')}`,
          `tracking_total_keys:${total('tracking_total_keys')}`,
          `tracking_total_items:${total('tracking_total_items')}`,
          `tracking_total_prefixes:${total('tracking_total_prefixes')}`,
          `total_error_replies:${total('total_error_replies')}`,
          `total_hops:${total('total_hops')}`,
        );
        break;
      case 'commandstats':
        lines.push(...commandStatLines(totals));
        break;
      case 'errorstats':
        for (const [name, count] of totals) {
          if (name.startsWith('errorstat|')) lines.push(`errorstat_${name.slice(10)}:count=${count}`);
        }
        break;
      case 'replication':
        lines.push('role:master', 'connected_slaves:0', 'master_failover_state:no-failover', 'master_repl_offset:0', 'second_repl_offset:-1', 'repl_backlog_active:0');
        break;
      case 'cpu': {
        const usage = process.cpuUsage();
        lines.push(
          `used_cpu_sys:${(usage.system / 1e6).toFixed(6)}`,
          `used_cpu_user:${(usage.user / 1e6).toFixed(6)}`,
          'used_cpu_sys_children:0.000000',
          'used_cpu_user_children:0.000000',
        );
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
        break;
    }
    parts.push(`# ${title}\r\n${lines.map((line) => `${line}\r\n`).join('')}`);
  }
  out.verbatim(parts.join('\r\n'));
}

function ratio(part: number, whole: number): string {
  return (part / Math.max(1, whole)).toFixed(2);
}

/**
 * INFO memory, with Redis 7.0's fields in its order. used_memory is every
 * shard's keyspace memory (arena chunks in use) plus its heap; the
 * allocator_* fields describe the arena's segments and the heaps V8 committed;
 * what has no counterpart here (Lua, replication buffers) reads 0.
 */
function memoryLines(totals: Map<string, number>, maxmemory: number, policy: string): string[] {
  const total = (name: string) => totals.get(name) ?? 0;
  const used = total('used_memory');
  const peak = Math.max(used, total('used_memory_peak'));
  const startup = total('used_memory_startup');
  const dataset = total('used_memory_dataset');
  const vmEval = total('used_memory_vm_eval');
  const vmFunctions = total('used_memory_vm_functions');
  const scriptsEval = total('used_memory_scripts_eval');
  const functionsBytes = total('used_memory_functions');
  const active = total('allocator_active');
  const rss = process.memoryUsage.rss();
  const system = os.totalmem();
  return [
    `used_memory:${used}`,
    `used_memory_human:${humanBytes(used)}`,
    `used_memory_rss:${rss}`,
    `used_memory_rss_human:${humanBytes(rss)}`,
    `used_memory_peak:${peak}`,
    `used_memory_peak_human:${humanBytes(peak)}`,
    `used_memory_peak_perc:${((used * 100) / peak).toFixed(2)}%`,
    `used_memory_overhead:${used - dataset}`,
    `used_memory_startup:${startup}`,
    `used_memory_dataset:${dataset}`,
    `used_memory_dataset_perc:${((dataset * 100) / Math.max(1, used - startup)).toFixed(2)}%`,
    `allocator_allocated:${used}`,
    `allocator_active:${active}`,
    `allocator_resident:${rss}`,
    `total_system_memory:${system}`,
    `total_system_memory_human:${humanBytes(system)}`,
    `used_memory_lua:${vmEval}`,
    `used_memory_vm_eval:${vmEval}`,
    `used_memory_lua_human:${humanBytes(vmEval)}`,
    `used_memory_scripts_eval:${scriptsEval}`,
    `number_of_cached_scripts:${total('number_of_cached_scripts')}`,
    `number_of_functions:${total('number_of_functions')}`,
    `number_of_libraries:${total('number_of_libraries')}`,
    `used_memory_vm_functions:${vmFunctions}`,
    `used_memory_vm_total:${vmEval + vmFunctions}`,
    `used_memory_vm_total_human:${humanBytes(vmEval + vmFunctions)}`,
    `used_memory_functions:${functionsBytes}`,
    `used_memory_scripts:${scriptsEval + functionsBytes}`,
    `used_memory_scripts_human:${humanBytes(scriptsEval + functionsBytes)}`,
    `maxmemory:${maxmemory}`,
    `maxmemory_human:${humanBytes(maxmemory)}`,
    `maxmemory_policy:${policy}`,
    `allocator_frag_ratio:${ratio(active, used)}`,
    `allocator_frag_bytes:${active - used}`,
    `allocator_rss_ratio:${ratio(rss, active)}`,
    `allocator_rss_bytes:${rss - active}`,
    'rss_overhead_ratio:1.00',
    'rss_overhead_bytes:0',
    `mem_fragmentation_ratio:${ratio(rss, used)}`,
    `mem_fragmentation_bytes:${rss - used}`,
    'mem_not_counted_for_evict:0',
    'mem_replication_backlog:0',
    'mem_total_replication_buffers:0',
    'mem_clients_slaves:0',
    `mem_clients_normal:${totals.get('mem_clients_normal') ?? 0}`,
    'mem_cluster_links:0',
    'mem_aof_buffer:0',
    'mem_allocator:threadis-arena',
    'active_defrag_running:0',
    'lazyfree_pending_objects:0',
    'lazyfreed_objects:0',
  ];
}

/** `cmdstat_<name>:calls=..,usec=..,usec_per_call=..,rejected_calls=..,failed_calls=..` for each command used. */
function commandStatLines(totals: Map<string, number>): string[] {
  const lines: string[] = [];
  for (const [key, calls] of totals) {
    if (!key.startsWith('cmdstat|') || !key.endsWith('|calls')) continue;
    const name = key.slice(8, -6);
    const stat = (field: string) => totals.get(`cmdstat|${name}|${field}`) ?? 0;
    const usec = stat('usec');
    const rejected = stat('rejected_calls');
    const failed = stat('failed_calls');
    if (calls === 0 && rejected === 0 && failed === 0) continue;
    const perCall = calls === 0 ? 0 : usec / calls;
    lines.push(`cmdstat_${name}:calls=${calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${rejected},failed_calls=${failed}`);
  }
  return lines;
}

/**
 * INFO persistence's aof_* fields, from every shard's AOF: rewrites are made
 * while BGREWRITEAOF (or the switch on) runs, so none is ever in progress
 * when INFO looks; sizes are the shards' together; rewrites are counted once
 * per server (every shard rewrites together).
 */
function aofLines(totals: Map<string, number>): string[] {
  const enabled = (totals.get('aof_enabled') ?? 0) > 0;
  const shards = Math.max(1, totals.get('aof_shards') ?? 1);
  const lines = [
    `aof_enabled:${enabled ? 1 : 0}`, 'aof_rewrite_in_progress:0', 'aof_rewrite_scheduled:0',
    `aof_last_rewrite_time_sec:${(totals.get('aof_rewrites') ?? 0) === 0 ? -1 : Math.round((totals.get('aof_last_rewrite_time_ms') ?? 0) / shards / 1000)}`,
    'aof_current_rewrite_time_sec:-1', 'aof_last_bgrewrite_status:ok', `aof_rewrites:${Math.round((totals.get('aof_rewrites') ?? 0) / shards)}`,
    'aof_rewrites_consecutive_failures:0', `aof_last_write_status:${(totals.get('aof_write_errors') ?? 0) === 0 ? 'ok' : 'err'}`, 'aof_last_cow_size:0',
  ];
  if (enabled) {
    lines.push(
      `aof_current_size:${totals.get('aof_current_size') ?? 0}`, `aof_base_size:${totals.get('aof_base_size') ?? 0}`, 'aof_pending_rewrite:0',
      `aof_buffer_length:${totals.get('aof_buffer_length') ?? 0}`, 'aof_pending_bio_fsync:0', 'aof_delayed_fsync:0',
    );
  }
  return lines;
}

/** INFO persistence, as Redis 7.0 words it: the last save from the shared status; no AOF or fork here. */
function persistenceLines(totals: Map<string, number>, status: SaveStatus): string[] {
  return [
    'loading:0', 'async_loading:0', 'current_cow_peak:0', 'current_cow_size:0', 'current_cow_size_age:0', 'current_fork_perc:0.00',
    'current_save_keys_processed:0', 'current_save_keys_total:0',
    `rdb_changes_since_last_save:${totals.get('rdb_changes_since_last_save') ?? 0}`,
    `rdb_bgsave_in_progress:${status.bgsaveInProgress ? 1 : 0}`,
    `rdb_last_save_time:${status.lastSave}`,
    `rdb_last_bgsave_status:${status.lastOk ? 'ok' : 'err'}`,
    `rdb_last_bgsave_time_sec:${status.lastBgsaveDuration}`,
    `rdb_current_bgsave_time_sec:${status.currentBgsaveSeconds(Date.now())}`,
    `rdb_saves:${status.saves}`,
    'rdb_last_cow_size:0', 'rdb_last_load_keys_expired:0',
    `rdb_last_load_keys_loaded:${status.loadedKeys}`,
    ...aofLines(totals),
    'module_fork_in_progress:0', 'module_fork_last_cow_size:0',
  ];
}
