// One thread of the server: its listener (SO_REUSEPORT, so the kernel spreads
// connections over threads), its clients, its shard of the keyspace, and its
// end of the hop mesh; here its parts are built and wired together. The same
// class runs inside each worker, or on the main thread when the server has a
// single shard.

import { changesSinceSave, loadSnapshotAtStart } from '../commands/persistence.ts';
import { SaveSchedule } from './save-schedule.ts';
import { SnapshotState } from '../store/rdb/snapshot-progress.ts';
import { ShardAof } from './aof.ts';
import net from 'node:net';
import { readSync } from 'node:fs';
import { Config } from '../config/config.ts';
import { SlotMap } from '../cluster/slots.ts';
import { Hub, type HubHandler, type MeshBuffers } from '../transport/hub.ts';
import { ShardStore, type StoreMemory } from '../store/shard-store.ts';
import type { SegmentListener } from '../store/arena.ts';
import { MemoryBudget, evictionPolicyOf } from '../store/eviction.ts';
import { ShardMap, type Shard } from '../shard/shard.ts';
import { LocalShard } from '../shard/local-shard.ts';
import { OwedReplies, RemoteShard } from '../shard/remote-shard.ts';
import { ShardScheduler } from '../tx/shard-scheduler.ts';
import { HopServer } from '../tx/hop-server.ts';
import { BlockingController } from '../tx/blocking-controller.ts';
import type { BlockedClients } from './blocked-clients.ts';
import { unwatchEverywhere } from '../commands/transactions.ts';
import { COMMAND_TABLE } from '../commands/registry.ts';
import { RequestParser, type RequestSink } from '../protocol/request-parser.ts';
import { Client } from './client.ts';
import { ServerContext, type SharedState } from './server-context.ts';
import { Dispatcher } from './dispatcher.ts';
import { Invoker } from './invoker.ts';
import { MemoryRefusal } from './memory-refusal.ts';
import { ReplyOrder } from './reply-order.ts';
import { EndOfBatch } from './end-of-batch.ts';
import { HopExecutor } from './hop-executor.ts';
import { ThreadScriptServices } from './script-services.ts';
import { luaVm } from '../scripting/lua-vm.ts';
import { joinLibraries } from '../commands/functions.ts';
import { functionsOfPayload } from '../store/rdb/rdb-value.ts';
import type { LuaVm } from '../scripting/lua-vm.ts';
import { REDIS_VERSION } from '../config/version.ts';
import { log } from '../util/log.ts';
import { PROTECTED_MODE_DENIED } from './protected-mode.ts';
import { CHECK_MS, ClientEviction } from './client-eviction.ts';
import { clientInfoLine } from '../commands/client.ts';
import { PUSH_PUBLISH, Subscriptions } from './subscriptions.ts';
import { PUSH_INVALIDATE, Tracking } from './tracking.ts';

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
  /** The server's first start: the shard loads its keys from the RDB file (not a restart over kept memory). */
  loadSnapshot: boolean;
}


class ClientSink implements RequestSink {
  private readonly client: Client;
  private readonly dispatcher: Dispatcher;
  constructor(client: Client, dispatcher: Dispatcher) {
    this.client = client;
    this.dispatcher = dispatcher;
  }
  onCommand(argv: Buffer[], argc: number): void {
    const client = this.client;
    if (client.repliesOff || client.skipNextReply) this.dispatchMuted(client, argv, argc);
    else this.dispatcher.dispatch(client, argv, argc);
    // QUIT: nothing after it is read, as in Redis.
    if (client.closeAfterReply) client.parser.stop();
    client.closeIfPastHardLimit();
  }
  /**
   * CLIENT REPLY OFF or SKIP: the command runs, its reply is dropped, whether
   * it was written at once or reserved for later (what the command pushes to
   * the client meanwhile, its own Pub/Sub messages, goes with it).
   */
  private dispatchMuted(client: Client, argv: Buffer[], argc: number): void {
    client.skipNextReply = false;
    client.muted = true;
    const written = client.out.length;
    const reservedBefore = client.lastReserved;
    this.dispatcher.dispatch(client, argv, argc);
    if (!client.muted) return;
    client.muted = false;
    if (client.out.length > written) client.out.length = written;
    let pending = reservedBefore === null ? client.firstReserved : reservedBefore.next;
    for (; pending !== null; pending = pending.next) pending.muted = true;
  }

  onProtocolError(message: string): void {
    const client = this.client;
    log('verbose', `Protocol error (${message}) from client: id=${client.id} addr=${client.addr}`);
    // The commands before it in the read still run and reply first, as in Redis.
    client.closeWhenAnswered(Buffer.from(`-ERR ${message}\r\n`, 'latin1'));
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

/** The hub's events, to the parts that handle them. */
class HubEvents implements HubHandler {
  private readonly hops: HopServer;
  private readonly owed: OwedReplies;
  private readonly endOfBatch: EndOfBatch;
  private readonly blocked: BlockedClients;
  private readonly pubsub: Subscriptions;
  private readonly tracking: Tracking;
  constructor(hops: HopServer, owed: OwedReplies, endOfBatch: EndOfBatch, blocked: BlockedClients, pubsub: Subscriptions, tracking: Tracking) {
    this.hops = hops;
    this.owed = owed;
    this.endOfBatch = endOfBatch;
    this.blocked = blocked;
    this.pubsub = pubsub;
    this.tracking = tracking;
  }
  onPush(slot: number, generation: number, payload: Buffer): void {
    if (slot >= PUSH_INVALIDATE) this.tracking.onPush(slot, generation, payload);
    else if (slot >= PUSH_PUBLISH) this.pubsub.onPush(slot, generation, payload);
    else this.blocked.onPush(slot, generation, payload);
  }
  onRequest(from: number, requestId: number, db: number, proto: number, flags: number, argv: Buffer[], argc: number): void {
    this.hops.onRequest(from, requestId, db, proto, flags, argv, argc);
  }
  onReply(requestId: number, reply: Buffer): void {
    this.owed.onReply(requestId, reply);
  }
  afterDrain(): void {
    // Keyspace notifications and invalidations of the hops just run go out with their replies.
    this.pubsub.startGathered();
    this.tracking.startGathered();
    this.endOfBatch.flushClients();
  }
}

class LocalPush {
  readonly slot: number;
  readonly generation: number;
  readonly reply: Buffer;
  constructor(slot: number, generation: number, reply: Buffer) {
    this.slot = slot;
    this.generation = generation;
    this.reply = reply;
  }
}

export class ShardThread {
  readonly server: ServerContext;
  readonly store: ShardStore;
  /** This shard's side of the server-wide maxmemory budget. */
  readonly memory: MemoryBudget;
  /** This thread's shard's side of the scheduler: its intent locks and queued transactions. */
  private readonly scheduler: ShardScheduler;
  private readonly shards: ShardMap;
  private readonly owed = new OwedReplies();
  private readonly hops: HopServer;
  private readonly invoker: Invoker;
  private readonly endOfBatch: EndOfBatch;
  private readonly dispatcher: Dispatcher;
  private readonly hub: Hub | null;
  private readonly listeners: net.Server[] = [];
  private expireTimer: NodeJS.Timeout | null = null;
  /** What a busy script's thread reads its clients' sockets into, and when it last did. */
  private readonly busyChunk = Buffer.allocUnsafe(64 * 1024);
  private lastBusyServe = 0;
  private expirePeriod = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private clientMemoryTimer: NodeJS.Timeout | null = null;
  /** Replies served to this thread's own blocked clients, delivered once the serving is over. */
  private readonly localPushes: LocalPush[] = [];

  private readonly loadSnapshot: boolean;
  private readonly aof: ShardAof;

  constructor(init: ThreadInit, onSegment: SegmentListener | null = null) {
    this.store = new ShardStore(init.memory, onSegment);
    this.loadSnapshot = init.loadSnapshot;
    const config = new Config(init.config);
    config.configFile = init.configFile;
    const server = (this.server = new ServerContext(config, init.threadIndex, init.shardCount, new SlotMap(init.slots), init.shared));
    const hub = (this.hub = init.mesh === null ? null : new Hub(init.threadIndex, init.mesh));
    this.memory = new MemoryBudget(this.store, server.shared.memoryUsed, server.threadIndex);
    this.applyMemorySettings();
    server.configListeners.push(() => this.applyMemorySettings());

    const refusal = new MemoryRefusal(this.memory, server.commandStats);
    this.invoker = new Invoker(server, this.store, this.memory, refusal, COMMAND_TABLE);
    this.endOfBatch = new EndOfBatch(hub);
    this.scheduler = new ShardScheduler(() => server.latestTransactionId());
    this.invoker.journal.running = this.scheduler;
    this.scheduler.onConcluded = (id) => this.invoker.journal.concluded(id);
    const aof = (this.aof = new ShardAof(server, this.store, this.invoker, COMMAND_TABLE));
    aof.holdsTransactions = () => this.scheduler.holdsTransactions;
    server.aof = aof;
    this.endOfBatch.beforeOutput = () => aof.flush();
    const executor = new HopExecutor(COMMAND_TABLE, this.invoker);
    this.hops = new HopServer(this.scheduler, this.store, executor, hub, this.endOfBatch);
    const shards: Shard[] = [];
    for (let shard = 0; shard < server.shardCount; shard++) {
      shards.push(shard === server.threadIndex ? new LocalShard(this.hops) : new RemoteShard(shard, hub as Hub, this.owed, server.stats, this.endOfBatch));
    }
    this.shards = new ShardMap(server.slots, server.threadIndex, shards);
    const scripts = new ThreadScriptServices(this.shards, this.invoker, this.scheduler, hub, this.store, server);
    this.invoker.context.scripts = scripts;
    const replies = new ReplyOrder(server.commandStats.errors);
    const blockingController = new BlockingController(this.store, this.scheduler.locks, executor, server.waits, (thread, slot, generation, reply) => {
      if (thread === server.threadIndex) this.localPushes.push(new LocalPush(slot, generation, Buffer.from(reply)));
      else (hub as Hub).sendPush(thread, slot, generation, reply);
    }, server.commandStats.errors);
    const serveBlocked = (): void => {
      blockingController.serveReady();
      // This thread's own blocked clients get theirs once the serving is over: what runs for them then may write again.
      while (this.localPushes.length !== 0) {
        for (const push of this.localPushes.splice(0)) this.dispatcher.blocked.onPush(push.slot, push.generation, push.reply);
        blockingController.serveReady();
      }
      this.endOfBatch.scheduleEndBatch();
    };
    this.hops.afterCommand = serveBlocked;
    this.scheduler.onDrained = () => {
      if (this.store.blocked.hasReady) serveBlocked();
    };
    this.dispatcher = new Dispatcher({
      server, store: this.store, commands: COMMAND_TABLE, invoker: this.invoker, refusal, replies, scheduler: this.scheduler, shards: this.shards, endOfBatch: this.endOfBatch, serveBlocked, scripts,
    });
    server.unblockClient = (client, withError) => this.dispatcher.blocked.unblock(client, withError);
    this.store.expiryPaused = () => server.pause.activeType(Date.now()) !== 0;
    server.serveWhileBusy = () => this.serveWhileBusy();
    server.schedulerState = () => this.scheduler.state();
    server.pubsub = new Subscriptions(server.threadIndex, server.shardCount, hub, this.endOfBatch, server.shared.pubsubSummary, server.outputLimit, server.pubsubOutputLimit, replies.scratch);
    const tracking = (server.tracking = new Tracking(server.threadIndex, server.shardCount, hub, this.endOfBatch, server.shared.trackingSummary, server.clients));
    const trackingLimit = (): void => {
      tracking.maxKeys = config.getNumber('tracking-table-max-keys');
      tracking.enforceLimit();
    };
    trackingLimit();
    server.configListeners.push(trackingLimit);
  }

  /** Reads the maxmemory settings; a lowered maxmemory starts evicting at once (the timer carries on). */
  private applyMemorySettings(): void {
    const config = this.server.config;
    const memory = this.memory;
    memory.maxmemory = config.getNumber('maxmemory');
    memory.setPolicy(evictionPolicyOf(config.get('maxmemory-policy')));
    memory.samples = config.getNumber('maxmemory-samples');
    memory.setTenacity(config.getNumber('maxmemory-eviction-tenacity'));
    if (memory.maxmemory !== 0) memory.evict();
  }

  async start(): Promise<void> {
    this.hub?.start(new HubEvents(this.hops, this.owed, this.endOfBatch, this.dispatcher.blocked, this.server.pubsub, this.server.tracking));
    this.scheduleActiveExpire();
    this.applyStoreSettings();
    const saveSchedule = this.server.threadIndex === 0 ? new SaveSchedule(this.server, (argv) => this.dispatcher.runByServer(argv)) : null;
    this.idleTimer = setInterval(() => {
      const now = Date.now();
      this.closeIdleClients(now);
      this.server.snapshotProgress.publishChanges(this.server.threadIndex, changesSinceSave(this.store));
      saveSchedule?.check(now);
    }, 1000);
    this.idleTimer.unref();
    const clientEviction = new ClientEviction(this.server, (client) => clientInfoLine(client, Date.now()));
    this.clientMemoryTimer = setInterval(() => clientEviction.check(), CHECK_MS);
    this.clientMemoryTimer.unref();
    this.server.configListeners.push(() => {
      this.scheduleActiveExpire();
      this.applyStoreSettings();
      clientEviction.check();
    });
    // As Redis: the AOF when it is on, else the RDB file. A restarted thread finds its keys in memory and appends on.
    if (this.server.config.get('appendonly') === 'yes') {
      if (this.loadSnapshot) this.aof.startUp();
      else this.aof.onConfig();
    } else if (this.loadSnapshot) loadSnapshotAtStart(this);
    // A thread taking over from one that died while writing its part of a background save: that save fails.
    if (!this.loadSnapshot && this.server.snapshotProgress.state(this.server.threadIndex) === SnapshotState.Running) this.server.snapshotProgress.failed(this.server.threadIndex);
    // A thread replacing a dead one starts with an empty Lua state: the function libraries come from a peer's.
    if (!this.loadSnapshot && this.server.shardCount > 1) await this.librariesFromPeer();
    this.server.configListeners.push(() => this.aof.onConfig());
    const config = this.server.config;
    const port = config.getNumber('port');
    for (const host of listenAddresses(config.get('bind'))) {
      // Half-open: a client that shuts down its sending side still gets every reply owed (see accept).
      const listener = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.accept(socket));
      await new Promise<void>((resolve, reject) => {
        listener.once('error', (error: Error) => reject(new Error(`Failed listening on port ${port} (TCP): ${error.message}`)));
        listener.listen({ port, host, reusePort: true, backlog: config.getNumber('tcp-backlog'), ipv6Only: false }, () => {
          listener.removeAllListeners('error');
          resolve();
        });
      });
      this.listeners.push(listener);
    }
  }

  /** Loads the function libraries another thread holds (FUNCTION DUMP over the ring): every thread holds the same. */
  private async librariesFromPeer(): Promise<void> {
    const peer = this.server.threadIndex === 0 ? 1 : 0;
    try {
      // Not waited for past a limit: the thread must come up, libraries or not.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<Error>((resolve) => {
        timer = setTimeout(() => resolve(new Error('no answer')), PEER_LIBRARIES_MS);
      });
      const payload = await Promise.race([this.shards.call(peer, 0, 0, [Buffer.from('FUNCTION'), Buffer.from('DUMP')]), timeout]);
      clearTimeout(timer);
      if (!Buffer.isBuffer(payload)) throw new Error(payload instanceof Error ? payload.message : 'no payload');
      joinLibraries(functionsOfPayload(payload), 'flush');
    } catch (error) {
      log('warning', `The function libraries could not be copied from shard ${peer}: ${(error as Error).message}`);
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
    limits.listMaxListpackSize = config.getNumber('list-max-listpack-size');
    limits.listCompressDepth = config.getNumber('list-compress-depth');
    limits.zsetMaxListpackEntries = config.getNumber('zset-max-listpack-entries');
    limits.zsetMaxListpackValue = config.getNumber('zset-max-listpack-value');
    limits.streamNodeMaxBytes = config.getNumber('stream-node-max-bytes');
    limits.streamNodeMaxEntries = config.getNumber('stream-node-max-entries');
    limits.hllSparseMaxBytes = config.getNumber('hll-sparse-max-bytes');
  }

  /** Runs Redis's active expire cycle hz times a second, using at most a quarter of the thread's time. */
  private scheduleActiveExpire(): void {
    const hz = this.server.config.getNumber('hz');
    const period = Math.max(2, Math.floor(1000 / hz));
    if (this.expireTimer !== null && this.expirePeriod === period) return;
    if (this.expireTimer !== null) clearInterval(this.expireTimer);
    this.expirePeriod = period;
    this.expireTimer = setInterval(() => {
      if (this.server.cronPaused) return;
      // A transaction in progress runs at its clock (EXEC's start): keys expiring meanwhile stay for it, as Redis
      // runs no active expiry during an EXEC. The cycle waits for the next tick.
      if (!this.scheduler.holdsTransactions) this.store.activeExpireCycle(period / 4);
      this.memory.onTimer(period / 4);
    }, period);
    this.expireTimer.unref();
  }

  private accept(socket: net.Socket): void {
    const server = this.server;
    const config = server.config;
    server.stats.connectionsReceived++;
    // Counted in first, then checked: two threads accepting at once may both refuse, but never both admit past the limit.
    server.countClient(1);
    if (server.connectedClientsEverywhere() > config.getNumber('maxclients')) {
      server.countClient(-1);
      server.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    const requirePass = config.get('requirepass');
    if (config.getBool('protected-mode') && requirePass === '' && !isLoopback(socket.remoteAddress)) {
      server.countClient(-1);
      socket.end(PROTECTED_MODE_DENIED);
      return;
    }
    const client = new Client(server.nextClientId(), socket, requirePass === '', server.stats, server.outputLimit);
    const { dispatcher, endOfBatch, invoker } = this;
    const coordinator = dispatcher.coordinator;
    client.parser = new RequestParser(new ClientSink(client, dispatcher), server.parserLimits);
    client.requestFlush = () => endOfBatch.queueFlush(client);
    client.unwatchAll = () => invoker.afterCommand(() => unwatchEverywhere(coordinator, client));
    // Gone for tracking at once (QUIT): CLIENT TRACKING's counts and redirects do not wait for the socket to close.
    client.whenClosing = () => {
      if (client.tracking !== null) server.tracking.disable(client);
    };
    server.clients.set(client.id, client);
    const keepAlive = config.getNumber('tcp-keepalive');
    if (keepAlive > 0) socket.setKeepAlive(true, keepAlive * 1000);

    socket.on('data', (chunk: Buffer) => {
      // Invalidations other threads sent before this read came are delivered before its replies, as one thread would.
      if (client.tracking !== null) this.hub?.drainPending();
      this.received(client, chunk);
      // The AOF has the batch's writes (synced, with appendfsync always) before any reply leaves.
      endOfBatch.beforeOutput();
      client.flush();
      endOfBatch.run();
      client.throttleReads();
    });
    socket.on('drain', () => client.resumeReads());
    // The client sent all it will: what it sent still runs and replies (some replies come from other shards), then we close.
    socket.on('end', () => {
      if (client.closed) return;
      // A blocked client that hung up waits no more, as Redis drops it at end of stream.
      if (client.blocked !== null) dispatcher.blocked.clientClosed(client);
      client.parser.stop();
      client.closeWhenAnswered(null);
      endOfBatch.beforeOutput();
      client.flush();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      client.closed = true;
      if (client.blocked !== null) dispatcher.blocked.clientClosed(client);
      if (client.subscriptions !== null || client.monitoring) server.pubsub.forget(client);
      if (client.tracking !== null) server.tracking.disable(client);
      client.endTransaction();
      server.clients.delete(client.id);
      server.countClient(-1);
    });
  }

  /** Runs what a client sent. */
  private received(client: Client, chunk: Buffer): void {
    this.server.stats.netInputBytes += chunk.length;
    client.lastInteraction = Date.now();
    client.feeding = true;
    try {
      client.parser.feed(chunk);
    } catch (error) {
      // Whatever a client sends, the fault stays with that client: it is closed, the server goes on.
      log('warning', `Closing client id=${client.id} addr=${client.addr} after an internal error: ${(error as Error).stack ?? String(error)}`);
      client.kill();
    } finally {
      client.feeding = false;
    }
  }

  /**
   * Called from inside a busy script (every so many Lua instructions, as
   * Redis's hook): the event loop cannot run, so each client's socket is read
   * here, synchronously, and what it sent is dispatched as usual, which
   * answers BUSY to all but the commands allowed then (SCRIPT KILL, FUNCTION
   * KILL, SHUTDOWN NOSAVE...); the replies are written at once. The script's
   * own client (whose read is being run) and paused ones are left for later.
   */
  private serveWhileBusy(): void {
    const now = Date.now();
    if (now - this.lastBusyServe < BUSY_SERVE_MS) return;
    this.lastBusyServe = now;
    const vm = luaVm(REDIS_VERSION);
    if (typeof vm === 'string') return;
    this.acceptWhileBusy(vm);
    const clients: Client[] = [];
    for (const client of this.server.clients.values()) {
      if (client.closed || client.feeding || client.blocked !== null || client.socket.isPaused() || handleFd(client.socket) < 0) continue;
      clients.push(client);
    }
    if (clients.length === 0) return;
    // One poll finds the sockets with input; only those are read.
    const fds = new Int32Array(clients.length);
    for (let i = 0; i < clients.length; i++) fds[i] = handleFd(clients[i].socket);
    if (vm.readable(fds) === 0) return;
    const chunk = this.busyChunk;
    for (let i = 0; i < clients.length; i++) {
      if (fds[i] < 0) continue;
      const client = clients[i];
      let length: number;
      try {
        length = readSync(fds[i], chunk, 0, chunk.length, null);
      } catch {
        // EAGAIN (the socket is non-blocking); any other error is the event loop's to see.
        continue;
      }
      // The end of the stream: the event loop sees it too once the script is over.
      if (length === 0) continue;
      this.received(client, Buffer.from(chunk.subarray(0, length)));
      client.flush();
    }
  }

  /**
   * Connections the kernel gave this thread's listeners while its script is
   * busy (SO_REUSEPORT picks a listener by the connection's address, not by
   * which thread is free): accepted here, so they are answered (BUSY) too.
   */
  private acceptWhileBusy(vm: LuaVm): void {
    for (const listener of this.listeners) {
      const listening = handleFd(listener);
      if (listening < 0) continue;
      for (let accepted = 0; accepted < ACCEPTS_PER_SERVE; accepted++) {
        const fd = vm.acceptPending(listening);
        if (fd < 0) break;
        let socket: net.Socket;
        try {
          socket = new net.Socket({ fd, allowHalfOpen: true, readable: true, writable: true });
        } catch (error) {
          log('warning', `Accepting a connection while a script is busy failed: ${(error as Error).message}`);
          continue;
        }
        socket.setNoDelay(true);
        this.accept(socket);
      }
    }
  }

  /** Another shard's thread was replaced: talk to the new one over fresh rings, forget what the old one owed and held. */
  /**
   * SIGTERM or SIGINT came (the first thread is told): with save points set,
   * or shutdown-on-sig* save, the dataset is saved first, as SHUTDOWN does,
   * and the shutdown asked for once saved (a failed save keeps the server
   * up, as Redis). True when it saves; false: the supervisor stops at once.
   */
  shutdownOnSignal(signal: 'SIGTERM' | 'SIGINT'): boolean {
    const config = this.server.config;
    const how = config.get(signal === 'SIGTERM' ? 'shutdown-on-sigterm' : 'shutdown-on-sigint');
    if (how !== 'save' && (how !== 'default' || config.get('save') === '')) return false;
    void this.dispatcher.runByServer([Buffer.from('SHUTDOWN'), Buffer.from('SAVE')]);
    return true;
  }

  replacePeer(peer: number, toPeer: SharedArrayBuffer, fromPeer: SharedArrayBuffer): void {
    this.hub?.replacePeer(peer, toPeer, fromPeer);
    // Hops sent to the dead thread will never be answered: they fail now.
    this.owed.failShard(peer);
    // Locks the dead thread's transactions hold here would block their keys forever.
    this.scheduler.abandonFrom(peer);
    // Its WATCH records, and which of them had changed, died with its heap:
    // the EXEC of this thread's clients watching keys there must fail
    // (transactions.ts). Its own clients were dropped: their records here go.
    this.store.watchedKeys.forgetThread(peer);
    // Its clients' waits here are over; this thread's clients' waits there died with it and register again.
    this.store.blocked.dropThread(peer);
    this.dispatcher.blocked.shardReplaced(peer);
    this.server.pubsub.peerReplaced(peer);
    for (const client of this.server.clients.values()) {
      if (!client.watchLost && client.watched.some(({ key }) => this.shards.shardOfKey(key) === peer)) client.watchLost = true;
    }
  }

  /** `timeout`: a client idle for more than that many seconds is closed, as Redis's clientsCronHandleTimeout. */
  private closeIdleClients(now: number): void {
    if (this.server.cronPaused) return;
    this.server.tracking.enforceLimit();
    const timeout = this.server.config.getNumber('timeout');
    if (timeout === 0) return;
    const nowSeconds = Math.floor(now / 1000);
    for (const client of this.server.clients.values()) {
      // A blocked client waits as long as its command says, as in Redis.
      if (client.blocked !== null || nowSeconds - Math.floor(client.lastInteraction / 1000) <= timeout) continue;
      log('verbose', `Closing idle client id=${client.id} addr=${client.addr}`);
      client.kill();
    }
  }

  /** Closes listeners and clients. */
  async stop(): Promise<void> {
    if (this.expireTimer) clearInterval(this.expireTimer);
    if (this.idleTimer) clearInterval(this.idleTimer);
    if (this.clientMemoryTimer) clearInterval(this.clientMemoryTimer);
    this.hub?.stop();
    this.aof.close();
    for (const client of this.server.clients.values()) client.socket.destroy();
    await Promise.all(this.listeners.map((listener) => new Promise((resolve) => listener.close(resolve))));
  }
}

/** How long a restarted thread waits for a peer's function libraries. */
const PEER_LIBRARIES_MS = 3000;

/** How often a busy script's thread reads its clients' sockets. */
const BUSY_SERVE_MS = 5;

/** Connections a busy script's thread accepts per listener each time it serves. */
const ACCEPTS_PER_SERVE = 64;

/** The file descriptor under a socket or a listener (-1 when it has none, as on Windows). */
function handleFd(handleOwner: net.Socket | net.Server): number {
  const fd = (handleOwner as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
  return typeof fd === 'number' ? fd : -1;
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
