// The keyspace alone, without sockets: inserts N keys (16-byte keys, 32-byte
// values) into one shard's store on this thread and reports the insert rate,
// the slowest batch of 1,000 inserts (the index grows by migrating a few slots
// per insert, never all at once), bytes per key and how much the V8 heap grew.
//   node bench/harness/store-fill.ts [keys]     (default 10,000,000)

import { ShardStore } from '../../src/store/shard-store.ts';

const BATCH = 1000;
const keys = Number(process.argv[2] ?? 10_000_000);
const store = new ShardStore();
const key = Buffer.alloc(16, 0x6b);
const value = Buffer.alloc(32, 0x76);
const heapBefore = process.memoryUsage().heapUsed;
let slowest = 0;
let slowestAt = 0;
let over5ms = 0;
const started = performance.now();
for (let first = 0; first < keys; first += BATCH) {
  const batchStart = performance.now();
  for (let i = first; i < first + BATCH && i < keys; i++) {
    key.write(String(i).padStart(14, '0'), 2, 'latin1');
    store.setString(0, key, value, 0, 0);
  }
  const took = performance.now() - batchStart;
  if (took > slowest) {
    slowest = took;
    slowestAt = first;
  }
  if (took > 5) over5ms++;
}
const seconds = (performance.now() - started) / 1000;
console.log(`keys:                 ${keys.toLocaleString('en-US')} (DBSIZE ${store.dbs[0].size.toLocaleString('en-US')})`);
console.log(`inserts/s:            ${Math.round(keys / seconds).toLocaleString('en-US')}`);
console.log(`slowest ${BATCH} inserts: ${slowest.toFixed(2)} ms (at key ${slowestAt.toLocaleString('en-US')}); batches over 5 ms: ${over5ms}`);
console.log(`store bytes/key:      ${(store.usedBytes / keys).toFixed(1)}`);
console.log(`V8 heap growth:       ${((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20).toFixed(1)} MiB (garbage of this loop included)`);
