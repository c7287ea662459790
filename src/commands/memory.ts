// MEMORY: what a key takes (USAGE), and reports on the server's memory
// (STATS, DOCTOR, MALLOC-STATS) that every shard contributes to and the
// coordinating thread puts together.

import v8 from 'node:v8';
import { internalSpec, type CommandContext, type CommandSpec, type Bindings } from './command.ts';
import { replyHelp } from './help.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { humanBytes, shardMemoryFields, sumShardFields, writeShardFields } from './info.ts';
import { mainTableBytes, expiresTableBytes } from '../store/eviction.ts';
import { DATABASE_COUNT } from '../store/shard-store.ts';
import { onEveryShard, type MergeRequest } from './step-plans.ts';
import type { ReplyValue } from '../protocol/reply-reader.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';

/**
 * MEMORY USAGE key [SAMPLES count]: the bytes of the key's record, its
 * value and its index slot. Every value is measured whole, so SAMPLES is
 * checked and has nothing to change.
 */
function memoryUsage(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  for (let i = 3; i < argc; i++) {
    if (!isKeyword(argv[i], 'samples') || i + 1 >= argc) {
      out.error(Errors.syntax);
      return;
    }
    const samples = parseInteger(argv[++i]);
    if (samples === null) {
      out.error(Errors.notInteger);
      return;
    }
    if (samples < 0n) {
      out.error(Errors.syntax);
      return;
    }
  }
  // As Redis, a plain look in the index: no access counted, no expiry applied.
  const ref = ctx.store.peek(ctx.db, argv[2]);
  if (ref === 0) out.nullBulk();
  else out.integer(ctx.store.memoryUsage(ref));
}

/** A shard's part of MEMORY STATS and DOCTOR: its memory fields, keys, and each database's index sizes. */
function shardMemoryReport(ctx: CommandContext): void {
  const fields = shardMemoryFields(ctx);
  const dbs = ctx.store.dbs;
  let keys = 0;
  for (let db = 0; db < DATABASE_COUNT; db++) {
    const database = dbs[db];
    keys += database.size;
    if (database.size === 0) continue;
    fields.push([`db${db}_keys`, database.size], [`db${db}_main`, mainTableBytes(database)], [`db${db}_expires`, expiresTableBytes(database)]);
  }
  fields.push(['keys', keys], ['heap', ctx.memory.heapBytes]);
  writeShardFields(ctx.out, fields);
}

/** The server-wide figures MEMORY STATS and DOCTOR speak of. */
interface MemorySummary {
  totals: Map<string, number>;
  used: number;
  peak: number;
  startup: number;
  dataset: number;
  active: number;
  rss: number;
  keys: number;
}

function summarize(replies: ReplyValue[]): MemorySummary {
  const totals = sumShardFields(replies);
  const total = (name: string) => totals.get(name) ?? 0;
  const used = total('used_memory');
  return {
    totals,
    used,
    peak: Math.max(used, total('used_memory_peak')),
    startup: total('used_memory_startup'),
    dataset: total('used_memory_dataset'),
    active: total('allocator_active'),
    rss: process.memoryUsage.rss(),
    keys: total('keys'),
  };
}

/** A figure of MEMORY STATS: an integer, or a double where Redis gives a ratio or percentage. */
type Figure = readonly [name: string, value: number, isDouble?: boolean];

function writeFigures(out: ReplyWriter, figures: readonly Figure[]): void {
  for (const [name, value, isDouble] of figures) {
    out.bulkString(name);
    if (isDouble === true) out.double(value);
    else out.integer(value);
  }
}

/** MEMORY STATS: Redis's fields, with this server's figures (those it has no counterpart for read 0). */
function mergeMemoryStats(replies: ReplyValue[], out: ReplyWriter): void {
  const m = summarize(replies);
  const net = Math.max(1, m.used - m.startup);
  const databases: number[] = [];
  for (let db = 0; db < DATABASE_COUNT; db++) if ((m.totals.get(`db${db}_keys`) ?? 0) > 0) databases.push(db);
  const before: Figure[] = [
    ['peak.allocated', m.peak],
    ['total.allocated', m.used],
    ['startup.allocated', m.startup],
    ['replication.backlog', 0],
    ['clients.slaves', 0],
    ['clients.normal', m.totals.get('mem_clients_normal') ?? 0],
    ['cluster.links', 0],
    ['aof.buffer', 0],
    ['lua.caches', 0],
    ['functions.caches', 0],
  ];
  const after: Figure[] = [
    ['overhead.total', m.used - m.dataset],
    ['keys.count', m.keys],
    ['keys.bytes-per-key', m.keys === 0 ? 0 : Math.floor(net / m.keys)],
    ['dataset.bytes', m.dataset],
    ['dataset.percentage', (m.dataset * 100) / net, true],
    ['peak.percentage', (m.used * 100) / m.peak, true],
    ['allocator.allocated', m.used],
    ['allocator.active', m.active],
    ['allocator.resident', m.rss],
    ['allocator-fragmentation.ratio', m.active / Math.max(1, m.used), true],
    ['allocator-fragmentation.bytes', m.active - m.used],
    ['allocator-rss.ratio', m.rss / Math.max(1, m.active), true],
    ['allocator-rss.bytes', m.rss - m.active],
    ['rss-overhead.ratio', 1, true],
    ['rss-overhead.bytes', 0],
    ['fragmentation', m.rss / Math.max(1, m.used), true],
    ['fragmentation.bytes', m.rss - m.used],
  ];
  out.mapHeader(before.length + databases.length + after.length);
  writeFigures(out, before);
  for (const db of databases) {
    out.bulkString(`db.${db}`);
    out.mapHeader(3);
    writeFigures(out, [
      ['overhead.hashtable.main', m.totals.get(`db${db}_main`) ?? 0],
      ['overhead.hashtable.expires', m.totals.get(`db${db}_expires`) ?? 0],
      ['overhead.hashtable.slot-to-keys', 0],
    ]);
  }
  writeFigures(out, after);
}

/** Below this much memory taken since start, there is too little data for a diagnosis to mean anything. */
const DOCTOR_MIN_BYTES = 5 * 1024 * 1024;

/**
 * MEMORY DOCTOR: the server's memory figures read for anything worth a look.
 * The resident set is left out: it always includes the runtime's own code
 * and buffers, so its ratio to used_memory says little here.
 */
function mergeMemoryDoctor(replies: ReplyValue[], out: ReplyWriter, request: MergeRequest): void {
  const m = summarize(replies);
  if (m.used - m.startup < DOCTOR_MIN_BYTES) {
    out.verbatim(`Only ${humanBytes(Math.max(0, m.used - m.startup))} of memory taken since start: too little to diagnose anything. Ask again once the server holds some data.`);
    return;
  }
  const findings: string[] = [];
  if (m.peak > m.used * 1.5) {
    findings.push(
      `* Peak well above current use: the server once used ${humanBytes(m.peak)}, ${((m.peak / m.used) * 100).toFixed(0)}% of the ${humanBytes(m.used)} it uses now. ` +
        'Memory freed since then may still be held by the process (see used_memory_rss).',
    );
  }
  const heap = m.totals.get('heap') ?? 0;
  if (heap > m.dataset) {
    findings.push(`* The threads' V8 heaps (${humanBytes(heap)}) take more than the keys and values themselves (${humanBytes(m.dataset)}).`);
  }
  const config = request.coordinator.server.config;
  const maxmemory = config.getNumber('maxmemory');
  if (maxmemory !== 0 && m.used > maxmemory * 0.9) {
    const policy = config.get('maxmemory-policy');
    findings.push(
      `* Memory in use (${humanBytes(m.used)}) is within 10% of maxmemory (${humanBytes(maxmemory)}); under ${policy}, ` +
        (policy === 'noeviction' ? 'writes that need memory will be refused.' : 'keys are evicted to stay within it.'),
    );
  }
  out.verbatim(findings.length === 0 ? 'No memory problems found: use and peak look consistent, and the data outweighs the heaps.' : `Findings:\n\n${findings.join('\n\n')}\n`);
}

/** A shard's allocator figures for MEMORY MALLOC-STATS. */
function shardAllocatorReport(ctx: CommandContext): void {
  const arena = ctx.store.arena;
  const heap = v8.getHeapStatistics();
  writeShardFields(ctx.out, [
    ['shard', ctx.server.threadIndex],
    ['arena_segments', arena.segmentBytes],
    ['arena_chunks', arena.allocatedBytes],
    ['heap_used', heap.used_heap_size],
    ['heap_committed', heap.total_heap_size],
  ]);
}

/** MEMORY MALLOC-STATS: each shard's arena (segments taken from the system, chunks in use) and V8 heap. */
function mergeAllocatorReport(replies: ReplyValue[], out: ReplyWriter): void {
  const lines = ['Shared-memory arenas (size-class allocator) and V8 heaps, per shard:'];
  for (const reply of replies) {
    const fields = sumShardFields([reply]);
    const field = (name: string) => fields.get(name) ?? 0;
    lines.push(
      `shard ${field('shard')}: arena segments ${field('arena_segments')} bytes, arena chunks in use ${field('arena_chunks')} bytes, ` +
        `heap used ${field('heap_used')} bytes, heap committed ${field('heap_committed')} bytes`,
    );
  }
  out.verbatim(`${lines.join('\n')}\n`);
}

/** MEMORY PURGE: the arena returns a segment to the system as soon as it is empty, so there is nothing left to purge. */
function memoryPurge(ctx: CommandContext): void {
  ctx.out.ok();
}

function memoryHelp(ctx: CommandContext): void {
  replyHelp(ctx, 'MEMORY', [
    'DOCTOR',
    '    Reads the memory figures for anything worth a look.',
    'MALLOC-STATS',
    "    Each shard's arena and heap figures.",
    'PURGE',
    '    Gives unused memory back to the system.',
    'STATS',
    "    The server's memory use, broken down.",
    'USAGE <key> [SAMPLES <count>]',
    '    Bytes the key and its value take (every value is measured whole;',
    '    SAMPLES is accepted for compatibility).',
  ]);
}


/**
 * evict-now: a command on another thread waits while this shard evicts its
 * share of the excess (the invoker evicts before any hop; this says so).
 */
function evictNow(ctx: CommandContext): void {
  ctx.memory.evict();
  ctx.out.ok();
}

export const EVICT_NOW = 'evict-now';

export const memoryInternalCommands: CommandSpec[] = [internalSpec(EVICT_NOW, 1, "Evict this shard's share of the excess over maxmemory now", evictNow)];

// --- the bindings (the rows are table/memory.ts) ---

export const memoryBindings: Bindings = {
  'memory|doctor': { handler: shardMemoryReport, multiShard: onEveryShard(mergeMemoryDoctor) },
  'memory|malloc-stats': { handler: shardAllocatorReport, multiShard: onEveryShard(mergeAllocatorReport) },
  'memory|purge': memoryPurge,
  'memory|stats': { handler: shardMemoryReport, multiShard: onEveryShard(mergeMemoryStats) },
  'memory|usage': memoryUsage,
  'memory|help': memoryHelp,
};
