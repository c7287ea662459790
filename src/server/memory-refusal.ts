// Redis's rules for refusing commands while out of memory (maxmemory set, and
// eviction cannot free enough): a command flagged denyoom is refused before it
// runs; a multi-shard command is refused whole, once, by the thread
// coordinating it (its parts on each shard evict but are never refused);
// inside MULTI everything but EXEC, DISCARD, QUIT and RESET is refused, and an
// EXEC whose queue holds a denyoom command.

import type { CommandSpec } from '../commands/command.ts';
import { Flag } from '../commands/command-row.ts';
import type { MemoryBudget } from '../store/eviction.ts';
import { EvictionResult } from '../store/eviction.ts';
import { Errors } from '../protocol/errors.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Client, QueuedCommand } from './client.ts';
import type { CommandStats } from './command-stats.ts';

/** The commands Redis never refuses for memory inside MULTI. */
const NO_PEERS: readonly number[] = [];

const NEVER_REFUSED_IN_MULTI = new Set(['exec', 'discard', 'quit', 'reset']);

export class MemoryRefusal {
  private readonly memory: MemoryBudget;
  private readonly commandStats: CommandStats;

  constructor(memory: MemoryBudget, commandStats: CommandStats) {
    this.memory = memory;
    this.commandStats = commandStats;
  }

  /** Whether maxmemory is set: with none, nothing is ever refused. */
  get enabled(): boolean {
    return this.memory.maxmemory !== 0;
  }

  /** As Redis before every command: evicts while over maxmemory; true when `spec` needs memory and none can be freed. */
  outOfMemoryFor(spec: CommandSpec): boolean {
    return this.outOfMemory() && (spec.flags & Flag.Denyoom) !== 0;
  }

  /** Evicts while over maxmemory; true when the server is still over it (a write would be refused). */
  outOfMemory(): boolean {
    return this.memory.maxmemory !== 0 && this.memory.evict() === EvictionResult.Fail;
  }

  /** Before a command: evicts here while over maxmemory; the shards that must evict first when this one has nothing to. */
  peersToEvictFirst(): readonly number[] {
    return this.memory.evict() === EvictionResult.Running ? this.memory.peersToEvict() : NO_PEERS;
  }

  /** The refusal: true, with the error written to `out` and counted, when `spec` may not run for want of memory. */
  refuse(spec: CommandSpec, out: ReplyWriter): boolean {
    if (!this.outOfMemoryFor(spec)) return false;
    out.errors = this.commandStats.errors;
    out.error(Errors.outOfMemory);
    this.commandStats.of(spec.name).rejectedCalls++;
    return true;
  }

  /** Inside MULTI: true when `spec` must be refused now (it needs memory, and eviction cannot free any). */
  refusesInMulti(client: Client, spec: CommandSpec): boolean {
    return this.memory.maxmemory !== 0 && this.needsMemoryInMulti(client, spec) && this.memory.evict() === EvictionResult.Fail;
  }

  /** Anything but EXEC, DISCARD, QUIT and RESET; EXEC when a queued command does. */
  private needsMemoryInMulti(client: Client, spec: CommandSpec): boolean {
    if (spec.name === 'exec') return (client.queued as QueuedCommand[]).some((command) => (command.spec.flags & Flag.Denyoom) !== 0);
    return !NEVER_REFUSED_IN_MULTI.has(spec.name);
  }
}
