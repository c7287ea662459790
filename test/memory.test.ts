// Memory accounting against a real server: INFO memory, MEMORY USAGE /
// STATS / DOCTOR / MALLOC-STATS / PURGE / HELP, OBJECT FREQ under LFU.
// Field names, their order and error replies were read from stock
// redis-server 7.0.15; values are this server's own.

import { describe, expect, it } from 'vitest';
import { useServer } from './helpers/server.ts';
import { connectResp3, errorOf, flushBeforeEach, infoField, useClient } from './helpers/clients.ts';

/** INFO memory's fields in Redis 7.0's order. */
const INFO_MEMORY_FIELDS = [
  'used_memory', 'used_memory_human', 'used_memory_rss', 'used_memory_rss_human', 'used_memory_peak', 'used_memory_peak_human',
  'used_memory_peak_perc', 'used_memory_overhead', 'used_memory_startup', 'used_memory_dataset', 'used_memory_dataset_perc',
  'allocator_allocated', 'allocator_active', 'allocator_resident', 'total_system_memory', 'total_system_memory_human',
  'used_memory_lua', 'used_memory_vm_eval', 'used_memory_lua_human', 'used_memory_scripts_eval', 'number_of_cached_scripts',
  'number_of_functions', 'number_of_libraries', 'used_memory_vm_functions', 'used_memory_vm_total', 'used_memory_vm_total_human',
  'used_memory_functions', 'used_memory_scripts', 'used_memory_scripts_human', 'maxmemory', 'maxmemory_human', 'maxmemory_policy',
  'allocator_frag_ratio', 'allocator_frag_bytes', 'allocator_rss_ratio', 'allocator_rss_bytes', 'rss_overhead_ratio',
  'rss_overhead_bytes', 'mem_fragmentation_ratio', 'mem_fragmentation_bytes', 'mem_not_counted_for_evict', 'mem_replication_backlog',
  'mem_total_replication_buffers', 'mem_clients_slaves', 'mem_clients_normal', 'mem_cluster_links', 'mem_aof_buffer', 'mem_allocator',
  'active_defrag_running', 'lazyfree_pending_objects', 'lazyfreed_objects',
];

/** MEMORY STATS's top-level names in Redis 7.0's order, for a server whose only keys are in db 0. */
const MEMORY_STATS_NAMES = [
  'peak.allocated', 'total.allocated', 'startup.allocated', 'replication.backlog', 'clients.slaves', 'clients.normal', 'cluster.links',
  'aof.buffer', 'lua.caches', 'functions.caches', 'db.0', 'overhead.total', 'keys.count', 'keys.bytes-per-key', 'dataset.bytes',
  'dataset.percentage', 'peak.percentage', 'allocator.allocated', 'allocator.active', 'allocator.resident',
  'allocator-fragmentation.ratio', 'allocator-fragmentation.bytes', 'allocator-rss.ratio', 'allocator-rss.bytes', 'rss-overhead.ratio',
  'rss-overhead.bytes', 'fragmentation', 'fragmentation.bytes',
];

function infoText(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)\\r$`, 'm').exec(info)?.[1];
}

for (const shards of [1, 2]) {
  describe(`memory accounting --shards ${shards}`, () => {
    const server = useServer({ shards });
    const client = useClient(server);
    flushBeforeEach(client);

    it('INFO memory has Redis 7.0 fields in its order, with consistent values', async () => {
      const raw = await server.cli('info', 'memory');
      const names = raw.split('\r\n').filter((line) => line.includes(':')).map((line) => line.slice(0, line.indexOf(':')));
      expect(names).toEqual(INFO_MEMORY_FIELDS);
      const info = await client.info('memory');
      const used = infoField(info, 'used_memory');
      expect(used).toBeGreaterThan(0);
      expect(infoField(info, 'used_memory_overhead') + infoField(info, 'used_memory_dataset')).toBe(used);
      expect(infoField(info, 'used_memory_peak')).toBeGreaterThanOrEqual(used);
      expect(infoField(info, 'used_memory_startup')).toBeGreaterThan(0);
      expect(infoField(info, 'used_memory_rss')).toBeGreaterThan(0);
      expect(infoText(info, 'used_memory_human')).toMatch(/^\d+\.\d\dM$/);
      expect(infoText(info, 'mem_fragmentation_ratio')).toMatch(/^\d+\.\d\d$/);
      expect(infoText(info, 'maxmemory_policy')).toBe('noeviction');
      expect(infoText(info, 'maxmemory_human')).toBe('0B');

      await client.config('SET', 'maxmemory', '2gb');
      const limited = await client.info('memory');
      expect(infoField(limited, 'maxmemory')).toBe(2147483648);
      expect(infoText(limited, 'maxmemory_human')).toBe('2.00G');
      await client.config('SET', 'maxmemory', '0');
    });

    it('used_memory_dataset grows with the data and goes back on FLUSHALL; the peak stays', async () => {
      const empty = infoField(await client.info('memory'), 'used_memory_dataset');
      expect(empty).toBe(0);
      const pipeline = client.pipeline();
      for (let i = 0; i < 2000; i++) pipeline.set(`key:${i}`, 'x'.repeat(1000));
      await pipeline.exec();
      const full = await client.info('memory');
      expect(infoField(full, 'used_memory_dataset')).toBeGreaterThanOrEqual(2000 * 1000);
      expect(infoField(full, 'used_memory_dataset')).toBeLessThan(2000 * 1400);
      const peak = infoField(full, 'used_memory_peak');
      await client.flushall();
      const flushed = await client.info('memory');
      expect(infoField(flushed, 'used_memory_dataset')).toBe(0);
      expect(infoField(flushed, 'used_memory_peak')).toBeGreaterThanOrEqual(peak);
    });

    it('MEMORY USAGE is in the range of stock Redis for the same values; its errors are Redis', async () => {
      const key = '0123456789abcdef';
      await client.set(key, '0123456789abcdef0123456789abcdef');
      // Stock redis-server 7.0.15 answers 120 for this key and value.
      const small = Number(await client.call('memory', 'usage', key));
      expect(small).toBeGreaterThanOrEqual(60);
      expect(small).toBeLessThanOrEqual(240);
      await client.set('big', 'x'.repeat(10000));
      const big = Number(await client.call('memory', 'usage', 'big'));
      expect(big).toBeGreaterThanOrEqual(10000);
      expect(big).toBeLessThan(13000);
      expect(await client.call('memory', 'usage', key, 'SAMPLES', '0')).toBe(small);
      expect(await client.call('memory', 'usage', key, 'samples', '3', 'samples', '4')).toBe(small);
      expect(await client.call('memory', 'usage', 'nokey')).toBeNull();
      expect(await errorOf(client.call('memory', 'usage', key, 'samples', 'x'))).toBe('ERR value is not an integer or out of range');
      expect(await errorOf(client.call('memory', 'usage', key, 'samples', '-1'))).toBe('ERR syntax error');
      expect(await errorOf(client.call('memory', 'usage', key, 'samples'))).toBe('ERR syntax error');
      expect(await errorOf(client.call('memory', 'usage', key, 'foo'))).toBe('ERR syntax error');
      expect(await errorOf(client.call('memory', 'usage'))).toBe("ERR wrong number of arguments for 'memory|usage' command");
      expect(await errorOf(client.call('memory'))).toBe("ERR wrong number of arguments for 'memory' command");
      expect(await errorOf(client.call('memory', 'foo'))).toBe("ERR unknown subcommand 'foo'. Try MEMORY HELP.");
      expect(await errorOf(client.call('memory', 'stats', 'x'))).toBe("ERR wrong number of arguments for 'memory|stats' command");
    });

    it('MEMORY STATS has Redis 7.0 names in its order, as a map in RESP3', async () => {
      const pipeline = client.pipeline();
      for (let i = 0; i < 100; i++) pipeline.set(`key:${i}`, 'value', 'EX', 1000);
      await pipeline.exec();
      const flat = (await client.call('memory', 'stats')) as unknown[];
      const names = flat.filter((_, i) => i % 2 === 0);
      expect(names).toEqual(MEMORY_STATS_NAMES);
      const stats = new Map(names.map((name, i) => [name, flat[i * 2 + 1]]));
      expect(stats.get('keys.count')).toBe(100);
      expect(stats.get('db.0')).toEqual(['overhead.hashtable.main', expect.any(Number), 'overhead.hashtable.expires', 400, 'overhead.hashtable.slot-to-keys', 0]);
      expect(Number(stats.get('total.allocated'))).toBeLessThanOrEqual(Number(stats.get('peak.allocated')));
      expect(Number(stats.get('dataset.percentage'))).toBeGreaterThan(0);

      const resp3 = await connectResp3(server);
      try {
        const map = (await resp3.sendCommand(['MEMORY', 'STATS'])) as Record<string, unknown>;
        expect(Object.keys(map)).toEqual(MEMORY_STATS_NAMES);
        expect(typeof map['fragmentation']).toBe('number');
        expect(map['keys.count']).toBe(100);
      } finally {
        await resp3.quit();
      }
    });

    it('MEMORY DOCTOR, MALLOC-STATS, PURGE and HELP', async () => {
      expect(await client.call('memory', 'doctor')).toMatch(/too little to diagnose/);
      const pipeline = client.pipeline();
      for (let i = 0; i < 8000; i++) pipeline.set(`key:${i}`, 'x'.repeat(1000));
      await pipeline.exec();
      expect(await client.call('memory', 'doctor')).toMatch(/^(No memory problems found|Findings:)/);
      const mallocStats = (await client.call('memory', 'malloc-stats')) as string;
      for (let shard = 0; shard < shards; shard++) expect(mallocStats).toContain(`shard ${shard}: arena segments`);
      expect(await client.call('memory', 'purge')).toBe('OK');
      const help = (await client.call('memory', 'help')) as string[];
      expect(help[0]).toBe('MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
      expect(help).toContain('USAGE <key> [SAMPLES <count>]');
      expect(help.at(-2)).toBe('HELP');
    });

    it('OBJECT FREQ grows with accesses under allkeys-lfu', async () => {
      await client.config('SET', 'maxmemory-policy', 'allkeys-lfu');
      try {
        await client.set('hot', 'x');
        await client.set('cold', 'x');
        expect(await client.call('object', 'freq', 'cold')).toBe(5);
        const pipeline = client.pipeline();
        for (let i = 0; i < 200; i++) pipeline.get('hot');
        await pipeline.exec();
        expect(Number(await client.call('object', 'freq', 'hot'))).toBeGreaterThan(6);
        expect(await client.call('object', 'freq', 'cold')).toBe(5);
      } finally {
        await client.config('SET', 'maxmemory-policy', 'noeviction');
      }
    });

    it('INFO stats reports evicted_keys and expired_keys, summed over shards; RESETSTAT clears them', async () => {
      await client.set('a', '1', 'PX', 1);
      await client.set('b', '1', 'PX', 1);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await client.get('a')).toBeNull();
      expect(await client.get('b')).toBeNull();
      const stats = await client.info('stats');
      expect(infoField(stats, 'expired_keys')).toBeGreaterThanOrEqual(2);
      expect(infoField(stats, 'evicted_keys')).toBe(0);
      await client.config('RESETSTAT');
      expect(infoField(await client.info('stats'), 'expired_keys')).toBe(0);
    });
  });
}
