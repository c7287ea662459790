// The one place a command handler is called, whatever brought the command
// here: a client on this thread (the fast path), a hop from another thread or
// this one, a transaction's batch, EXEC. Around every call: the memory
// refusal, the handler's context, INFO commandstats and errorstats, and work
// the handler deferred (afterCommand), keyspace notifications of what it did
// to keys, and the journal: every write that changed the shard's data is
// appended to it in its replayable form (commands/journal-forms.ts). Slowlog
// belongs here too.

import { CommandContext, type CommandSpec, type CommandTable } from '../commands/command.ts';
import type { ShardStore } from '../store/shard-store.ts';
import type { MemoryBudget } from '../store/eviction.ts';
import { Errors, internalError } from '../protocol/errors.ts';
import { Flag } from '../commands/command-row.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Client } from './client.ts';
import type { ServerContext } from './server-context.ts';
import type { MemoryRefusal } from './memory-refusal.ts';
import { KeyspaceNotifier } from './keyspace-notifier.ts';
import { Journal } from '../store/journal.ts';
import { KEY_MISSED } from '../store/key-events.ts';
import { commandKeys } from '../commands/routing.ts';
import { isJournaled, isJournaledAlways, journalWrite, needsChangedKeys, type JournalWrite } from '../commands/journal-forms.ts';

/** Changes between two readings of the shard's write counter (mod 2^32). */
function writesBetween(before: number, after: number): number {
  return (after - before + 2 ** 32) % 2 ** 32;
}

const NO_ARGS: Buffer[] = [];
const EVICTED_DEL = Buffer.from('DEL');

/** A handler's context while a command it runs (a script's redis.call) borrows it. */
class SavedContext {
  private readonly argv: Buffer[];
  private readonly argc: number;
  private readonly out: ReplyWriter;
  private readonly db: number;
  private readonly now: number;
  private readonly client: Client | null;

  constructor(ctx: CommandContext) {
    this.argv = ctx.argv;
    this.argc = ctx.argc;
    this.out = ctx.out;
    this.db = ctx.db;
    this.now = ctx.now;
    this.client = ctx.client;
  }

  restore(ctx: CommandContext): void {
    ctx.argv = this.argv;
    ctx.argc = this.argc;
    ctx.out = this.out;
    ctx.db = this.db;
    ctx.now = this.now;
    ctx.client = this.client;
  }
}

export class Invoker {
  private readonly server: ServerContext;
  private readonly memory: MemoryBudget;
  private readonly refusal: MemoryRefusal;
  private readonly ctx: CommandContext;
  /** Set while a command handler runs: the context is in use. */
  private inHandler = false;
  /** Work a handler asked for, run once it returned (see afterCommand). */
  private readonly afterHandler: (() => void)[] = [];
  /** notify-keyspace-events: what the command did to keys, notified once it returned. */
  readonly notifier: KeyspaceNotifier;
  /** The shard's journal (store/journal.ts): what the AOF writes. */
  readonly journal = new Journal();
  private readonly store: ShardStore;
  /** Writes of commands run inside the handler running now (a script's calls, a local part), journaled by themselves. */
  private nestedWrites = 0;
  private readonly journalWrite: JournalWrite;
  /** Set while the AOF is replayed: nothing is evicted or refused (as Redis while loading). */
  loading = false;
  /** The id of the client whose hop runs now, when the hop names it (HOP_CALLER), else 0; and its thread. */
  remoteCaller = 0;
  remoteCallerThread = -1;
  /** Set when the script running called a read-only command: its declared keys are tracked for a tracking caller, as Redis. */
  scriptRead = false;
  /**
   * min-replicas-to-write (with min-replicas-max-lag) set: this server has no
   * replicas, so none is good and every write is refused, as Redis refuses
   * writes with too few good replicas.
   */
  noGoodReplicas = false;

  constructor(server: ServerContext, store: ShardStore, memory: MemoryBudget, refusal: MemoryRefusal, commands: CommandTable) {
    this.server = server;
    this.memory = memory;
    this.refusal = refusal;
    this.ctx = new CommandContext(store, server, memory, commands);
    // A key expired or evicted is invalidated for client-side caching; at once outside a command (an eviction before it replies).
    this.notifier = new KeyspaceNotifier(server, store.keyChanges, (_db, key) => {
      if (this.server.tracking.anywhere) this.server.tracking.keyChanged(key, 0, !this.inHandler);
    });
    this.store = store;
    this.journalWrite = { journal: this.journal, store, db: 0, changedKeys: null };
    memory.onEvict = (db, key) => {
      if (this.journal.enabled) this.journal.append(db, [EVICTED_DEL, Buffer.from(key)]);
    };
    const applyReplicas = (): void => {
      this.noGoodReplicas = server.config.getNumber('min-replicas-to-write') > 0 && server.config.getNumber('min-replicas-max-lag') > 0;
    };
    applyReplicas();
    server.configListeners.push(applyReplicas);
  }

  /** The refusal of a write for want of good replicas: true, with the error written to `out` and counted, when `spec` may not run. */
  refuseForReplicas(spec: CommandSpec, out: ReplyWriter): boolean {
    if (!this.noGoodReplicas || this.loading || (spec.flags & Flag.Write) === 0) return false;
    const commandStats = this.server.commandStats;
    out.errors = commandStats.errors;
    out.error(Errors.noReplicas);
    commandStats.of(spec.name).rejectedCalls++;
    return true;
  }

  /**
   * Runs a command's handler on this thread, timing it for INFO commandstats.
   * `countCall` is false for one shard's part of a multi-shard command, which
   * its coordinator counts once. `clock` (ms), when not 0, is the time the
   * command sees (EXEC's start), instead of now. Called from inside a
   * handler (a script's redis.call), the context is lent to the command and
   * given back as it was.
   */
  invoke(spec: CommandSpec, argv: Buffer[], argc: number, out: ReplyWriter, db: number, client: Client | null, countCall: boolean, clock = 0, refuseForMemory = true): void {
    const ctx = this.ctx;
    const nested = this.inHandler;
    const commandStats = this.server.commandStats;
    const errors = commandStats.errors;
    if (this.memory.maxmemory !== 0 && !this.loading) {
      // A shard's part of a multi-shard command evicts as any command, but
      // only its coordinator may refuse it, once for every shard.
      if (!countCall) this.memory.evict();
      else if (refuseForMemory && this.refusal.refuse(spec, out)) return;
    }
    if (countCall && this.refuseForReplicas(spec, out)) return;
    const saved = nested ? new SavedContext(ctx) : null;
    ctx.argv = argv;
    ctx.argc = argc;
    ctx.out = out;
    ctx.db = db;
    ctx.now = clock !== 0 ? clock : Date.now();
    ctx.client = client;
    out.errors = errors;
    const errorsBefore = errors.total;
    const replyStart = out.length;
    const started = performance.now();
    const notifying = this.notifier.flags !== 0 && this.notifier.beforeCommand();
    const invalidating = !nested && this.server.tracking.anywhere && (notifying || this.startRecordingChanges());
    const journaling = this.journal.enabled && isJournaled(spec);
    const writesBefore = this.journal.enabled ? this.store.writeCount : 0;
    const recordingKeys = journaling && needsChangedKeys(spec) && this.startRecording();
    const outerNested = this.nestedWrites;
    this.nestedWrites = 0;
    this.inHandler = true;
    try {
      spec.handler(ctx);
    } catch (error) {
      // A bug in one command answers that command with an error; it never takes the server down.
      out.length = replyStart;
      out.error(internalError(spec.name, error));
    }
    this.inHandler = nested;
    if (journaling) this.journalIfChanged(spec, argv, argc, db, out, replyStart, writesBefore, recordingKeys);
    // A command a script ran: its writes are its own in the journal, not the script's.
    if (nested && this.journal.enabled) this.nestedWrites = outerNested + writesBetween(writesBefore, this.store.writeCount);
    if (invalidating) this.invalidateChanged(client);
    if (this.scriptRead && !nested && spec.script === true) this.trackScriptKeys(spec, argv, argc, client);
    if (notifying) this.notifier.afterCommand(spec, argv, argc);
    else if (invalidating) this.stopRecordingChanges();
    if (!nested && this.afterHandler.length !== 0) this.runAfterHandler();
    // What the command grew is seen at once by the other shards' eviction (the command after it may run there).
    if (this.memory.maxmemory !== 0 && (spec.flags & Flag.Write) !== 0) this.memory.publish();
    const stat = commandStats.of(spec.name);
    stat.usec += (performance.now() - started) * 1000;
    if (countCall) {
      stat.calls++;
      // A script failed when it answered an error (an error a redis.pcall caught is the script's to handle).
      if (spec.script === true ? out.length > replyStart && out.buffer[replyStart] === 0x2d /* - */ : errors.total !== errorsBefore) stat.failedCalls++;
    }
    if (saved !== null) {
      saved.restore(ctx);
      return;
    }
    // Not kept past the command: an argument may be a big buffer to give back.
    ctx.argv = NO_ARGS;
    ctx.client = null;
  }

  /** Whether the script that ran last (over every shard, outside an invoke) read keys; cleared. */
  takeScriptRead(): boolean {
    const read = this.scriptRead;
    this.scriptRead = false;
    return read;
  }

  private trackScriptKeys(spec: CommandSpec, argv: Buffer[], argc: number, client: Client | null): void {
    this.scriptRead = false;
    if (client === null ? this.remoteCaller === 0 : client.tracking === null) return;
    const keys = commandKeys(spec, argv, argc);
    if (client !== null) this.server.tracking.remember(client, keys);
    else this.server.tracking.rememberFor(this.remoteCallerThread, this.remoteCaller, keys);
  }

  /** Key changes start being recorded for client-side caching; false when something records them already. */
  private startRecordingChanges(): boolean {
    const changes = this.store.keyChanges;
    if (changes.recording) return false;
    changes.recording = true;
    return true;
  }

  private stopRecordingChanges(): void {
    this.store.keyChanges.recording = false;
    this.store.keyChanges.clear();
  }

  /** Every key the command wrote or removed is invalidated for the clients that track it, on every thread. */
  private invalidateChanged(client: Client | null): void {
    const changes = this.store.keyChanges;
    const writer = client !== null ? client.id : this.remoteCaller;
    const keys = changes.keys;
    // A key is reported once per change (created, then written): invalidated once per command.
    const seen = keys.length > 1 ? new Set<string>() : null;
    for (let i = 0; i < keys.length; i++) {
      if (changes.happenings[i] === KEY_MISSED) continue;
      if (seen !== null) {
        const name = keys[i].toString('latin1');
        if (seen.has(name)) continue;
        seen.add(name);
      }
      this.server.tracking.keyChanged(keys[i], writer);
    }
  }

  /** Keys changes start being recorded for the journal; false when something records them already (the notifier). */
  private startRecording(): boolean {
    const changes = this.store.keyChanges;
    this.journalWrite.changedKeys = changes.keys;
    if (changes.recording) return false;
    changes.recording = true;
    return true;
  }

  /** Journals the command when it changed data itself (writes of the commands it ran inside are theirs). */
  private journalIfChanged(spec: CommandSpec, argv: Buffer[], argc: number, db: number, out: ReplyWriter, replyStart: number, writesBefore: number, recordingKeys: boolean): void {
    const changed = writesBetween(writesBefore, this.store.writeCount) - this.nestedWrites;
    const write = this.journalWrite;
    if (changed > 0 || isJournaledAlways(spec)) {
      write.db = db;
      journalWrite(write, spec, argv, argc, out.buffer.subarray(replyStart, out.length));
    }
    write.changedKeys = null;
    if (recordingKeys) {
      this.store.keyChanges.recording = false;
      this.store.keyChanges.clear();
    }
  }

  /** Whether a write would be refused for memory now (over maxmemory, eviction freeing too little): a script with flags is refused whole then. */
  outOfMemory(): boolean {
    return !this.loading && this.refusal.outOfMemory();
  }

  /** The context handlers of this thread run with (the server layer sets its script services). */
  get context(): CommandContext {
    return this.ctx;
  }

  /**
   * Runs `work` now, or right after the handler running now returns: work
   * that sends hops (unwatching for RESET, UNWATCH, DISCARD) must not run
   * inside a handler, whose context a local hop reuses.
   */
  afterCommand(work: () => void): void {
    if (this.inHandler) this.afterHandler.push(work);
    else work();
  }

  private runAfterHandler(): void {
    const works = this.afterHandler.splice(0);
    for (const work of works) work();
  }
}
