// Per-thread view of the whole server: configuration, identity, counters.

import { SaveStatus } from '../store/rdb/save-status.ts';
import { SnapshotProgress } from '../store/rdb/snapshot-progress.ts';
import { WaitSlots } from '../tx/wait-slots.ts';
import type { Config } from '../config/config.ts';
import type { SlotMap } from '../cluster/slots.ts';
import type { Client } from './client.ts';
import type { Subscriptions } from './subscriptions.ts';
import type { Tracking } from './tracking.ts';
import { ClientPause } from './client-pause.ts';
import { CommandStats } from './command-stats.ts';
import type { ParserLimits } from '../protocol/request-parser.ts';
import { parseBufferLimits, type BufferLimit } from '../config/buffer-limits.ts';
import { RunningScripts } from '../scripting/running-scripts.ts';
import type { AofControl } from './aof.ts';
import type { SchedulerState } from '../tx/shard-scheduler.ts';

const NO_AOF: AofControl = { enabled: false, fields: () => [], rewrite: () => false, loadBack: () => false };

/** Counters reported by INFO stats, kept per thread and summed on demand. */
export class ThreadStats {
  connectionsReceived = 0;
  commandsProcessed = 0;
  rejectedConnections = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  hops = 0;
  /** Clients closed for maxmemory-clients (INFO evicted_clients). */
  evictedClients = 0;
}

/** Samples a thread's counters every 100 ms, as Redis's trackInstantaneousMetric (16 samples). */
export class InstantaneousMetrics {
  static readonly PERIOD_MS = 100;
  private static readonly SAMPLES = 16;
  private readonly stats: ThreadStats;
  /** Per metric (commands, input bytes, output bytes): the last reading and recent rates per second. */
  private readonly last = [0, 0, 0];
  private lastAt = performance.now();
  private readonly rates = [new Float64Array(InstantaneousMetrics.SAMPLES), new Float64Array(InstantaneousMetrics.SAMPLES), new Float64Array(InstantaneousMetrics.SAMPLES)];
  private index = 0;

  constructor(stats: ThreadStats) {
    this.stats = stats;
    setInterval(() => this.sample(), InstantaneousMetrics.PERIOD_MS).unref();
  }

  private sample(): void {
    const now = performance.now();
    const elapsed = now - this.lastAt;
    if (elapsed <= 0) return;
    const readings = [this.stats.commandsProcessed, this.stats.netInputBytes, this.stats.netOutputBytes];
    for (let metric = 0; metric < 3; metric++) {
      // A reset (CONFIG RESETSTAT) makes a reading go down: count that sample as zero.
      const delta = Math.max(0, readings[metric] - this.last[metric]);
      this.rates[metric][this.index] = (delta * 1000) / elapsed;
      this.last[metric] = readings[metric];
    }
    this.lastAt = now;
    this.index = (this.index + 1) % InstantaneousMetrics.SAMPLES;
  }

  private average(metric: number): number {
    let sum = 0;
    for (const rate of this.rates[metric]) sum += rate;
    return sum / InstantaneousMetrics.SAMPLES;
  }

  /** Commands per second over the last 1.6 s. */
  get opsPerSec(): number {
    return Math.round(this.average(0));
  }

  /** Bytes per second read from clients. */
  get inputBytesPerSec(): number {
    return Math.round(this.average(1));
  }

  /** Bytes per second written to clients. */
  get outputBytesPerSec(): number {
    return Math.round(this.average(2));
  }
}

/** Memory shared by all threads for server-wide identity and counters. */
export interface SharedState {
  /** Int32 words: [0] next client id, [1] shutdown requested; bytes 8-15: the last transaction id handed out (int64). */
  counters: SharedArrayBuffer;
  /** Float64 per shard: the bytes each shard's data and heap take, as it last published them (one maxmemory budget for all). */
  memoryUsed: SharedArrayBuffer;
  /** Int32 per thread: its connected clients (maxclients is for the whole server). */
  connectedClients: SharedArrayBuffer;
  /** Float64 pairs per thread: the memory its clients hold and its biggest evictable client's, as it last measured them (maxmemory-clients is for the whole server). */
  clientMemory: SharedArrayBuffer;
  /** The blocked clients' wait slots of every thread (tx/wait-slots.ts). */
  waitSlots: SharedArrayBuffer;
  /** The last save's outcome (store/rdb/save-status.ts). */
  saveStatus: SharedArrayBuffer;
  /** Each shard's part of a background save under way (store/rdb/snapshot-progress.ts). */
  snapshotProgress: SharedArrayBuffer;
  /** Every thread's summary of its Pub/Sub subscriptions (server/subscriptions.ts). */
  pubsubSummary: SharedArrayBuffer;
  /** Every thread's summary of the keys its clients track (server/tracking.ts). */
  trackingSummary: SharedArrayBuffer;
  /** Which thread runs a script, and whether it is busy (scripting/running-scripts.ts). */
  runningScripts: SharedArrayBuffer;
  /** CLIENT PAUSE, for every thread (server/client-pause.ts). */
  pause: SharedArrayBuffer;
  runId: string;
  startedAt: number;
  executablePath: string;
  configFile: string;
}

const NEXT_CLIENT_ID = 0;

export class ServerContext {
  readonly config: Config;
  readonly threadIndex: number;
  readonly shardCount: number;
  readonly slots: SlotMap;
  readonly stats = new ThreadStats();
  readonly commandStats = new CommandStats();
  readonly instantaneous = new InstantaneousMetrics(this.stats);
  readonly clients = new Map<number, Client>();
  readonly shared: SharedState;
  /** The last save, as every thread sees it (LASTSAVE, INFO persistence). */
  readonly saveStatus: SaveStatus;
  /** How each shard's part of a background save is going. */
  readonly snapshotProgress: SnapshotProgress;
  /** Every thread's running script, as far as BUSY and SCRIPT KILL need it. */
  readonly scripts: RunningScripts;
  /** Shared by every client parser of the thread, so CONFIG SET reaches them all. */
  readonly parserLimits: ParserLimits;
  /** client-output-buffer-limit of normal clients, shared by every client of the thread the same way. */
  readonly outputLimit: BufferLimit = { hard: 0, soft: 0, softSeconds: 0 };
  /** ...and of pub/sub clients (subscribed to anything). */
  readonly pubsubOutputLimit: BufferLimit = { hard: 0, soft: 0, softSeconds: 0 };
  /** CLIENT PAUSE over every thread. */
  readonly pause: ClientPause;
  /** This thread's Pub/Sub subscribers and the delivery to them; set by the thread. */
  pubsub!: Subscriptions;
  /** This thread's client-side caching (CLIENT TRACKING); set by the thread. */
  tracking!: Tracking;
  private readonly counters: Int32Array;
  private readonly transactionIds: BigInt64Array;
  private readonly connectedClients: Int32Array;
  private readonly clientMemory: Float64Array;
  /** Every thread's wait slots: blocked clients are claimed through them. */
  readonly waits: WaitSlots;
  /** DEBUG PAUSE-CRON 1: the thread's periodic work waits. */
  cronPaused = false;
  /** This thread's clients blocked now (INFO blocked_clients). */
  blockedClients = 0;
  /** Of those, the ones with a timeout (INFO clients_in_timeout_table). */
  clientsInTimeoutTable = 0;
  /** Set by the thread: ends the wait of a blocked client of this thread (CLIENT UNBLOCK); true when it was blocked. */
  unblockClient: (client: Client, withError: boolean) => boolean = () => false;
  /** Set by the thread: asks the supervisor to shut the server down. */
  requestShutdown: () => void = () => {};
  /** Set by the owning thread: its shard's lock table now (DEBUG SCHEDULER). */
  schedulerState: () => SchedulerState = () => ({ transactions: 0, holders: 0, lockedKeys: 0, fastPathWaiting: 0 });
  /** Set by the thread: called from inside a busy script, answers what this thread's other clients sent meanwhile. */
  serveWhileBusy: () => void = () => {};

  constructor(config: Config, threadIndex: number, shardCount: number, slots: SlotMap, shared: SharedState) {
    this.config = config;
    this.threadIndex = threadIndex;
    this.shardCount = shardCount;
    this.slots = slots;
    this.shared = shared;
    this.counters = new Int32Array(shared.counters);
    this.transactionIds = new BigInt64Array(shared.counters, 8, 1);
    this.connectedClients = new Int32Array(shared.connectedClients);
    // A thread that replaces a dead one starts with none: the dead one's clients are gone.
    Atomics.store(this.connectedClients, threadIndex, 0);
    this.clientMemory = new Float64Array(shared.clientMemory);
    this.publishClientMemory(0, 0);
    this.waits = new WaitSlots(shared.waitSlots);
    this.pause = new ClientPause(shared.pause);
    this.waits.disarmThread(threadIndex);
    this.saveStatus = new SaveStatus(shared.saveStatus);
    this.snapshotProgress = new SnapshotProgress(shared.snapshotProgress);
    this.scripts = new RunningScripts(shared.runningScripts, threadIndex);
    this.parserLimits = { maxBulkLength: 0, maxQueryBuffer: 0 };
    this.refreshFromConfig();
  }

  /** Called after every CONFIG SET, for settings that need more than a new value (timers). */
  readonly configListeners: (() => void)[] = [];
  /** This shard's AOF (server/aof.ts), set by the thread; off until then. */
  aof: AofControl = NO_AOF;

  /** Re-reads the settings that live outside Config for speed; called after CONFIG SET. */
  refreshFromConfig(): void {
    this.parserLimits.maxBulkLength = this.config.getNumber('proto-max-bulk-len');
    this.parserLimits.maxQueryBuffer = this.config.getNumber('client-query-buffer-limit');
    const limits = parseBufferLimits(this.config.get('client-output-buffer-limit'));
    Object.assign(this.outputLimit, limits.normal);
    Object.assign(this.pubsubOutputLimit, limits.pubsub);
    for (const listener of this.configListeners) listener();
  }

  /** The clients connected to every thread of the server. */
  connectedClientsEverywhere(): number {
    let total = 0;
    for (let thread = 0; thread < this.connectedClients.length; thread++) total += Atomics.load(this.connectedClients, thread);
    return total;
  }

  /** Counts a client in (1) or out (-1) of this thread's connected clients. */
  countClient(change: 1 | -1): void {
    Atomics.add(this.connectedClients, this.threadIndex, change);
  }

  /** Publishes what this thread's clients hold now, and its biggest evictable client. */
  publishClientMemory(bytes: number, biggest: number): void {
    this.clientMemory[this.threadIndex * 2] = bytes;
    this.clientMemory[this.threadIndex * 2 + 1] = biggest;
  }

  /** What the clients of the other threads hold, as each last measured it. */
  clientMemoryElsewhere(): number {
    let total = 0;
    for (let thread = 0; thread < this.clientMemory.length / 2; thread++) if (thread !== this.threadIndex) total += this.clientMemory[thread * 2];
    return total;
  }

  /** The biggest evictable client of the other threads, as each last measured it. */
  biggestClientElsewhere(): number {
    let biggest = 0;
    for (let thread = 0; thread < this.clientMemory.length / 2; thread++) if (thread !== this.threadIndex) biggest = Math.max(biggest, this.clientMemory[thread * 2 + 1]);
    return biggest;
  }

  nextClientId(): number {
    return Atomics.add(this.counters, NEXT_CLIENT_ID, 1) + 1;
  }

  /** A multi-shard transaction's id: unique and ordered across every thread. */
  nextTransactionId(): number {
    return Number(Atomics.add(this.transactionIds, 0, 1n)) + 1;
  }

  /** The newest transaction id handed out so far. */
  latestTransactionId(): number {
    return Number(Atomics.load(this.transactionIds, 0));
  }
}
