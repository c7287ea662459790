// CLIENT PAUSE / UNPAUSE on a server of two shards: a pause set on one thread
// holds the other thread's clients too (their writes, or every command),
// counts them in INFO blocked_clients, and ends by its time or by CLIENT
// UNPAUSE from any thread; reads go on under a WRITE pause; replies keep
// request order.

import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { errorOf, infoField, useClient, waitFor } from './helpers/clients.ts';
import { connectOnThread } from './helpers/threads.ts';
import { useServer } from './helpers/server.ts';

describe('CLIENT PAUSE over two threads', () => {
  const server = useServer({ shards: 2, args: ['--enable-debug-command', 'yes'] });
  const client = useClient(server);
  const opened: Redis[] = [];
  afterEach(async () => {
    await client.call('client', 'unpause');
    for (const connection of opened.splice(0)) connection.disconnect();
  });

  async function onThread(thread: number): Promise<Redis> {
    const connection = await connectOnThread(server, thread);
    opened.push(connection);
    return connection;
  }

  it('WRITE: another thread’s writes wait, its reads do not; UNPAUSE from the first thread lets them run in order', async () => {
    const [pauser, writer] = [await onThread(0), await onThread(1)];
    await writer.set('k', 'before');
    expect(await pauser.call('client', 'pause', '60000', 'write')).toBe('OK');
    const replies: string[] = [];
    const held = Promise.all([
      writer.set('k', 'during').then((reply) => replies.push(`set ${reply}`)),
      writer.get('k').then((reply) => replies.push(`get ${reply}`)),
    ]);
    const reader = await onThread(1);
    expect(await reader.get('k')).toBe('before');
    await waitFor(async () => infoField(await reader.info('clients'), 'blocked_clients') === 1, 5000);
    expect(replies).toEqual([]);
    expect(await pauser.call('client', 'unpause')).toBe('OK');
    await held;
    expect(replies).toEqual(['set OK', 'get during']);
  });

  it('ALL: every command waits until the pause’s time is over', async () => {
    const [pauser, other] = [await onThread(1), await onThread(0)];
    const started = Date.now();
    await pauser.call('client', 'pause', '300');
    expect(await other.ping()).toBe('PONG');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('WRITE holds a script that may write, not one flagged no-writes nor EVAL_RO; a read-only script may not PUBLISH', async () => {
    const [pauser, other, reader] = [await onThread(0), await onThread(1), await onThread(1)];
    await pauser.call('client', 'pause', '60000', 'write');
    let writingDone = false;
    const writing = other.eval('return 1', 0).then((reply) => {
      writingDone = true;
      return reply;
    });
    // (The held client's next commands would wait behind it: another client reads.)
    expect(await reader.call('eval', '#!lua flags=no-writes\nreturn 2', '0')).toBe(2);
    expect(await reader.call('eval_ro', 'return 3', '0')).toBe(3);
    await waitFor(async () => infoField(await pauser.info('clients'), 'blocked_clients') === 1, 5000);
    expect(writingDone).toBe(false);
    expect(await errorOf(pauser.call('eval_ro', "return redis.call('publish', 'ch', 'm')", '0'))).toMatch(/^ERR Write commands are not allowed from read-only scripts\./);
    await pauser.call('client', 'unpause');
    expect(await writing).toBe(1);
  });

  it('keys past their time read as missing during a pause but are removed only after it', async () => {
    await client.flushall();
    const expiredBefore = infoField(await client.info('stats'), 'expired_keys');
    await client.call('debug', 'set-active-expire', '0');
    try {
      await client.set('soon{a}', 'v', 'PX', 10);
      await client.set('soon{b}', 'v', 'PX', 10);
      await client.call('client', 'pause', '60000', 'write');
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(await client.get('soon{a}')).toBeNull();
      expect(await client.get('soon{b}')).toBeNull();
      expect(infoField(await client.info('stats'), 'expired_keys')).toBe(expiredBefore);
      await client.call('client', 'unpause');
      expect(await client.get('soon{a}')).toBeNull();
      expect(await client.get('soon{b}')).toBeNull();
      expect(infoField(await client.info('stats'), 'expired_keys')).toBe(expiredBefore + 2);
    } finally {
      await client.call('debug', 'set-active-expire', '1');
    }
  });

  it('refuses bad arguments in Redis’s words', async () => {
    expect(await errorOf(client.call('client', 'pause', 'abc'))).toBe('ERR timeout is not an integer or out of range');
    expect(await errorOf(client.call('client', 'pause', '-1'))).toBe('ERR timeout is negative');
    expect(await errorOf(client.call('client', 'pause', '10', 'reads'))).toBe('ERR CLIENT PAUSE mode must be WRITE or ALL');
  });
});
