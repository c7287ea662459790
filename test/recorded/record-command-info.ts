// Records what stock Redis answers to COMMAND INFO for every command this
// server implements, into stock-command-info.json, for test/command-table.test.ts.
// Run it with both servers listening (stock redis-server 7.0.15, and ours):
//   node test/recorded/record-command-info.ts <our port> <stock port>

import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { commandInfo } from '../helpers/command-info.ts';

const [ours, stock] = process.argv.slice(2).map(Number);
const ourClient = new Redis({ port: ours, lazyConnect: true });
const stockClient = new Redis({ port: stock, lazyConnect: true });
const names = [...(await commandInfo(ourClient)).keys()];
const topLevel = [...new Set(names.map((name) => name.split('|')[0]))];
const recorded = await commandInfo(stockClient, topLevel);
const entries = names.sort().map((name) => [name, recorded.get(name) ?? null]);
const lines = entries.map(([name, info]) => `  ${JSON.stringify(name)}: ${JSON.stringify(info)}`);
writeFileSync(new URL('./stock-command-info.json', import.meta.url), `{\n${lines.join(',\n')}\n}\n`);
ourClient.disconnect();
stockClient.disconnect();
console.log(`recorded ${entries.length} commands`);
