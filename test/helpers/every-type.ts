// A dataset with every type in every encoding stock Redis 7.0 holds it in
// (strings int / embstr / raw / compressible, HyperLogLog sparse and dense,
// lists of one and many quicklist nodes, intset and hashtable sets, listpack
// and hashtable hashes, listpack and skiplist sorted sets, streams with
// consumer groups, pending entries and deletions), and a reader that shows
// a key as a user sees it, to compare two servers' copies.

import type { Redis } from 'ioredis';

export const EVERY_TYPE_KEYS = [
  'str:int', 'str:neg', 'str:embstr', 'str:raw', 'str:big-int', 'str:lzf', 'str:binary', 'hll:sparse', 'hll:dense',
  'list:small', 'list:big', 'list:ints', 'set:intset', 'set:intset64', 'set:hashtable', 'hash:listpack', 'hash:hashtable',
  'zset:listpack', 'zset:skiplist', 'stream:groups', 'stream:empty', 'ttl:key',
];

/** Fills database `db` of `client` with one key of each kind (hash tags keep none of them special: keys spread over shards). */
export async function fillEveryType(client: Redis): Promise<void> {
  const p = client.pipeline();
  p.set('str:int', '12345');
  p.set('str:neg', '-2147483648');
  p.set('str:embstr', 'hello world');
  p.set('str:raw', 'r'.repeat(100));
  p.set('str:big-int', '123456789012345678');
  p.set('str:lzf', 'abcdefgh'.repeat(200));
  p.set('str:binary', Buffer.from([0, 1, 2, 255, 254, 0, 10, 13]));
  p.pfadd('hll:sparse', 'a', 'b', 'c');
  for (let i = 0; i < 40; i++) p.pfadd('hll:dense', ...Array.from({ length: 100 }, (_, j) => `e${i * 100 + j}`));
  p.rpush('list:small', 'a', 'b', 'c', '1', '-1', '70000', '');
  for (let i = 0; i < 10; i++) p.rpush('list:big', ...Array.from({ length: 100 }, (_, j) => `element-${i * 100 + j}-${'x'.repeat(j % 50)}`));
  p.rpush('list:ints', ...Array.from({ length: 300 }, (_, i) => String(i * 7919 - 1000000)));
  p.sadd('set:intset', 1, 2, 3, -100, 70000);
  p.sadd('set:intset64', 1, '5000000000', '-9223372036854775808');
  p.sadd('set:hashtable', 'a', 'b', 'c', 1, 2);
  p.hset('hash:listpack', 'f1', 'v1', 'f2', '2', 'n', '-42', 'empty', '');
  for (let i = 0; i < 600; i++) p.hset('hash:hashtable', `field:${i}`, `value:${i}`);
  p.zadd('zset:listpack', 1, 'a', 2.5, 'b', -3, 'c', 1e20, 'd', 'inf', 'e', '-inf', 'f', 0.1, 'g');
  for (let i = 0; i < 200; i++) p.zadd('zset:skiplist', i * 1.5 - 50, `member:${i}`);
  for (let i = 0; i < 250; i++) p.xadd('stream:groups', `${1000 + Math.floor(i / 3)}-${i % 3}`, 'f1', `v${i}`, ...(i % 4 ? ['f2', String(i)] : []));
  p.xdel('stream:groups', '1010-1', '1020-0');
  p.xgroup('CREATE', 'stream:groups', 'g1', '0');
  p.xreadgroup('GROUP', 'g1', 'alice', 'COUNT', 5, 'STREAMS', 'stream:groups', '>');
  p.xreadgroup('GROUP', 'g1', 'bob', 'COUNT', 3, 'STREAMS', 'stream:groups', '>');
  p.xack('stream:groups', 'g1', '1000-1');
  p.xgroup('CREATE', 'stream:groups', 'g2', '$');
  p.xadd('stream:empty', '5-1', 'a', 'b');
  p.xdel('stream:empty', '5-1');
  p.set('ttl:key', 'v', 'PX', 3600000);
  await p.exec();
}

/** What a user sees of `key`: type, encoding, contents (ordered where the type has an order) and expiry (absolute, ms). */
export async function showKey(client: Redis, key: string): Promise<unknown> {
  const type = await client.type(key);
  const encoding = await client.object('ENCODING', key);
  const expireAt = await client.pexpiretime(key);
  let value: unknown;
  switch (type) {
    case 'string':
      value = (await client.getBuffer(key))?.toString('hex');
      break;
    case 'list':
      value = await client.lrange(key, 0, -1);
      break;
    case 'set':
      value = (await client.smembers(key)).sort();
      break;
    case 'hash':
      value = Object.entries(await client.hgetall(key)).sort();
      break;
    case 'zset':
      value = await client.call('zrange', key, '0', '-1', 'WITHSCORES');
      break;
    case 'stream': {
      const info = (await client.xinfo('STREAM', key)) as unknown[];
      // radix-tree-keys / -nodes describe Redis's tree, not the data.
      const fields = Object.fromEntries(Array.from({ length: info.length / 2 }, (_, i) => [info[i * 2], info[i * 2 + 1]]));
      delete fields['radix-tree-keys'];
      delete fields['radix-tree-nodes'];
      const groups = (await client.xinfo('GROUPS', key)) as unknown[][];
      const pending: unknown[] = [];
      for (const group of groups) {
        const name = String(group[1]);
        const entries = (await client.xpending(key, name, '-', '+', 1000)) as unknown[][];
        pending.push(entries.map((entry) => [entry[0], entry[1], entry[3]]));
        const consumers = (await client.xinfo('CONSUMERS', key, name)) as unknown[][];
        pending.push(consumers.map((consumer) => [consumer[1], consumer[3]]));
      }
      value = [await client.xrange(key, '-', '+'), fields, groups, pending];
      break;
    }
    default:
      value = null;
  }
  return { type, encoding, expireAt, value };
}
