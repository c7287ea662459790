// Busy scripts over two shards, as Redis: past busy-reply-threshold a script
// that still runs makes the server answer BUSY (every thread, the one
// running it too: it reads its other clients from inside the script), SCRIPT KILL and
// FUNCTION KILL from another thread stop one that has not written, one that
// has written is UNKILLABLE, and SHUTDOWN NOSAVE stops the server anyway.

import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { connectIoredis, errorOf } from './helpers/clients.ts';
import { RawSession, resp } from './helpers/raw-client.ts';
import { connectOnThread } from './helpers/threads.ts';
import { startServer, useServer } from './helpers/server.ts';

const SPIN = 'local i = 0 while true do i = i + 1 end';
const BUSY_SCRIPT = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';

/** PINGs (answered on the client's own thread) until the answer is BUSY: the script crossed the threshold. */
async function untilBusy(client: Redis): Promise<string> {
  for (let tries = 0; tries < 200; tries++) {
    const answer = await client.ping().catch((error: Error) => error.message);
    if (answer.startsWith('BUSY')) return answer;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the script never became busy');
}

describe('busy scripts', () => {
  const server = useServer({ shards: 2, args: ['--enable-debug-command', 'yes', '--busy-reply-threshold', '100'] });
  const opened: Redis[] = [];
  afterEach(() => {
    for (const connection of opened.splice(0)) connection.disconnect();
  });
  async function connect(thread: number): Promise<Redis> {
    const connection = await connectOnThread(server, thread);
    opened.push(connection);
    return connection;
  }

  it('answers BUSY on the other thread past the threshold, and SCRIPT KILL stops a script that has not written', async () => {
    const [runner, other] = [await connect(0), await connect(1)];
    const running = errorOf(runner.eval(SPIN, 0));
    expect(await untilBusy(other)).toBe(BUSY_SCRIPT);
    expect(await errorOf(other.call('FUNCTION', 'KILL'))).toBe(BUSY_SCRIPT);
    expect(await other.script('KILL')).toBe('OK');
    expect(await running).toMatch(/^ERR Script killed by user with SCRIPT KILL\.\.\. script: \w+, on @user_script:1\.$/);
    expect(await other.get('probe')).toBeNull();
    expect(await errorOf(other.script('KILL'))).toBe('NOTBUSY No scripts in execution right now.');
  });

  it('answers the other clients of the thread running the script too, and SCRIPT KILL from there stops it', async () => {
    const [runner, neighbour] = [await connect(0), await connect(0)];
    const running = errorOf(runner.eval(SPIN, 0));
    expect(await untilBusy(neighbour)).toBe(BUSY_SCRIPT);
    // A pipeline: each command answered in order (FUNCTION STATS refuses while EVAL's script is busy, as in Redis).
    const replies = await neighbour.pipeline().get('probe').call('FUNCTION', 'STATS').exec();
    expect(replies?.[0][0]?.message).toBe(BUSY_SCRIPT);
    expect(replies?.[1][0]?.message).toBe(BUSY_SCRIPT);
    expect(await neighbour.script('KILL')).toBe('OK');
    expect(await running).toMatch(/^ERR Script killed by user with SCRIPT KILL\.\.\./);
    expect(await neighbour.get('probe')).toBeNull();
    expect(await runner.ping()).toBe('PONG');
  });

  it('FUNCTION KILL stops a busy function', async () => {
    const [runner, other] = [await connect(1), await connect(0)];
    await other.call('FUNCTION', 'LOAD', 'REPLACE', `#!lua name=spinner\nredis.register_function('spin', function() ${SPIN} end)`);
    const running = errorOf(runner.call('FCALL', 'spin', '0'));
    expect(await untilBusy(other)).toBe(BUSY_FUNCTION);
    const stats = (await other.call('FUNCTION', 'STATS')) as unknown[];
    expect(stats.slice(0, 1)).toEqual(['running_script']);
    expect((stats[1] as unknown[]).slice(0, 4)).toEqual(['name', 'spin', 'command', ['FCALL', 'spin', '0']]);
    expect(await errorOf(other.script('KILL'))).toBe(BUSY_FUNCTION);
    expect(await other.call('FUNCTION', 'KILL')).toBe('OK');
    expect(await running).toMatch(/^ERR Script killed by user with FUNCTION KILL\.\.\. script: spin, on @user_function:2\.$/);
    expect(await other.get('probe')).toBeNull();
  });
});

describe('an unkillable script', () => {
  it('is refused by SCRIPT KILL, and SHUTDOWN NOSAVE stops the server', async () => {
    const server = await startServer({ shards: 2, args: ['--enable-debug-command', 'yes', '--busy-reply-threshold', '100'] });
    const runner = await connectOnThread(server, 0);
    const other = await connectOnThread(server, 1);
    try {
      void runner.eval(`redis.call('set', 'written', 1) ${SPIN}`, 0).catch(() => {});
      expect(await untilBusy(other)).toBe(BUSY_SCRIPT);
      expect(await errorOf(other.script('KILL'))).toBe('UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.');
      const exited = new Promise<number | string | null>((resolve) => server.process.once('exit', (code, signal) => resolve(code ?? (signal as unknown as number))));
      await other.call('SHUTDOWN', 'NOSAVE').catch(() => {});
      expect(await exited).toBe(0);
    } finally {
      runner.disconnect();
      other.disconnect();
      await server.stop();
    }
  });
});

describe('a busy script with one shard (every client on the thread running it)', () => {
  /** PINGs over a raw connection until the answer is BUSY. */
  async function rawUntilBusy(session: RawSession): Promise<string> {
    for (let tries = 0; tries < 200; tries++) {
      const answer = await session.send('PING\r\n', 1);
      if (answer.startsWith('-BUSY')) return answer;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('the script never became busy');
  }

  it('answers connections made while it runs, and SCRIPT KILL and SHUTDOWN NOSAVE from them work', async () => {
    const server = await startServer({ shards: 1, args: ['--busy-reply-threshold', '100'] });
    const runner = await connectIoredis(server, { retryStrategy: () => null });
    const sessions: RawSession[] = [];
    try {
      const killed = errorOf(runner.eval(SPIN, 0));
      // Connected after the script started (ioredis's own ready check would meet BUSY): accepted and read from inside it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const late = new RawSession(server.port);
      sessions.push(late);
      expect(await rawUntilBusy(late)).toBe(`-${BUSY_SCRIPT}\r\n`);
      expect(await late.send(resp('SCRIPT', 'KILL'), 1)).toBe('+OK\r\n');
      expect(await killed).toMatch(/^ERR Script killed by user with SCRIPT KILL\.\.\./);
      expect(await runner.ping()).toBe('PONG');
      void runner.eval(`redis.call('set', 'written', 1) ${SPIN}`, 0).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 50));
      const later = new RawSession(server.port);
      sessions.push(later);
      expect(await rawUntilBusy(later)).toBe(`-${BUSY_SCRIPT}\r\n`);
      const exited = new Promise<number | null>((resolve) => server.process.once('exit', (code) => resolve(code)));
      void later.send(resp('SHUTDOWN', 'NOSAVE'), 1).catch(() => {});
      expect(await exited).toBe(0);
    } finally {
      runner.disconnect();
      for (const session of sessions) session.close();
      await server.stop();
    }
  });
});
