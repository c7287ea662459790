// One thread of the server: its listener (SO_REUSEPORT, so the kernel spreads
// connections over threads), its clients, its shard of the keyspace, and its
// end of the hop mesh. The same class runs inside each worker, or on the main
// thread when the server has a single shard.

import net from 'node:net';
import { Config } from '../config/config.ts';
import { SlotMap } from '../cluster/slots.ts';
import { Hub, type MeshBuffers } from '../transport/hub.ts';
import { ShardStore, type StoreMemory } from '../store/shard-store.ts';
import type { SegmentListener } from '../store/arena.ts';
import { Coordinator } from '../tx/coordinator.ts';
import { unwatchEverywhere } from '../commands/transactions.ts';
import { COMMAND_TABLE } from '../commands/registry.ts';
import { RequestParser, type RequestSink } from '../protocol/request-parser.ts';
import { Client } from './client.ts';
import { ServerContext, type SharedState } from './server-context.ts';
import { log } from '../util/log.ts';
import { PROTECTED_MODE_DENIED } from './protected-mode.ts';

export interface ThreadInit {
  config: Record<string, string>;
  configFile: string;
  threadIndex: number;
  shardCount: number;
  slots: SharedArrayBuffer;
  mesh: MeshBuffers | null;
  shared: SharedState;
  /** The shard's keyspace memory: new, or what a thread that died left. */
  memory: StoreMemory;
}

/** Stops reading from a client whose unread replies pass this, until they drain. */
const OUTPUT_HIGH_WATER = 64 * 1024 * 1024;

class ClientSink implements RequestSink {
  private readonly client: Client;
  private readonly coordinator: Coordinator;
  constructor(client: Client, coordinator: Coordinator) {
    this.client = client;
    this.coordinator = coordinator;
  }
  onCommand(argv: Buffer[], argc: number): void {
    const client = this.client;
    this.coordinator.dispatch(client, argv, argc);
    // QUIT: nothing after it is read, as in Redis.
    if (client.closeAfterReply) client.parser.stop();
  }
  onProtocolError(message: string): void {
    const client = this.client;
    log('verbose', `Protocol error (${message}) from client: id=${client.id} addr=${client.addr}`);
    client.reply(Buffer.from(`-ERR ${message}\r\n`, 'latin1'));
    client.closeAfterReply = true;
  }
  onQueryBufferLimit(): void {
    const client = this.client;
    log('warning', `Closing client that reached max query buffer length: id=${client.id} addr=${client.addr}`);
    client.closed = true;
    client.socket.destroy();
  }
  authRequired(): boolean {
    return !this.client.authenticated;
  }
}

export class ShardThread {
  readonly server: ServerContext;
  readonly store: ShardStore;
  readonly coordinator: Coordinator;
  private readonly hub: Hub | null;
  private readonly listeners: net.Server[] = [];
  private expireTimer: NodeJS.Timeout | null = null;
  private expirePeriod = 0;

  constructor(init: ThreadInit, onSegment: SegmentListener | null = null) {
    this.store = new ShardStore(init.memory, onSegment);
    const config = new Config(init.config);
    config.configFile = init.configFile;
    this.server = new ServerContext(config, init.threadIndex, init.shardCount, new SlotMap(init.slots), init.shared);
    this.hub = init.mesh === null ? null : new Hub(init.threadIndex, init.mesh);
    this.coordinator = new Coordinator(this.server, this.store, this.hub, COMMAND_TABLE);
  }

  async start(): Promise<void> {
    this.hub?.start(this.coordinator);
    this.scheduleActiveExpire();
    this.applyStoreSettings();
    this.server.configListeners.push(() => {
      this.scheduleActiveExpire();
      this.applyStoreSettings();
    });
    const config = this.server.config;
    const port = config.getNumber('port');
    for (const host of listenAddresses(config.get('bind'))) {
      const listener = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen({ port, host, reusePort: true, backlog: config.getNumber('tcp-backlog'), ipv6Only: false }, () => {
          listener.off('error', reject);
          resolve();
        });
      });
      this.listeners.push(listener);
    }
  }

  /** How reads age keys (the LFU counter under an *-lfu maxmemory-policy, else the LRU clock), and when collections leave their compact forms. */
  private applyStoreSettings(): void {
    const config = this.server.config;
    const access = this.store.access;
    access.lfu = config.get('maxmemory-policy').endsWith('-lfu');
    access.lfuLogFactor = config.getNumber('lfu-log-factor');
    access.lfuDecayTime = config.getNumber('lfu-decay-time');
    const limits = this.store.limits;
    limits.hashMaxListpackEntries = config.getNumber('hash-max-listpack-entries');
    limits.hashMaxListpackValue = config.getNumber('hash-max-listpack-value');
    limits.setMaxIntsetEntries = config.getNumber('set-max-intset-entries');
  }

  /** Runs Redis's active expire cycle hz times a second, using at most a quarter of the thread's time. */
  private scheduleActiveExpire(): void {
    const hz = this.server.config.getNumber('hz');
    const period = Math.max(2, Math.floor(1000 / hz));
    if (this.expireTimer !== null && this.expirePeriod === period) return;
    if (this.expireTimer !== null) clearInterval(this.expireTimer);
    this.expirePeriod = period;
    this.expireTimer = setInterval(() => {
      this.store.activeExpireCycle(period / 4);
      this.coordinator.memory.onTimer(period / 4);
    }, period);
    this.expireTimer.unref();
  }

  private accept(socket: net.Socket): void {
    const server = this.server;
    const config = server.config;
    server.stats.connectionsReceived++;
    if (server.clients.size >= config.getNumber('maxclients')) {
      server.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    const requirePass = config.get('requirepass');
    if (config.getBool('protected-mode') && requirePass === '' && !isLoopback(socket.remoteAddress)) {
      socket.end(PROTECTED_MODE_DENIED);
      return;
    }
    const client = new Client(server.nextClientId(), socket, requirePass === '', server.stats);
    const coordinator = this.coordinator;
    client.parser = new RequestParser(new ClientSink(client, coordinator), server.parserLimits);
    client.requestFlush = () => coordinator.queueFlush(client);
    client.unwatchAll = () => coordinator.afterCommand(() => unwatchEverywhere(coordinator, client));
    server.clients.set(client.id, client);
    const keepAlive = config.getNumber('tcp-keepalive');
    if (keepAlive > 0) socket.setKeepAlive(true, keepAlive * 1000);

    socket.on('data', (chunk: Buffer) => {
      server.stats.netInputBytes += chunk.length;
      client.lastInteraction = Date.now();
      try {
        client.parser.feed(chunk);
      } catch (error) {
        // Whatever a client sends, the fault stays with that client: it is closed, the server goes on.
        log('warning', `Closing client id=${client.id} addr=${client.addr} after an internal error: ${(error as Error).stack ?? String(error)}`);
        client.kill();
      }
      client.flush();
      coordinator.endBatch();
      if (socket.writableLength > OUTPUT_HIGH_WATER) socket.pause();
    });
    socket.on('drain', () => {
      if (socket.isPaused() && !client.closed) socket.resume();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      client.closed = true;
      client.endTransaction();
      server.clients.delete(client.id);
    });
  }

  /** Closes listeners and clients. */
  /** Another shard's thread was replaced: talk to the new one over fresh rings, fail what the old one owed. */
  replacePeer(peer: number, toPeer: SharedArrayBuffer, fromPeer: SharedArrayBuffer): void {
    this.hub?.replacePeer(peer, toPeer, fromPeer);
    this.coordinator.onPeerRestarted(peer);
  }

  async stop(): Promise<void> {
    if (this.expireTimer) clearInterval(this.expireTimer);
    this.hub?.stop();
    for (const client of this.server.clients.values()) client.socket.destroy();
    await Promise.all(this.listeners.map((listener) => new Promise((resolve) => listener.close(resolve))));
  }
}

/** Redis's bind list ("* -::*", "127.0.0.1 ::1") as addresses to listen on; "-" marks an optional one. */
export function listenAddresses(bind: string): string[] {
  const words = bind.split(/\s+/).filter(Boolean).map((word) => word.replace(/^-/, ''));
  if (words.includes('*') || words.includes('::*')) return ['::'];
  return words.length === 0 ? ['::'] : words;
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return true;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
