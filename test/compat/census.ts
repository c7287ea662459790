// A recording TCP proxy for the compatibility harness: sits between the Tcl
// test suite and a server, forwards bytes unchanged, and notes every command
// the suite sends, by unit file and by test (the suite announces each test with
// DEBUG LOG "### Starting test <name> in <file>"). Used by run.ts --census
// against stock Redis to list what the suite needs from a server.

import { createConnection, createServer, type Server, type Socket } from 'node:net';

// Commands whose first argument is a subcommand worth telling apart.
const CONTAINERS = new Set([
  'acl', 'client', 'cluster', 'command', 'config', 'debug', 'function', 'latency', 'memory', 'module',
  'object', 'pubsub', 'script', 'slowlog', 'xgroup', 'xinfo',
]);

export interface CensusData {
  // file -> key -> count
  byFile: Map<string, Map<string, number>>;
  // "file\ttest" -> keys
  byTest: Map<string, Set<string>>;
}

export function keysOf(args: Buffer[]): string[] {
  if (!args.length) return [];
  const cmd = args[0].toString('latin1').toLowerCase();
  const keys = [cmd];
  if (CONTAINERS.has(cmd) && args.length > 1) {
    const sub = args[1].toString('latin1').toLowerCase();
    keys.push(`${cmd} ${sub}`);
    if (cmd === 'config' && sub === 'set') {
      for (let i = 2; i < args.length; i += 2) keys.push(`config set ${args[i].toString('latin1').toLowerCase()}`);
    } else if (cmd === 'config' && sub === 'get') {
      for (let i = 2; i < args.length; i++) keys.push(`config get ${args[i].toString('latin1').toLowerCase()}`);
    } else if (cmd === 'debug' && args.length > 2 && ['set-active-expire', 'quicklist-packed-threshold', 'stringmatch-len', 'set-skip-checksum-validation', 'listpack-entries', 'replybuffer', 'change-repl-id', 'set-disable-deny-scripts'].includes(sub)) {
      keys.push(`debug ${sub} ${args[2].toString('latin1')}`);
    }
  }
  return keys;
}

// Incremental parser of the client->server byte stream (RESP arrays of bulk
// strings, or inline commands). Chunks are kept in a list and joined only when
// enough bytes for the next step have arrived, so large values stay cheap.
class RequestStream {
  chunks: Buffer[] = [];
  total = 0;
  need = 1;
  broken = false;
  onCommand: (args: Buffer[]) => void;

  constructor(onCommand: (args: Buffer[]) => void) {
    this.onCommand = onCommand;
  }

  push(d: Buffer): void {
    if (this.broken) return;
    this.chunks.push(d);
    this.total += d.length;
    if (this.total < this.need) return;
    let buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.total);
    let pos = 0;
    for (;;) {
      const r = this.parseOne(buf, pos);
      if (r === null) { this.broken = true; this.chunks = []; this.total = 0; return; }
      if (r.args === undefined) { this.need = r.need - pos; break; }
      pos = r.next;
      if (r.args.length) this.onCommand(r.args);
      if (pos >= buf.length) break;
    }
    buf = buf.subarray(pos);
    this.chunks = buf.length ? [buf] : [];
    this.total = buf.length;
    if (pos >= 0 && this.need <= 0) this.need = 1;
    if (this.total === 0) this.need = 1;
  }

  // null: malformed; {need}: incomplete (need = absolute offset required); {args,next}
  parseOne(buf: Buffer, pos: number): { args?: Buffer[]; next: number; need: number } | null {
    if (pos >= buf.length) return { next: pos, need: pos + 1 };
    if (buf[pos] !== 0x2a /* '*' */) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) return buf.length - pos > 1 << 20 ? null : { next: pos, need: buf.length + 1 };
      const line = buf.subarray(pos, nl).toString('latin1').replace(/\r$/, '');
      const args = line.split(/\s+/).filter(Boolean).map(s => Buffer.from(s, 'latin1'));
      return { args, next: nl + 1, need: 0 };
    }
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) return { next: pos, need: buf.length + 1 };
    const count = Number(buf.subarray(pos + 1, nl).toString('latin1').trim());
    if (!Number.isInteger(count) || count > 1024 * 1024) return null;
    let p = nl + 1;
    const args: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      if (p >= buf.length) return { next: pos, need: p + 1 };
      if (buf[p] !== 0x24 /* '$' */) return null;
      const l = buf.indexOf(0x0a, p);
      if (l < 0) return { next: pos, need: buf.length + 1 };
      const len = Number(buf.subarray(p + 1, l).toString('latin1').trim());
      if (!Number.isInteger(len) || len < 0) return null;
      const start = l + 1;
      const end = start + len + 2;
      if (end > buf.length) return { next: pos, need: end };
      args.push(i < 16 ? buf.subarray(start, start + Math.min(len, 512)) : Buffer.alloc(0));
      p = end;
    }
    return { args, next: p, need: 0 };
  }
}

export class CensusProxy {
  server: Server;
  upstreamPort = 0;
  file = '';
  test = '';
  data: CensusData = { byFile: new Map(), byTest: new Map() };
  sockets = new Set<Socket>();

  constructor() {
    this.server = createServer(client => this.accept(client));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.on('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        const a = this.server.address();
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise(r => this.server.close(() => r()));
  }

  startFile(file: string): void {
    this.file = file;
    this.test = '';
  }

  record(args: Buffer[]): void {
    if (!this.file) return;
    const cmd = args[0]?.toString('latin1').toLowerCase();
    if (cmd === 'debug' && args.length >= 3 && args[1].toString('latin1').toLowerCase() === 'log') {
      const m = /^### Starting test (.*) in (\S+)$/s.exec(args[2].toString('utf8'));
      if (m) { this.test = m[1]; }
    }
    let f = this.data.byFile.get(this.file);
    if (!f) { f = new Map(); this.data.byFile.set(this.file, f); }
    const tkey = `${this.file}\t${this.test || '(framework, before the first test)'}`;
    let t = this.data.byTest.get(tkey);
    if (!t) { t = new Set(); this.data.byTest.set(tkey, t); }
    for (const k of keysOf(args)) {
      f.set(k, (f.get(k) ?? 0) + 1);
      t.add(k);
    }
  }

  accept(client: Socket): void {
    const up = createConnection({ host: '127.0.0.1', port: this.upstreamPort });
    this.sockets.add(client);
    this.sockets.add(up);
    const parser = new RequestStream(args => this.record(args));
    client.on('data', (d: Buffer) => { parser.push(d); if (!up.write(d)) { client.pause(); up.once('drain', () => client.resume()); } });
    up.on('data', d => { if (!client.write(d)) { up.pause(); client.once('drain', () => up.resume()); } });
    const end = (): void => { client.destroy(); up.destroy(); this.sockets.delete(client); this.sockets.delete(up); };
    client.on('close', end); up.on('close', end);
    client.on('error', end); up.on('error', end);
    client.on('end', () => up.end());
    up.on('end', () => client.end());
  }
}

// What every file sends through the framework itself (tests/support): these
// are reported apart from what the tests use.
const FRAMEWORK = ['select', 'flushall', 'function', 'function flush', 'debug', 'debug log', 'ping'];

export function censusMarkdown(d: CensusData, failuresOurs?: Map<string, number>): string {
  const files = [...d.byFile.keys()].sort();
  // key -> files, and key -> tests
  const keyFiles = new Map<string, Set<string>>();
  for (const [file, m] of d.byFile) for (const k of m.keys()) {
    if (!keyFiles.has(k)) keyFiles.set(k, new Set());
    keyFiles.get(k)!.add(file);
  }
  const keyTests = new Map<string, number>();
  for (const [tk, ks] of d.byTest) {
    if (tk.endsWith('\t(framework, before the first test)')) continue;
    for (const k of ks) keyTests.set(k, (keyTests.get(k) ?? 0) + 1);
  }
  const totalTests = [...d.byTest.keys()].filter(k => !k.endsWith('\t(framework, before the first test)')).length;
  const rows = [...keyFiles.entries()].sort((a, b) => b[1].size - a[1].size || (keyTests.get(b[0]) ?? 0) - (keyTests.get(a[0]) ?? 0) || a[0].localeCompare(b[0]));
  const out: string[] = [];
  out.push('# What Redis 7.0.15\'s test suite sends (census against stock redis-server)', '');
  out.push(`Recorded by \`node_modules/.bin/node test/compat/run.ts --target redis --census\`: a proxy between the suite and redis-server noted every command, by unit file and by test (${files.length} files, ${totalTests} tests). ` +
    '"files" = unit files that send it at least once (the framework\'s own commands included); "tests" = tests that send it between their DEBUG LOG marker and the next one. Rank by files: a command missing from the server breaks at least that many files. ' +
    'Container commands are split by subcommand, CONFIG GET/SET by parameter; `debug <sub> <arg>` keeps the argument for switches.', '');
  const sections: Array<[string, (k: string) => boolean]> = [
    ['CONFIG parameters', k => /^config (get|set) ./.test(k) && k.split(' ').length === 3],
    ['DEBUG subcommands', k => k.startsWith('debug ')],
    ['OBJECT / MEMORY / CLIENT / FUNCTION / SCRIPT / other subcommands', k => k.includes(' ') && !k.startsWith('debug ') && !(/^config (get|set) ./.test(k) && k.split(' ').length === 3)],
    ['Commands', k => !k.includes(' ')],
  ];
  for (const [title, pred] of sections) {
    const sel = rows.filter(([k]) => pred(k));
    if (!sel.length) continue;
    out.push(`## ${title}`, '', '| command | files | tests | files using it |', '| --- | ---: | ---: | --- |');
    for (const [k, fs] of sel) {
      const list = [...fs].sort();
      const shown = list.length > 8 ? `${list.slice(0, 8).join(', ')}, ... (+${list.length - 8})` : list.join(', ');
      const fw = FRAMEWORK.includes(k) ? ' (framework)' : '';
      out.push(`| \`${k.replace(/\|/g, '\\|')}\`${fw} | ${fs.size} | ${keyTests.get(k) ?? 0} | ${shown} |`);
    }
    out.push('');
  }
  void failuresOurs;
  return out.join('\n');
}

export function censusJson(d: CensusData): unknown {
  return {
    byFile: Object.fromEntries([...d.byFile].map(([f, m]) => [f, Object.fromEntries([...m].sort((a, b) => b[1] - a[1]))])),
    byTest: Object.fromEntries([...d.byTest].map(([t, s]) => [t, [...s].sort()])),
  };
}
