// Compatibility harness: runs Redis 7.0.15's own Tcl test suite (external
// mode, one unit file at a time, each under a time limit) against this server
// and/or stock redis-server, and writes a per-file table.
//
//   node_modules/.bin/node test/compat/run.ts [options]
//
//   --target ours|redis|both   which servers (default both; env COMPAT_TARGET)
//   --files a,b,...            unit files to run, e.g. unit/type/incr (default:
//                              every tests/unit/*.tcl and tests/unit/type/*.tcl)
//   --ratchet FILE             CI mode: run only the tests listed in FILE (format
//                              of passing.txt) against ours, fail on regression
//   --update-ratchet           write passing.txt from the last full run of ours
//   --file-timeout SEC         limit per unit file (default 300; env COMPAT_FILE_TIMEOUT)
//   --budget SEC               stop starting new files after SEC seconds (default none)
//   --shards N                 shards for our server (default 2; env COMPAT_SHARDS)
//   --ours-port P / --redis-port P   use an already running server there instead
//                              of starting one (nothing is restarted then)
//   --keep-server              one server per target for the whole run instead of a
//                              fresh one per unit file
//   --out DIR                  results folder (default test/compat/results)
//   --no-summary               don't rewrite summary.md/json (ratchet mode never does)
//   --lenient                  DIAGNOSTIC, not a measurement: run a copy of the suite
//                              whose external-server setup tolerates errors from
//                              FUNCTION FLUSH and CONFIG GET/SET of block overrides,
//                              to see what fails past a missing framework command
//   --census                   put a recording proxy in front of the server and write
//                              results/census.md: which commands (and CONFIG parameters,
//                              DEBUG/OBJECT/CLIENT... subcommands) each unit file sends
//   -- ARGS...                 extra runtest arguments (appended to COMPAT_RUNTEST_ARGS)
//
// Environment: COMPAT_OURS_CMD (command line of our server, default
// "node_modules/.bin/node src/main.js"), COMPAT_OURS_ARGS / COMPAT_REDIS_ARGS
// (extra server arguments), COMPAT_RUNTEST_ARGS (replaces the default runtest
// flags "--tags -needs:repl --durable --ignore-encoding"), REDIS_SERVER
// (default redis-server from PATH).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CensusProxy, censusJson, censusMarkdown } from './census.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const DEFAULT_RUNTEST_ARGS = ['--tags', '-needs:repl', '--durable', '--ignore-encoding'];

type Target = 'ours' | 'redis';
type FileStatus = 'done' | 'exception' | 'timeout' | 'crash' | 'no-server';
type TestOutcome = 'ok' | 'failed' | 'error';

interface TestResult { name: string; outcome: TestOutcome; detail?: string }
interface FileResult {
  file: string;
  status: FileStatus;
  ok: number;
  failed: number;
  errors: number; // non-assertion errors inside a test (an exception, caught by --durable)
  blockErrors: number; // errors outside any test; the rest of that start_server block was lost
  ignored: number; // tests skipped by tags (external:skip, needs:repl, large-memory...)
  seconds: number;
  serverDied: boolean;
  tests: TestResult[];
  note?: string;
}

// ---------------------------------------------------------------- options
interface Options {
  targets: Target[];
  files: string[] | null;
  ratchet: string | null;
  updateRatchet: boolean;
  fileTimeout: number;
  budget: number;
  shards: number;
  oursPort: number;
  redisPort: number;
  keepServer: boolean;
  out: string;
  summary: boolean;
  census: boolean;
  lenient: boolean;
  extra: string[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    targets: targetsOf(process.env.COMPAT_TARGET ?? 'both'),
    files: null,
    ratchet: null,
    updateRatchet: false,
    fileTimeout: Number(process.env.COMPAT_FILE_TIMEOUT ?? 300),
    budget: Number(process.env.COMPAT_BUDGET ?? 0),
    shards: Number(process.env.COMPAT_SHARDS ?? 2),
    oursPort: 0,
    redisPort: 0,
    keepServer: false,
    out: path.join(HERE, 'results'),
    summary: true,
    census: false,
    lenient: false,
    extra: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--target': o.targets = targetsOf(next()); break;
      case '--files': o.files = next().split(',').map(s => s.trim().replace(/\.tcl$/, '').replace(/^tests\//, '')).filter(Boolean); break;
      case '--ratchet': o.ratchet = next(); break;
      case '--update-ratchet': o.updateRatchet = true; break;
      case '--file-timeout': o.fileTimeout = Number(next()); break;
      case '--budget': o.budget = Number(next()); break;
      case '--shards': o.shards = Number(next()); break;
      case '--ours-port': o.oursPort = Number(next()); break;
      case '--redis-port': o.redisPort = Number(next()); break;
      case '--keep-server': o.keepServer = true; break;
      case '--out': o.out = path.resolve(next()); break;
      case '--no-summary': o.summary = false; break;
      case '--census': o.census = true; break;
      case '--lenient': o.lenient = true; if (o.out === path.join(HERE, 'results')) o.out = path.join(HERE, 'results', 'raw', 'lenient'); break;
      case '--': o.extra = argv.slice(i + 1); i = argv.length; break;
      case '-h': case '--help':
        process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n\n')[0].replace(/^\/\/ ?/gm, '') + '\n');
        process.exit(0);
      default: throw new Error(`unknown option ${a}`);
    }
  }
  return o;
}

function targetsOf(s: string): Target[] {
  if (s === 'both') return ['ours', 'redis'];
  if (s === 'ours' || s === 'redis') return [s];
  throw new Error(`--target must be ours, redis or both, not ${s}`);
}

function log(msg: string): void {
  process.stderr.write(`[compat] ${msg}\n`);
}

// ---------------------------------------------------------------- source tree
function ensureSource(): string {
  const r = spawnSync('bash', [path.join(HERE, 'fetch-redis.sh')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error('fetch-redis.sh failed');
  const src = r.stdout.trim().split('\n').pop() ?? '';
  if (!fs.existsSync(path.join(src, 'tests', 'test_helper.tcl'))) throw new Error(`no test suite under ${src}`);
  // A few tests (all external:skip) exec src/redis-server or src/redis-cli:
  // point them at the stock binaries so nothing has to be built.
  for (const bin of ['redis-server', 'redis-cli', 'redis-benchmark', 'redis-check-aof', 'redis-check-rdb']) {
    const dst = path.join(src, 'src', bin);
    const which = spawnSync('bash', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).stdout.trim();
    if (which && !fs.existsSync(dst)) {
      try { fs.symlinkSync(which, dst); } catch { /* not needed in external mode */ }
    }
  }
  writeOneServerUnits(src);
  return src;
}

// unit/pubsubshard is tagged external:skip whole, though its first server
// block needs nothing but a client (the second makes a replica). The runner
// derives unit/pubsubshard-one-server from the fetched file: that first block
// alone, the tag lifted, so that external mode runs it on both targets.
function writeOneServerUnits(src: string): void {
  const from = path.join(src, 'tests', 'unit', 'pubsubshard.tcl');
  const to = path.join(src, 'tests', 'unit', 'pubsubshard-one-server.tcl');
  const text = fs.readFileSync(from, 'utf8');
  const firstBlockEnd = text.indexOf('\n}\n');
  const head = 'start_server {tags {"pubsubshard external:skip"}} {';
  if (!text.startsWith(head) || firstBlockEnd < 0) throw new Error(`${from}: not the layout writeOneServerUnits expects`);
  fs.writeFileSync(to, 'start_server {tags {"pubsubshard"}} {' + text.slice(head.length, firstBlockEnd + 3));
}

// A copy of the suite whose external-mode setup (run_external_server_test)
// catches errors of the framework's own FUNCTION FLUSH and CONFIG GET/SET, so
// that one missing command does not hide everything else. Diagnostic only.
function lenientCopy(src: string): string {
  const dst = src + '-lenient';
  const stamp = path.join(dst, '.lenient');
  if (fs.existsSync(stamp)) return dst;
  fs.rmSync(dst, { recursive: true, force: true });
  fs.mkdirSync(dst, { recursive: true });
  for (const entry of ['tests', 'runtest', 'src']) {
    fs.cpSync(path.join(src, entry), path.join(dst, entry), { recursive: true, verbatimSymlinks: true, filter: p => !p.includes('/tests/tmp/') });
  }
  fs.mkdirSync(path.join(dst, 'tests', 'tmp'), { recursive: true });
  const f = path.join(dst, 'tests', 'support', 'server.tcl');
  let t = fs.readFileSync(f, 'utf8');
  const edits: Array<[string, string]> = [
    ['    r function flush\n', '    catch {r function flush}\n'],
    ['        dict set saved_config $param [lindex [r config get $param] 1]\n        r config set $param $val\n',
      '        catch {dict set saved_config $param [lindex [r config get $param] 1]}\n        catch {r config set $param $val}\n'],
    ['    dict for {param val} $saved_config {\n        r config set $param $val\n',
      '    dict for {param val} $saved_config {\n        catch {r config set $param $val}\n'],
  ];
  for (const [a, b] of edits) {
    if (!t.includes(a)) throw new Error(`lenient copy: cannot find ${JSON.stringify(a)} in ${f}`);
    t = t.replace(a, b);
  }
  fs.writeFileSync(f, t);
  fs.writeFileSync(stamp, 'diagnostic copy, see run.ts --lenient\n');
  return dst;
}

function allUnitFiles(src: string): string[] {
  const out: string[] = [];
  for (const dir of ['unit', 'unit/type']) {
    for (const f of fs.readdirSync(path.join(src, 'tests', dir)).sort()) {
      if (!f.endsWith('.tcl')) continue;
      if (f === 'list-common.tcl') continue; // sourced by the list tests, not a unit
      out.push(`${dir}/${f.slice(0, -4)}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------- servers
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function ping(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise(resolve => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    const done = (v: boolean): void => { clearTimeout(t); sock.destroy(); resolve(v); };
    const t = setTimeout(() => done(false), timeoutMs);
    sock.on('connect', () => sock.write('*1\r\n$4\r\nPING\r\n'));
    sock.on('data', d => { buf += d.toString('latin1'); if (buf.includes('\r\n')) done(buf.startsWith('+PONG')); });
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms));

interface RunningServer { target: Target; port: number; proc: ChildProcess | null; dir: string; logFile: string; exited: boolean }

function shellWords(s: string | undefined): string[] {
  if (!s) return [];
  // minimal word splitting with '' and "" quotes (for values such as --save '')
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  let cur: string | null = null;
  let last = 0;
  while ((m = re.exec(s))) {
    const piece = m[1] ?? m[2] ?? m[3] ?? '';
    if (cur !== null && m.index === last) cur += piece; else { if (cur !== null) out.push(cur); cur = piece; }
    last = re.lastIndex;
  }
  if (cur !== null) out.push(cur);
  return out;
}

async function startServer(target: Target, opt: Options, rawDir: string, tag: string): Promise<RunningServer> {
  const fixed = target === 'ours' ? opt.oursPort : opt.redisPort;
  if (fixed) {
    return { target, port: fixed, proc: null, dir: '', logFile: '', exited: false };
  }
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), `compat-${target}-`));
  const logFile = path.join(rawDir, target, 'server.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.appendFileSync(logFile, `\n===== ${new Date().toISOString()} start for ${tag} on port ${port} =====\n`);
  const fd = fs.openSync(logFile, 'a');
  // Same configuration as Redis's own external-server CI (.github/workflows/external.yml):
  // no RDB saves, DEBUG and protected configs enabled.
  // (threadis gets enable-protected-configs too once it knows the directive:
  // add it with COMPAT_OURS_ARGS.)
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--enable-debug-command', 'yes'];
  let cmd: string;
  let args: string[];
  if (target === 'redis') {
    cmd = process.env.REDIS_SERVER ?? 'redis-server';
    args = [...common, '--enable-protected-configs', 'yes', '--appendonly', 'no', '--enable-module-command', 'yes', '--logfile', '', '--daemonize', 'no',
      ...shellWords(process.env.COMPAT_REDIS_ARGS)];
  } else {
    const words = shellWords(process.env.COMPAT_OURS_CMD ?? 'node_modules/.bin/node src/main.js');
    cmd = words[0];
    args = [...words.slice(1), ...common, '--shards', String(opt.shards), ...shellWords(process.env.COMPAT_OURS_ARGS)];
  }
  const proc = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', fd, fd], detached: true });
  fs.closeSync(fd);
  const srv: RunningServer = { target, port, proc, dir, logFile, exited: false };
  proc.on('exit', () => { srv.exited = true; });
  proc.on('error', e => { srv.exited = true; fs.appendFileSync(logFile, `spawn error: ${e.message}\n`); });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !srv.exited) {
    if (await ping(port, 500)) return srv;
    await sleep(100);
  }
  await stopServer(srv);
  throw new Error(`${target} server did not answer PING on port ${port} within 30s (${srv.exited ? 'it exited' : 'still running'}); see ${logFile}`);
}

async function stopServer(srv: RunningServer): Promise<void> {
  const p = srv.proc;
  if (p && !srv.exited && p.pid) {
    try { process.kill(-p.pid, 'SIGTERM'); } catch { /* gone */ }
    const deadline = Date.now() + 5000;
    while (!srv.exited && Date.now() < deadline) await sleep(50);
    if (!srv.exited) { try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ } }
    while (!srv.exited && Date.now() < deadline + 2000) await sleep(50);
  }
  if (srv.dir) fs.rmSync(srv.dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- one unit file
interface RuntestRun { output: string; timedOut: boolean; seconds: number; exitCode: number | null }

async function runRuntest(src: string, port: number, file: string, args: string[], timeoutSec: number, logPath: string): Promise<RuntestRun> {
  // runtest's own test server listens on a port just below --baseport (default
  // 21111, found racily); a random base lets two runs share the machine, and a
  // lost race is retried.
  for (let attempt = 0; ; attempt++) {
    const base = 21200 + 64 * Math.floor(Math.random() * 90);
    const run = await runRuntestOnce(src, port, file, [...args, '--baseport', String(base)], timeoutSec, logPath);
    if (attempt < 3 && !run.timedOut && /couldn't open socket: address already in use/.test(run.output) && !RECORD_ANY.test(run.output)) continue;
    return run;
  }
}

const RECORD_ANY = /^\[(ok|err|ignore|skip)\]:/m;

function runRuntestOnce(src: string, port: number, file: string, args: string[], timeoutSec: number, logPath: string): Promise<RuntestRun> {
  return new Promise(resolve => {
    const started = Date.now();
    const fullArgs = ['tests/test_helper.tcl', '--host', '127.0.0.1', '--port', String(port), '--single', file,
      '--timeout', String(timeoutSec), ...args];
    fs.mkdirSync(path.dirname(logPath), { recursive: true });
    const out = fs.openSync(logPath, 'w');
    fs.writeSync(out, `# tclsh ${fullArgs.join(' ')}\n`);
    // Own process group: runtest forks a test client (and helpers); a time-out
    // must kill all of them.
    const p = spawn('tclsh', fullArgs, { cwd: src, stdio: ['ignore', out, out], detached: true, env: { ...process.env, TERM: 'dumb' } });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-(p.pid ?? 0), 'SIGKILL'); } catch { /* gone */ }
    }, timeoutSec * 1000);
    p.on('exit', code => {
      clearTimeout(timer);
      // the test client may outlive the test server process
      try { process.kill(-(p.pid ?? 0), 'SIGKILL'); } catch { /* gone */ }
      fs.closeSync(out);
      resolve({ output: fs.readFileSync(logPath, 'utf8'), timedOut, seconds: (Date.now() - started) / 1000, exitCode: code });
    });
  });
}

const RECORD = /^\[(ok|err|ignore|skip|exception|TIMEOUT|\d+\/\d+ done)\]: ?(.*)$/;

function parseOutput(file: string, text: string): Omit<FileResult, 'status' | 'seconds' | 'serverDied'> & { sawDone: boolean; sawException: boolean; exceptionText: string } {
  const lines = text.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  const r = { file, ok: 0, failed: 0, errors: 0, blockErrors: 0, ignored: 0, tests: [] as TestResult[], sawDone: false, sawException: false, exceptionText: '' };
  let cur: { kind: string; lines: string[] } | null = null;
  const flush = (): void => {
    if (!cur) return;
    const body = cur.lines.join('\n');
    if (cur.kind === 'err') {
      const first = cur.lines[0] ?? '';
      const m = /^(.*) in tests\/\S+\.tcl$/.exec(first);
      const rest = cur.lines.slice(1).join('\n');
      const detail = rest.slice(0, 2000);
      if (m) {
        const isError = /\n\s+while executing\n|\n\s+invoked from within\n|\n\s+\(procedure /.test('\n' + rest + '\n');
        if (isError) r.errors++; else r.failed++;
        r.tests.push({ name: m[1], outcome: isError ? 'error' : 'failed', detail });
      } else {
        r.blockErrors++;
        r.tests.push({ name: '(outside any test)', outcome: 'error', detail: body.slice(0, 2000) });
      }
    } else if (cur.kind === 'exception') {
      r.sawException = true;
      r.exceptionText = body.slice(0, 4000);
    }
    cur = null;
  };
  for (const line of lines) {
    const m = RECORD.exec(line);
    if (m) {
      flush();
      const kind = m[1];
      const data = m[2];
      if (kind === 'ok') {
        r.ok++;
        r.tests.push({ name: data.replace(/ \(\d+ ms\)$/, ''), outcome: 'ok' });
      } else if (kind === 'ignore') {
        r.ignored++;
      } else if (kind === 'err' || kind === 'exception') {
        cur = { kind, lines: [data] };
      } else if (kind.endsWith('done')) {
        r.sawDone = true;
      }
      continue;
    }
    if (/^\s*The End\s*$/.test(line) || /^Testing unit\//.test(line) || /^Killing still running/.test(line)) { flush(); continue; }
    if (cur) cur.lines.push(line);
  }
  flush();
  return r;
}

async function runFile(src: string, srv: RunningServer, file: string, opt: Options, runtestArgs: string[], rawDir: string, clientPort = srv.port): Promise<FileResult> {
  const logPath = path.join(rawDir, srv.target, `${file.replace(/\//g, '__')}.log`);
  const run = await runRuntest(src, clientPort, file, runtestArgs, opt.fileTimeout, logPath);
  const p = parseOutput(file, run.output);
  const alive = !srv.exited && (await ping(srv.port, 2000));
  let status: FileStatus;
  if (run.timedOut) status = 'timeout';
  else if (p.sawException) status = 'exception';
  else if (!p.sawDone) status = alive ? 'exception' : 'crash';
  else status = 'done';
  if (!alive && status !== 'timeout') status = 'crash';
  const res: FileResult = {
    file, status, ok: p.ok, failed: p.failed, errors: p.errors, blockErrors: p.blockErrors, ignored: p.ignored,
    seconds: Math.round(run.seconds * 10) / 10, serverDied: !alive, tests: p.tests,
  };
  if (p.sawException) res.note = firstLines(p.exceptionText, 3);
  else if (run.timedOut) res.note = `killed after ${opt.fileTimeout}s; last output: ${lastTestLine(run.output)}`;
  else if (!alive) res.note = 'server stopped answering PING';
  return res;
}

function firstLines(s: string, n: number): string {
  return s.split('\n').filter(l => l.trim()).slice(0, n).join(' | ').slice(0, 300);
}

function lastTestLine(out: string): string {
  const lines = out.replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter(l => RECORD.test(l));
  return (lines.pop() ?? '(none)').slice(0, 200);
}

// ---------------------------------------------------------------- runs
interface TargetRun { target: Target; files: FileResult[]; startedAt: string; seconds: number; describe: string; runtestArgs: string[] }

async function runTarget(target: Target, src: string, files: string[], opt: Options, runtestArgs: string[], rawDir: string,
  perFileArgs?: (file: string) => string[]): Promise<TargetRun> {
  const started = Date.now();
  const results: FileResult[] = [];
  fs.rmSync(path.join(rawDir, target), { recursive: true, force: true });
  fs.mkdirSync(path.join(rawDir, target), { recursive: true });
  let srv: RunningServer | null = null;
  const fixed = (target === 'ours' ? opt.oursPort : opt.redisPort) !== 0;
  const proxy = opt.census ? new CensusProxy() : null;
  const proxyPort = proxy ? await proxy.listen() : 0;
  for (const file of files) {
    if (opt.budget && (Date.now() - started) / 1000 > opt.budget) {
      results.push({ file, status: 'timeout', ok: 0, failed: 0, errors: 0, blockErrors: 0, ignored: 0, seconds: 0, serverDied: false, tests: [], note: 'not run: time budget spent' });
      continue;
    }
    if (srv && (srv.exited || !(await ping(srv.port, 2000)) || (!opt.keepServer && !fixed))) {
      await stopServer(srv);
      srv = null;
    }
    if (!srv) {
      try {
        srv = await startServer(target, opt, rawDir, file);
      } catch (e) {
        const msg = (e as Error).message;
        log(`${target} ${file}: ${msg}`);
        results.push({ file, status: 'no-server', ok: 0, failed: 0, errors: 0, blockErrors: 0, ignored: 0, seconds: 0, serverDied: true, tests: [], note: msg });
        continue;
      }
    }
    const args = [...runtestArgs, ...(perFileArgs ? perFileArgs(file) : [])];
    let r: FileResult;
    if (proxy) {
      proxy.upstreamPort = srv.port;
      proxy.startFile(file);
      r = await runFile(src, srv, file, opt, args, rawDir, proxyPort);
      proxy.startFile('');
    } else {
      r = await runFile(src, srv, file, opt, args, rawDir);
    }
    results.push(r);
    log(`${target.padEnd(5)} ${file.padEnd(26)} ${r.status.padEnd(9)} ok ${String(r.ok).padStart(4)}  failed ${String(r.failed).padStart(3)}  err ${String(r.errors + r.blockErrors).padStart(3)}  ${r.seconds}s${r.note ? '  ' + r.note.slice(0, 120) : ''}`);
  }
  if (srv) await stopServer(srv);
  if (proxy) {
    await proxy.close();
    fs.mkdirSync(opt.out, { recursive: true });
    fs.writeFileSync(path.join(opt.out, 'census.md'), censusMarkdown(proxy.data));
    fs.writeFileSync(path.join(rawDir, `census-${target}.json`), JSON.stringify(censusJson(proxy.data), null, 1) + '\n');
    log(`census: ${path.join(opt.out, 'census.md')}`);
  }
  return {
    target, files: results, startedAt: new Date(started).toISOString(), seconds: Math.round((Date.now() - started) / 1000),
    describe: describeTarget(target, opt) + (opt.lenient ? ' [LENIENT diagnostic suite copy: not a measurement]' : ''), runtestArgs,
  };
}

function describeTarget(target: Target, opt: Options): string {
  if (target === 'redis') {
    const v = spawnSync(process.env.REDIS_SERVER ?? 'redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim();
    return v.replace(/^Redis server /, 'redis-server ').split(' sha=')[0] || 'redis-server';
  }
  let rev = '';
  const g = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' });
  if (g.status === 0) rev = ` @ ${g.stdout.trim()}`;
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'workers'], { cwd: REPO, encoding: 'utf8' }).stdout.trim() ? ' (+ uncommitted changes)' : '';
  return `threadis --shards ${opt.shards}${rev}${dirty}`;
}

interface Totals { files: number; pass: number; fail: number; skipped: number; ok: number; failed: number; errors: number; timeouts: number; exceptions: number; crashes: number; ignored: number }

function fileStatus(f: FileResult): string {
  if (f.status !== 'done') return f.status;
  if (f.failed + f.errors + f.blockErrors > 0) return 'fail';
  return f.ok ? 'pass' : 'skipped';
}

function totals(run: TargetRun): Totals {
  const t: Totals = { files: run.files.length, pass: 0, fail: 0, skipped: 0, ok: 0, failed: 0, errors: 0, timeouts: 0, exceptions: 0, crashes: 0, ignored: 0 };
  for (const f of run.files) {
    t.ok += f.ok; t.failed += f.failed; t.errors += f.errors + f.blockErrors; t.ignored += f.ignored;
    const st = fileStatus(f);
    if (st === 'timeout') t.timeouts++;
    else if (st === 'exception') t.exceptions++;
    else if (st === 'crash' || st === 'no-server') t.crashes++;
    else if (st === 'pass') t.pass++;
    else if (st === 'fail') t.fail++;
    else t.skipped++;
  }
  return t;
}

function summaryLine(runs: TargetRun[]): string {
  return 'compat (Redis 7.0.15 suite, external mode): ' + runs.map(r => {
    const t = totals(r);
    return `${r.target}: ${t.ok} tests ok, ${t.failed} failed, ${t.errors} errors; files ${t.pass} pass, ${t.fail} fail, ${t.exceptions} exception, ${t.timeouts} timeout, ${t.crashes} crash, ${t.skipped} all-skipped (of ${t.files})`;
  }).join(' | ');
}

function cell(f: FileResult | undefined): string[] {
  if (!f) return ['', '', '', '', ''];
  return [String(f.ok), String(f.failed), String(f.errors + f.blockErrors), fileStatus(f), String(f.seconds)];
}

function writeSummary(runs: TargetRun[], opt: Options, rawDir: string): void {
  fs.mkdirSync(opt.out, { recursive: true });
  const line = summaryLine(runs);
  const files = [...new Set(runs.flatMap(r => r.files.map(f => f.file)))];
  const by = new Map(runs.map(r => [r.target, new Map(r.files.map(f => [f.file, f]))]));
  const md: string[] = [];
  md.push('# Redis 7.0.15 test suite against threadis and stock Redis', '');
  md.push(`Generated by \`test/compat/run.ts\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, host ${process.env.HOSTNAME ?? 'local'} (${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores).`, '');
  md.push('```', line, '```', '');
  for (const r of runs) md.push(`- **${r.target}**: ${r.describe}; runtest ${r.runtestArgs.join(' ')}; ${r.seconds}s`);
  md.push('', 'Columns per server: tests ok / failed (assertion) / errors (exception inside a test, or outside any test: the rest of that block was lost) / file status / seconds. ' +
    'Status: pass = no failure, fail = ran to the end with failures, skipped = every test skipped by tags, exception = the file aborted, timeout = killed at the per-file limit (' + opt.fileTimeout + 's), crash = the server stopped answering.', '');
  const head = ['file'];
  const sep = ['---'];
  for (const r of runs) { head.push(`${r.target} ok`, 'failed', 'errors', 'status', 's'); sep.push('---:', '---:', '---:', '---', '---:'); }
  md.push(`| ${head.join(' | ')} |`, `| ${sep.join(' | ')} |`);
  for (const file of files) {
    const row = [file];
    for (const r of runs) row.push(...cell(by.get(r.target)?.get(file)));
    md.push(`| ${row.join(' | ')} |`);
  }
  const trow = ['**total**'];
  for (const r of runs) {
    const t = totals(r);
    trow.push(`**${t.ok}**`, `**${t.failed}**`, `**${t.errors}**`, `${t.pass} pass`, String(r.seconds));
  }
  md.push(`| ${trow.join(' | ')} |`, '');
  const notes = runs.flatMap(r => r.files.filter(f => f.note).map(f => `- ${r.target} ${f.file} (${f.status}): ${f.note!.replace(/\|/g, '\\|')}`));
  if (notes.length) md.push('## Notes', '', ...notes, '');
  fs.writeFileSync(path.join(opt.out, 'summary.md'), md.join('\n'));
  const json = {
    generated: new Date().toISOString(),
    suite: 'redis 7.0.15 tests/unit, external mode',
    fileTimeout: opt.fileTimeout,
    summary: line,
    servers: Object.fromEntries(runs.map(r => [r.target, {
      describe: r.describe, runtestArgs: r.runtestArgs, seconds: r.seconds, totals: totals(r),
      files: r.files.map(f => ({ file: f.file, status: fileStatus(f), ok: f.ok, failed: f.failed, errors: f.errors + f.blockErrors, ignored: f.ignored, seconds: f.seconds, ...(f.note ? { note: f.note } : {}) })),
    }])),
  };
  fs.writeFileSync(path.join(opt.out, 'summary.json'), JSON.stringify(json, null, 2) + '\n');
  // per-test outcomes (ignored by git; the ratchet is built from ours)
  for (const r of runs) {
    const tsv = r.files.flatMap(f => f.tests.map(t => `${f.file}\t${t.outcome}\t${t.name}`));
    fs.writeFileSync(path.join(rawDir, `${r.target}.tests.tsv`), tsv.join('\n') + '\n');
    fs.writeFileSync(path.join(rawDir, `${r.target}.failures.txt`), r.files.flatMap(f => f.tests.filter(t => t.outcome !== 'ok')
      .map(t => `=== ${f.file} [${t.outcome}] ${t.name}\n${t.detail ?? ''}\n`)).join('\n'));
  }
}

// ---------------------------------------------------------------- ratchet
const RATCHET_HEADER = `# Tests of Redis 7.0.15's suite (tests/unit, external mode) that pass against
# threadis. CI (test/compat/ci.sh) runs exactly these and fails if one of them
# stops passing. Regenerate after a full run of ours:
#   make compat-ours && make compat-ratchet-update    (review the diff, commit)
# Format: <unit file><TAB><test name>, one per line; a name listed twice must
# pass twice (some files run the same test once per encoding).
`;

function readRatchet(file: string): Map<string, Map<string, number>> {
  const m = new Map<string, Map<string, number>>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const f = line.slice(0, tab);
    const name = line.slice(tab + 1);
    if (!m.has(f)) m.set(f, new Map());
    const byName = m.get(f)!;
    byName.set(name, (byName.get(name) ?? 0) + 1);
  }
  return m;
}

function okCounts(f: FileResult): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of f.tests) if (t.outcome === 'ok') m.set(t.name, (m.get(t.name) ?? 0) + 1);
  return m;
}

function onlyArg(name: string): string {
  // runtest --only: exact name, or a regexp when it starts with "/"
  if (!name.startsWith('/')) return name;
  return '/^' + name.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&') + '$';
}

async function ratchet(src: string, opt: Options, runtestArgs: string[], rawDir: string): Promise<number> {
  const want = readRatchet(opt.ratchet!);
  const files = [...want.keys()];
  const listed = [...want.values()].reduce((a, m) => a + [...m.values()].reduce((x, y) => x + y, 0), 0);
  log(`ratchet: ${listed} tests in ${files.length} files from ${opt.ratchet}`);
  const started = Date.now();
  // Pass 1: only the listed tests (runtest --only), the code between tests still runs.
  const run = await runTarget('ours', src, files, opt, runtestArgs, rawDir,
    f => [...want.get(f)!.keys()].flatMap(n => ['--only', onlyArg(n)]));
  const missingOf = (f: FileResult | undefined, file: string): string[] => {
    const got = f ? okCounts(f) : new Map<string, number>();
    const miss: string[] = [];
    for (const [n, c] of want.get(file)!) if ((got.get(n) ?? 0) < c) miss.push(n);
    return miss;
  };
  const regressions = new Map<string, string[]>();
  const byFile = new Map(run.files.map(f => [f.file, f]));
  for (const file of files) {
    const miss = missingOf(byFile.get(file), file);
    if (miss.length) regressions.set(file, miss);
  }
  // Pass 2: a file with a missing test is run again whole (a listed test may
  // depend on state left by one that is not listed, or have been a flake).
  if (regressions.size) {
    log(`ratchet: ${regressions.size} file(s) with missing tests; running them again in full`);
    const rawRetry = path.join(rawDir, 'retry');
    const retry = await runTarget('ours', src, [...regressions.keys()], opt, runtestArgs, rawRetry);
    for (const f of retry.files) {
      const first = regressions.get(f.file)!;
      const got = okCounts(f);
      const still = first.filter(n => (got.get(n) ?? 0) < want.get(f.file)!.get(n)!);
      if (still.length) regressions.set(f.file, still); else regressions.delete(f.file);
    }
  }
  const secs = Math.round((Date.now() - started) / 1000);
  const t = totals(run);
  fs.writeFileSync(path.join(rawDir, 'ratchet.txt'), run.files.map(f => `${f.file}\t${f.status}\tok=${f.ok}\tfailed=${f.failed}\terrors=${f.errors + f.blockErrors}\t${f.seconds}s`).join('\n') + '\n');
  if (regressions.size === 0) {
    console.log(`compat ratchet: OK, all ${listed} listed tests pass (${files.length} files, ${t.ok} ok in pass 1, ${secs}s)`);
    return 0;
  }
  const lost = [...regressions.values()].reduce((a, l) => a + l.length, 0);
  console.log(`compat ratchet: REGRESSION, ${lost} listed test(s) no longer pass (${secs}s):`);
  for (const [file, names] of regressions) {
    const f = byFile.get(file);
    console.log(`  ${file} (${f?.status ?? 'not run'}${f?.note ? ': ' + f.note : ''})`);
    for (const n of names) console.log(`    - ${n}`);
  }
  console.log(`raw logs: ${rawDir}`);
  return 1;
}

function updateRatchet(opt: Options, rawDir: string): number {
  const tsv = path.join(rawDir, 'ours.tests.tsv');
  if (!fs.existsSync(tsv)) { log(`no ${tsv}: run the suite against ours first (make compat-ours)`); return 1; }
  const summary = JSON.parse(fs.readFileSync(path.join(opt.out, 'summary.json'), 'utf8'));
  const okFiles = new Set<string>((summary.servers?.ours?.files ?? []).filter((f: { status: string }) => f.status !== 'no-server' && f.status !== 'crash').map((f: { file: string }) => f.file));
  const lines = fs.readFileSync(tsv, 'utf8').split('\n').filter(Boolean).map(l => l.split('\t'))
    .filter(([file, outcome]) => outcome === 'ok' && okFiles.has(file)).map(([file, , name]) => `${file}\t${name}`);
  const target = path.join(HERE, 'passing.txt');
  const before = fs.existsSync(target) ? readRatchet(target) : new Map<string, Map<string, number>>();
  fs.writeFileSync(target, RATCHET_HEADER + lines.join('\n') + (lines.length ? '\n' : ''));
  const after = readRatchet(target);
  let dropped = 0;
  for (const [file, names] of before) for (const [n, c] of names) {
    const now = after.get(file)?.get(n) ?? 0;
    if (now < c) { dropped++; log(`dropped from the ratchet: ${file}: ${n}`); }
  }
  console.log(`passing.txt: ${lines.length} tests in ${after.size} files${dropped ? `, ${dropped} dropped (see above)` : ''}`);
  return 0;
}

// ---------------------------------------------------------------- main
async function main(): Promise<number> {
  const opt = parseArgs(process.argv.slice(2));
  const rawDir = path.join(opt.out, 'raw');
  if (opt.updateRatchet) return updateRatchet(opt, rawDir);
  let src = ensureSource();
  if (opt.lenient) {
    src = lenientCopy(src);
    log(`--lenient: DIAGNOSTIC run from ${src} (framework errors tolerated); not a measurement`);
  }
  const runtestArgs = [...(process.env.COMPAT_RUNTEST_ARGS !== undefined ? shellWords(process.env.COMPAT_RUNTEST_ARGS) : DEFAULT_RUNTEST_ARGS), ...opt.extra];
  if (opt.ratchet) {
    return ratchet(src, opt, runtestArgs, path.join(rawDir, 'ci'));
  }
  const files = opt.files ?? allUnitFiles(src);
  const runs: TargetRun[] = [];
  for (const target of opt.targets) {
    if (target === 'ours' && !fs.existsSync(path.join(REPO, 'src', 'main.js')) && !opt.oursPort && !process.env.COMPAT_OURS_CMD) {
      log('src/main.js does not exist: skipping ours');
      continue;
    }
    log(`running ${files.length} unit files against ${target}`);
    runs.push(await runTarget(target, src, files, opt, runtestArgs, rawDir));
  }
  // keep the other server's columns from the previous run when only one target ran
  if (opt.summary && runs.length) {
    const prev = path.join(rawDir, 'runs.json');
    let kept: TargetRun[] = [];
    if (runs.length === 1 && fs.existsSync(prev)) {
      try { kept = (JSON.parse(fs.readFileSync(prev, 'utf8')) as TargetRun[]).filter(r => r.target !== runs[0].target); } catch { kept = []; }
    }
    const all = [...runs, ...kept].sort((a, b) => (a.target === 'ours' ? -1 : 1) - (b.target === 'ours' ? -1 : 1));
    fs.writeFileSync(prev, JSON.stringify(all));
    writeSummary(all, opt, rawDir);
    console.log(summaryLine(all));
    console.log(`table: ${path.relative(process.cwd(), path.join(opt.out, 'summary.md'))}`);
  } else if (runs.length) {
    console.log(summaryLine(runs));
  }
  return 0;
}

main().then(code => process.exit(code), e => { log((e as Error).stack ?? String(e)); process.exit(2); });
