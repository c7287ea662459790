// The socket.io Redis adapter (@socket.io/redis-adapter) across two socket.io
// servers, as an application scaled out over processes uses it: each server's
// publishing and subscribing connections sit on different threads of a
// two-shard server, so every message crosses threads. Rooms broadcast to the
// other server's clients, fetchSockets and serverSideEmit (requests and
// responses over PSUBSCRIBE'd channels) see both servers, and serverCount
// comes from PUBSUB NUMSUB merged over the threads.

import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { io as connectSocket, type Socket as ClientSocket } from 'socket.io-client';
import { createAdapter } from '@socket.io/redis-adapter';
import { connectOnThread } from './helpers/threads.ts';
import { useServer } from './helpers/server.ts';

interface Node {
  http: HttpServer;
  io: Server;
  pub: Redis;
  sub: Redis;
  port: number;
}

describe('socket.io Redis adapter over two threads', () => {
  const server = useServer({ shards: 2, args: ['--enable-debug-command', 'yes'] });
  const nodes: Node[] = [];
  const sockets: ClientSocket[] = [];

  /** A socket.io server whose adapter publishes from thread `pubThread` and subscribes on the other. */
  async function startNode(pubThread: number): Promise<Node> {
    const pub = await connectOnThread(server, pubThread);
    const sub = await connectOnThread(server, 1 - pubThread);
    const http = createServer();
    const io = new Server(http, { adapter: createAdapter(pub, sub, { requestsTimeout: 3000 }) });
    io.on('connection', (socket) => {
      void socket.join(String(socket.handshake.query.room));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as AddressInfo).port;
    return { http, io, pub, sub, port };
  }

  async function connectTo(node: Node, room: string): Promise<ClientSocket> {
    const socket = connectSocket(`http://127.0.0.1:${node.port}`, { query: { room }, transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return socket;
  }

  function next<T>(socket: ClientSocket, event: string): Promise<T> {
    return new Promise((resolve) => socket.once(event, (value: T) => resolve(value)));
  }

  beforeAll(async () => {
    nodes.push(await startNode(0), await startNode(1));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    for (const node of nodes) {
      await node.io.close();
      node.pub.disconnect();
      node.sub.disconnect();
    }
  });

  it('a room broadcast from one socket.io server reaches the clients of both, and only that room', async () => {
    const [a, b] = nodes;
    const onA = await connectTo(a, 'news');
    const onB = await connectTo(b, 'news');
    const elsewhere = await connectTo(b, 'sports');
    let strayMessages = 0;
    elsewhere.on('headline', () => strayMessages++);
    const received = Promise.all([next<string>(onA, 'headline'), next<string>(onB, 'headline')]);
    a.io.to('news').emit('headline', 'threads agree');
    expect(await received).toEqual(['threads agree', 'threads agree']);
    // A broadcast to every room from the other server, after it: the stray listener has seen nothing before it.
    const everywhere = next<string>(elsewhere, 'all');
    b.io.emit('all', 'everyone');
    expect(await everywhere).toBe('everyone');
    expect(strayMessages).toBe(0);
  });

  it('keeps the order of one server’s broadcasts at the other server’s client', async () => {
    const [a, b] = nodes;
    const onB = await connectTo(b, 'ordered');
    const got: number[] = [];
    const done = new Promise<void>((resolve) =>
      onB.on('seq', (n: number) => {
        got.push(n);
        if (got.length === 200) resolve();
      }),
    );
    for (let n = 0; n < 200; n++) a.io.to('ordered').emit('seq', n);
    await done;
    expect(got).toEqual(Array.from({ length: 200 }, (_, n) => n));
  });

  it('fetchSockets, serverSideEmit and serverCount see both servers', async () => {
    const [a, b] = nodes;
    await connectTo(a, 'count');
    await connectTo(b, 'count');
    await connectTo(b, 'count');
    const inRoom = await a.io.in('count').fetchSockets();
    expect(inRoom).toHaveLength(3);
    expect(await a.io.of('/').adapter.serverCount()).toBe(2);
    const heard = new Promise<string>((resolve) => b.io.on('hello', (text: string) => resolve(text)));
    a.io.serverSideEmit('hello', 'from a');
    expect(await heard).toBe('from a');
    // A remote socket's room membership changed through the adapter.
    a.io.in('count').socketsJoin('joined');
    await expect.poll(async () => (await b.io.in('joined').fetchSockets()).length, { timeout: 3000 }).toBe(3);
  });
});
