// Pub/Sub on a server of two shards, with subscribers and publishers on both
// threads: PUBLISH reaches every matching subscriber wherever it is and
// answers the receivers over all threads; each subscriber gets one
// publisher's messages in publish order; patterns, shard channels, the PUBSUB
// introspection merged over threads; RESP2's subscribed mode and RESP3 push
// messages byte for byte as Redis 7.0; the unsubscribe-all replies; and a
// subscriber that stops reading is cut at client-output-buffer-limit pubsub
// while the others keep receiving.

import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { connectResp3, useClient, waitFor } from './helpers/clients.ts';
import { RawSession, resp } from './helpers/raw-client.ts';
import { connectOnThread, rawOnThread as rawSessionOnThread, threadOfMarker } from './helpers/threads.ts';
import { useServer } from './helpers/server.ts';

describe('Pub/Sub over two threads', () => {
  const server = useServer({ shards: 2, args: ['--enable-debug-command', 'yes'] });
  const client = useClient(server);
  const opened: { disconnect(): void }[] = [];
  const raws: RawSession[] = [];
  afterEach(async () => {
    for (const connection of opened.splice(0)) connection.disconnect();
    for (const raw of raws.splice(0)) raw.close();
    await client.call('config', 'set', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
  });

  async function onThread(thread: number): Promise<Redis> {
    const connection = await connectOnThread(server, thread);
    opened.push(connection);
    return connection;
  }

  /** A raw connection the kernel handed to `thread`. */
  async function rawOnThread(thread: number): Promise<RawSession> {
    const raw = await rawSessionOnThread(server, thread);
    raws.push(raw);
    return raw;
  }

  /** Resolves to the next `count` messages `subscriber` receives, as [channel, message] (pattern messages: [pattern, channel, message]). */
  function collect(subscriber: Redis, count: number, event: 'message' | 'pmessage' | 'smessage' = 'message'): Promise<string[][]> {
    const got: string[][] = [];
    return new Promise((resolve) => {
      const listener = (...args: string[]): void => {
        got.push(args);
        if (got.length === count) {
          subscriber.off(event, listener);
          resolve(got);
        }
      };
      subscriber.on(event, listener);
    });
  }

  it('PUBLISH on either thread reaches the subscribers of both and answers how many received it', async () => {
    const subscribers = await Promise.all([0, 0, 1, 1, 1].map((thread) => onThread(thread)));
    for (const subscriber of subscribers) expect(await subscriber.subscribe('news', 'sport')).toBe(2);
    const publishers = await Promise.all([0, 1].map((thread) => onThread(thread)));
    const received = subscribers.map((subscriber) => collect(subscriber, 4));
    for (const publisher of publishers) {
      expect(await publisher.publish('news', `from ${publishers.indexOf(publisher)}`)).toBe(5);
      expect(await publisher.publish('sport', 'goal')).toBe(5);
      expect(await publisher.publish('weather', 'rain')).toBe(0);
    }
    for (const messages of await Promise.all(received)) {
      expect(messages).toEqual([['news', 'from 0'], ['sport', 'goal'], ['news', 'from 1'], ['sport', 'goal']]);
    }
    expect(await client.call('pubsub', 'numsub', 'news', 'sport', 'weather')).toEqual(['news', 5, 'sport', 5, 'weather', 0]);
    expect(((await client.call('pubsub', 'channels')) as string[]).sort()).toEqual(['news', 'sport']);
    expect(await client.call('pubsub', 'channels', 'n*')).toEqual(['news']);
    // Unsubscribed on one thread: the count follows at once, from any thread.
    await subscribers[2].unsubscribe('news');
    expect(await publishers[0].publish('news', 'x')).toBe(4);
    expect(await publishers[1].publish('news', 'x')).toBe(4);
  });

  it('each subscriber gets every publisher’s messages in publish order, publishers on both threads at once', async () => {
    const subscribers = await Promise.all([0, 1, 0, 1].map((thread) => onThread(thread)));
    for (const subscriber of subscribers) await subscriber.subscribe('ordered');
    const publishers = await Promise.all([0, 1].map((thread) => onThread(thread)));
    const perPublisher = 500;
    const received = subscribers.map((subscriber) => collect(subscriber, perPublisher * 2));
    const counts = await Promise.all(
      publishers.map(async (publisher, p) => {
        const pipeline = publisher.pipeline();
        for (let i = 0; i < perPublisher; i++) pipeline.publish('ordered', `${p}:${i}`);
        return ((await pipeline.exec()) ?? []).map(([, count]) => count);
      }),
    );
    for (const replies of counts) expect(replies).toEqual(new Array(perPublisher).fill(subscribers.length));
    for (const messages of await Promise.all(received)) {
      for (const p of [0, 1]) {
        const mine = messages.map(([, message]) => message).filter((message) => message.startsWith(`${p}:`));
        expect(mine).toEqual(Array.from({ length: perPublisher }, (_, i) => `${p}:${i}`));
      }
    }
  });

  it('CLIENT KILL TYPE pubsub closes the subscribers of every thread and no other client; CLIENT LIST shows their counts', async () => {
    const subscribers = await Promise.all([0, 1].map((thread) => onThread(thread)));
    for (const subscriber of subscribers) {
      await subscriber.subscribe('a', 'b');
      await subscriber.psubscribe('p*');
    }
    const normal = await Promise.all([0, 1].map((thread) => onThread(thread)));
    const listed = (await normal[0].call('client', 'list', 'type', 'pubsub')) as string;
    const lines = listed.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/ flags=P db=0 sub=2 psub=1 ssub=0 multi=-1 /);
    const closed = subscribers.map((subscriber) => new Promise<void>((resolve) => subscriber.once('end', () => resolve())));
    expect(await normal[1].call('client', 'kill', 'type', 'pubsub')).toBe(2);
    await Promise.all(closed);
    for (const client of normal) expect(await client.ping()).toBe('PONG');
    expect(await normal[0].call('client', 'list', 'type', 'pubsub')).toBe('');
  });

  it('PSUBSCRIBE matches on every thread; PUBSUB NUMPAT counts distinct patterns over threads', async () => {
    const [a, b] = await Promise.all([onThread(0), onThread(1)]);
    expect(await a.psubscribe('user.*', 'admin.?')).toBe(2);
    expect(await b.psubscribe('user.*')).toBe(1);
    expect(await b.subscribe('user.1')).toBe(2);
    const publisher = await onThread(0);
    const patternMessages = [collect(a, 2, 'pmessage'), collect(b, 1, 'pmessage')];
    const channelMessage = collect(b, 1);
    // a: user.* ; b: user.* and the channel itself.
    expect(await publisher.publish('user.1', 'hi')).toBe(3);
    expect(await publisher.publish('admin.x', 'root')).toBe(1);
    expect(await patternMessages[0]).toEqual([['user.*', 'user.1', 'hi'], ['admin.?', 'admin.x', 'root']]);
    expect(await patternMessages[1]).toEqual([['user.*', 'user.1', 'hi']]);
    expect(await channelMessage).toEqual([['user.1', 'hi']]);
    expect(await client.call('pubsub', 'numpat')).toBe(2);
    // NUMSUB counts channel subscribers only.
    expect(await client.call('pubsub', 'numsub', 'user.1')).toEqual(['user.1', 1]);
    await a.punsubscribe();
    expect(await client.call('pubsub', 'numpat')).toBe(1);
    expect(await publisher.publish('admin.x', 'root')).toBe(0);
  });

  it('shard channels: SSUBSCRIBE and SPUBLISH over both threads, apart from channels of the same name', async () => {
    const [a, b] = await Promise.all([onThread(0), onThread(1)]);
    expect(await a.call('ssubscribe', 'orders', 'stock')).toBe(2);
    expect(await b.call('ssubscribe', 'orders')).toBe(1);
    const plain = await onThread(1);
    await plain.subscribe('orders');
    const publisher = await onThread(1);
    const sharded = [collect(a, 1, 'smessage'), collect(b, 1, 'smessage')];
    expect(await publisher.call('spublish', 'orders', 'o1')).toBe(2);
    expect(await publisher.publish('orders', 'plain')).toBe(1);
    expect(await sharded[0]).toEqual([['orders', 'o1']]);
    expect(await sharded[1]).toEqual([['orders', 'o1']]);
    expect(((await client.call('pubsub', 'shardchannels')) as string[]).sort()).toEqual(['orders', 'stock']);
    expect(await client.call('pubsub', 'shardnumsub', 'orders', 'stock', 'none')).toEqual(['orders', 2, 'stock', 1, 'none', 0]);
    expect(await client.call('pubsub', 'channels')).toEqual(['orders']);
  });

  it('RESP2 subscribed mode: only the Pub/Sub commands, PING, QUIT and RESET, with Redis’s error otherwise, and its framing', async () => {
    const raw = await rawOnThread(1);
    expect(await raw.send(resp('subscribe', 'c1', 'c2'), 2)).toBe('*3\r\n$9\r\nsubscribe\r\n$2\r\nc1\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$2\r\nc2\r\n:2\r\n');
    expect(await raw.send(resp('psubscribe', 'p*'), 1)).toBe('*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n');
    expect(await raw.send(resp('get', 'x') + resp('client', 'id'), 2)).toBe(
      "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n" +
        "-ERR Can't execute 'client|id': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    expect(await raw.send(resp('ping') + resp('ping', 'hey'), 2)).toBe('*2\r\n$4\r\npong\r\n$0\r\n\r\n*2\r\n$4\r\npong\r\n$3\r\nhey\r\n');
    const publisher = await onThread(0);
    const message = raw.send('', 2);
    expect(await publisher.publish('c1', 'hello')).toBe(1);
    expect(await publisher.publish('pq', 'world')).toBe(1);
    expect(await message).toBe('*3\r\n$7\r\nmessage\r\n$2\r\nc1\r\n$5\r\nhello\r\n*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npq\r\n$5\r\nworld\r\n');
    // Unsubscribing from everything: a reply per channel, then one with a null channel when none is left.
    expect(await raw.send(resp('unsubscribe'), 2)).toBe('*3\r\n$11\r\nunsubscribe\r\n$2\r\nc1\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$2\r\nc2\r\n:1\r\n');
    expect(await raw.send(resp('unsubscribe'), 1)).toBe('*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:1\r\n');
    expect(await raw.send(resp('punsubscribe', 'p*', 'nope'), 2)).toBe('*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n*3\r\n$12\r\npunsubscribe\r\n$4\r\nnope\r\n:0\r\n');
    expect(await raw.send(resp('sunsubscribe'), 1)).toBe('*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n');
    // Out of subscribed mode: every command again, PING as usual.
    expect(await raw.send(resp('ping') + resp('get', 'x'), 2)).toBe('+PONG\r\n$-1\r\n');
  });

  it('RESP3: subscriptions and messages are push frames, and any command runs while subscribed', async () => {
    const raw = await rawOnThread(0);
    await raw.send(resp('hello', '3'), 1);
    expect(await raw.send(resp('subscribe', 'c'), 1)).toBe('>3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n');
    expect(await raw.send(resp('ssubscribe', 's'), 1)).toBe('>3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n');
    expect(await raw.send(resp('set', 'k', 'v') + resp('get', 'k') + resp('ping'), 3)).toBe('+OK\r\n$1\r\nv\r\n+PONG\r\n');
    const publisher = await onThread(1);
    const pushes = raw.send('', 2);
    expect(await publisher.publish('c', 'm1')).toBe(1);
    expect(await publisher.call('spublish', 's', 'm2')).toBe(1);
    expect(await pushes).toBe('>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nm1\r\n>3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$2\r\nm2\r\n');
    expect(await raw.send(resp('unsubscribe', 'c', 'd'), 2)).toBe('>3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n>3\r\n$11\r\nunsubscribe\r\n$1\r\nd\r\n:0\r\n');
    expect(await raw.send(resp('punsubscribe'), 1)).toBe('>3\r\n$12\r\npunsubscribe\r\n_\r\n:0\r\n');
    expect(await raw.send(resp('client', 'info'), 1)).toMatch(/flags=P .* sub=0 psub=0 ssub=1 /);
  });

  it('node-redis RESP3 subscribers on both threads, with an ioredis publisher', async () => {
    const subscribers = await Promise.all([0, 1, 2, 3, 4, 5].map(() => connectResp3(server)));
    for (const subscriber of subscribers) opened.push({ disconnect: () => void subscriber.disconnect() });
    const threads = new Set<number>();
    for (const subscriber of subscribers) {
      const marker = `node-redis-${randomUUID()}`;
      await subscriber.sendCommand(['DEBUG', 'LOG', marker]);
      threads.add(await threadOfMarker(server, marker));
    }
    const received: string[][] = subscribers.map(() => []);
    await Promise.all(subscribers.map((subscriber, i) => subscriber.subscribe('events', (message) => received[i].push(message))));
    await Promise.all(subscribers.map((subscriber, i) => subscriber.pSubscribe('ev*', (message) => received[i].push(`p:${message}`))));
    const publisher = await onThread(threads.size > 1 ? 1 : 0);
    expect(await publisher.publish('events', 'one')).toBe(12);
    expect(await publisher.publish('events', 'two')).toBe(12);
    await waitFor(() => received.every((messages) => messages.length === 4), 5000);
    for (const messages of received) {
      expect(messages.filter((message) => !message.startsWith('p:'))).toEqual(['one', 'two']);
      expect(messages.filter((message) => message.startsWith('p:'))).toEqual(['p:one', 'p:two']);
    }
  });

  it('a subscriber that stops reading is cut at client-output-buffer-limit pubsub; the others keep receiving', async () => {
    await client.call('config', 'set', 'client-output-buffer-limit', 'pubsub 1mb 0 0');
    const slow = await rawOnThread(0);
    await slow.send(resp('subscribe', 'firehose'), 1);
    slow.pause();
    const fast = await onThread(1);
    const sameThread = await onThread(0);
    await fast.subscribe('firehose');
    await sameThread.subscribe('firehose');
    const messages = 400;
    const receivedFast = collect(fast, messages);
    const receivedSameThread = collect(sameThread, messages);
    const publisher = await onThread(1);
    const payload = 'x'.repeat(64 * 1024);
    // In batches well under the limit, so that the readers keep up; the one that does not read piles them up.
    const counts: number[] = [];
    for (let batch = 0; batch < messages; batch += 8) {
      const pipeline = publisher.pipeline();
      for (let i = batch; i < batch + 8; i++) pipeline.publish('firehose', `${i}:${payload}`);
      for (const [, count] of (await pipeline.exec()) ?? []) counts.push(count as number);
    }
    // The slow one received the first messages, until it was cut.
    expect(counts[0]).toBe(3);
    expect(counts[messages - 1]).toBe(2);
    for (const got of [await receivedFast, await receivedSameThread]) {
      expect(got.map(([, message]) => Number(message.slice(0, message.indexOf(':'))))).toEqual(Array.from({ length: messages }, (_, i) => i));
    }
    await waitFor(async () => ((await client.call('pubsub', 'numsub', 'firehose')) as unknown[])[1] === 2, 5000);
    expect(await client.call('client', 'list', 'type', 'pubsub')).toSatisfy((list: string) => list.trim().split('\n').length === 2);
  });
});

describe('MONITOR over two threads', () => {
  const server = useServer({ shards: 2, args: ['--enable-debug-command', 'yes'] });
  const opened: Redis[] = [];
  afterEach(() => {
    for (const connection of opened.splice(0)) connection.disconnect();
  });

  it('a monitor on one thread sees the commands of both, in Redis’s line format, AUTH’s arguments hidden, admin commands left out', async () => {
    const monitorOn = await connectOnThread(server, 0);
    opened.push(monitorOn);
    const monitor = await monitorOn.monitor();
    const lines: string[] = [];
    // (The clients' own connection handshakes, HELLO and INFO, are shown too: left out here.)
    monitor.on('monitor', (_time: string, args: string[], source: string, database: string) => {
      if (!['hello', 'info'].includes(args[0])) lines.push(`${database} ${args.join(' ')} ${/^127\.0\.0\.1:\d+$/.test(source)}`);
    });
    const clients = await Promise.all([0, 1].map((thread) => connectOnThread(server, thread)));
    opened.push(...clients);
    for (const [i, connection] of clients.entries()) {
      await connection.set(`key${i}`, `v${i}`);
      await connection.call('auth', 'secret').catch(() => {});
      await connection.call('config', 'get', 'port');
      await connection.get(`key${i}`);
    }
    await waitFor(() => lines.length >= 6, 5000);
    expect(lines).toEqual([
      '0 set key0 v0 true', '0 auth (redacted) true', '0 get key0 true',
      '0 set key1 v1 true', '0 auth (redacted) true', '0 get key1 true',
    ]);
    monitor.disconnect();
  });
});
