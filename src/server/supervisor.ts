// The main thread: reads the configuration, makes the shared memory, starts
// one worker per shard (or serves everything itself with one shard), and
// stops them all on SIGTERM/SIGINT or SHUTDOWN.

import { SnapshotProgress } from '../store/rdb/snapshot-progress.ts';
import { SAVE_STATUS_BYTES, SaveStatus } from '../store/rdb/save-status.ts';
import { allocateWaitSlots } from '../tx/wait-slots.ts';
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import net from 'node:net';
import { loadConfig, FatalConfigError, type Config } from '../config/config.ts';
import { SlotMap } from '../cluster/slots.ts';
import { allocateMesh, renewPeerRings, type MeshBuffers } from '../transport/hub.ts';
import { allocateStoreMemory, type StoreMemory } from '../store/shard-store.ts';
import { configureLog, log } from '../util/log.ts';
import { released } from '../util/memory-release.ts';
import { listenAddresses, ShardThread, type ThreadInit } from './shard-thread.ts';
import type { SharedState } from './server-context.ts';
import { allocatePubsubSummary } from './subscriptions.ts';
import { allocateTrackingSummary } from './tracking.ts';
import { RunningScripts } from '../scripting/running-scripts.ts';
import { allocatePauseState } from './client-pause.ts';
import { VERSION, REDIS_VERSION } from '../config/version.ts';
import type { SupervisorCommand, WorkerEvent } from './worker-messages.ts';

const WORKER_ENTRY = new URL('../../workers/shard.ts', import.meta.url);
/** A shard that dies more than this many times within RESTART_WINDOW_MS stops the server instead of restarting again. */
const MAX_RESTARTS_IN_WINDOW = 5;
const RESTART_WINDOW_MS = 60_000;

export async function main(args: string[]): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(args);
  } catch (error) {
    if (error instanceof FatalConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  configureLog(config.get('loglevel'), config.get('logfile'), 'M');
  try {
    process.chdir(config.get('dir'));
  } catch (error) {
    log('warning', `Can't chdir to '${config.get('dir')}': ${(error as Error).message}`);
    process.exit(1);
  }
  const shardCount = config.getNumber('shards') || availableParallelism();
  log('notice', 'oO0OoO0OoO0Oo threadis is starting oO0OoO0OoO0Oo');
  log('notice', `threadis version=${VERSION} (Redis ${REDIS_VERSION} compatible), pid=${process.pid}, node=${process.version}, shards=${shardCount}, just started`);
  if (config.configFile === '') log('warning', 'Warning: no config file specified, using the default config. In order to specify a config file use threadis /path/to/redis.conf');
  const supervisor = new Supervisor(config, shardCount);
  await supervisor.start();
}

class Supervisor {
  private readonly config: Config;
  private readonly shardCount: number;
  private readonly workers: Worker[] = [];
  /** Each shard's keyspace memory, kept here so a replacement thread finds every key. */
  private readonly memories: StoreMemory[] = [];
  private readonly inits: ThreadInit[] = [];
  private mesh: MeshBuffers | null = null;
  /** When each shard's recent restarts happened, to stop a thread that keeps dying. */
  private readonly restarts: number[][] = [];
  private local: ShardThread | null = null;
  private stopping = false;

  constructor(config: Config, shardCount: number) {
    this.config = config;
    this.shardCount = shardCount;
    this.runningScripts = RunningScripts.allocate(shardCount);
  }

  /** Every thread's running script (shutdown stops them). */
  private readonly runningScripts: SharedArrayBuffer;

  async start(): Promise<void> {
    const shared: SharedState = {
      counters: new SharedArrayBuffer(64),
      memoryUsed: new SharedArrayBuffer(8 * this.shardCount),
      connectedClients: new SharedArrayBuffer(4 * this.shardCount),
      clientMemory: new SharedArrayBuffer(16 * this.shardCount),
      waitSlots: allocateWaitSlots(this.shardCount),
      saveStatus: new SharedArrayBuffer(SAVE_STATUS_BYTES),
      snapshotProgress: SnapshotProgress.allocate(this.shardCount),
      pubsubSummary: allocatePubsubSummary(this.shardCount),
      trackingSummary: allocateTrackingSummary(this.shardCount),
      runningScripts: this.runningScripts,
      pause: allocatePauseState(),
      runId: randomBytes(20).toString('hex'),
      startedAt: Date.now(),
      executablePath: process.argv[1] ?? '',
      configFile: this.config.configFile,
    };
    SaveStatus.initialize(shared.saveStatus, shared.startedAt);
    const slots = SlotMap.allocate(this.shardCount);
    const mesh = this.shardCount > 1 ? allocateMesh(this.shardCount) : null;
    this.mesh = mesh;
    const initFor = (threadIndex: number): ThreadInit => {
      this.memories[threadIndex] = allocateStoreMemory();
      this.restarts[threadIndex] = [];
      return (this.inits[threadIndex] = {
        config: this.config.toRecord(),
        configFile: this.config.configFile,
        threadIndex,
        shardCount: this.shardCount,
        slots,
        mesh,
        shared,
        memory: this.memories[threadIndex],
        loadSnapshot: true,
      });
    };
    process.on('SIGTERM', () => this.onSignal('SIGTERM'));
    process.on('SIGINT', () => this.onSignal('SIGINT'));
    const port = this.config.getNumber('port');
    for (const host of listenAddresses(this.config.get('bind'))) {
      const refusal = await portRefusal(host, port);
      if (refusal === null) continue;
      log('warning', `Warning: Could not create server TCP listening socket ${host === '::' ? '*' : host}:${port}: bind: ${refusal}`);
      log('warning', `Failed listening on port ${port} (TCP), aborting.`);
      process.exit(1);
    }
    try {
      if (this.shardCount === 1) {
        this.local = new ShardThread(initFor(0));
        this.local.server.requestShutdown = () => this.shutdown('SHUTDOWN');
        await this.local.start();
      } else {
        await Promise.all(Array.from({ length: this.shardCount }, (_, i) => this.startWorker(initFor(i))));
      }
    } catch (error) {
      // A thread that could not start says why (a listening socket, the file it loads).
      log('warning', (error as Error).message);
      process.exit(1);
    }
    log('notice', `Server initialized with ${this.shardCount} shard${this.shardCount === 1 ? ' on the main thread' : ' threads'}`);
    log('notice', `Ready to accept connections tcp on port ${this.config.get('port')}`);
  }

  private startWorker(init: ThreadInit): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_ENTRY, { workerData: init, name: `shard-${init.threadIndex}` });
      this.workers[init.threadIndex] = worker;
      const segments = this.memories[init.threadIndex].segments;
      let ready = false;
      worker.on('message', (event: WorkerEvent) => {
        if (event.type === 'segment') {
          if (event.buffer === null) {
            released(segments.get(event.index)?.byteLength ?? 0);
            segments.delete(event.index);
          } else segments.set(event.index, event.buffer);
        } else if (event.type === 'ready') {
          ready = true;
          resolve();
        }
        else if (event.type === 'failed') reject(new Error(event.reason));
        else if (event.type === 'shutdown') this.shutdown('SHUTDOWN');
        else if (event.type === 'signal-seen') this.signalSeen(event.saving);
      });
      worker.on('error', (error: Error) => {
        log('warning', `Shard ${init.threadIndex} worker failed: ${error.stack ?? error.message}`);
        reject(error);
      });
      worker.on('exit', (code) => {
        if (this.stopping) return;
        if (ready) {
          this.restartWorker(init.threadIndex, code);
        } else {
          log('warning', `Shard ${init.threadIndex} worker exited while starting (code ${code}); shutting down.`);
          this.shutdown('worker exit', 1);
        }
      });
    });
  }

  /**
   * A shard's thread died: a new one takes over the same keyspace memory,
   * with fresh rings to every other thread (which fail the hops the dead one
   * owed). Only the dead thread's connections were lost.
   */
  private restartWorker(shard: number, code: number): void {
    const now = Date.now();
    const recent = this.restarts[shard].filter((at) => now - at < RESTART_WINDOW_MS);
    recent.push(now);
    this.restarts[shard] = recent;
    if (recent.length > MAX_RESTARTS_IN_WINDOW) {
      log('warning', `Shard ${shard} worker exited unexpectedly (code ${code}) ${recent.length} times within ${RESTART_WINDOW_MS / 1000} seconds; shutting down.`);
      this.shutdown('worker exit', 1);
      return;
    }
    log('warning', `Shard ${shard} worker exited unexpectedly (code ${code}); its clients were disconnected. Starting a new worker over the shard's memory (${this.memories[shard].segments.size} segments).`);
    const mesh = this.mesh as MeshBuffers;
    renewPeerRings(mesh, shard);
    for (let other = 0; other < this.workers.length; other++) {
      if (other === shard) continue;
      this.workers[other].postMessage({ type: 'peer-restarted', peer: shard, toPeer: mesh.rings[other][shard] as SharedArrayBuffer, fromPeer: mesh.rings[shard][other] as SharedArrayBuffer } satisfies SupervisorCommand);
    }
    this.startWorker({ ...this.inits[shard], mesh, loadSnapshot: false }).then(
      () => log('notice', `Shard ${shard} worker restarted: its keys are served again.`),
      (error: Error) => {
        log('warning', `Shard ${shard} worker could not be restarted: ${error.message}; shutting down.`);
        this.shutdown('worker exit', 1);
      },
    );
  }

  /** A signal being handled: the stop that follows when the first thread does not answer in time. */
  private signalFallback: NodeJS.Timeout | null = null;
  private pendingSignal = '';

  /**
   * SIGTERM / SIGINT: the first thread says whether the dataset is saved
   * first (save points, shutdown-on-sig*: its settings are the live ones); a
   * thread that does not answer (stuck) is not waited for.
   */
  private onSignal(signal: 'SIGTERM' | 'SIGINT'): void {
    if (this.stopping || this.signalFallback !== null) return;
    this.pendingSignal = signal;
    if (this.local !== null) {
      this.signalSeen(this.local.shutdownOnSignal(signal));
      return;
    }
    this.signalFallback = setTimeout(() => void this.shutdown(signal), SIGNAL_ANSWER_MS);
    this.workers[0].postMessage({ type: 'signal', signal } satisfies SupervisorCommand);
  }

  private signalSeen(saving: boolean): void {
    if (this.signalFallback !== null) clearTimeout(this.signalFallback);
    this.signalFallback = null;
    if (saving) log('warning', `Received ${this.pendingSignal}, saving the DB before the shutdown...`);
    else void this.shutdown(this.pendingSignal);
  }

  /** Stops every thread and exits: status 0 when asked to (SHUTDOWN, SIGTERM), 1 when a shard failed, so a supervisor restarts the server. */
  private async shutdown(reason: string, exitCode = 0): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // Also the status when nothing is left to keep the process alive before process.exit below.
    process.exitCode = exitCode;
    log('warning', `Received ${reason}, scheduling shutdown...`);
    log('notice', 'User requested shutdown...');
    // A script still running (SHUTDOWN NOSAVE while busy) ends at its next look at the clock, so its thread can stop.
    RunningScripts.stopAll(this.runningScripts);
    if (this.local) await this.local.stop();
    await Promise.all(
      // A worker that already exited (the one that kept dying) has nothing to stop (its threadId is then -1).
      this.workers.filter((worker) => worker.threadId !== -1).map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once('exit', () => resolve());
            worker.postMessage({ type: 'stop' });
            // A thread that does not stop by itself (stuck where no script hook reaches) is stopped.
            setTimeout(() => void worker.terminate(), STOP_GRACE_MS).unref();
          }),
      ),
    );
    log('notice', 'threadis is now ready to exit, bye bye...');
    process.exit(exitCode);
  }
}

/** How long the first thread has to say whether a signal means a save first. */
const SIGNAL_ANSWER_MS = 2000;

/** How long a thread has to stop by itself at shutdown before it is stopped. */
const STOP_GRACE_MS = 10_000;

const BIND_ERRORS: Record<string, string> = { EADDRINUSE: 'Address already in use', EADDRNOTAVAIL: 'Cannot assign requested address', EACCES: 'Permission denied' };

/**
 * Why `host:port` cannot be listened on, or null when it can. The threads
 * listen with SO_REUSEPORT, which would let this server share a port another
 * server listens on (the kernel splitting connections between two keyspaces):
 * one listen without it first refuses a port in use, as Redis does.
 */
function portRefusal(host: string, port: number): Promise<string | null> {
  if (port === 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(BIND_ERRORS[error.code ?? ''] ?? error.message));
    probe.listen({ port, host, ipv6Only: false, exclusive: true }, () => probe.close(() => resolve(null)));
  });
}
