// Configuration: CONFIG GET/SET/RESETSTAT/HELP on every thread, and the
// command line and config file as redis-server reads them.
//
// Error strings and replies were read from stock redis-server 7.0.15 with the
// same commands and the same start-up arguments.

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SERVER_ENTRY as ENTRY, freePort, launchServer, useServer } from './helpers/server.ts';
import { connectResp3, errorOf, infoField, ioredis, useClient } from './helpers/clients.ts';
import { exchange, resp } from './helpers/raw-client.ts';

/** Runs the server with `args` until it exits (start-up failures); resolves its status and output. */
function runUntilExit(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const setError = (name: string, reason: string) => `ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`;

for (const shards of [1, 2]) {
  describe(`CONFIG --shards ${shards}`, () => {
    const server = useServer({ shards });
    const client = useClient(server);

    it('CONFIG GET: exact names as asked, patterns without case, several at once', async () => {
      expect(await client.config('GET', 'maxmemory')).toEqual(['maxmemory', '0']);
      expect(await client.config('GET', 'MAXMEMORY')).toEqual(['MAXMEMORY', '0']);
      expect(await client.call('config', 'get', 'maxmemory', 'port')).toEqual(['maxmemory', '0', 'port', String(server.port)]);
      expect(await client.config('GET', 'nosuch')).toEqual([]);
      const matched = (await client.config('GET', 'Maxmem*y')) as string[];
      expect(matched.filter((_, i) => i % 2 === 0).sort()).toEqual(['maxmemory', 'maxmemory-eviction-tenacity', 'maxmemory-policy']);
      expect(await client.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
      expect(await errorOf(client.call('config', 'get'))).toBe("ERR wrong number of arguments for 'config|get' command");
    });

    it('CONFIG GET replies a map in RESP3', async () => {
      const nodeRedis = await connectResp3(server);
      expect(await nodeRedis.sendCommand(['CONFIG', 'GET', 'maxmemory-policy'])).toEqual({ 'maxmemory-policy': 'noeviction' });
      nodeRedis.destroy();
    });

    it('CONFIG SET several pairs at once reaches every thread', async () => {
      expect(await client.call('config', 'set', 'maxmemory', '1gb', 'MAXMEMORY-policy', 'allkeys-lru')).toBe('OK');
      // Every thread answers CONFIG GET from its own copy: ask from many connections.
      const readers = await Promise.all(Array.from({ length: 6 }, () => ioredis(server)));
      for (const reader of readers) {
        expect(await reader.call('config', 'get', 'maxmemory', 'maxmemory-policy')).toEqual(['maxmemory', '1073741824', 'maxmemory-policy', 'allkeys-lru']);
        reader.disconnect();
      }
      expect(await client.call('config', 'set', 'maxmemory', '0', 'maxmemory-policy', 'noeviction')).toBe('OK');
    });

    it('CONFIG SET applies nothing when one pair is wrong', async () => {
      expect(await errorOf(client.call('config', 'set', 'maxmemory', '1mb', 'hz', 'abc'))).toBe(setError('hz', "argument couldn't be parsed into an integer"));
      expect(await client.config('GET', 'maxmemory')).toEqual(['maxmemory', '0']);
    });

    it('CONFIG SET error strings', async () => {
      const cases: [string[], string][] = [
        [['maxmemory', 'abc'], setError('maxmemory', 'argument must be a memory value')],
        [['maxmemory', '-1'], setError('maxmemory', 'argument must be a memory value')],
        [['maxmemory', '1mb', 'maxmemory', '2mb'], setError('maxmemory', 'duplicate parameter')],
        [['loglevel', 'foo'], setError('loglevel', 'argument(s) must be one of the following: debug, verbose, notice, warning')],
        [['protected-mode', 'maybe'], setError('protected-mode', "argument must be 'yes' or 'no'")],
        [
          ['maxmemory-policy', 'x'],
          setError('maxmemory-policy', 'argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction'),
        ],
        [['daemonize', 'yes'], setError('daemonize', "can't set immutable config")],
        [['dir', '/nonexistent'], setError('dir', "can't set protected config")],
        [['maxclients', '0'], setError('maxclients', 'argument must be between 1 and 4294967295 inclusive')],
        [['proto-max-bulk-len', '1'], setError('proto-max-bulk-len', 'argument must be between 1048576 and 9223372036854775807 inclusive')],
        [['tcp-keepalive', '-1'], setError('tcp-keepalive', 'argument must be between 0 and 2147483647 inclusive')],
        [['nosuch', '1'], "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"],
        [['maxmemory', '10', 'port'], 'ERR syntax error'],
        [['maxmemory'], "ERR wrong number of arguments for 'config|set' command"],
      ];
      for (const [args, expected] of cases) expect(await errorOf(client.call('config', 'set', ...args)), args.join(' ')).toBe(expected);
    });

    it('CONFIG SET hz brings values into 1..500 as Redis does', async () => {
      expect(await client.config('SET', 'hz', '0')).toBe('OK');
      expect(await client.config('GET', 'hz')).toEqual(['hz', '1']);
      expect(await client.config('SET', 'hz', '1000')).toBe('OK');
      expect(await client.config('GET', 'hz')).toEqual(['hz', '500']);
      expect(await client.config('SET', 'hz', '10')).toBe('OK');
    });

    it('CONFIG SET save takes a schedule or an empty value and refuses a bad one; AOF timestamps are refused, not being built', async () => {
      expect(await client.config('SET', 'save', '3600 1 300 100 60 10000')).toBe('OK');
      expect(await client.config('GET', 'save')).toEqual(['save', '3600 1 300 100 60 10000']);
      expect(await client.config('SET', 'save', '')).toBe('OK');
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
      expect(await errorOf(client.config('SET', 'save', '3600'))).toBe("ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters");
      expect(await errorOf(client.config('SET', 'aof-timestamp-enabled', 'yes'))).toBe(
        "ERR CONFIG SET failed (possibly related to argument 'aof-timestamp-enabled') - AOF timestamp annotations are not written by this server",
      );
      expect(await client.config('SET', 'aof-timestamp-enabled', 'no')).toBe('OK');
      expect(await client.config('GET', 'save', 'aof-timestamp-enabled')).toEqual(expect.arrayContaining(['save', '', 'aof-timestamp-enabled', 'no']));
    });

    it('CONFIG RESETSTAT clears the INFO counters of every thread', async () => {
      for (let i = 0; i < 20; i++) await client.get(`config:miss:${i}`);
      expect(await client.config('RESETSTAT')).toBe('OK');
      const stats = (await client.info('stats')) as string;
      expect(stats).toMatch(/^keyspace_misses:0\r$/m);
      expect(infoField(stats, 'total_commands_processed')).toBeLessThanOrEqual(2);
      expect(await errorOf(client.call('config', 'resetstat', 'x'))).toBe("ERR wrong number of arguments for 'config|resetstat' command");
    });

    it('CONFIG HELP and unknown subcommands', async () => {
      expect(await client.call('config', 'help')).toEqual([
        'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'GET <pattern>',
        '    Return parameters matching the glob-like <pattern> and their values.',
        'SET <directive> <value>',
        '    Set the configuration <directive> to <value>.',
        'RESETSTAT',
        '    Reset statistics reported by the INFO command.',
        'HELP',
        '    Prints this help.',
      ]);
      expect(await errorOf(client.call('config', 'foo'))).toBe("ERR unknown subcommand 'foo'. Try CONFIG HELP.");
    });

    it('redis-cli CONFIG GET', async () => {
      expect(await server.cli('config', 'get', 'databases')).toBe('databases\n16\n');
    });
  });
}

describe('start-up configuration', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'threadis-config-'));
  });

  it('refuses an unknown directive on the command line, in Redis words', async () => {
    const { code, output } = await runUntilExit(['--port', String(await freePort()), '--foo', 'bar']);
    expect(code).toBe(1);
    expect(output).toContain(">>> 'foo \"bar\"'\nBad directive or wrong number of arguments");
  });

  it('refuses an unknown directive in a config file, naming the line', async () => {
    const file = join(dir, 'bad.conf');
    writeFileSync(file, `port ${await freePort()}\n# a comment\nfoo bar\n`);
    const { code, output } = await runUntilExit([file]);
    expect(code).toBe(1);
    expect(output).toContain('*** FATAL CONFIG FILE ERROR');
    expect(output).toContain(`Reading the configuration file '${file}', at line 3\n>>> 'foo bar'\nBad directive or wrong number of arguments`);
  });

  it('refuses persistence settings it would not honour, on the command line and in a config file; save lines add up', async () => {
    const onLine = await runUntilExit(['--port', String(await freePort()), '--aof-timestamp-enabled', 'yes']);
    expect(onLine.code).toBe(1);
    expect(onLine.output).toContain(">>> 'aof-timestamp-enabled \"yes\"'\nAOF timestamp annotations are not written by this server");
    const file = join(dir, 'save.conf');
    writeFileSync(file, `port ${await freePort()}\nsave 60\n`);
    const inFile = await runUntilExit([file]);
    expect(inFile.code).toBe(1);
    expect(inFile.output).toContain(`at line 2\n>>> 'save 60'\nInvalid save parameters`);
    const port = await freePort();
    const adding = join(dir, 'saves.conf');
    writeFileSync(adding, `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsave 900 1\nsave 300 10\n`);
    const server = await launchServer(port, process.execPath, [ENTRY, adding]);
    try {
      expect(await server.cli('config', 'get', 'save')).toBe('save\n900 1 300 10\n');
    } finally {
      await server.stop();
    }
  });

  it('refuses a bad value and a missing file', async () => {
    const bad = await runUntilExit(['--port', 'abc']);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain(">>> 'port \"abc\"'\nargument couldn't be parsed into an integer");
    const missing = await runUntilExit([join(dir, 'missing.conf')]);
    expect(missing.code).toBe(1);
    expect(missing.output).toContain(`Fatal error, can't open config file '${join(dir, 'missing.conf')}': No such file or directory`);
  });

  it('reads a config file, then lets the command line override it', async () => {
    const port = await freePort();
    const file = join(dir, 'good.conf');
    writeFileSync(file, `port ${port}\nbind 127.0.0.1\nshards 2\nmaxmemory 10mb\nloglevel verbose\nsave ""\n`);
    const server = await startServerFromFile(file, port, ['--maxmemory', '20mb', '--dir', dir]);
    try {
      const client = ioredis({ port });
      expect(await client.call('config', 'get', 'maxmemory', 'loglevel', 'save', 'dir', 'shards')).toEqual([
        'maxmemory', '20971520', 'loglevel', 'verbose', 'save', '', 'dir', dir, 'shards', '2',
      ]);
      expect((await client.info('server')) as string).toContain(`config_file:${file}\r\n`);
      client.disconnect();
    } finally {
      server.kill('SIGTERM');
    }
  });

  it('--requirepass on the command line asks every connection for the password', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [ENTRY, '--port', String(port), '--bind', '127.0.0.1', '--shards', '2', '--requirepass', 'sec ret'], { stdio: 'ignore' });
    try {
      let reply = '';
      for (let tries = 0; tries < 200 && !reply.startsWith('-NOAUTH'); tries++) {
        reply = await exchange(port, [resp('PING')], { quietMs: 100 }).then(
          (result) => result.reply,
          () => '',
        );
        if (!reply.startsWith('-NOAUTH')) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(reply).toBe('-NOAUTH Authentication required.\r\n');
      const authed = await exchange(port, [resp('AUTH', 'sec ret') + resp('PING') + resp('QUIT')]);
      expect(authed.reply).toBe('+OK\r\n+PONG\r\n+OK\r\n');
    } finally {
      child.kill('SIGTERM');
    }
  });
});

/** Starts the server with a config file and waits until it answers PING. */
async function startServerFromFile(file: string, port: number, extra: string[]) {
  const child = spawn(process.execPath, [ENTRY, file, ...extra], { stdio: 'ignore' });
  for (let tries = 0; tries < 200; tries++) {
    const reply = await exchange(port, [resp('PING')], { quietMs: 100 }).then(
      (result) => result.reply,
      () => '',
    );
    if (reply === '+PONG\r\n') return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error('server did not start');
}
