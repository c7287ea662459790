// Per-thread view of the whole server: configuration, identity, counters.

import type { Config } from '../config/config.ts';
import type { SlotMap } from '../cluster/slots.ts';
import type { Client } from './client.ts';
import type { ParserLimits } from '../protocol/request-parser.ts';

/** Counters reported by INFO stats, kept per thread and summed on demand. */
export class ThreadStats {
  connectionsReceived = 0;
  commandsProcessed = 0;
  rejectedConnections = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  hops = 0;
}

/** Memory shared by all threads for server-wide identity and counters. */
export interface SharedState {
  /** Int32 words: [0] next client id, [1] shutdown requested. */
  counters: SharedArrayBuffer;
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
  readonly clients = new Map<number, Client>();
  readonly shared: SharedState;
  /** Shared by every client parser of the thread, so CONFIG SET reaches them all. */
  readonly parserLimits: ParserLimits;
  private readonly counters: Int32Array;
  /** Set by the thread: asks the supervisor to shut the server down. */
  requestShutdown: (mode: 'save' | 'nosave' | 'default') => void = () => {};

  constructor(config: Config, threadIndex: number, shardCount: number, slots: SlotMap, shared: SharedState) {
    this.config = config;
    this.threadIndex = threadIndex;
    this.shardCount = shardCount;
    this.slots = slots;
    this.shared = shared;
    this.counters = new Int32Array(shared.counters);
    this.parserLimits = { maxBulkLength: 0, maxQueryBuffer: 0 };
    this.refreshFromConfig();
  }

  /** Re-reads the settings that live outside Config for speed; called after CONFIG SET. */
  refreshFromConfig(): void {
    this.parserLimits.maxBulkLength = this.config.getNumber('proto-max-bulk-len');
    this.parserLimits.maxQueryBuffer = this.config.getNumber('client-query-buffer-limit');
  }

  nextClientId(): number {
    return Atomics.add(this.counters, NEXT_CLIENT_ID, 1) + 1;
  }
}
